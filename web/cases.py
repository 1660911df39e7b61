"""案件: the case page (status, timeline, diagram, notices, attachments), printable notices,
attachment downloads, and starting an application at the window."""

from __future__ import annotations

import uuid
from dataclasses import asdict

from flask import Blueprint, abort, redirect, render_template, request, send_file, url_for
from flask_login import login_required

from engine.errors import NotPermitted, ValidationFailed
from web import schemaform
from web.context import attachments, engine, me, remote

bp = Blueprint("cases", __name__)


@bp.get("/cases")
@login_required
def find():
    case_no = (request.args.get("case_no") or "").strip()
    if not case_no:
        return redirect(url_for("inbox.index"))
    return redirect(url_for("cases.show", case_no=case_no))


@bp.get("/cases/<case_no>")
@login_required
def show(case_no: str):
    eng = engine()
    eng.case_access(me().username, case_no, "案件页", remote())
    view = eng.case_view(case_no, me().username)
    diagrams = eng.case_diagrams(case_no)
    return render_template(
        "case.html",
        case=view,
        diagrams=diagrams,
        diagram_data=[asdict(d) for d in diagrams],
        files=attachments().for_case(case_no),
        areas=eng.area_names(),
    )


@bp.get("/cases/<case_no>/notices/<int:number>")
@login_required
def notice(case_no: str, number: int):
    eng = engine()
    eng.case_access(me().username, case_no, f"书面告知书 {number}", remote())
    view = eng.case_view(case_no, me().username)
    if not 1 <= number <= len(view.notices):
        abort(404)
    return render_template(
        "notice.html", case=view, notice=view.notices[number - 1], number=number, areas=eng.area_names()
    )


@bp.get("/attachments/<int:attachment_id>")
@login_required
def download(attachment_id: int):
    info, path = attachments().open(me().username, attachment_id, remote())
    return send_file(
        path, mimetype=info.content_type, as_attachment=True, download_name=info.filename, max_age=0
    )


@bp.route("/cases/new", methods=["GET", "POST"])
@login_required
def new():
    eng, account = engine(), me()
    if not account.may_apply:
        raise NotPermitted("您的岗位不受理临时救助申请")
    schema = eng.start_form()
    villages = eng.places(within=account.area_code, level="village")
    if request.method == "GET":
        return _render_new(schema, {}, {}, villages, "", uuid.uuid4().hex)
    data = schemaform.parse(schema, request.form)
    area_code, key = request.form.get("area_code", ""), (request.form.get("_submission") or "")[:64]
    try:
        ref = eng.start_application(account.username, data, area_code, idempotency_key=key or None)
    except ValidationFailed as err:
        return _render_new(schema, data, schemaform.errors_by_path(err.errors), villages, area_code, key), 422
    return redirect(url_for("cases.show", case_no=ref.case_no))


def _render_new(schema, data, errors, villages, area_code, key):
    root = schemaform.build(schema, data, errors)
    others = {path: messages for path, messages in errors.items() if path != "area_code"}
    return render_template(
        "new_case.html",
        form=root,
        unplaced=schemaform.unplaced_errors(root, others),
        villages=villages,
        area_code=area_code,
        area_errors=errors.get("area_code", []),
        key=key,
    )
