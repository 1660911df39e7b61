"""统计报表: the 台账 (every payment) with its CSV / XLSX export, and the dashboard of a county or
township drawn with Chart.js. Read-only pages; engine/views/reports decides who sees which area."""

from __future__ import annotations

import csv
import io
from datetime import date

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_login import login_required

from engine.errors import FieldError, ValidationFailed
from engine.services.coverage import LEDGER_HEADERS as COVERAGE_HEADERS
from engine.views.reports import LedgerFilter
from engine.views.reports.exports import spreadsheet_safe
from engine.vocabulary import CATEGORIES_WITH_UNCLASSIFIED as CATEGORIES
from engine.vocabulary import FOLLOW_UP, LOCAL_TZ, ROSTERS
from engine.vocabulary import PAYMENT_WAYS as WAYS
from web import params
from web.context import engine, me, remote

bp = Blueprint("reports", __name__, url_prefix="/reports")
PAGE_SIZE = 50


def _date(name: str, errors: list) -> date | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors.append(FieldError(name, "日期：格式应为 年-月-日"))
        return None


def filters_from_request() -> LedgerFilter:
    errors: list = []
    found = LedgerFilter(
        area_code=(request.args.get("area") or "").strip() or None,
        date_from=_date("from", errors),
        date_to=_date("to", errors),
        category=request.args.get("category") or None,
        way=request.args.get("way") or None,
    )
    if errors:
        raise ValidationFailed(errors, "；".join(e.message for e in errors))
    return found


def _areas() -> list:
    """The areas a report may be narrowed to: a county's townships and villages, a township's
    villages; above the county, its cities and counties (not every village of a province)."""
    account = me()
    code = account.area_code
    if len(code) < 6:
        return [p for level in ("city", "county") for p in engine().places(within=code, level=level)]
    return engine().places(within=code[:6] if len(code) == 6 else code)


def _query() -> dict:
    return {k: v for k, v in request.args.items() if k in ("area", "from", "to", "category", "way") and v}


def _page(template: str, **values):
    return render_template(
        template, areas=_areas(), query=_query(), categories=CATEGORIES, ways=WAYS, **values
    )


@bp.get("/")
@login_required
def index():
    return redirect(url_for("reports.dashboard"))


@bp.get("/dashboard")
@login_required
def dashboard():
    filters = filters_from_request()
    board = engine().reports().dashboard(me().username, filters)
    chart = {
        "months": board.months,
        "categories": [{"code": c, "label": CATEGORIES[c]} for c in board.categories],
        "applications": {c: board.series("applications", c) for c in board.categories},
        "approvals": {c: board.series("approvals", c) for c in board.categories},
        "refusals": {c: board.series("refusals", c) for c in board.categories},
        "amounts": {c: board.series("amounts", c) for c in board.categories},
    }
    return _page("reports/dashboard.html", board=board, chart=chart)


@bp.get("/ledger")
@login_required
def ledger():
    filters = filters_from_request()
    number = params.lenient_int_arg(request.args, "page", 1, 1, 100_000)
    page = engine().reports().ledger(me().username, filters, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    pages = max(1, -(-page.total // PAGE_SIZE))
    return _page("reports/ledger.html", page=page, number=number, pages=pages)


@bp.get("/ledger.csv")
@login_required
def ledger_csv():
    chunks = engine().reports().export_csv(me().username, filters_from_request(), remote())
    return Response(
        stream_with_context(chunks),
        mimetype="text/csv",
        headers={
            "Content-Disposition": 'attachment; filename="ledger.csv"',
            "Content-Type": "text/csv; charset=utf-8",
        },
    )


@bp.post("/exports")
@login_required
def start_export():
    """A whole county's export, written by the worker; the job page shows its progress."""
    from web import jobs

    export_format = "csv" if request.form.get("format") == "csv" else "xlsx"
    job_id = engine().reports().start_export(me().username, filters_from_request(), export_format, remote())
    jobs.started(job_id)
    return redirect(url_for("jobs.show", job_id=job_id))


@bp.get("/ledger.xlsx")
@login_required
def ledger_xlsx():
    buffer = io.BytesIO()
    engine().reports().export_xlsx(me().username, filters_from_request(), buffer, remote())
    buffer.seek(0)
    return send_file(
        buffer,
        as_attachment=True,
        download_name="ledger.xlsx",
        max_age=0,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _month() -> str:
    """The month asked for, or the county's latest 台账 (this month when there is none yet)."""
    asked = (request.args.get("month") or "").strip()
    if asked:
        return asked
    known = engine().coverage_months(me().username)
    return known[0] if known else engine().clock().astimezone(LOCAL_TZ).strftime("%Y-%m")


@bp.get("/coverage")
@login_required
def coverage():
    """每月比对台账 (003 §二(一)一是): the monitored persons no roll covers, and their follow-up."""
    month = _month()
    rows = engine().coverage_ledger(month, username=me().username)
    return render_template(
        "reports/coverage.html",
        month=month,
        months=engine().coverage_months(me().username),
        rows=rows,
        rosters=ROSTERS,
        follow_up=FOLLOW_UP,
    )


@bp.post("/coverage/<int:entry_id>")
@login_required
def coverage_follow_up(entry_id: int):
    month = (request.form.get("month") or "").strip()
    try:
        engine().set_coverage_follow_up(
            entry_id, request.form.get("follow_up") or "", request.form.get("note"), me().username
        )
        flash("跟进状态已保存", "success")
    except ValidationFailed as failed:
        flash("；".join(e.message for e in failed.errors) or failed.message, "error")
    return redirect(url_for("reports.coverage", month=month or None))


@bp.get("/coverage.csv")
@login_required
def coverage_csv():
    month = _month()
    rows = engine().export_coverage(month, me().username, remote())
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(COVERAGE_HEADERS)
    for row in rows:
        writer.writerow(spreadsheet_safe(row))
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="coverage-{month}.csv"',
            "Content-Type": "text/csv; charset=utf-8",
        },
    )
