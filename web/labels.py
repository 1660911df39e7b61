"""Chinese labels and formats for what pages show. The domain's words (categories, statuses, roles,
...) come from engine.vocabulary; audit actions and notice wording are the pages' own."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask

from engine.vocabulary import (
    CATEGORIES,
    CHANNELS,
    LOCAL_TZ,
    OUTCOMES,
    PAYMENT_WAYS,
    ROLE_LABELS,
    STATUSES,
)
from web.plain_words import without_clause_references

ACTIONS = {
    "case_started": "提交申请",
    "task_completed": "完成待办",
    "task_claimed": "认领待办",
    "task_unclaimed": "放弃认领",
    "task_reassigned": "转交待办",
    "task_reminded": "催办",
    "comment_added": "留言",
    "form_draft_saved": "保存草稿",
    "form_draft_discarded": "放弃草稿",
    "task_deadline_extended": "延长待办期限",
    "timer_fired": "时限到达",
    "incident": "出现异常",
    "case_retried": "重新执行",
    "case_cancelled": "撤销案件",
    "personal_data_viewed": "查看个人信息",
    "access_denied": "越权访问被拒绝",
    "attachment_added": "上传附件",
    "attachment_downloaded": "下载附件",
    "objection_received": "收到群众异议",
    "status_lookup_failed": "进度查询未成功（案件编号与身份证号不符）",
    "roster_imported": "导入名册",
    "rosters_compared": "月度比对",
    "coverage_follow_up": "台账跟进",
    "coverage_exported": "导出比对台账",
}
NOTICES = {
    "refusal": "不予救助告知书",
    "approval": "临时救助审批决定书",
    "payment": "临时救助金发放通知书",
    "supplement": "补办手续通知书",
    "termination": "终止临时救助告知书",
}
NOTICE_FIELDS = {
    "amount": "救助金额（元）",
    "instalments": "分期数",
    "stage": "发放期次",
    "way": "救助方式",
    "level": "审批层级",
    "reason": "理由",
    "paid": "已发放金额（元）",
    "stages_paid": "已发放期数",
    "code": "原因类别",
}
NOTICE_VALUES = {
    "way": {"cash": "发放临时救助金", "in_kind": "发放实物", "bank": "银行转账", "referral": "转介服务"},
    "referral_target": {
        "medical": "医疗救助",
        "education": "教育救助",
        "housing": "住房救助",
        "employment": "就业救助",
        "charity": "慈善组织或社会工作服务机构",
    },
    "level": {"township": "乡镇人民政府（街道办事处）", "county": "县级民政部门", "county_gov": "县人民政府"},
    "code": {
        "not_eligible": "不符合临时救助条件",
        "incomplete": "材料不全且未按要求补正",
        "duplicate": "以同一事由重复申请，无正当理由",
        "income_or_property": "家庭收入或财产不符合条件",
        "no_residence_statement": "非本地户籍且未取得居住证或暂住说明",
        "other": "其他原因",
    },
}


def local_time(value: datetime | str | None, with_time: bool = True) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        text = value
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            return text
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(LOCAL_TZ)
        return value.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def notice_value(key: str, value) -> str:
    return NOTICE_VALUES.get(key, {}).get(value, "" if value is None else str(value))


def init_app(app: Flask) -> None:
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["local_date"] = lambda v: local_time(v, with_time=False)
    app.jinja_env.filters["plain"] = without_clause_references
    app.jinja_env.globals.update(
        CATEGORIES=CATEGORIES,
        STATUSES=STATUSES,
        OUTCOMES=OUTCOMES,
        PAYMENT_WAYS=PAYMENT_WAYS,
        CHANNELS=CHANNELS,
        ROLES=ROLE_LABELS,
        ACTIONS=ACTIONS,
        NOTICES=NOTICES,
        NOTICE_FIELDS=NOTICE_FIELDS,
        notice_value=notice_value,
    )
