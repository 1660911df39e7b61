"""The dashboard of a county or township: applications, approvals, refusals and amounts per category
and month, days from application to payment per path and per step, overdue tasks.

The amounts are sums over the very rows the ledger lists (same table, same filters, the same local
month), so the two agree to the yuan. Months are China time, computed in SQL by shifting the stored
UTC by eight hours.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, literal_column, select
from sqlalchemy.orm import Session

from engine.areas import child_width, within
from engine.store import report_durations
from engine.store.models import AuditEvent, Case, LedgerEntry, OpenTask, ReportDuration, ReportFact
from engine.unit_of_work import UnitOfWork
from engine.views.reports.ledger import area_names, ledger_conditions
from engine.views.reports.scope import LedgerFilter, conditions, validate
from engine.views.reports.scope import scope as report_scope
from engine.vocabulary import CATEGORIES_WITH_UNCLASSIFIED, PAID_WAYS, UNCLASSIFIED

FACTS = ReportFact.__table__
HISTOGRAMS = ReportDuration.__table__


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


def dashboard(uow: UnitOfWork, username: str, filters: LedgerFilter, use_facts: bool = True) -> Dashboard:
    """The dashboard of the user's area (narrowed by the filters). Counts and amounts come from the
    report facts when they can serve the scope (a township or any area above it, no payment-way
    filter), else from the cases and the ledger themselves; both give the same figures."""
    validate(filters)
    now = uow.now()
    with uow:
        session = uow.session
        scope = report_scope(session, username, filters.area_code)
        dialect = session.get_bind().dialect.name
        names = area_names(session)
        if use_facts and facts_serve(scope, filters):
            counted, paid, by_area = _from_facts(session, scope, filters, names)
        else:
            counted, paid = (
                _counted(session, scope, filters, dialect),
                _paid(session, scope, filters, dialect),
            )
            by_area = _by_area(session, scope, filters, names)
        if use_facts and histograms_serve(scope, filters):
            to_payment, steps = _from_histograms(session, scope, filters)
        else:
            to_payment = _to_payment(session, scope, filters, dialect)
            steps = _steps(session, scope, filters, dialect)
        overdue = _overdue(session, scope, now, names)
    applications = {(m, c): n for m, c, n, _a, _r in counted}
    months = _months(filters, [m for m, *_ in counted] + [m for m, *_ in paid])
    categories = [
        c
        for c in CATEGORIES_WITH_UNCLASSIFIED
        if any(k[1] == c for k in applications) or any(p[1] == c for p in paid)
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


def _counted(session: Session, scope: str, filters: LedgerFilter, dialect: str) -> Sequence[Any]:
    month = _local_month(Case.started_at, dialect)
    category = func.coalesce(Case.category, UNCLASSIFIED)
    return session.execute(
        select(
            month,
            category,
            func.count(),
            func.sum(case((Case.outcome == "approved", 1), else_=0)),
            func.sum(case((Case.outcome == "refused", 1), else_=0)),
        )
        .where(*_case_conditions(scope, filters))
        .group_by(month, category)
    ).all()


def _paid(session: Session, scope: str, filters: LedgerFilter, dialect: str) -> Sequence[Any]:
    paid_month = _local_month(LedgerEntry.recorded_at, dialect)
    paid_category = func.coalesce(LedgerEntry.category, UNCLASSIFIED)
    return session.execute(
        select(paid_month, paid_category, func.sum(LedgerEntry.amount), func.count())
        .where(*ledger_conditions(scope, filters))
        .group_by(paid_month, paid_category)
    ).all()


def facts_serve(scope: str, filters: LedgerFilter) -> bool:
    """The facts are kept per township and day: they answer a township or any area above it, for
    any period and category, but not a village or a payment-way filter."""
    return len(scope) in (2, 4, 6, 9) and not filters.way


def histograms_serve(scope: str, filters: LedgerFilter) -> bool:
    """The duration histograms are kept per county and month of the case's start: they answer whole
    counties (a county, a city, a province) over whole months."""
    whole_months = (filters.date_from is None or filters.date_from.day == 1) and (
        filters.date_to is None or (filters.date_to + timedelta(days=1)).day == 1
    )
    return len(scope) in (2, 4, 6) and whole_months


def _from_histograms(session: Session, scope: str, filters: LedgerFilter) -> tuple[list, list]:
    h = HISTOGRAMS.c
    where = [h.county_code == scope] if len(scope) == 6 else list(within(h.county_code, scope))
    if filters.date_from:
        where.append(h.month >= filters.date_from.strftime("%Y-%m"))
    if filters.date_to:
        where.append(h.month <= filters.date_to.strftime("%Y-%m"))
    if filters.category:
        where.append(h.category == ("" if filters.category == UNCLASSIFIED else filters.category))
    rows = session.execute(
        select(h.measure, h.category, h.label, h.bucket, func.sum(h.count), func.sum(h.hours))
        .where(*where)
        .group_by(h.measure, h.category, h.label, h.bucket)
    ).all()
    paid: dict[str, list[tuple[float, int]]] = defaultdict(list)
    steps: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for measure, category, label, _bucket, count, hours in rows:
        if not count:
            continue
        value = (float(hours) / int(count) / 24, int(count))  # the mean of the bucket's values
        if measure == report_durations.PAYMENT:
            paid[category or UNCLASSIFIED].append(value)
        else:
            steps[label].append(value)
    to_payment = [
        counted_durations(CATEGORIES_WITH_UNCLASSIFIED.get(c, c), paid[c])
        for c in CATEGORIES_WITH_UNCLASSIFIED
        if c in paid
    ]
    to_payment.append(counted_durations("全部", [v for values in paid.values() for v in values]))
    by_step = [counted_durations(label, values) for label, values in steps.items()]
    return to_payment, sorted(by_step, key=lambda d: (-d.count, d.label))


def counted_durations(label: str, counted: list[tuple[float, int]]) -> Durations:
    """Median and 90th percentile of values given with their counts (a histogram), as `durations`
    computes them from the values one by one."""
    counted = sorted((v, n) for v, n in counted if n > 0)
    total = sum(n for _v, n in counted)
    if not total:
        return Durations(label, 0, None, None)

    def at(rank: int) -> float:  # the value at a 0-based rank
        seen = 0
        for value, n in counted:
            seen += n
            if rank < seen:
                return value
        return counted[-1][0]

    middle = total // 2
    median = at(middle) if total % 2 else (at(middle - 1) + at(middle)) / 2
    return Durations(label, total, median, at(max(1, math.ceil(0.9 * total)) - 1))


def _fact_conditions(scope: str, filters: LedgerFilter) -> list:
    f = FACTS.c
    if len(scope) == 9:
        found = [f.township_code == scope]
    elif len(scope) == 6:
        found = [f.county_code == scope]
    else:
        found = list(within(f.county_code, scope))
    if filters.date_from:
        found.append(f.day >= filters.date_from.isoformat())
    if filters.date_to:
        found.append(f.day <= filters.date_to.isoformat())
    if filters.category == UNCLASSIFIED:
        found.append(f.category == "")
    elif filters.category:
        found.append(f.category == filters.category)
    return found


def _from_facts(
    session: Session, scope: str, filters: LedgerFilter, names: dict
) -> tuple[Sequence[Any], Sequence[Any], list]:
    f = FACTS.c
    where = _fact_conditions(scope, filters)
    month = func.substr(f.day, 1, 7)
    category = case((f.category == "", UNCLASSIFIED), else_=f.category)
    counted = session.execute(
        select(month, category, func.sum(f.applications), func.sum(f.approvals), func.sum(f.refusals))
        .where(*where)
        .group_by(month, category)
        .having(func.sum(f.applications) > 0)
    ).all()
    paid = session.execute(
        select(month, category, func.sum(f.amount), func.sum(f.payments))
        .where(*where)
        .group_by(month, category)
        .having(func.sum(f.payments) > 0)
    ).all()
    width = child_width(scope) or len(scope)
    if width == 12:  # the villages of a township: the facts stop at the township
        return counted, paid, _by_area(session, scope, filters, names)
    area = f.township_code if width == 9 else func.substr(f.county_code, 1, width)
    by_area = [
        {
            "area_code": code,
            "name": names.get(code, code),
            "applications": int(n or 0),
            "approvals": int(ok or 0),
            "amount": int(amount or 0),
        }
        for code, n, ok, amount, payments in session.execute(
            select(
                area,
                func.sum(f.applications),
                func.sum(f.approvals),
                func.sum(f.amount),
                func.sum(f.payments),
            )
            .where(*where)
            .group_by(area)
            .order_by(area)
        )
        if (n or 0) > 0 or (payments or 0) > 0
    ]
    return (
        [(m, c, int(n), int(a or 0), int(r or 0)) for m, c, n, a, r in counted],
        [(m, c, int(s or 0), int(n)) for m, c, s, n in paid],
        by_area,
    )


def _case_conditions(scope: str, filters: LedgerFilter) -> list:
    return conditions(scope, filters, Case.county_code, Case.area_code, Case.started_at, Case.category)


def _by_area(session: Session, scope: str, filters: LedgerFilter, names: dict) -> list[dict]:
    """One row per area one level down: the cities of a province, the counties of a city, the
    townships of a county, the villages of a township."""
    width = child_width(scope) or len(scope)
    area = func.substr(Case.area_code, 1, width)
    counted = {
        a: (n, ok)
        for a, n, ok in session.execute(
            select(area, func.count(), func.sum(case((Case.outcome == "approved", 1), else_=0)))
            .where(*_case_conditions(scope, filters))
            .group_by(area)
        ).all()
    }
    paid_area = func.substr(LedgerEntry.area_code, 1, width)
    paid: dict[str, Any] = dict(
        session.execute(
            select(paid_area, func.sum(LedgerEntry.amount))
            .where(*ledger_conditions(scope, filters))
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


def _to_payment(session: Session, scope: str, filters: LedgerFilter, dialect: str) -> list[Durations]:
    """Days from application to the first payment (cash, in kind, bank), per category (path)."""
    first_paid = (
        select(LedgerEntry.case_id, func.min(LedgerEntry.recorded_at).label("paid_at"))
        .where(
            *(
                within(LedgerEntry.county_code, scope)
                if len(scope) < 6
                else (LedgerEntry.county_code == scope[:6],)
            ),
            LedgerEntry.way.in_(PAID_WAYS),
        )
        .group_by(LedgerEntry.case_id)
        .subquery()
    )
    days = _days_between(Case.started_at, first_paid.c.paid_at, dialect)
    rows = session.execute(
        select(func.coalesce(Case.category, UNCLASSIFIED), days)
        .join(first_paid, first_paid.c.case_id == Case.id)
        .where(*_case_conditions(scope, filters))
    ).all()
    grouped: dict[str, list[float]] = defaultdict(list)
    for category, value in rows:
        grouped[category].append(float(value))
    found = [
        durations(CATEGORIES_WITH_UNCLASSIFIED.get(c, c), grouped[c])
        for c in CATEGORIES_WITH_UNCLASSIFIED
        if c in grouped
    ]
    found.append(durations("全部", [float(v) for _c, v in rows]))
    return found


def _steps(session: Session, scope: str, filters: LedgerFilter, dialect: str) -> list[Durations]:
    """Days each completed user task was open: from when it became ready (recorded by the engine
    on its completion event) to its completion; exact for parallel branches too."""
    rows = session.execute(
        select(AuditEvent.element_name, _days_between(AuditEvent.opened_at, AuditEvent.at, dialect))
        .join(Case, Case.id == AuditEvent.case_id)
        .where(
            AuditEvent.action == "task_completed",
            AuditEvent.opened_at.is_not(None),
            *_case_conditions(scope, filters),
        )
    )
    grouped: dict[str, list[float]] = defaultdict(list)
    for name, days in rows:
        grouped[name or "（未命名）"].append(float(days))
    return sorted(
        (durations(name, values) for name, values in grouped.items()), key=lambda d: (-d.count, d.label)
    )


def _overdue(session: Session, scope: str, now: datetime, names: dict) -> dict:
    conditions = [OpenTask.due_at < now, *within(OpenTask.area_code, scope)]
    by_step = session.execute(
        select(OpenTask.name, OpenTask.role, func.count())
        .where(*conditions)
        .group_by(OpenTask.name, OpenTask.role)
        .order_by(func.count().desc())
    ).all()
    oldest = session.scalars(select(OpenTask).where(*conditions).order_by(OpenTask.due_at).limit(20)).all()
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
            if t.due_at is not None  # always: only tasks due before now were selected
        ],
    }


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
    months: list[str] = []
    while f"{year:04d}-{month:02d}" <= last and len(months) < 240:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months
