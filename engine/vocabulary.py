"""The domain's words, defined once for engine/ and web/ alike: roles and the BPMN lanes that map to
them (../shared/design/README.md, 'Who works where'), categories, channels, statuses, outcomes,
payment ways, each with its Chinese label, and the local time zone."""

from __future__ import annotations

from enum import StrEnum
from zoneinfo import ZoneInfo

# China time (UTC+8, no daylight saving): dates on forms, months of reports, working days.
LOCAL_TZ = ZoneInfo("Asia/Shanghai")


class Role(StrEnum):
    VILLAGE = "village"
    TOWNSHIP = "township"
    COUNTY = "county"
    COUNTY_GOV = "county_gov"
    COORDINATION = "coordination"
    PROCESS_OWNER = "process_owner"
    AUDITOR = "auditor"
    CITY = "city"  # 市级民政部门: reads the reports of its counties, acts on no case
    PROVINCE = "province"  # 省级民政部门: reads the reports of every county of the province


# A person's title (the account page, the header).
ROLE_TITLES: dict[Role, str] = {
    Role.VILLAGE: "村(社区)工作人员",
    Role.TOWNSHIP: "乡镇(街道)经办人",
    Role.COUNTY: "县级民政部门",
    Role.COUNTY_GOV: "县人民政府",
    Role.COORDINATION: "县级协调机制秘书",
    Role.PROCESS_OWNER: "流程管理员",
    Role.AUDITOR: "审计",
    Role.CITY: "市级民政部门",
    Role.PROVINCE: "省级民政部门",
}

# Lane names as they appear in the diagrams; the role code itself is accepted as well.
LANE_ROLES: dict[str, Role] = {
    "村(社区)": Role.VILLAGE,
    "乡镇(街道)": Role.TOWNSHIP,
    "县级民政部门": Role.COUNTY,
    "县人民政府": Role.COUNTY_GOV,
    "县级协调机制": Role.COORDINATION,
}

# Whose turn a task is, as pages name it: the lane of a case-working role, the title of the others.
ROLE_LABELS: dict[str, str] = {
    **{role.value: lane for lane, role in LANE_ROLES.items()},
    Role.PROCESS_OWNER.value: ROLE_TITLES[Role.PROCESS_OWNER],
    Role.AUDITOR.value: ROLE_TITLES[Role.AUDITOR],
    Role.CITY.value: ROLE_TITLES[Role.CITY],
    Role.PROVINCE.value: ROLE_TITLES[Role.PROVINCE],
}

# Roles that work cases (hold lanes); the others only read or administer.
CASE_WORKER_ROLES = frozenset(LANE_ROLES.values())

# Who may use the process owner's studio: read it (versions, drafts, plans), edit it (drafts, deploy,
# migration, parameters), operate cases (retry, cancel), watch the cases that need attention.
STUDIO_READERS = (Role.PROCESS_OWNER, Role.AUDITOR)
STUDIO_EDITORS = (Role.PROCESS_OWNER,)
STUDIO_OPERATORS = (Role.PROCESS_OWNER, Role.COUNTY)
STUDIO_WATCHERS = (Role.PROCESS_OWNER, Role.COUNTY, Role.AUDITOR)


def role_for_lane(lane: str | None) -> Role | None:
    if lane is None:
        return None
    lane = lane.strip().replace("（", "(").replace("）", ")")
    if lane in LANE_ROLES:
        return LANE_ROLES[lane]
    try:
        role = Role(lane)
    except ValueError:
        return None
    return role if role in CASE_WORKER_ROLES else None


# 救助类别, set by the classification decision (000 §二).
CATEGORIES = {"emergency": "急难型", "expenditure": "支出型", "major": "重大生活困难"}
# Reports group cases not yet classified under this code.
UNCLASSIFIED = "unclassified"
CATEGORIES_WITH_UNCLASSIFIED = {**CATEGORIES, UNCLASSIFIED: "未分类"}

# The rosters the county holds (000 §二(一), §二(三)): they confirm a household's status; the first
# three are the statuses an application may declare (household_categories).
ROSTERS = {
    "dibao": "低保",
    "tekun": "特困",
    "jiandang": "建档立卡",
    "fanpin": "返贫",
    # The monitored populations compared with the 低保 / 特困 rolls every month (003 §二(一)一是):
    "weituopin": "未脱贫人口",
    "fanpin_risk": "返贫风险监测人口",
    "bianyuan": "边缘人口",
    # 001 ¶3's further groups of the low-income monitoring: large rigid expenses or sharply reduced
    # income, and the households whose per-capita income the county has on file.
    "zhichu": "刚性支出较大或收入大幅缩减人口",
    "shouru": "家庭收入申报核对",
}
PRIORITY_STATUSES = ("dibao", "tekun", "jiandang")
# The populations the monthly comparison checks against the 低保 / 特困 / 临时救助 rolls (003 §二(一)).
COMPARED_ROSTERS = ("weituopin", "fanpin_risk", "bianyuan")
# The rolls that cover a person (a 临时救助 case covers too, see engine/services/coverage.py).
COVERING_ROSTERS = ("dibao", "tekun")

# Follow-up of a person the monthly comparison found not covered (the 台账's 跟进状态).
FOLLOW_UP = {
    "pending": "待跟进",
    "referred": "已转介",
    "applied": "已申请",
    "enrolled": "已纳入救助",
    "not_needed": "无需救助",
}

# How an application came in.
CHANNELS = {
    "window": "本人申请",
    "proxy": "委托他人代为申请",
    "online": "网上申请",
    "visit": "主动发现（走访）",
    "warning": "主动发现（监测预警）",
}

# A case's state, as clerks read it.
STATUSES = {
    "running": "办理中",
    "completed": "已办结",
    "needs_attention": "需处理异常",
    "cancelled": "已撤销",
}
# The same states as a resident reads them on the status lookup: an internal incident is the
# office's business, so it shows as still in progress.
PUBLIC_STATUSES = {**STATUSES, "needs_attention": "办理中（待处理）"}

# What a case decided (set_outcome in the diagrams).
OUTCOMES = {
    "approved": "已批准救助",
    "refused": "不予救助",
    "referred": "已转介",
    "withdrawn": "已终止",
    "terminated": "已终止救助（其余各期不再发放）",
    "still_eligible": "经核查仍符合救助条件",
    "escalated": "已报上级",
}

# How aid was given (record_payment in the diagrams; the ledger's 救助方式).
PAYMENT_WAYS = {"cash": "现金", "in_kind": "实物", "referral": "转介", "bank": "银行转账"}
# Ways that put money or goods in the household's hands (a referral does not).
PAID_WAYS = ("cash", "in_kind", "bank")
