"""Background jobs as their owner sees them: progress while `jiuzhu worker` does the work, then the
result (an export to download, a migration's moved and refused cases). Polled by job-status.js."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, render_template, request, send_file
from flask_login import login_required

from engine.views.reports.exports import export_file
from web.context import engine, me

bp = Blueprint("jobs", __name__, url_prefix="/jobs")
TITLES = {"ledger_export": "导出台账", "case_migration": "迁移运行中的案件", "scenario_run": "政策场景测试"}
STATUS = {"queued": "排队等待工作进程", "running": "进行中", "done": "已完成", "failed": "未能完成"}


def inline() -> bool:
    """Jobs done inside the request that queues them (tests without a worker), else by the worker."""
    return bool(current_app.config.get("JOBS_INLINE") or current_app.config.get("STUDIO_RUN_INLINE"))


def started(job_id: int) -> None:
    if inline():
        engine().run_job_now(job_id)


@bp.get("/<int:job_id>")
@login_required
def show(job_id: int):
    job = engine().job(job_id, me().username)
    if request.accept_mimetypes.best == "application/json" or request.args.get("format") == "json":
        return jsonify(job.as_dict())
    return render_template("jobs/job.html", job=job, title=TITLES.get(job.kind, job.kind), status=STATUS)


@bp.get("/<int:job_id>/file")
@login_required
def download(job_id: int):
    job = engine().job(job_id, me().username)
    if job.kind != "ledger_export" or job.status != "done" or not job.result:
        abort(404)
    path = export_file(job.id, job.result["format"])
    if not path.exists():
        abort(404)
    mimetype = (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        if job.result["format"] == "xlsx"
        else "text/csv"
    )
    return send_file(
        path, as_attachment=True, download_name=f"ledger.{job.result['format']}", mimetype=mimetype, max_age=0
    )
