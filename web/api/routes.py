"""Routes of the JSON API. Each parses the request, calls the engine once or twice, and answers JSON;
engine errors become problem details (web.errors)."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from functools import wraps
from typing import Literal, overload

from flask import Blueprint, g, jsonify, request, send_file

from engine.errors import FieldError, NotFound, ValidationFailed
from engine.services import deploy as deploy_service
from engine.services import migration as migrations
from engine.services import tasks
from engine.services.residents import ONLINE_KINDS
from engine.views.case_search import query_from
from engine.vocabulary import LOCAL_TZ
from web import jobs, params
from web.api.openapi import document
from web.api.problems import problem_response
from web.cases import SEARCH_ARGS
from web.context import attachments, engine, remote
from web.inbox import change_claim, inbox_filters
from web.security import csrf

bp = Blueprint("api", __name__, url_prefix="/api")
csrf.exempt(bp)  # no cookies here: every call carries its token


def token_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return _unauthorized("缺少 API 令牌（Authorization: Bearer …）")
        try:
            g.account = engine().account_for_token(token.strip())
        except NotFound:
            return _unauthorized("API 令牌无效或已作废")
        return view(*args, **kwargs)

    return wrapper


def _unauthorized(detail: str):
    return problem_response(401, "未认证", detail, "unauthorized", headers={"WWW-Authenticate": "Bearer"})


def _username() -> str:
    return g.account.username


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationFailed([FieldError("", "请求体应为 JSON 对象")], "请求体应为 JSON 对象")
    return body


def _object(body: dict, key: str, title: str) -> dict:
    value = body.get(key)
    if not isinstance(value, dict):
        raise ValidationFailed([FieldError(key, f"{title}：应为对象")])
    return value


@overload
def _text(body: dict, key: str, title: str, required: Literal[True] = True, limit: int = 200) -> str: ...
@overload
def _text(body: dict, key: str, title: str, required: bool, limit: int = 200) -> str | None: ...
def _text(body: dict, key: str, title: str, required: bool = True, limit: int = 200) -> str | None:
    value = body.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > limit:
        raise ValidationFailed([FieldError(key, f"{title}：应为不超过 {limit} 个字符的文本")])
    return value


def _flag(body: dict, key: str, title: str) -> bool:
    value = body.get(key, False)
    if not isinstance(value, bool):
        raise ValidationFailed([FieldError(key, f"{title}：应为 true 或 false")])
    return value


def _whole(body: dict, key: str, title: str) -> int:
    """A required id: a JSON whole number from 1 to the largest database id."""
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= params.MAX_ID:
        raise ValidationFailed([FieldError(key, f"{title}：应为正整数")])
    return value


def _texts(body: dict, key: str, title: str, most: int = 1000, limit: int = 32) -> list[str]:
    """A required list of one to `most` texts, each of at most `limit` characters."""
    value = body.get(key)
    if (
        not isinstance(value, list)
        or not 1 <= len(value) <= most
        or not all(isinstance(v, str) and v.strip() and len(v) <= limit for v in value)
    ):
        raise ValidationFailed(
            [FieldError(key, f"{title}：应为 1–{most} 项、每项不超过 {limit} 个字符的文本")]
        )
    return value


def _moment(body: dict, key: str, title: str) -> datetime | None:
    """An ISO 8601 date and time; without an offset it is China time (as the studio's form). Absent or
    null: None."""
    value = body.get(key)
    if value is None:
        return None
    try:
        if not isinstance(value, str) or len(value) > 40:
            raise ValueError(value)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(
            [FieldError(key, f"{title}：应为 ISO 8601 日期时间，如 2027-01-01T00:00:00+08:00")]
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=LOCAL_TZ)


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    return params.int_arg(request.args, name, default, low, high)


def _required_int_arg(name: str, title: str) -> int:
    value = params.int_arg(request.args, name, None, 1)
    if value is None:
        raise ValidationFailed([FieldError(name, f"{title}（{name}）：必填")])
    return value


def _idempotency_key(body: dict) -> str | None:
    key = request.headers.get("Idempotency-Key") or body.get("idempotency_key")
    if key is not None and (not isinstance(key, str) or not 1 <= len(key) <= 64):
        raise ValidationFailed([FieldError("idempotency_key", "幂等键：应为 1–64 个字符")])
    return key


def task_json(row, areas: dict) -> dict:
    return {
        "task_id": row.task_id,
        "case_no": row.case_no,
        "applicant_name": row.applicant_name,
        "category": row.category,
        "name": row.name,
        "element_id": row.element_id,
        "role": row.role,
        "area_code": row.area_code,
        "area_name": areas.get(row.area_code, row.area_code),
        "created_at": row.created_at,
        "due_at": row.due_at,
        "overdue": row.overdue,
        "due_soon": row.due_soon,
        "claimed_by": row.claimed_by,
    }


def case_json(view, areas: dict) -> dict:
    return {
        "case_no": view.case_no,
        "status": view.status,
        "category": view.category,
        "area_code": view.area_code,
        "area_name": areas.get(view.area_code, view.area_code),
        "channel": view.channel,
        "applicant_name": view.applicant_name,
        "applicant_id_number": view.applicant_id_number,
        "reason": view.reason,
        "outcome": view.outcome,
        "outcome_reason": view.outcome_reason,
        "amount": view.amount,
        "current_step": view.current_step,
        "attention": view.attention,
        "started_at": view.started_at,
        "closed_at": view.closed_at,
        "data": view.data,
        "open_tasks": [task_json(t, areas) for t in view.open_tasks],
        "payments": view.payments,
        "notices": view.notices,
        "timers": view.timers,
    }


def attachment_json(info) -> dict:
    data = asdict(info)
    data["download"] = f"/api/v1/attachments/{info.id}"
    return data


# -- the document --------------------------------------------------------------------------------
@bp.get("/openapi.json")
def openapi():
    return jsonify(document())


# -- signed-in -----------------------------------------------------------------------------------
@bp.get("/v1/me")
@token_required
def me():
    account = g.account
    return jsonify(
        {
            "username": account.username,
            "display_name": account.display_name,
            "role": account.role,
            "role_title": account.role_title,
            "area_code": account.area_code,
            "area_name": account.area_name,
            "may_apply": account.may_apply,
        }
    )


@bp.get("/v1/inbox")
@token_required
def inbox():
    limit, offset = _int_arg("limit", 20, 1, 100), _int_arg("offset", 0, 0, 10_000_000)
    eng = engine()
    found = eng.inbox(_username(), limit=limit, offset=offset, **inbox_filters(request.args))
    areas = eng.area_names()
    return jsonify(
        {
            "total": found.total,
            "counts_by_task": found.counts_by_task,
            "items": [task_json(row, areas) for row in found.rows],
        }
    )


@bp.get("/v1/tasks/<task_id>")
@token_required
def task(task_id: str):
    eng = engine()
    page = eng.task_page(_username(), task_id, remote())
    return jsonify(
        {
            "task": task_json(page.task, eng.area_names()),
            "schema": page.schema,
            "ui_schema": page.ui_schema,
            "case": case_json(page.case, eng.area_names()),
        }
    )


@bp.post("/v1/tasks/<task_id>/claim", defaults={"action": "claim"})
@bp.post("/v1/tasks/<task_id>/unclaim", defaults={"action": "unclaim"})
@token_required
def claim(task_id: str, action: str):
    change_claim(_username(), task_id, action)
    return "", 204


@bp.post("/v1/tasks/<task_id>/reassign")
@token_required
def reassign(task_id: str):
    body = _body()
    to = _text(body, "to", "转交给", limit=64)
    name = engine().reassign(_username(), task_id, to, _text(body, "reason", "转交说明", False, 500) or "")
    return jsonify({"task_id": task_id, "claimed_by": to, "holder_name": name})


@bp.post("/v1/tasks/<task_id>/remind")
@token_required
def remind(task_id: str):
    body = _body()
    engine().remind(_username(), task_id, _text(body, "note", "催办说明", False, 500) or "")
    return "", 204


@bp.post("/v1/tasks/<task_id>/extend")
@token_required
def extend(task_id: str):
    body = _body()
    until = _text(body, "until", "延至日期", limit=10)
    due = engine().extend_deadline(
        _username(), task_id, until, _text(body, "reason", "延期理由", False, 500) or ""
    )
    return jsonify({"task_id": task_id, "due_at": due})


@bp.post("/v1/tasks/<task_id>/complete")
@token_required
def complete(task_id: str):
    body = _body()
    data, key = _object(body, "data", "表单数据"), _idempotency_key(body)
    done = tasks.complete_task(engine().uow(), tasks.Caller(_username(), remote()), task_id, data, key)
    return jsonify(done.as_dict())


@bp.post("/v1/tasks/<task_id>/attachments")
@token_required
def upload(task_id: str):
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed([FieldError("file", "附件：请选择文件")])
    info = attachments().add(
        _username(), task_id, request.form.get("kind", ""), upload.filename or "", upload.stream, remote()
    )
    return jsonify(attachment_json(info)), 201


@bp.get("/v1/forms/application")
@token_required
def application_form():
    return jsonify(engine().start_form(_county_asked()))


@bp.post("/v1/cases")
@token_required
def start():
    body = _body()
    application = _object(body, "application", "申请")
    area_code = _text(body, "area_code", "所在村（社区）", limit=12)
    ref = engine().start_application(
        _username(), application, area_code, idempotency_key=_idempotency_key(body)
    )
    return jsonify({"case_no": ref.case_no, "status": ref.status}), 201


@bp.get("/v1/cases")
@token_required
def search():
    """查找案件: the cases the caller may read that match, newest first (problem+json on bad filters)."""
    limit, offset = _int_arg("limit", 20, 1, 100), _int_arg("offset", 0, 0, 10_000_000)
    unknown = sorted(set(request.args) - {*SEARCH_ARGS, "limit", "offset"})
    if unknown:
        raise ValidationFailed([FieldError(name, f"{name}：不是可用的查询条件") for name in unknown])
    eng = engine()
    found = eng.search_cases(_username(), query_from(request.args), limit=limit, offset=offset)
    areas = eng.area_names()
    return jsonify(
        {
            "total": found.total,
            "limit": limit,
            "offset": offset,
            "items": [
                dict(asdict(hit), area_name=areas.get(hit.area_code, hit.area_code)) for hit in found.rows
            ],
        }
    )


@bp.get("/v1/cases/<case_no>")
@token_required
def case(case_no: str):
    eng = engine()
    return jsonify(
        case_json(eng.viewed_case(_username(), case_no, "案件（API）", remote()), eng.area_names())
    )


@bp.get("/v1/cases/<case_no>/events")
@token_required
def events(case_no: str):
    view = engine().viewed_case(_username(), case_no, "案件记录（API）", remote())  # one read, audited
    return jsonify({"items": view.events})


@bp.get("/v1/cases/<case_no>/comments")
@token_required
def comments(case_no: str):
    found = engine().readable_comments(_username(), case_no, "留言（API）", remote())
    return jsonify({"items": [asdict(c) for c in found]})


@bp.post("/v1/cases/<case_no>/comments")
@token_required
def add_comment(case_no: str):
    body = _body()
    task_id = _text(body, "task_id", "环节", required=False, limit=36)
    found = engine().add_comment(_username(), case_no, _text(body, "body", "留言", limit=2000), task_id)
    return jsonify(asdict(found)), 201


@bp.get("/v1/cases/<case_no>/attachments")
@token_required
def case_attachments(case_no: str):
    engine().case_access(_username(), case_no, "附件列表（API）", remote(), audit_view=False)
    return jsonify({"items": [attachment_json(a) for a in attachments().for_case(case_no)]})


@bp.get("/v1/cases/<case_no>/diagrams")
@token_required
def diagrams(case_no: str):
    eng = engine()
    eng.case_access(_username(), case_no, "流程图（API）", remote(), audit_view=False)
    return jsonify({"items": [asdict(d) for d in eng.case_diagrams(case_no)]})


@bp.get("/v1/attachments/<int:attachment_id>")
@token_required
def download(attachment_id: int):
    info, path = attachments().open(_username(), attachment_id, remote())
    return send_file(path, mimetype=info.content_type, as_attachment=True, download_name=info.filename)


@bp.get("/v1/areas")
@token_required
def areas():
    level = request.args.get("level") or None
    if level not in (None, "county", "township", "village"):
        raise ValidationFailed([FieldError("level", "level：应为 county、township 或 village")])
    return jsonify({"items": [asdict(p) for p in engine().places(level=level)]})


# -- operations: cases needing attention (engine.studio checks who may: process owner, county) ------
@bp.post("/v1/cases/<case_no>/retry")
@token_required
def retry(case_no: str):
    """As the 运行监控 page's 重新执行: the same service call, the reason and any correction audited."""
    body = _body()
    data = body.get("data")
    if data is not None and not isinstance(data, dict):
        raise ValidationFailed([FieldError("data", '更正数据：应为对象，如 {"amount": 800}')])
    reason = _text(body, "reason", "重试原因", False, 500) or ""
    return jsonify(engine().studio().retry(_username(), case_no, reason, data))


@bp.post("/v1/cases/<case_no>/cancel")
@token_required
def cancel(case_no: str):
    """As the 运行监控 page's 撤销: the reason is required (the service says so, field `reason`)."""
    body = _body()
    reason = _text(body, "reason", "撤销原因", False, 500) or ""
    return jsonify(engine().studio().cancel(_username(), case_no, reason))


# -- the studio: parameters, deploy, migration (engine.studio / engine.services check who may) ----
@bp.post("/v1/parameters/<county_code>")
@token_required
def set_parameters(county_code: str):
    """A new version of the county's parameters, checked as on the studio's page (field errors name
    the parameter, `effective_from`, `reason` or `values`)."""
    body = _body()
    values = _object(body, "values", "参数")
    start = _moment(body, "effective_from", "生效时间")
    reason = _text(body, "reason", "调整依据", False, 500) or ""
    version = engine().studio().set_parameters(_username(), values, start, reason, county_code=county_code)
    return jsonify({"county_code": county_code, "version": version, "effective_from": start}), 201


@bp.post("/v1/studio/drafts/<int:draft_id>/deploy")
@token_required
def deploy(draft_id: int):
    body = _body()
    deployment = deploy_service.deploy_draft(
        engine().uow(),
        _username(),
        draft_id,
        note=_text(body, "note", "部署说明", False, 500) or None,
        accept_failures=_flag(body, "accept_failures", "接受未通过的场景"),
    )
    return jsonify(asdict(deployment)), 201 if deployment.created else 200


@bp.get("/v1/migrations/plan")
@token_required
def migration_plan():
    old, new = _required_int_arg("from", "原版本"), _required_int_arg("to", "目标版本")
    plans = migrations.plan(engine().uow(readonly=True), _username(), old, new)
    return jsonify({"from": old, "to": new, "items": [dict(asdict(p), safe=p.safe) for p in plans]})


@bp.post("/v1/migrations")
@token_required
def migrate():
    """Queue the move of the named cases (never "all": each case is named); the job as GET
    /api/v1/jobs/{id} shows it — already done where jobs run inside the request."""
    body = _body()
    old, new = _whole(body, "from", "原版本"), _whole(body, "to", "目标版本")
    case_nos = _texts(body, "case_nos", "迁移的案件")
    reason = _text(body, "reason", "迁移原因", False, 500) or ""
    job_id = migrations.start(engine().uow(), _username(), old, new, reason, case_nos)
    job = engine().run_job_now(job_id) if jobs.inline() else engine().job(job_id, _username())
    return jsonify(job.as_dict()), 202, {"Location": f"/api/v1/jobs/{job_id}"}


@bp.get("/v1/jobs/<int:job_id>")
@token_required
def job(job_id: int):
    """A background job the caller started: progress, then its result."""
    return jsonify(engine().job(job_id, _username()).as_dict())


# -- residents, no token -------------------------------------------------------------------------
@bp.get("/v1/public/townships/<township_code>/notices")
def public_notices(township_code: str):
    return jsonify({"items": engine().public_notices(township_code)})


@bp.post("/v1/public/cases/<case_no>/objections")
def public_objection(case_no: str):
    data = _object(_body(), "data", "异议")
    return jsonify({"id": engine().submit_objection(case_no, data, remote())}), 201


@bp.get("/v1/public/forms/application")
def public_application_form():
    return jsonify(engine().start_form(_county_asked()))


def _county_asked() -> str | None:
    """`?county=639001`: the form with that county's lists; anything else, the defaults."""
    county = request.args.get("county", "")
    return county if len(county) == 6 and county.isdigit() else None


@bp.post("/v1/public/applications")
def public_apply():
    body, uploads = _application_with_documents()
    application = _object(body, "application", "申请")
    area_code = _text(body, "area_code", "所在村（社区）", limit=12)
    ref = engine().apply_online(
        application,
        area_code,
        idempotency_key=_idempotency_key(body),
        uploads=uploads,
        store=attachments(),
        remote_addr=remote(),
    )
    return jsonify({"case_no": ref.case_no, "status": ref.status}), 201


def _application_with_documents() -> tuple[dict, list]:
    """A JSON body, or multipart/form-data with the same fields (`application` as JSON text) and
    the documents as files `file_<kind>` (kinds as on the web form)."""
    if request.mimetype != "multipart/form-data":
        return _body(), []
    try:
        application = json.loads(request.form.get("application") or "")
    except ValueError:
        raise ValidationFailed([FieldError("application", "申请：应为 JSON 对象")]) from None
    body = {
        "application": application,
        "area_code": request.form.get("area_code"),
        "idempotency_key": request.form.get("idempotency_key"),
    }
    uploads = [
        (kind, upload.filename or "", upload.stream)
        for kind in ONLINE_KINDS
        for upload in request.files.getlist(f"file_{kind}")
        if upload.filename
    ]
    return body, uploads


@bp.post("/v1/public/status")
def public_status():
    body = _body()
    found = engine().public_status(
        _text(body, "case_no", "案件编号", limit=32), _text(body, "id_number", "身份证号", limit=18), remote()
    )
    return jsonify(asdict(found))
