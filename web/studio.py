"""流程工作室 (the process owner's studio): deployed versions and their diff, drafts edited in the
bpmn-js / dmn-js modelers and a JSON form editor with the inbox's own renderer as preview, scenario
runs, deploy, case migration and county parameters. The auditor sees every page and no button
works for them: each change is refused by engine/ (engine.studio) for anyone but the process owner."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import login_required

from engine import forms as form_checks
from engine.errors import Conflict, FieldError, ValidationFailed
from engine.parameters import catalogue, parse_entry
from engine.services import deploy as deploy_service
from engine.services import migration as migrations
from engine.vocabulary import CATEGORIES, LOCAL_TZ
from engine.workflow.diff import KIND_TITLES
from web import jobs, params, schemaform
from web.context import engine, me

bp = Blueprint("studio", __name__, url_prefix="/studio")
EDITORS = {".bpmn": "bpmn", ".dmn": "dmn", ".json": "json"}


def studio():
    return engine().studio()


def _int_arg(name: str) -> int | None:
    return params.lenient_int_arg(request.args, name, None, 1)


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json" or request.is_json


@bp.get("/")
@login_required
def index():
    versions = studio().versions(me().username)
    return render_template(
        "studio/index.html",
        versions=versions,
        drafts=studio().drafts(me().username),
        may_edit=studio().may_edit(me().username),
    )


@bp.get("/diff")
@login_required
def diff():
    versions = studio().versions(me().username)
    ids = [v["id"] for v in versions]
    new = _int_arg("to") or (ids[0] if ids else None)
    old = _int_arg("from") or next((i for i in ids if new and i < new), None)
    result = studio().diff(me().username, old, new) if old and new else None
    return render_template(
        "studio/diff.html", versions=versions, old=old, new=new, diff=result, kinds=KIND_TITLES
    )


@bp.get("/versions/<int:version_id>/export")
@login_required
def export_version(version_id: int):
    return _zip(studio().export_archive(me().username, version_id=version_id), f"jiuzhu-v{version_id}.zip")


def _zip(raw: bytes, name: str) -> Response:
    return Response(
        raw, mimetype="application/zip", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


# -- drafts ------------------------------------------------------------------------------------------
@bp.post("/drafts")
@login_required
def new_draft():
    source = request.form.get("source", "version")
    name = request.form.get("name", "")
    if source == "archive":
        upload = request.files.get("archive")
        draft_id = studio().import_archive(me().username, name, upload.read() if upload else b"")
    elif source == "folders":
        from engine import paths

        draft_id = studio().import_folders(me().username, name, paths.bpmn_dir(), paths.forms_dir())
    else:
        version = request.form.get("version", "")
        draft_id = studio().new_draft(me().username, name, params.whole_number(version, 1))
    flash("草稿已创建", "success")
    return redirect(url_for("studio.draft", draft_id=draft_id))


@bp.get("/drafts/<int:draft_id>")
@login_required
def draft(draft_id: int):
    view = studio().draft(me().username, draft_id)
    return render_template(
        "studio/draft.html",
        draft=view,
        changes=studio().draft_diff(me().username, draft_id),
        may_edit=studio().may_edit(me().username) and view.status == "open",
        kinds=KIND_TITLES,
    )


@bp.get("/drafts/<int:draft_id>/export")
@login_required
def export_draft(draft_id: int):
    return _zip(studio().export_archive(me().username, draft_id=draft_id), f"jiuzhu-draft-{draft_id}.zip")


@bp.get("/drafts/<int:draft_id>/files/<path:path>")
@login_required
def edit_file(draft_id: int, path: str):
    view = studio().draft(me().username, draft_id)
    if path not in view.files:
        abort(404)
    kind = next((k for suffix, k in EDITORS.items() if path.endswith(suffix)), None)
    forms = sorted(p.removeprefix("forms/") for p in view.files if p.startswith("forms/"))
    return render_template(
        "studio/edit.html",
        draft=view,
        path=path,
        kind=kind,
        text=view.files[path],
        forms=forms,
        problems=view.problems_of(path),
        may_edit=studio().may_edit(me().username) and view.status == "open",
        value_labels=_value_labels(view.files) if kind == "dmn" else [],
    )


def _value_labels(files: dict[str, str]) -> list[tuple[str, str]]:
    """What the codes in decision table cells stand for: each choice of the forms (const -> title)
    and the categories, so a rule reads 重大生活困难 rather than 'major'."""
    found = dict(CATEGORIES)
    for path, text in files.items():
        if path.startswith("forms/") and path.endswith(".json"):
            try:
                _collect_choices(json.loads(text), found)
            except ValueError:
                continue
    return [*found.items(), ("True", "是"), ("False", "否")]


def _collect_choices(node, found: dict) -> None:
    if isinstance(node, dict):
        if isinstance(node.get("const"), str) and isinstance(node.get("title"), str):
            found.setdefault(node["const"], node["title"])
        for value in node.values():
            _collect_choices(value, found)
    elif isinstance(node, list):
        for value in node:
            _collect_choices(value, found)


@bp.post("/drafts/<int:draft_id>/files/<path:path>")
@login_required
def save_file(draft_id: int, path: str):
    body = request.get_json(silent=True) if request.is_json else request.form
    text = body.get("text") if isinstance(body, Mapping) else None
    if not isinstance(text, str):
        raise ValidationFailed([FieldError("text", "文件内容：应为文本（text）")])
    view = studio().save_file(me().username, draft_id, path, text)
    problems = view.problems_of(path)
    if _wants_json():
        return jsonify(
            saved=True,
            problems=problems,
            errors=len(view.errors),
            warnings=len(view.warnings),
            hash=view.content_hash,
        )
    errors = [p for p in problems if p["severity"] == "error"]
    flash(
        f"已保存 {path}" + (f"：{len(errors)} 个问题需改正" if errors else "，检查通过"),
        "error" if errors else "success",
    )
    return redirect(url_for("studio.edit_file", draft_id=draft_id, path=path))


@bp.post("/drafts/<int:draft_id>/new-file")
@login_required
def new_file(draft_id: int):
    name = (request.form.get("name") or "").strip()
    path = name if "/" in name else f"forms/{name}"
    template = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "新表单",
        "type": "object",
        "properties": {},
        "required": [],
    }
    studio().save_file(
        me().username, draft_id, path, json.dumps(template, ensure_ascii=False, indent=2) + "\n"
    )
    return redirect(url_for("studio.edit_file", draft_id=draft_id, path=path))


@bp.post("/drafts/<int:draft_id>/files/<path:path>/delete")
@login_required
def delete_file(draft_id: int, path: str):
    studio().save_file(me().username, draft_id, path, None)
    flash(f"已删除 {path}", "success")
    return redirect(url_for("studio.draft", draft_id=draft_id))


@bp.post("/drafts/<int:draft_id>/discard")
@login_required
def discard(draft_id: int):
    studio().discard(me().username, draft_id)
    flash("草稿已放弃", "success")
    return redirect(url_for("studio.index"))


@bp.post("/drafts/<int:draft_id>/runs")
@login_required
def start_run(draft_id: int):
    from flask import current_app

    keyword = current_app.config.get("STUDIO_SCENARIO_KEYWORD")
    run_id = studio().start_run(
        me().username, draft_id, keyword=keyword, wait=bool(current_app.config.get("STUDIO_RUN_INLINE"))
    )
    if _wants_json():
        return jsonify(run=run_id)
    flash("政策场景测试已开始，结果将显示在本页", "info")
    return redirect(url_for("studio.draft", draft_id=draft_id) + "#run")


@bp.get("/runs/<int:run_id>")
@login_required
def run(run_id: int):
    return jsonify(studio().run(me().username, run_id))


@bp.post("/drafts/<int:draft_id>/deploy")
@login_required
def deploy(draft_id: int):
    try:
        deployment = deploy_service.deploy_draft(
            engine().uow(),
            me().username,
            draft_id,
            note=request.form.get("note") or None,
            accept_failures=request.form.get("accept_failures") == "yes",
        )
    except Conflict as refused:  # no run yet, a failed run: say why, and back to where to act
        flash(f"未部署：{refused.message}", "error")
        return redirect(url_for("studio.draft", draft_id=draft_id) + "#deploy")
    flash(
        f"已部署为版本 {deployment.version_id}（{deployment.content_hash[:12]}），新案件将使用此版本"
        if deployment.created
        else f"内容与版本 {deployment.version_id} 相同，沿用该版本",
        "success",
    )
    return redirect(url_for("studio.index"))


@bp.post("/preview")
@login_required
def preview():
    """The form as the inbox will render it, from the schema being edited (nothing is saved)."""
    payload = request.get_json(silent=True)
    payload = payload if isinstance(payload, dict) else {}
    problems: list[str] = []
    try:
        schema = json.loads(payload.get("schema") or "")
        ui = json.loads(payload["ui"]) if payload.get("ui") else None
    except (json.JSONDecodeError, TypeError) as err:
        return render_template("studio/_preview.html", problems=[f"不是有效的 JSON：{err}"], view=None)
    if not isinstance(schema, dict):
        return render_template("studio/_preview.html", problems=["表单定义应为 JSON 对象"], view=None)
    problems = form_checks.schema_problems(schema)
    view = None if problems else schemaform.view(schema, payload.get("data") or {}, None, ui)
    return render_template("studio/_preview.html", problems=problems, view=view)


# -- migration -----------------------------------------------------------------------------------
@bp.get("/migrate")
@login_required
def migrate_plan():
    versions = studio().versions(me().username)
    new = _int_arg("to") or (versions[0]["id"] if versions else None)
    old = _int_arg("from") or next((v["id"] for v in versions if v["id"] != new and v["running"]), None)
    plans = (
        migrations.plan(engine().uow(readonly=True), me().username, old, new)
        if old and new and old != new
        else None
    )
    return render_template(
        "studio/migrate.html",
        versions=versions,
        old=old,
        new=new,
        plans=plans,
        may_edit=studio().may_edit(me().username),
    )


@bp.post("/migrate")
@login_required
def migrate():
    old, new = params.int_arg(request.form, "from", low=1), params.int_arg(request.form, "to", low=1)
    if old is None or new is None:
        raise ValidationFailed([FieldError("from", "请选择迁移的原版本和目标版本")])
    chosen = request.form.getlist("case_no")
    if not chosen:  # never "all" by default: only the cases the user ticked move
        flash("请勾选要迁移的案件", "error")
        return redirect(url_for("studio.migrate_plan", **{"from": old, "to": new}))
    job_id = migrations.start(engine().uow(), me().username, old, new, request.form.get("reason", ""), chosen)
    if not jobs.inline():  # the worker moves the cases; the job page shows how far it is
        return redirect(url_for("jobs.show", job_id=job_id))
    result = engine().run_job_now(job_id).result
    moved, refused = result["moved"], result["refused"]
    flash(
        f"已迁移 {len(moved)} 件到版本 {new}" + (f"，{len(refused)} 件未迁移" if refused else ""),
        "success" if not refused else "error",
    )
    for case_no, why in refused.items():
        flash(f"{case_no}：{why}", "error")
    return redirect(url_for("studio.migrate_plan", **{"from": old, "to": new}))


# -- parameters ----------------------------------------------------------------------------------
@bp.get("/parameters")
@login_required
def parameters():
    return _parameters_page({}, {})


def _parameters_page(entered: dict, errors: dict, status: int = 200):
    view = studio().parameters(me().username)
    return render_template(
        "studio/parameters.html",
        view=view,
        entered=entered,
        errors=errors,
        may_edit=studio().may_edit(me().username),
    ), status


@bp.post("/parameters")
@login_required
def set_parameters():
    entered = {k: request.form.get(f"p.{k}", "").strip() for k in catalogue()}
    values, errors = {}, {}
    for name, raw in entered.items():
        if raw == "":
            continue
        try:
            values[name] = parse_entry(name, raw)
        except ValueError:
            errors[name] = [f"{catalogue()[name]['title']}：应为数字"]
    start = _local_datetime(request.form.get("effective_from", ""), errors)
    reason = request.form.get("reason", "")
    entered.update(effective_from=request.form.get("effective_from", ""), reason=reason)
    if errors:
        return _parameters_page(entered, errors, 422)
    try:
        version = studio().set_parameters(me().username, values, start, reason)
    except ValidationFailed as err:
        return _parameters_page(entered, schemaform.errors_by_path(err.errors), 422)
    flash(f"参数第 {version} 版已保存" + ("，按设定时间生效" if start else "，即时生效"), "success")
    return redirect(url_for("studio.parameters"))


def _local_datetime(raw: str, errors: dict) -> datetime | None:
    """A datetime-local field in China time; empty means now."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw).replace(tzinfo=LOCAL_TZ)
    except ValueError:
        errors["effective_from"] = [FieldError("effective_from", "生效时间：格式应为 年-月-日 时:分").message]
        return None


@bp.get("/cases/<case_no>/parameters")
@login_required
def case_parameters(case_no: str):
    """Which parameter version each decision of a case used (linked from the case page)."""
    used = studio().case_parameters(me().username, case_no)
    return render_template("studio/case_parameters.html", case_no=case_no, used=used, catalogue=catalogue())
