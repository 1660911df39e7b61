"""待办 (the clerk's home page): open tasks of the user's role and area; claim and unclaim."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required

from engine.vocabulary import CATEGORIES
from web import params
from web.context import engine, me, remote

bp = Blueprint("inbox", __name__)


def inbox_filters(args) -> dict:
    """The filters of the inbox from query arguments (the same for the page and the API)."""
    category = args.get("category") or None
    return {
        "category": category if category in CATEGORIES else None,
        "task_name": (args.get("task") or "").strip()[:200] or None,
        "overdue": args.get("overdue") in ("1", "true", "on"),
        "claimed": args.get("claimed") if args.get("claimed") in CLAIM_FILTERS else None,
        "latest_due_first": args.get("sort") == "due_desc",
    }


CLAIM_FILTERS = {"mine": "我认领的", "unclaimed": "未认领"}


def page_number(args) -> int:
    return params.lenient_int_arg(args, "page", 1, 1, 100_000)


@bp.get("/")
@login_required
def index():
    if me().role in ("city", "province"):  # they read reports and work no case: no inbox
        return redirect(url_for("reports.dashboard"))
    filters = inbox_filters(request.args)
    per_page, number = current_app.config["INBOX_PAGE_SIZE"], page_number(request.args)
    found = engine().inbox(me().username, limit=per_page, offset=(number - 1) * per_page, **filters)
    pages = max(1, -(-found.total // per_page))
    return render_template(
        "inbox.html", page=found, filters=filters, number=number, pages=pages, areas=engine().area_names()
    )


# 退回 means "send back to the previous step" in government work; giving up a claim is 放弃认领.
CLAIMS = {"claim": ("认领待办", "已认领"), "unclaim": ("放弃认领", "已放弃认领，其他同事可以认领")}


def change_claim(username: str, task_id: str, action: str) -> str:
    """Claim or unclaim (认领 / 放弃认领) a task the user may act on; returns what to tell them."""
    what, done = CLAIMS[action]
    eng = engine()
    eng.task_access(username, task_id, what, remote())
    (eng.claim if action == "claim" else eng.unclaim)(username, task_id)
    return done


@bp.post("/tasks/<task_id>/claim", defaults={"action": "claim"})
@bp.post("/tasks/<task_id>/unclaim", defaults={"action": "unclaim"})
@login_required
def claim(task_id: str, action: str):
    flash(change_claim(me().username, task_id, action), "success")
    return redirect(_back())


def _back() -> str:
    target = request.form.get("back", "")
    return target if target.startswith("/") and not target.startswith("//") else url_for("inbox.index")
