"""查找案件: the cases a user may read, found by name, ID number (whole or its last digits), case
number, category, status, current step and period of application; newest first, a page at a time.

Reads only the indexed `cases` columns (and `open_tasks` for the step): no workflow is loaded. ID
numbers are masked in the list; opening a case is what shows, and audits, the personal data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, exists, func, select

from engine import privacy
from engine.areas import within
from engine.errors import FieldError, NotPermitted, ValidationFailed
from engine.permissions import READ_ALL_ROLES, REPORT_ONLY_ROLES
from engine.services import people
from engine.store.models import Case, OpenTask
from engine.unit_of_work import UnitOfWork
from engine.views.reports.scope import local_start
from engine.vocabulary import CATEGORIES, STATUSES, Role

FULL_ID = re.compile(r"^\d{17}[\dX]$")
ID_TAIL = re.compile(r"^\d{3,17}[\dX]?$")  # at least 4 characters: the last digits of an ID number
CASE_NO = re.compile(r"^(?:(\d{6})-)?(\d{4})-(\d{1,6})$")  # 639001-2026-000042, or 2026-42 in one's county
TEXT_LIMIT = 50


@dataclass(frozen=True)
class CaseQuery:
    text: str | None = None  # a name, an ID number or its last digits, a case number
    category: str | None = None
    status: str | None = None
    step: str | None = None  # the name of an open task
    date_from: date | None = None
    date_to: date | None = None  # inclusive, China time

    @property
    def empty(self) -> bool:
        return not any(self.__dict__.values())


@dataclass(frozen=True)
class CaseHit:
    case_no: str
    applicant_name: str
    id_number: str  # masked
    category: str | None
    status: str
    current_step: str | None
    area_code: str
    channel: str
    started_at: datetime
    closed_at: datetime | None


@dataclass
class CaseSearchPage:
    rows: list[CaseHit]
    total: int
    steps: list[str]  # the open steps of the cases the user may read (the step filter's choices)


def query_from(args: Mapping[str, str]) -> CaseQuery:
    """The query from request arguments (`q`, `category`, `status`, `step`, `from`, `to`), the same
    for the page and the API; ValidationFailed names each bad field in Chinese."""
    errors: list[FieldError] = []
    text = (args.get("q") or "").strip()
    if len(text) > TEXT_LIMIT:
        errors.append(FieldError("q", f"查找内容：不超过 {TEXT_LIMIT} 个字"))
    category = args.get("category") or None
    if category and category not in CATEGORIES:
        errors.append(FieldError("category", "救助类别：取值不在可选范围内"))
    status = args.get("status") or None
    if status and status not in STATUSES:
        errors.append(FieldError("status", "案件状态：取值不在可选范围内"))
    step = (args.get("step") or "").strip() or None
    if step and len(step) > 200:
        errors.append(FieldError("step", "当前环节：不超过 200 个字"))
    date_from, date_to = (
        _date(args, "from", "申请起始日期", errors),
        _date(args, "to", "申请截止日期", errors),
    )
    if date_from and date_to and date_from > date_to:
        errors.append(FieldError("to", "申请截止日期：不能早于起始日期"))
    if errors:
        raise ValidationFailed(errors, "；".join(e.message for e in errors))
    return CaseQuery(text or None, category, status, step, date_from, date_to)


def _date(args: Mapping[str, str], name: str, title: str, errors: list) -> date | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        errors.append(FieldError(name, f"{title}：格式应为 年-月-日，如 2026-03-01"))
        return None
    if not 1900 <= day.year <= 2999:
        errors.append(FieldError(name, f"{title}：应在 1900 至 2999 年之间"))
        return None
    return day


def search_cases(
    uow: UnitOfWork, username: str, query: CaseQuery, limit: int = 50, offset: int = 0
) -> CaseSearchPage:
    with uow:
        user = people.get_user(uow.session, username)
        readable = _readable(user)
        found = select(Case).where(*readable, *_matching(query, user.area_code[:6]))
        total = uow.session.execute(select(func.count()).select_from(found.subquery())).scalar_one()
        cases = uow.session.scalars(
            found.order_by(Case.started_at.desc(), Case.id.desc()).limit(limit).offset(offset)
        ).all()
        steps = uow.session.scalars(
            select(OpenTask.name).where(*_open_tasks_within(user)).distinct().order_by(OpenTask.name)
        ).all()
        return CaseSearchPage([_hit(c) for c in cases], total, list(steps))


def _readable(user) -> list:
    """The cases a user may read (engine.permissions.may_read_case, as SQL conditions)."""
    role = Role(user.role)
    if role in REPORT_ONLY_ROLES:
        raise NotPermitted("您的岗位只查看统计报表，不查看案件")
    if role in READ_ALL_ROLES:
        return [Case.county_code == user.area_code[:6]]
    return [*within(Case.area_code, user.area_code)]


def _open_tasks_within(user) -> list:
    if Role(user.role) in READ_ALL_ROLES:
        return [*within(OpenTask.area_code, user.area_code[:6])]
    return [*within(OpenTask.area_code, user.area_code)]


def _matching(query: CaseQuery, county_code: str) -> list:
    found = []
    if query.text:
        found.append(_text_condition(query.text, county_code))
    if query.category:
        found.append(Case.category == query.category)
    if query.status:
        found.append(Case.status == query.status)
    if query.step:
        found.append(exists().where(OpenTask.case_id == Case.id, OpenTask.name == query.step))
    if query.date_from:
        found.append(Case.started_at >= local_start(query.date_from))
    if query.date_to:
        found.append(Case.started_at < local_start(query.date_to + timedelta(days=1)))
    return found


def _text_condition(text: str, county_code: str):
    """What the box holds decides where to look: a case number, a whole ID number, the last digits
    of one (at least 4), else the start of a name. Each is a range on an indexed column."""
    value = text.upper().replace(" ", "")
    if number := CASE_NO.match(value):
        county, year, sequence = number.groups()
        return Case.case_no == f"{county or county_code}-{year}-{int(sequence):06d}"
    if FULL_ID.match(value):
        return Case.applicant_id_number == value
    if ID_TAIL.match(value):
        return _prefix(Case.applicant_id_reversed, value[::-1])
    return _prefix(Case.applicant_name, text.strip())


def _prefix(column, prefix: str):
    """The range lets the index find the rows (in code-point order, as SQLite and a C collation
    sort); LIKE keeps the answer right under any other collation."""
    return and_(column.between(prefix, prefix + "\U0010ffff"), column.startswith(prefix, autoescape=True))


def _hit(case: Case) -> CaseHit:
    return CaseHit(
        case.case_no,
        case.applicant_name,
        privacy.mask_id_number(case.applicant_id_number),
        case.category,
        case.status,
        case.current_step,
        case.area_code,
        case.channel,
        case.started_at,
        case.closed_at,
    )
