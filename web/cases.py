"""案件: the case page (status, timeline, diagram, notices, attachments), printable notices,
attachment downloads, and starting an application at the window."""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import login_required

from engine.areas import county_of
from engine.errors import NotPermitted, ValidationFailed
from engine.views.case_search import CaseQuery, query_from
from web.applying import application_page
from web.context import attachments, engine, me, remote
from web.inbox import page_number
from web.notices import document_number, issuing_authority

bp = Blueprint("cases", __name__)


SEARCH_ARGS = ("q", "category", "status", "step", "from", "to")


@bp.get("/cases")
@login_required
def find():
    """查找案件: the cases the user may read, by name, ID number, case number, category, status,
    step and period; a bad filter is shown beside its field and finds nothing."""
    if case_no := (request.args.get("case_no") or "").strip():  # the old 按案件编号查看 box
        return redirect(url_for("cases.show", case_no=case_no))
    args = {k: request.args.get(k, "") for k in SEARCH_ARGS}
    per_page, number = current_app.config["INBOX_PAGE_SIZE"], page_number(request.args)
    eng = engine()
    try:
        query = query_from(request.args)
    except ValidationFailed as failed:
        errors = {e.path: e.message for e in failed.errors}
        found = eng.search_cases(me().username, CaseQuery(), limit=0)
        return render_template(
            "cases.html",
            found=found,
            args=args,
            kept={},
            errors=errors,
            number=1,
            pages=1,
            areas=eng.area_names(),
        ), 422
    found = eng.search_cases(me().username, query, limit=per_page, offset=(number - 1) * per_page)
    return render_template(
        "cases.html",
        found=found,
        args=args,
        kept={k: v for k, v in args.items() if v},
        errors={},
        number=number,
        pages=max(1, -(-found.total // per_page)),
        areas=eng.area_names(),
    )


@bp.get("/cases/<case_no>")
@login_required
def show(case_no: str):
    eng = engine()
    page = eng.case_page(me().username, case_no, remote())
    return render_template(
        "case.html",
        case=page.case,
        diagrams=page.diagrams,
        diagram_data=[asdict(d) for d in page.diagrams],
        element_names={k: v for d in page.diagrams for k, v in d.names.items()},
        files=page.files,
        areas=eng.area_names(),
        controls=page.controls,
        comments=page.comments,
        show_views=request.args.get("views") == "1",
    )


@bp.post("/cases/<case_no>/comments")
@login_required
def comment(case_no: str):
    """留言 on the case, or on one of its open tasks (from the task page)."""
    form = request.form
    try:
        engine().add_comment(me().username, case_no, form.get("body", ""), form.get("task_id") or None)
        flash("留言已保存", "success")
    except ValidationFailed as failed:
        flash("；".join(e.message for e in failed.errors), "error")
    back = form.get("back", "")
    ok = back.startswith("/") and not back.startswith("//")
    return redirect((back if ok else url_for("cases.show", case_no=case_no)) + "#comments")


@bp.get("/cases/<case_no>/notices/<int:number>")
@login_required
def notice(case_no: str, number: int):
    eng = engine()
    view = eng.viewed_case(me().username, case_no, f"书面告知书 {number}", remote())
    if not 1 <= number <= len(view.notices):
        abort(404)
    notice = view.notices[number - 1]
    issuer = eng.account(notice["issued_by"])
    level = notice["fields"].get("level") or (issuer.role if issuer else "township")
    areas = eng.area_names()
    return render_template(
        "notice.html",
        case=view,
        notice=notice,
        number=number,
        areas=areas,
        authority=issuing_authority(level, view.area_code, areas),
        document_no=document_number(notice, view.case_no, number),
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
    return application_page(
        "new_case.html",
        eng.start_form(county_of(account.area_code) if len(account.area_code) >= 6 else None),
        eng.places(within=account.area_code, level="village"),
        start=lambda data, area, key: eng.start_application(
            account.username, data, area, idempotency_key=key
        ),
        done=lambda ref: redirect(url_for("cases.show", case_no=ref.case_no)),
    )
