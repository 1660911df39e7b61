"""办理待办: the task form rendered from its JSON Schema, its submission, and its attachments."""

from __future__ import annotations

import uuid

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from engine.errors import ValidationFailed
from engine.prefill import prefill
from engine.services import tasks
from engine.vocabulary import LOCAL_TZ
from web import schemaform
from web.context import attachments, engine, me, remote
from web.labels import local_time

bp = Blueprint("tasks", __name__)


@bp.get("/tasks/<task_id>")
@login_required
def show(task_id: str):
    eng = engine()
    page = eng.task_page(me().username, task_id, remote())
    if page.draft is not None:
        return _render(page, page.draft.data, {}, uuid.uuid4().hex, page.draft)
    earlier = [step for step in page.steps if step.name == page.task.name]
    if earlier:  # the case came back to this step (an objection, say): start from last time's answers
        return _render(page, dict(earlier[-1].data), {}, uuid.uuid4().hex, again=earlier[-1])
    today = eng.now().astimezone(LOCAL_TZ).date()
    return _render(page, prefill(page.schema, page.case.data, me().display_name, today), {}, uuid.uuid4().hex)


@bp.post("/tasks/<task_id>")
@login_required
def submit(task_id: str):
    eng, username = engine(), me().username
    key = (request.form.get("_submission") or "")[:64]
    if request.form.get("_action") == "draft":  # 保存草稿: kept as typed, nothing checked or run
        _task, schema = eng.task_form(username, task_id, remote())
        saved = eng.save_form_draft(username, task_id, schemaform.parse(schema, request.form))
        flash(f"草稿已保存（{local_time(saved)}），下次打开此待办时自动载入。", "success")
        return redirect(url_for("tasks.show", task_id=task_id))
    try:
        done = tasks.complete_task(
            eng.uow(),
            tasks.Caller(username, remote()),
            task_id,
            lambda schema: schemaform.parse(schema, request.form),
            idempotency_key=key or None,
        )
    except ValidationFailed as err:
        page = eng.task_page(username, task_id, remote())
        data = schemaform.parse(eng.task_form(username, task_id, remote())[1], request.form)
        return _render(page, data, schemaform.errors_by_path(err.errors), key), 422
    if done.replayed:  # a second click, the back button, a second tab
        flash("这份表单已经提交过，本次没有重复办理。", "info")
        return redirect(url_for("inbox.index"))
    following = "、".join(t.name for t in done.open_tasks) or "无（本环节后无待办）"
    flash(f"已提交“{done.completed_name}”（案件 {done.case_no}）。下一步：{following}", "success")
    return redirect(url_for("inbox.index"))


def _render(page, data: dict, errors: dict, key: str, draft=None, again=None):
    return render_template(
        "task.html",
        page=page,
        draft=draft,
        again=again,
        view=schemaform.view(page.schema, data, errors, page.ui_schema),
        key=key,
        application=schemaform.describe(page.application_schema, page.application),
        steps=[(step, schemaform.describe(step.schema, step.data)) for step in page.steps],
        files=page.files,
        kinds=attachments().kinds,
        comments=page.comments,
    )


@bp.post("/tasks/<task_id>/attachments")
@login_required
def upload(task_id: str):
    """An attachment sent with the task form (its 上传 button posts the whole form): what was typed
    is kept as the clerk's draft first, so the page comes back with every choice made."""
    upload = request.files.get("file")
    if "_submission" in request.form:
        eng = engine()
        _task, schema = eng.task_form(me().username, task_id, remote())
        eng.save_form_draft(me().username, task_id, schemaform.parse(schema, request.form))
    try:
        if upload is None:
            raise ValidationFailed([])
        added = attachments().add(
            me().username,
            task_id,
            request.form.get("kind", ""),
            upload.filename or "",
            upload.stream,
            remote(),
        )
    except ValidationFailed as err:
        flash("；".join(e.message for e in err.errors) or "附件：请选择文件", "error")
    else:
        flash(f"已上传附件“{added.filename}”", "success")
    return redirect(url_for("tasks.show", task_id=task_id) + "#attachments")


@bp.post("/tasks/<task_id>/draft/discard")
@login_required
def discard_draft(task_id: str):
    gone = engine().discard_form_draft(me().username, task_id)
    flash("草稿已放弃" if gone else "没有草稿", "success" if gone else "info")
    return redirect(url_for("tasks.show", task_id=task_id))
