"""申请表: the application form with the applicant's village, shared by the window (/cases/new) and
residents applying online (/gongzhong/shenqing)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

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
    **context,
):
    """GET shows the form; POST starts the case through `start(data, area_code, key)` and answers
    `done(ref)`, or shows the form again with the input and each error beside its field."""
    if request.method == "GET":
        return _render(template, schema, initial or {}, {}, villages, "", uuid.uuid4().hex, omit, ui, context)
    data = schemaform.parse(schema, request.form, omit=omit)
    area_code, key = request.form.get("area_code", ""), (request.form.get("_submission") or "")[:64]
    try:
        ref = start(data, area_code, key or None)
    except ValidationFailed as err:
        errors = schemaform.errors_by_path(err.errors)
        return _render(template, schema, data, errors, villages, area_code, key, omit, ui, context), 422
    return done(ref)


def _render(template, schema, data, errors, villages, area_code, key, omit, ui, context):
    view = schemaform.view(schema, data, errors, ui, omit=omit, outside=("area_code",))
    return render_template(template, view=view, villages=villages, area_code=area_code, key=key, **context)
