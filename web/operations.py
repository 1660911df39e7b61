"""运行监控: cases needing attention — a failed script, a missed deadline, a timer that did not fire,
a task past its due time — retried or cancelled with a reason (engine.studio checks who may)."""

from __future__ import annotations

import json

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from engine.errors import FieldError, ValidationFailed
from engine.studio.operations import KIND_TITLES
from engine.vocabulary import Role
from web.context import engine, me

bp = Blueprint("operations", __name__, url_prefix="/operations")


@bp.get("/")
@login_required
def index():
    items = engine().studio().attention(me().username)
    may_act = Role(me().role) in (Role.PROCESS_OWNER, Role.COUNTY)
    return render_template("operations/index.html", items=items, kinds=KIND_TITLES, may_act=may_act)


@bp.post("/cases/<case_no>/retry")
@login_required
def retry(case_no: str):
    raw = (request.form.get("data") or "").strip()
    try:
        data = json.loads(raw) if raw else None
    except json.JSONDecodeError:
        data = "invalid"
    if data is not None and not isinstance(data, dict):
        message = '更正数据：应为 JSON 对象，如 {"amount": 800}'
        raise ValidationFailed([FieldError("data", message)], message)
    result = engine().studio().retry(me().username, case_no, request.form.get("reason", ""), data)
    ok = result["status"] != "needs_attention"
    flash(
        f"{case_no} 已重新执行"
        + ("" if ok else "，仍有异常：" + (result["attention"] or {}).get("error", "")),
        "success" if ok else "error",
    )
    return redirect(url_for("operations.index"))


@bp.post("/cases/<case_no>/cancel")
@login_required
def cancel(case_no: str):
    engine().studio().cancel(me().username, case_no, request.form.get("reason", ""))
    flash(f"{case_no} 已撤销", "success")
    return redirect(url_for("operations.index"))
