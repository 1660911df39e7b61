"""The OpenAPI 3.1 document of /api/v1 (served at /api/openapi.json)."""

from __future__ import annotations

from functools import lru_cache

STR = {"type": "string"}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
OBJ = {"type": "object"}
TIME = {"type": "string", "format": "date-time"}


def nullable(schema: dict) -> dict:
    kind = schema["type"]
    return dict(schema, type=[kind, "null"])


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(props: dict, required: list[str] | None = None) -> dict:
    return {"type": "object", "properties": props, "required": list(props) if required is None else required}


def items_of(schema: dict) -> dict:
    return obj({"items": {"type": "array", "items": schema}})


SCHEMAS = {
    "Problem": obj(
        {
            "type": STR,
            "title": STR,
            "status": INT,
            "detail": STR,
            "errors": {"type": "array", "items": ref("FieldError")},
        },
        ["type", "title", "status", "detail"],
    ),
    "FieldError": obj({"path": STR, "message": STR}),
    "Account": obj(
        {
            "username": STR,
            "display_name": STR,
            "role": STR,
            "role_title": STR,
            "area_code": STR,
            "area_name": STR,
            "may_apply": BOOL,
        }
    ),
    "Task": obj(
        {
            "task_id": STR,
            "case_no": STR,
            "applicant_name": STR,
            "category": nullable({"type": "string", "enum": ["emergency", "expenditure", "major", None]}),
            "name": STR,
            "element_id": STR,
            "role": STR,
            "area_code": STR,
            "area_name": STR,
            "created_at": TIME,
            "due_at": nullable(TIME),
            "overdue": BOOL,
            "due_soon": BOOL,
            "claimed_by": nullable(STR),
        }
    ),
    "Inbox": obj(
        {
            "total": INT,
            "counts_by_task": {"type": "object", "additionalProperties": INT},
            "items": {"type": "array", "items": ref("Task")},
        }
    ),
    "Case": obj(
        {
            "case_no": STR,
            "status": STR,
            "category": nullable(STR),
            "area_code": STR,
            "area_name": STR,
            "channel": STR,
            "applicant_name": STR,
            "applicant_id_number": STR,
            "reason": nullable(STR),
            "outcome": nullable(STR),
            "outcome_reason": nullable(STR),
            "amount": nullable(INT),
            "current_step": nullable(STR),
            "attention": nullable(OBJ),
            "started_at": TIME,
            "closed_at": nullable(TIME),
            "data": OBJ,
            "open_tasks": {"type": "array", "items": ref("Task")},
            "payments": {"type": "array", "items": OBJ},
            "notices": {"type": "array", "items": OBJ},
            "timers": {"type": "array", "items": OBJ},
        }
    ),
    "CaseHit": obj(
        {
            "case_no": STR,
            "applicant_name": STR,
            "id_number": {"type": "string", "description": "身份证号（已隐去中间部分）"},
            "category": nullable(STR),
            "status": STR,
            "current_step": nullable(STR),
            "area_code": STR,
            "area_name": STR,
            "channel": STR,
            "started_at": TIME,
            "closed_at": nullable(TIME),
        }
    ),
    "CaseList": obj(
        {"total": INT, "limit": INT, "offset": INT, "items": {"type": "array", "items": ref("CaseHit")}}
    ),
    "TaskPage": obj({"task": ref("Task"), "schema": OBJ, "ui_schema": nullable(OBJ), "case": ref("Case")}),
    "Completion": obj(
        {
            "case_no": STR,
            "status": STR,
            "completed_task": STR,
            "completed_element": STR,
            "completed_name": STR,
            "open_tasks": {
                "type": "array",
                "items": obj({"task_id": STR, "name": STR, "element_id": STR, "role": STR}),
            },
            "attention": nullable(OBJ),
            "replayed": BOOL,
        }
    ),
    "Event": obj(
        {
            "id": INT,
            "at": TIME,
            "actor": STR,
            "action": STR,
            "element_id": nullable(STR),
            "element_name": nullable(STR),
            "data": {"type": ["object", "array", "null"]},
            "spec_version_id": nullable(INT),
            "parameter_version": nullable(INT),
        }
    ),
    "Attachment": obj(
        {
            "id": INT,
            "case_no": STR,
            "step_name": nullable(STR),
            "kind": STR,
            "kind_title": STR,
            "filename": STR,
            "content_type": STR,
            "size": INT,
            "sha256": STR,
            "uploaded_by": STR,
            "uploaded_at": TIME,
            "download": STR,
        }
    ),
    "Diagram": obj(
        {
            "process_id": STR,
            "name": STR,
            "xml": STR,
            "completed": {"type": "array", "items": STR},
            "open_tasks": {"type": "array", "items": STR},
            "names": {"type": "object", "additionalProperties": STR},
        }
    ),
    "Area": obj({"code": STR, "name": STR, "level": STR, "parent_code": nullable(STR)}),
    "PublicNotice": obj(
        {
            "case_no": STR,
            "name": STR,
            "id_number": STR,
            "household_size": INT,
            "category": nullable(STR),
            "amount": nullable(INT),
            "published_at": TIME,
            "until": nullable(TIME),
        }
    ),
    "CaseRef": obj({"case_no": STR, "status": STR}),
    "PublicStatus": obj(
        {
            "case_no": STR,
            "status": STR,
            "status_title": STR,
            "current_step": nullable(STR),
            "outcome_title": nullable(STR),
            "started_at": TIME,
            "closed_at": nullable(TIME),
            "done": {"type": "array", "items": obj({"step": STR, "at": TIME})},
            "next_steps": {
                "type": "array",
                "items": obj({"step": STR, "who": STR, "due_at": nullable(TIME)}),
            },
        }
    ),
    "Completing": obj(
        {"data": OBJ, "idempotency_key": {"type": "string", "minLength": 1, "maxLength": 64}}, ["data"]
    ),
    "Starting": obj(
        {
            "application": OBJ,
            "area_code": {"type": "string", "minLength": 1, "maxLength": 12},
            "idempotency_key": {"type": "string", "minLength": 1, "maxLength": 64},
        },
        ["application", "area_code"],
    ),
    "Objecting": obj({"data": OBJ}),
    "Reassigning": obj(
        {
            "to": {"type": "string", "minLength": 1, "maxLength": 64},
            "reason": {"type": "string", "maxLength": 500},
        },
        ["to"],
    ),
    "Reminding": obj({"note": {"type": "string", "maxLength": 500}}, []),
    "Extending": obj(
        {
            "until": {"type": "string", "format": "date"},
            "reason": {"type": "string", "minLength": 1, "maxLength": 500},
        },
        ["until", "reason"],
    ),
    "Comment": obj(
        {
            "id": INT,
            "author": STR,
            "author_name": STR,
            "body": STR,
            "at": TIME,
            "task_id": nullable(STR),
            "step_name": nullable(STR),
        }
    ),
    "Commenting": obj(
        {
            "body": {"type": "string", "minLength": 1, "maxLength": 2000},
            "task_id": {"type": "string", "maxLength": 36},
        },
        ["body"],
    ),
    "Reassigned": obj({"task_id": STR, "claimed_by": STR, "holder_name": STR}),
    "Extended": obj({"task_id": STR, "due_at": TIME}),
    "StatusQuery": obj(
        {
            "case_no": {"type": "string", "minLength": 1, "maxLength": 32},
            "id_number": {"type": "string", "minLength": 1, "maxLength": 18},
        }
    ),
    "Retrying": obj(
        {
            "reason": {"type": "string", "minLength": 1, "maxLength": 500},
            "data": {"type": "object", "description": '更正的案件数据，如 {"amount": 800}（记入审计）'},
        },
        ["reason"],
    ),
    "Retried": obj({"case_no": STR, "status": STR, "attention": nullable(OBJ)}),
    "Cancelling": obj({"reason": {"type": "string", "minLength": 1, "maxLength": 500}}),
    "SettingParameters": obj(
        {
            "values": {
                "type": "object",
                "description": "要修改的参数（名称见参数目录）：数值，或文字清单",
                "additionalProperties": {"type": ["number", "array"], "items": STR},
            },
            "effective_from": {
                "type": "string",
                "format": "date-time",
                "description": "生效时间（不早于现在；不带时区为北京时间）；不给则即时生效",
            },
            "reason": {"type": "string", "minLength": 1, "maxLength": 500, "description": "调整依据"},
        },
        ["values", "reason"],
    ),
    "ParametersSaved": obj(
        {
            "county_code": STR,
            "version": INT,
            "effective_from": {
                "type": ["string", "null"],
                "format": "date-time",
                "description": "null：即时生效",
            },
        }
    ),
    "Deploying": obj(
        {
            "note": {"type": "string", "maxLength": 500},
            "accept_failures": {"type": "boolean", "description": "接受未通过的政策场景（确认政策已变更）"},
        },
        [],
    ),
    "Deployment": obj(
        {
            "version_id": INT,
            "content_hash": STR,
            "created": {"type": "boolean", "description": "false：内容与已有版本相同，沿用该版本"},
            "warnings": {"type": "array", "items": OBJ},
        }
    ),
    "CasePlan": obj(
        {
            "case_no": STR,
            "status": STR,
            "current_step": nullable(STR),
            "reasons": {"type": "array", "items": STR, "description": "不能迁移的原因；为空则可迁移"},
            "notes": {"type": "array", "items": STR, "description": "迁移对该案件的影响"},
            "safe": BOOL,
        }
    ),
    "MigrationPlan": obj({"from": INT, "to": INT, "items": {"type": "array", "items": ref("CasePlan")}}),
    "Migrating": obj(
        {
            "from": {"type": "integer", "minimum": 1},
            "to": {"type": "integer", "minimum": 1},
            "case_nos": {
                "type": "array",
                "minItems": 1,
                "maxItems": 1000,
                "items": {"type": "string", "minLength": 1, "maxLength": 32},
                "description": "要迁移的案件（须逐件列出）",
            },
            "reason": {"type": "string", "minLength": 1, "maxLength": 500},
        }
    ),
    "Job": obj(
        {
            "id": INT,
            "kind": STR,
            "status": {"type": "string", "enum": ["queued", "running", "done", "failed"]},
            "progress": INT,
            "total": nullable(INT),
            "percent": nullable(INT),
            "message": nullable(STR),
            "result": nullable(OBJ),
            "error": nullable(STR),
            "created_by": STR,
            "created_at": TIME,
            "finished_at": nullable(TIME),
        }
    ),
}

PROBLEM = {"application/problem+json": {"schema": ref("Problem")}}
ERRORS = {
    "400": {"description": "请求格式不正确", "content": PROBLEM},
    "401": {"description": "缺少或无效的 API 令牌", "content": PROBLEM},
    "403": {"description": "无权操作（岗位不符）", "content": PROBLEM},
    "404": {"description": "不存在，或不在本人辖区（不透露是否存在）", "content": PROBLEM},
    "409": {"description": "冲突：待办已被办理或被他人认领", "content": PROBLEM},
    "413": {"description": "上传内容过大", "content": PROBLEM},
    "422": {"description": "数据未通过校验，逐字段说明", "content": PROBLEM},
    "429": {"description": "尝试次数过多", "content": PROBLEM},
}


def _json(schema: dict, description: str = "成功") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _op(
    summary: str,
    ok: dict,
    codes: str,
    *,
    params: list | None = None,
    body: str | dict | None = None,
    public: bool = False,
    ok_code: str = "200",
) -> dict:
    operation: dict = {"summary": summary, "responses": {ok_code: ok}}
    for code in codes.split():
        operation["responses"][code] = ERRORS[code]
    if not public:
        operation["responses"].setdefault("401", ERRORS["401"])
    else:
        operation["security"] = []
    if params:
        operation["parameters"] = params
    if body is not None:
        content = body if isinstance(body, dict) else {"application/json": {"schema": ref(body)}}
        operation["requestBody"] = {"required": True, "content": content}
    return operation


def _path(name: str, description: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": schema or STR}


def _query(name: str, description: str, schema: dict) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


TASK_ID = _path("task_id", "待办编号")
COUNTY_FORM = _query(
    "county",
    "县级区划代码（6位）：表单列出该县设定的清单（如情形6的其他特殊困难类型）；不给则为默认清单",
    {"type": "string", "pattern": "^\\d{6}$"},
)
COUNTY_CODE = {"type": "string", "pattern": "^\\d{6}$"}
CASE_NO = _path("case_no", "案件编号，如 639001-2026-000001")
NO_CONTENT = {"description": "成功，无内容"}


@lru_cache(maxsize=1)
def document() -> dict:
    deploy = _op(
        "部署草稿为新版本，新案件使用此版本（流程管理员；须已对当前内容运行政策场景测试）",
        _json(ref("Deployment"), "已部署为新版本"),
        "400 403 404 409 422",
        params=[_path("draft_id", "草稿编号", {"type": "integer", "minimum": 0})],
        body="Deploying",
        ok_code="201",
    )
    deploy["responses"]["200"] = _json(ref("Deployment"), "内容与已有版本相同，沿用该版本")
    paths = {
        "/api/v1/me": {"get": _op("当前令牌对应的用户", _json(ref("Account")), "")},
        "/api/v1/inbox": {
            "get": _op(
                "待办列表（本人岗位、本人辖区），按期限排序",
                _json(ref("Inbox")),
                "400 422",
                params=[
                    _query(
                        "category",
                        "救助类别",
                        {"type": "string", "enum": ["emergency", "expenditure", "major"]},
                    ),
                    _query("task", "待办名称", STR),
                    _query("overdue", "只看已超期", {"type": "string", "enum": ["1", "true"]}),
                    _query(
                        "claimed",
                        "认领：我认领的 / 未认领",
                        {"type": "string", "enum": ["mine", "unclaimed"]},
                    ),
                    _query("sort", "期限由远到近", {"type": "string", "enum": ["due_desc"]}),
                    _query("limit", "每页条数", {"type": "integer", "minimum": 1, "maximum": 100}),
                    _query("offset", "跳过条数", {"type": "integer", "minimum": 0, "maximum": 10_000_000}),
                ],
            )
        },
        "/api/v1/tasks/{task_id}": {
            "get": _op(
                "待办：表单模式、案件与已有数据（记录查看个人信息）",
                _json(ref("TaskPage")),
                "403 404 409",
                params=[TASK_ID],
            )
        },
        "/api/v1/tasks/{task_id}/claim": {
            "post": _op("认领待办", NO_CONTENT, "403 404 409", params=[TASK_ID], ok_code="204")
        },
        "/api/v1/tasks/{task_id}/unclaim": {
            "post": _op("放弃认领", NO_CONTENT, "403 404 409", params=[TASK_ID], ok_code="204")
        },
        "/api/v1/tasks/{task_id}/reassign": {
            "post": _op(
                "转交待办给同岗位、负责该区划的同事（乡镇、县级负责人，或可办理该待办者）",
                _json(ref("Reassigned")),
                "400 403 404 409 422",
                params=[TASK_ID],
                body="Reassigning",
            )
        },
        "/api/v1/tasks/{task_id}/remind": {
            "post": _op(
                "催办（乡镇、县级负责人）",
                NO_CONTENT,
                "400 403 404 409 422",
                params=[TASK_ID],
                body="Reminding",
                ok_code="204",
            )
        },
        "/api/v1/tasks/{task_id}/extend": {
            "post": _op(
                "延长待办期限并写明理由（乡镇、县级负责人）",
                _json(ref("Extended")),
                "400 403 404 409 422",
                params=[TASK_ID],
                body="Extending",
            )
        },
        "/api/v1/tasks/{task_id}/complete": {
            "post": _op(
                "提交待办（同一幂等键重复提交只办理一次，replayed 为 true）",
                _json(ref("Completion")),
                "400 403 404 409 422",
                params=[
                    TASK_ID,
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": False,
                        "schema": {"type": "string", "minLength": 1, "maxLength": 64},
                    },
                ],
                body="Completing",
            )
        },
        "/api/v1/tasks/{task_id}/attachments": {
            "post": _op(
                "随待办上传附件（PDF、JPEG、PNG，不超过 10 MB）",
                _json(ref("Attachment"), "已上传"),
                "400 403 404 409 413 422",
                params=[TASK_ID],
                ok_code="201",
                body={
                    "multipart/form-data": {
                        "schema": obj(
                            {
                                "kind": {
                                    "type": "string",
                                    "enum": [
                                        "bill",
                                        "visit_record",
                                        "residence_statement",
                                        "id_document",
                                        "other",
                                    ],
                                },
                                "file": {"type": "string", "contentMediaType": "application/octet-stream"},
                            }
                        )
                    }
                },
            )
        },
        "/api/v1/forms/application": {
            "get": _op("申请表单（JSON Schema）", _json(OBJ), "", params=[COUNTY_FORM])
        },
        "/api/v1/cases": {
            "get": _op(
                "查找案件（本人可查看的案件），按申请时间由近到远，分页",
                _json(ref("CaseList")),
                "400 403 422",
                params=[
                    _query("q", "姓名（开头）、身份证号或其末几位（至少 4 位）、案件编号（或 年-序号）", STR),
                    _query(
                        "category",
                        "救助类别",
                        {"type": "string", "enum": ["emergency", "expenditure", "major"]},
                    ),
                    _query(
                        "status",
                        "案件状态",
                        {"type": "string", "enum": ["running", "completed", "needs_attention", "cancelled"]},
                    ),
                    _query("step", "当前环节（待办名称）", STR),
                    _query("from", "申请起始日期（含）", {"type": "string", "format": "date"}),
                    _query("to", "申请截止日期（含）", {"type": "string", "format": "date"}),
                    _query("limit", "每页条数", {"type": "integer", "minimum": 1, "maximum": 100}),
                    _query("offset", "跳过条数", {"type": "integer", "minimum": 0, "maximum": 10_000_000}),
                ],
            ),
            "post": _op(
                "受理申请（村、乡镇经办人）",
                _json(ref("CaseRef"), "已受理"),
                "400 403 404 409 422",
                body="Starting",
                ok_code="201",
            ),
        },
        "/api/v1/cases/{case_no}": {
            "get": _op("案件（记录查看个人信息）", _json(ref("Case")), "404", params=[CASE_NO])
        },
        "/api/v1/cases/{case_no}/events": {
            "get": _op("案件的全部审计记录", _json(items_of(ref("Event"))), "404", params=[CASE_NO])
        },
        "/api/v1/cases/{case_no}/comments": {
            "get": _op(
                "案件留言（可查看该案件者）", _json(items_of(ref("Comment"))), "404", params=[CASE_NO]
            ),
            "post": _op(
                "留言（村、乡镇、县级经办人；task_id 为本案件的待办时记为对该环节的留言）",
                _json(ref("Comment"), "已保存"),
                "400 403 404 422",
                params=[CASE_NO],
                body="Commenting",
                ok_code="201",
            ),
        },
        "/api/v1/cases/{case_no}/attachments": {
            "get": _op("案件附件", _json(items_of(ref("Attachment"))), "404", params=[CASE_NO])
        },
        "/api/v1/cases/{case_no}/diagrams": {
            "get": _op(
                "案件流程图（BPMN）及已完成、待办节点",
                _json(items_of(ref("Diagram"))),
                "404",
                params=[CASE_NO],
            )
        },
        "/api/v1/cases/{case_no}/retry": {
            "post": _op(
                "重新执行需关注的案件，可先更正数据（流程管理员、县级民政；写明原因）",
                _json(ref("Retried")),
                "400 403 404 409 422",
                params=[CASE_NO],
                body="Retrying",
            )
        },
        "/api/v1/cases/{case_no}/cancel": {
            "post": _op(
                "撤销案件：不作决定而结束，待办和计时取消（流程管理员、县级民政；写明原因）",
                _json(ref("CaseRef")),
                "400 403 404 409 422",
                params=[CASE_NO],
                body="Cancelling",
            )
        },
        "/api/v1/parameters/{county_code}": {
            "post": _op(
                "调整县级参数，保存为新版本（流程管理员，仅本县）；校验同工作室页面，错误逐字段（参数名、"
                "effective_from、reason、values）说明",
                _json(ref("ParametersSaved"), "已保存为新版本"),
                "400 403 422",
                params=[_path("county_code", "县级区划代码（6位），须为本人所在县", COUNTY_CODE)],
                body="SettingParameters",
                ok_code="201",
            )
        },
        "/api/v1/studio/drafts/{draft_id}/deploy": {"post": deploy},
        "/api/v1/migrations/plan": {
            "get": _op(
                "迁移计划：原版本上运行中的每个案件能否迁移到目标版本、有何影响（不作改变）",
                _json(ref("MigrationPlan")),
                "400 403 404 422",
                params=[
                    dict(_query("from", "原版本", {"type": "integer", "minimum": 1}), required=True),
                    dict(_query("to", "目标版本", {"type": "integer", "minimum": 1}), required=True),
                ],
            )
        },
        "/api/v1/migrations": {
            "post": _op(
                "迁移所列案件到目标版本（流程管理员；由工作进程逐件迁移，进度与结果见 /api/v1/jobs/{id}）",
                _json(ref("Job"), "已排队（测试环境中已完成）"),
                "400 403 404 409 422",
                body="Migrating",
                ok_code="202",
            )
        },
        "/api/v1/jobs/{job_id}": {
            "get": _op(
                "本人发起的后台任务：进度，完成后的结果（如迁移的 moved、refused）",
                _json(ref("Job")),
                "403 404",
                params=[_path("job_id", "任务编号", {"type": "integer", "minimum": 0})],
            )
        },
        "/api/v1/attachments/{attachment_id}": {
            "get": _op(
                "下载附件（可查看该案件者）",
                {"description": "文件", "content": {"application/octet-stream": {}}},
                "404",
                params=[_path("attachment_id", "附件编号", {"type": "integer", "minimum": 0})],
            )
        },
        "/api/v1/areas": {
            "get": _op(
                "行政区划",
                _json(items_of(ref("Area"))),
                "422",
                params=[
                    _query("level", "层级", {"type": "string", "enum": ["county", "township", "village"]})
                ],
            )
        },
        "/api/v1/public/townships/{township_code}/notices": {
            "get": _op(
                "信息公示（姓名、身份证号已隐去部分）",
                _json(items_of(ref("PublicNotice"))),
                "",
                params=[_path("township_code", "乡镇（街道）区划代码")],
                public=True,
            )
        },
        "/api/v1/public/cases/{case_no}/objections": {
            "post": _op(
                "对公示中的案件提出异议",
                _json(obj({"id": INT}), "已收到"),
                "400 404 409 422",
                params=[CASE_NO],
                body="Objecting",
                public=True,
                ok_code="201",
            )
        },
        "/api/v1/public/forms/application": {
            "get": _op("网上申请表单（JSON Schema）", _json(OBJ), "", params=[COUNTY_FORM], public=True)
        },
        "/api/v1/public/applications": {
            "post": _op(
                "网上申请（一网办、掌上办），进入乡镇窗口受理；证明材料随 multipart/form-data 上传"
                "（PDF、JPEG、PNG，每个不超过 10 MB，合计不超过 12 MB）",
                _json(ref("CaseRef"), "已提交"),
                "400 404 409 413 422",
                body={
                    "application/json": {"schema": ref("Starting")},
                    "multipart/form-data": {
                        "schema": obj(
                            {
                                "application": {"type": "string", "contentMediaType": "application/json"},
                                "area_code": {"type": "string", "minLength": 1, "maxLength": 12},
                                "idempotency_key": {"type": "string", "minLength": 1, "maxLength": 64},
                                **{
                                    f"file_{kind}": {
                                        "type": "string",
                                        "contentMediaType": "application/octet-stream",
                                    }
                                    for kind in ("id_document", "bill", "residence_statement", "other")
                                },
                            },
                            ["application", "area_code"],
                        )
                    },
                },
                public=True,
                ok_code="201",
            )
        },
        "/api/v1/public/status": {
            "post": _op(
                "凭案件编号和申请人身份证号查询进度",
                _json(ref("PublicStatus")),
                "400 404 422 429",
                body="StatusQuery",
                public=True,
            )
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "救助 Jiuzhu API",
            "version": "1",
            "description": "临时救助审核审批。错误以 RFC 9457 problem+json 返回，字段错误在 errors 中。",
        },
        "servers": [{"url": "/"}],
        "security": [{"token": []}],
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "token": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "在“我的账户”页面签发的 API 令牌",
                }
            },
        },
    }
