"""转交、催办、延期 from the case page and 运行监控: hand a task to a colleague, remind its holder,
extend its deadline with a reason (engine/services/handover.py decides who may)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import login_required

from engine.errors import ValidationFailed
from engine.vocabulary import LOCAL_TZ
from web.context import engine, me

bp = Blueprint("handover", __name__)


@bp.post("/tasks/<task_id>/reassign")
@login_required
def reassign(task_id: str):
    form = request.form
    return _done(
        lambda: (
            "已转交给 "
            + engine().reassign(me().username, task_id, form.get("to", ""), form.get("reason", ""))
        )
    )


@bp.post("/tasks/<task_id>/remind")
@login_required
def remind(task_id: str):
    def send() -> str:
        engine().remind(me().username, task_id, request.form.get("note", ""))
        return "已催办"

    return _done(send)


@bp.post("/tasks/<task_id>/extend")
@login_required
def extend(task_id: str):
    form = request.form
    return _done(
        lambda: (
            "期限已延至 "
            + engine()
            .extend_deadline(me().username, task_id, form.get("until", ""), form.get("reason", ""))
            .astimezone(LOCAL_TZ)
            .strftime("%Y-%m-%d")
        )
    )


def _done(action):
    """Do it and go back; a refused field comes back as a message naming the field."""
    try:
        flash(action(), "success")
    except ValidationFailed as failed:
        flash("；".join(e.message for e in failed.errors) or failed.message, "error")
    return redirect(_back())


def _back() -> str:
    target = request.form.get("back", "")
    return target if target.startswith("/") and not target.startswith("//") else url_for("inbox.index")
