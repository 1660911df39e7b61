"""申请表: the application form with the applicant's village, shared by the window (/cases/new) and
residents applying online (/gongzhong/shenqing)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from flask import render_template, request

from engine.errors import ValidationFailed
from web import schemaform


def application_page(
    template: str,
    schema: dict,
    villages: list,
    start: Callable,
    done: Callable,
    omit: tuple = (),
    initial: dict | None = None,
    ui: dict | None = None,
    uploads: Mapping[str, str] | None = None,
    **context,
):
    """GET shows the form; POST starts the case through `start(data, area_code, key)` and answers
    `done(ref)`, or shows the form again with the input and each error beside its field.

    With `uploads` ({kind: title}) the form has a file input `file_<kind>` for each, and `start` gets
    the chosen files as `uploads=[(kind, file name, stream)]`; a form shown again names the files
    to choose again (a browser cannot keep them)."""
    uploads = uploads or {}
    if request.method == "GET":
        page = _Page(template, schema, villages, omit, ui, uploads, context)
        return page.render(initial or {}, {}, "", uuid.uuid4().hex)
    data = schemaform.parse(schema, request.form, omit=omit)
    area_code, key = request.form.get("area_code", ""), (request.form.get("_submission") or "")[:64]
    chosen = [
        (kind, upload.filename or "", upload.stream)
        for kind in uploads
        for upload in request.files.getlist(f"file_{kind}")
        if upload.filename
    ]
    try:
        ref = start(data, area_code, key or None, **({"uploads": chosen} if uploads else {}))
    except ValidationFailed as err:
        page = _Page(template, schema, villages, omit, ui, uploads, context)
        again = {kind: [name for k, name, _s in chosen if k == kind] for kind in uploads}
        return page.render(data, schemaform.errors_by_path(err.errors), area_code, key, again), 422
    return done(ref)


@dataclass(frozen=True)
class _Page:
    template: str
    schema: dict
    villages: list
    omit: tuple
    ui: dict | None
    uploads: Mapping[str, str]
    context: dict

    def render(self, data, errors, area_code, key, again=None):
        outside = ("area_code", *(f"file_{kind}" for kind in self.uploads))
        view = schemaform.view(self.schema, data, errors, self.ui, omit=self.omit, outside=outside)
        return render_template(
            self.template,
            view=view,
            villages=self.villages,
            area_code=area_code,
            key=key,
            uploads=self.uploads,
            choose_again={kind: names for kind, names in (again or {}).items() if names},
            **self.context,
        )
