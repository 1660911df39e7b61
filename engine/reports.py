"""Reports: the 台账 (every payment, in kind and referral), its CSV / XLSX export, and the dashboard of a
county or township — applications, approvals, refusals and amounts per category and month, days from
application to payment per path and per step, overdue tasks.

The dashboard's amounts are sums over the very rows the ledger lists (same table, same filters, the
same local month), so the two agree to the yuan. Months and dates are China time (UTC+8, no daylight
saving), computed in SQL by shifting the stored UTC by eight hours.
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import case, func, literal_column, select
from sqlalchemy.orm import Session

from engine import people, privacy
from engine.context import LOCAL_TZ
from engine.errors import FieldError, NotPermitted, ValidationFailed
from engine.queries import within
from engine.roles import Role
from engine.store.models import Area, AuditEvent, Case, LedgerEntry, OpenTask, User

if TYPE_CHECKING:
    from engine.service import Engine

COUNTY_READERS = (Role.COUNTY, Role.COUNTY_GOV, Role.COORDINATION, Role.AUDITOR, Role.PROCESS_OWNER)
CATEGORIES = {
    "emergency": "急难型",
    "expenditure": "支出型",
    "major": "重大生活困难",
    "unclassified": "未分类",
}
WAYS = {"cash": "现金", "in_kind": "实物", "referral": "转介", "bank": "银行转账"}
PAID_WAYS = ("cash", "in_kind", "bank")
# Events after which a case waits for its next step; a completed task's time is counted from the
# latest of them on the same case.
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
class LedgerFilter:
    area_code: str | None = None
    date_from: date | None = None
    date_to: date | None = None  # inclusive
    category: str | None = None
    way: str | None = None

    def as_dict(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in self.__dict__.items() if v}


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
            CATEGORIES.get(self.category or "unclassified", self.category),
            self.amount,
            WAYS.get(self.way, self.way),
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


@dataclass
class Durations:
    label: str
    count: int
    median: float | None
    p90: float | None


@dataclass
class Dashboard:
    scope: str
    scope_name: str
    filters: LedgerFilter
    months: list[str]
    categories: list[str]
    applications: dict[tuple[str, str], int]
    approvals: dict[tuple[str, str], int]
    refusals: dict[tuple[str, str], int]
    amounts: dict[tuple[str, str], int]
    payments: dict[tuple[str, str], int]
    by_area: list[dict]
    to_payment: list[Durations]
    steps: list[Durations]
    overdue_total: int
    overdue_by_step: list[dict]
    overdue_oldest: list[dict] = field(default_factory=list)

    def total(self, table: str, category: str | None = None) -> int:
        values = getattr(self, table)
        return sum(v for (month, cat), v in values.items() if category is None or cat == category)

    def series(self, table: str, category: str) -> list[int]:
        values = getattr(self, table)
        return [values.get((month, category), 0) for month in self.months]


def local_text(moment: datetime | None) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M") if moment else ""


def local_start(day: date) -> datetime:
    return datetime.combine(day, time(0), LOCAL_TZ).astimezone(UTC)


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile of sorted values (p50 of an even count: the lower middle value)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def durations(label: str, values: list[float]) -> Durations:
    values = sorted(values)
    median = None
    if values:
        middle = len(values) // 2
        median = values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2
    return Durations(label, len(values), median, percentile(values, 0.9))


class Reports:
    def __init__(self, eng: Engine):
        self.eng = eng

    # -- scope -----------------------------------------------------------------------------------
    def scope(self, session: Session, username: str, area_code: str | None) -> str:
        """The area the user may report on, narrowed to `area_code` when it lies within it."""
        user = people.get_user(session, username)
        role = Role(user.role)
        if role in COUNTY_READERS:
            allowed = user.area_code[:6]
        elif role == Role.TOWNSHIP:
            allowed = user.area_code
        else:
            raise NotPermitted("无权查看统计报表")
        if not area_code:
            return allowed
        if not area_code.startswith(allowed) or not area_code.isdigit():
            raise NotPermitted("只能查看本辖区的报表")
        return area_code

    def _validate(self, filters: LedgerFilter) -> None:
        errors = []
        if filters.category and filters.category not in CATEGORIES:
            errors.append(FieldError("category", "救助类别：取值不在可选范围内"))
        if filters.way and filters.way not in WAYS:
            errors.append(FieldError("way", "救助方式：取值不在可选范围内"))
        if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
            errors.append(FieldError("date_to", "截止日期：不能早于起始日期"))
        if errors:
            raise ValidationFailed(errors, "；".join(e.message for e in errors))

    # -- ledger ----------------------------------------------------------------------------------
    def _ledger_query(self, scope: str, filters: LedgerFilter):
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
        return query.where(*self._ledger_conditions(scope, filters))

    def _ledger_conditions(self, scope: str, filters: LedgerFilter) -> list:
        entry = LedgerEntry
        conditions = _conditions(
            scope, filters, entry.county_code, entry.area_code, entry.recorded_at, entry.category
        )
        if filters.way:
            conditions.append(entry.way == filters.way)
        return conditions

    def ledger(self, username: str, filters: LedgerFilter, limit: int = 50, offset: int = 0) -> LedgerPage:
        self._validate(filters)
        with self.eng.db.read() as session:
            scope = self.scope(session, username, filters.area_code)
            conditions = self._ledger_conditions(scope, filters)
            total, amount = session.execute(
                select(func.count(), func.coalesce(func.sum(LedgerEntry.amount), 0)).where(*conditions)
            ).one()
            rows = session.execute(
                self._ledger_query(scope, filters)
                .order_by(LedgerEntry.recorded_at, LedgerEntry.id)
                .limit(limit)
                .offset(offset)
            ).all()
            names = _names(session)
            return LedgerPage([_ledger_row(r, names) for r in rows], total, int(amount), scope)

    def ledger_rows(
        self,
        username: str,
        filters: LedgerFilter,
        export_format: str | None = None,
        remote_addr: str | None = None,
    ) -> Iterator[LedgerRow]:
        """Every row of the filtered ledger, oldest first, read in batches; an export is audited."""
        self._validate(filters)
        with self.eng.db.read() as session:
            scope = self.scope(session, username, filters.area_code)
        if export_format:
            with self.eng.db.write() as session:
                session.add(
                    AuditEvent(
                        at=self.eng.now(),
                        actor=username,
                        action="ledger_exported",
                        data={
                            "format": export_format,
                            "scope": scope,
                            "filters": filters.as_dict(),
                            "from": remote_addr,
                        },
                    )
                )
        return self._stream(scope, filters)

    def _stream(self, scope: str, filters: LedgerFilter) -> Iterator[LedgerRow]:
        with self.eng.db.read() as session:
            names = _names(session)
            result = session.execute(
                self._ledger_query(scope, filters)
                .order_by(LedgerEntry.recorded_at, LedgerEntry.id)
                .execution_options(yield_per=EXPORT_BATCH)
            )
            for row in result:
                yield _ledger_row(row, names)

    def export_csv(
        self, username: str, filters: LedgerFilter, remote_addr: str | None = None
    ) -> Iterator[str]:
        """CSV text in chunks, with a byte order mark so spreadsheet programs read the Chinese."""
        rows = self.ledger_rows(username, filters, "csv", remote_addr)

        def chunks() -> Iterator[str]:
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            buffer.write("\ufeff")
            writer.writerow(LEDGER_HEADERS)
            for number, row in enumerate(rows, start=1):
                writer.writerow(row.cells())
                if number % 1000 == 0:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
            yield buffer.getvalue()

        return chunks()

    def export_xlsx(
        self, username: str, filters: LedgerFilter, target, remote_addr: str | None = None
    ) -> int:
        """Write the ledger as an XLSX workbook to `target` (a path or a binary file); returns the row count."""
        from openpyxl import Workbook

        rows = self.ledger_rows(username, filters, "xlsx", remote_addr)
        book = Workbook(write_only=True)
        sheet = book.create_sheet("台账")
        sheet.append(LEDGER_HEADERS)
        count = 0
        for row in rows:
            sheet.append(row.cells())
            count += 1
        sheet.append([])
        sheet.append(["合计", "", "", "", "", "", "", f"=SUM(H2:H{count + 1})"])
        book.save(target)
        return count

    # -- dashboard -------------------------------------------------------------------------------
    def dashboard(self, username: str, filters: LedgerFilter) -> Dashboard:
        self._validate(filters)
        now = self.eng.now()
        with self.eng.db.read() as session:
            scope = self.scope(session, username, filters.area_code)
            dialect = session.get_bind().dialect.name
            names = _area_names(session)
            cases = self._case_conditions(scope, filters)
            month = _local_month(Case.started_at, dialect)
            category = func.coalesce(Case.category, "unclassified")
            counted = session.execute(
                select(
                    month,
                    category,
                    func.count(),
                    func.sum(case((Case.outcome == "approved", 1), else_=0)),
                    func.sum(case((Case.outcome == "refused", 1), else_=0)),
                )
                .where(*cases)
                .group_by(month, category)
            ).all()
            paid_month = _local_month(LedgerEntry.recorded_at, dialect)
            paid_category = func.coalesce(LedgerEntry.category, "unclassified")
            paid = session.execute(
                select(paid_month, paid_category, func.sum(LedgerEntry.amount), func.count())
                .where(*self._ledger_conditions(scope, filters))
                .group_by(paid_month, paid_category)
            ).all()
            by_area = self._by_area(session, scope, filters, names)
            to_payment = self._to_payment(session, scope, filters, dialect)
            steps = self._steps(session, scope, filters, dialect)
            overdue = self._overdue(session, scope, now, names)
        applications = {(m, c): n for m, c, n, _a, _r in counted}
        months = _months(filters, [m for m, *_ in counted] + [m for m, *_ in paid])
        categories = [
            c for c in CATEGORIES if any(k[1] == c for k in applications) or any(p[1] == c for p in paid)
        ]
        return Dashboard(
            scope,
            names.get(scope, scope),
            filters,
            months,
            categories,
            applications,
            approvals={(m, c): int(a or 0) for m, c, _n, a, _r in counted},
            refusals={(m, c): int(r or 0) for m, c, _n, _a, r in counted},
            amounts={(m, c): int(s or 0) for m, c, s, _n in paid},
            payments={(m, c): n for m, c, _s, n in paid},
            by_area=by_area,
            to_payment=to_payment,
            steps=steps,
            **overdue,
        )

    def _case_conditions(self, scope: str, filters: LedgerFilter) -> list:
        return _conditions(scope, filters, Case.county_code, Case.area_code, Case.started_at, Case.category)

    def _by_area(self, session: Session, scope: str, filters: LedgerFilter, names: dict) -> list[dict]:
        """One row per township of a county (per village of a township)."""
        width = 9 if len(scope) <= 6 else 12
        area = func.substr(Case.area_code, 1, width)
        counted = {
            a: (n, ok)
            for a, n, ok in session.execute(
                select(area, func.count(), func.sum(case((Case.outcome == "approved", 1), else_=0)))
                .where(*self._case_conditions(scope, filters))
                .group_by(area)
            ).all()
        }
        paid_area = func.substr(LedgerEntry.area_code, 1, width)
        paid = dict(
            session.execute(
                select(paid_area, func.sum(LedgerEntry.amount))
                .where(*self._ledger_conditions(scope, filters))
                .group_by(paid_area)
            ).all()
        )
        return [
            {
                "area_code": code,
                "name": names.get(code, code),
                "applications": counted.get(code, (0, 0))[0],
                "approvals": int(counted.get(code, (0, 0))[1] or 0),
                "amount": int(paid.get(code) or 0),
            }
            for code in sorted(set(counted) | set(paid))
        ]

    def _to_payment(
        self, session: Session, scope: str, filters: LedgerFilter, dialect: str
    ) -> list[Durations]:
        """Days from application to the first payment (cash, in kind, bank), per category (path)."""
        first_paid = (
            select(LedgerEntry.case_id, func.min(LedgerEntry.recorded_at).label("paid_at"))
            .where(LedgerEntry.county_code == scope[:6], LedgerEntry.way.in_(PAID_WAYS))
            .group_by(LedgerEntry.case_id)
            .subquery()
        )
        days = _days_between(Case.started_at, first_paid.c.paid_at, dialect)
        rows = session.execute(
            select(func.coalesce(Case.category, "unclassified"), days)
            .join(first_paid, first_paid.c.case_id == Case.id)
            .where(*self._case_conditions(scope, filters))
        ).all()
        grouped: dict[str, list[float]] = defaultdict(list)
        for category, value in rows:
            grouped[category].append(float(value))
        found = [durations(CATEGORIES.get(c, c), grouped[c]) for c in CATEGORIES if c in grouped]
        found.append(durations("全部", [float(v) for _c, v in rows]))
        return found

    def _steps(self, session: Session, scope: str, filters: LedgerFilter, dialect: str) -> list[Durations]:
        """Days each completed user task was open: from when it became ready (recorded by the engine
        on its completion event) to its completion; exact for parallel branches too."""
        rows = session.execute(
            select(AuditEvent.element_name, _days_between(AuditEvent.opened_at, AuditEvent.at, dialect))
            .join(Case, Case.id == AuditEvent.case_id)
            .where(AuditEvent.action == "task_completed", AuditEvent.opened_at.is_not(None),
                   *self._case_conditions(scope, filters))
        )
        grouped: dict[str, list[float]] = defaultdict(list)
        for name, days in rows:
            grouped[name or "（未命名）"].append(float(days))
        return sorted((durations(name, values) for name, values in grouped.items()), key=lambda d: -d.count)

    def _overdue(self, session: Session, scope: str, now: datetime, names: dict) -> dict:
        conditions = [OpenTask.due_at < now, *within(OpenTask.area_code, scope)]
        by_step = session.execute(
            select(OpenTask.name, OpenTask.role, func.count())
            .where(*conditions)
            .group_by(OpenTask.name, OpenTask.role)
            .order_by(func.count().desc())
        ).all()
        oldest = session.scalars(
            select(OpenTask).where(*conditions).order_by(OpenTask.due_at).limit(20)
        ).all()
        return {
            "overdue_total": sum(n for _name, _role, n in by_step),
            "overdue_by_step": [{"name": n, "role": r, "count": c} for n, r, c in by_step],
            "overdue_oldest": [
                {
                    "case_no": t.case_no,
                    "name": t.name,
                    "role": t.role,
                    "due_at": t.due_at,
                    "area": names.get(t.area_code, t.area_code),
                    "claimed_by": t.claimed_by,
                    "days_late": round((now - t.due_at).total_seconds() / 86400, 1),
                }
                for t in oldest
            ],
        }


def _conditions(scope: str, filters: LedgerFilter, county, area, moment, category) -> list:
    """The area, period (China time, `date_to` inclusive) and category of a report, on these columns."""
    conditions = [county == scope[:6]]
    if len(scope) > 6:
        conditions += list(within(area, scope))
    if filters.date_from:
        conditions.append(moment >= local_start(filters.date_from))
    if filters.date_to:
        conditions.append(moment < local_start(filters.date_to + timedelta(days=1)))
    if filters.category == "unclassified":
        conditions.append(category.is_(None))
    elif filters.category:
        conditions.append(category == filters.category)
    return conditions


def _ledger_row(row, names: dict) -> LedgerRow:
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
    return _area_names(session), dict(session.execute(select(User.username, User.display_name)).all())


def _area_names(session: Session) -> dict[str, str]:
    return dict(session.execute(select(Area.code, Area.name)).all())


def _local_month(column, dialect: str):
    if dialect == "postgresql":
        return func.to_char(column + literal_column("interval '8 hours'"), "YYYY-MM")
    return func.strftime("%Y-%m", column, "+8 hours")


def _days_between(start, end, dialect: str):
    if dialect == "postgresql":
        return func.extract("epoch", end - start) / 86400.0
    return func.julianday(end) - func.julianday(start)


def _months(filters: LedgerFilter, seen: list[str]) -> list[str]:
    """Every month of the period (or of the data when the period is open), in order."""
    seen = sorted({m for m in seen if m})
    first = filters.date_from.strftime("%Y-%m") if filters.date_from else (seen[0] if seen else None)
    last = filters.date_to.strftime("%Y-%m") if filters.date_to else (seen[-1] if seen else None)
    if first is None or last is None:
        return []
    year, month = map(int, first.split("-"))
    months = []
    while f"{year:04d}-{month:02d}" <= last and len(months) < 240:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


__all__ = ["CATEGORIES", "WAYS", "Dashboard", "LedgerFilter", "LedgerRow", "Reports"]
