"""台账: every payment in cash or in kind and every referral of an area, filtered and paged, with
the applicant's ID number masked (002 §五 注重阳光操作)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from engine import privacy
from engine.store.models import Area, Case, LedgerEntry, User
from engine.unit_of_work import UnitOfWork
from engine.views.reports.scope import LedgerFilter, conditions, local_text, scope, validate
from engine.vocabulary import CATEGORIES_WITH_UNCLASSIFIED, PAYMENT_WAYS, UNCLASSIFIED

LEDGER_HEADERS = [
    "序号",
    "案件编号",
    "申请人（户）",
    "身份证号",
    "区划代码",
    "区划",
    "救助类别",
    "金额（元）",
    "救助方式",
    "期次",
    "申请时间",
    "发放时间",
    "经办审批人",
    "备注",
]
EXPORT_BATCH = 5000


@dataclass(frozen=True)
class LedgerRow:
    entry_id: int
    case_no: str
    applicant_name: str
    id_number: str  # masked
    area_code: str
    area_name: str
    category: str | None
    amount: int
    way: str
    stage: int
    applied_at: datetime
    recorded_at: datetime
    approver: str
    approver_name: str
    note: str | None

    def cells(self) -> list:
        return [
            self.entry_id,
            self.case_no,
            self.applicant_name,
            self.id_number,
            self.area_code,
            self.area_name,
            CATEGORIES_WITH_UNCLASSIFIED.get(self.category or UNCLASSIFIED, self.category),
            self.amount,
            PAYMENT_WAYS.get(self.way, self.way),
            self.stage,
            local_text(self.applied_at),
            local_text(self.recorded_at),
            self.approver_name,
            self.note or "",
        ]


@dataclass
class LedgerPage:
    rows: list[LedgerRow]
    total: int
    total_amount: int
    scope: str


def ledger(
    uow: UnitOfWork, username: str, filters: LedgerFilter, limit: int = 50, offset: int = 0
) -> LedgerPage:
    validate(filters)
    with uow:
        session = uow.session
        area = scope(session, username, filters.area_code)
        total, amount = session.execute(
            select(func.count(), func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
                *ledger_conditions(area, filters)
            )
        ).one()
        rows = session.execute(
            ledger_query(area, filters)
            .order_by(LedgerEntry.recorded_at, LedgerEntry.id)
            .limit(limit)
            .offset(offset)
        ).all()
        names = _names(session)
        return LedgerPage([_ledger_row(r, names) for r in rows], total, int(amount), area)


def stream(uow: UnitOfWork, area: str, filters: LedgerFilter) -> Iterator[LedgerRow]:
    """Every row of the filtered ledger, oldest first, read in batches in one read-only unit of work."""
    with uow.reading() as reader:
        names = _names(reader.session)
        result = reader.session.execute(
            ledger_query(area, filters)
            .order_by(LedgerEntry.recorded_at, LedgerEntry.id)
            .execution_options(yield_per=EXPORT_BATCH)
        )
        for row in result:
            yield _ledger_row(row, names)


def ledger_query(area: str, filters: LedgerFilter) -> Select:
    entry = LedgerEntry
    query = select(
        entry.id,
        entry.case_no,
        entry.applicant_name,
        Case.applicant_id_number,
        entry.area_code,
        entry.category,
        entry.amount,
        entry.way,
        entry.stage,
        Case.started_at,
        entry.recorded_at,
        entry.approver,
        entry.note,
    ).join(Case, Case.id == entry.case_id)
    return query.where(*ledger_conditions(area, filters))


def ledger_conditions(area: str, filters: LedgerFilter) -> list:
    entry = LedgerEntry
    found = conditions(area, filters, entry.county_code, entry.area_code, entry.recorded_at, entry.category)
    if filters.way:
        found.append(entry.way == filters.way)
    return found


def _ledger_row(row, names: tuple[dict, dict]) -> LedgerRow:
    areas, users = names
    return LedgerRow(
        row.id,
        row.case_no,
        row.applicant_name,
        privacy.mask_id_number(row.applicant_id_number),
        row.area_code,
        areas.get(row.area_code, row.area_code),
        row.category,
        row.amount,
        row.way,
        row.stage,
        row.started_at,
        row.recorded_at,
        row.approver,
        users.get(row.approver, row.approver),
        row.note,
    )


def _names(session: Session) -> tuple[dict, dict]:
    return area_names(session), dict(session.execute(select(User.username, User.display_name)).all())


def area_names(session: Session) -> dict[str, str]:
    return dict(session.execute(select(Area.code, Area.name)).all())
