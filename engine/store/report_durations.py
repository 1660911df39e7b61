"""Duration histograms (the `report_durations` table): how long cases took from application to their
first payment, and how long each user task was open, per county, China-time month of the case's
start, category and bucket of hours.

The dashboard's "days to payment" and "per step" sections read medians and 90th percentiles from
these rows when the report covers whole counties and whole months: a few thousand rows instead of
every audit event of a province. They are kept current in the transaction of every step (`record`,
called by engine/workflow/persist.py): a completed task adds one to its bucket, a case's first
payment adds one, and a case whose category changes moves what it had counted to the new category.
`rebuild` recomputes them from the audit events and the ledger (after a bulk load; in the migration
that adds the table).

Buckets are one hour wide up to two days (the 24-hour rule of 急难型 stays readable), six hours up to
two weeks, a day up to 90 days, a week up to a year, then one overflow bucket: a percentile read from
them is the mean of the values in its bucket (each row keeps their sum), within a bucket of the exact
value, and exact where a bucket holds one value or equal values.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engine.store.db import DEFERRED
from engine.store.models import AuditEvent, Case, LedgerEntry, ReportDuration
from engine.vocabulary import LOCAL_TZ, PAID_WAYS

DURATIONS = ReportDuration.__table__
PAYMENT, STEP = "payment", "step"
UNNAMED = "（未命名）"
# (end of the range in hours, bucket width in hours); the ranges start where the previous one ends.
SERIES = ((48, 1), (336, 6), (2160, 24), (8760, 168))
OVERFLOW = SERIES[-1][0]
# A value on a bucket's lower edge must land in that bucket whether Python or SQL computed it (SQLite's
# julianday arithmetic gives 0.9999999997 for one hour): both add the same few milliseconds.
EDGE = 1e-6


def bucket_of(hours: float) -> int:
    hours = max(hours, 0.0) + EDGE
    lower = 0
    for end, width in SERIES:
        if hours < end:
            return lower + int((hours - lower) // width) * width
        lower = end
    return OVERFLOW


def month_of(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m")


@dataclass
class Counted:
    """What a case has counted so far, read before the step's own rows are written: its completed
    tasks (label, ready at, completed at; only when the step moves them to a new category) and the
    time of its first payment (None: not paid yet)."""

    steps: list[tuple[str | None, datetime, datetime]] = field(default_factory=list)
    first_paid_at: datetime | None = None


def moves(before_category: str | None, after_category: str | None, is_new: bool) -> bool:
    """Whether a step moves what the case counted to a new category (its tasks must then be read)."""
    return not is_new and (before_category or "") != (after_category or "")


def record(
    session: Session,
    case_row,
    before_category: str | None,
    is_new: bool,
    completed: tuple[str | None, datetime | None, datetime] | None,
    paid_at: datetime | None,
    counted: Counted | None = None,
) -> None:
    """Apply one step: move the case's counts when its category changed, count the completed task
    (name, ready at, completed at), and count the case's first payment when this step, saved at
    `paid_at`, paid money (cash, in kind, bank) and no earlier step did. `counted` is what the case
    counted before this step (engine/workflow/persist.py reads it with the case's open rows, in the
    same round trip); without it, it is read here."""
    changes: dict[tuple[str, str, str, int], list[float]] = defaultdict(lambda: [0, 0.0])
    category = case_row.category or ""
    moving = moves(before_category, category, is_new)
    if counted is None and (moving or paid_at is not None):
        counted = read_counted(session, case_row.id, with_steps=moving)
    if moving:
        assert counted is not None
        for measure, label, hours in _hours_counted(counted, case_row.started_at):
            _count(changes[(before_category or "", measure, label, bucket_of(hours))], hours, -1)
            _count(changes[(category, measure, label, bucket_of(hours))], hours, +1)
    if completed is not None:
        name, opened_at, at = completed
        if opened_at is not None:
            hours = (at - opened_at).total_seconds() / 3600
            _count(changes[(category, STEP, name or UNNAMED, bucket_of(hours))], hours, +1)
    if paid_at is not None:
        assert counted is not None
        earlier = counted.first_paid_at is not None and counted.first_paid_at < paid_at
        if not earlier:
            hours = (paid_at - case_row.started_at).total_seconds() / 3600
            _count(changes[(category, PAYMENT, "", bucket_of(hours))], hours, +1)
    month = month_of(case_row.started_at)
    rows = [
        {
            "county_code": case_row.county_code,
            "month": month,
            "category": cat,
            "measure": measure,
            "label": label,
            "bucket": bucket,
            "count": delta,
            "hours": hours,
        }
        for (cat, measure, label, bucket), (delta, hours) in sorted(changes.items())
        if delta
    ]
    if rows:
        _add(session, rows)


def _count(change: list[float], hours: float, sign: int) -> None:
    change[0] += sign
    change[1] += sign * hours


def counted_steps(case_id):
    """The case's completed tasks already counted: (kind, label, ready at, completed at)."""
    return select(
        literal(STEP).label("kind"),
        AuditEvent.element_name.label("label"),
        AuditEvent.opened_at.label("since"),
        AuditEvent.at.label("until"),
    ).where(
        AuditEvent.case_id == case_id,
        AuditEvent.action == "task_completed",
        AuditEvent.opened_at.is_not(None),
    )


def first_payment(case_id):
    """The case's first payment in money or goods as recorded: one row (kind, NULL, NULL, at or NULL)."""
    return select(
        literal(PAYMENT).label("kind"),
        null().label("label"),
        cast(null(), AuditEvent.opened_at.type).label("since"),  # typed: PostgreSQL unions it with times
        func.min(LedgerEntry.recorded_at).label("until"),
    ).where(LedgerEntry.case_id == case_id, LedgerEntry.way.in_(PAID_WAYS))


def counted_of(rows: Iterable[Any]) -> Counted:
    """A Counted from rows of `counted_steps` and `first_payment` as (kind, label, since, until)."""
    counted = Counted()
    for kind, label, since, until in rows:
        if kind == STEP:
            counted.steps.append((label, since, until))
        elif kind == PAYMENT and until is not None:
            counted.first_paid_at = until
    return counted


def read_counted(session: Session, case_id: int, with_steps: bool) -> Counted:
    if with_steps:
        return counted_of(session.execute(union_all(counted_steps(case_id), first_payment(case_id))))
    return counted_of(session.execute(first_payment(case_id)))


def _hours_counted(counted: Counted, started_at: datetime) -> Iterable[tuple[str, str, float]]:
    """(measure, label, hours) of everything already counted for one case: its completed tasks and
    its first payment."""
    for label, since, until in counted.steps:
        yield STEP, label or UNNAMED, (until - since).total_seconds() / 3600
    if counted.first_paid_at is not None:
        yield PAYMENT, "", (counted.first_paid_at - started_at).total_seconds() / 3600


def _add(session: Session, rows: list[dict]) -> None:
    """Add `rows` (count and hours per bucket, in key order) in one statement."""
    session.execute(_upsert(session.get_bind().dialect.name), rows)


@functools.cache
def _upsert(dialect: str) -> Any:
    """The upsert with bound values, built once: a multi-row VALUES differs with every row count and
    was compiled afresh on every step (a millisecond each on SQLite); this one is compiled once."""
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = make(DURATIONS)
    upsert = stmt.on_conflict_do_update(
        index_elements=[
            DURATIONS.c.county_code,
            DURATIONS.c.month,
            DURATIONS.c.category,
            DURATIONS.c.measure,
            DURATIONS.c.label,
            DURATIONS.c.bucket,
        ],
        set_={
            "count": DURATIONS.c.count + stmt.excluded.count,
            "hours": DURATIONS.c.hours + stmt.excluded.hours,
        },
    )
    return upsert.execution_options(**DEFERRED)  # pipelined on PostgreSQL


def _hours_sql(start, end, dialect: str):
    if dialect == "postgresql":
        return func.extract("epoch", end - start) / 3600.0 + EDGE
    return (func.julianday(end) - func.julianday(start)) * 24.0 + EDGE


def _floor(value, dialect: str):
    # PostgreSQL's cast to integer rounds; SQLite's truncates (the values here are never negative).
    return func.floor(value) if dialect == "postgresql" else func.cast(value, ReportDuration.bucket.type)


def _bucket_sql(hours, dialect: str):
    whens = []
    lower = 0
    for end, width in SERIES:
        whens.append((hours < end, lower + _floor((hours - lower) / width, dialect) * width))
        lower = end
    return case((hours < 0, 0), *whens, else_=OVERFLOW)


def _month_sql(column, dialect: str):
    if dialect == "postgresql":
        return func.to_char(column + literal_column("interval '8 hours'"), "YYYY-MM")
    return func.strftime("%Y-%m", column, "+8 hours")


def _merge(row: list, count, hours) -> None:
    row[0] += int(count)
    row[1] += float(hours or 0)


def rebuild(session: Session) -> int:
    """Recompute every histogram from the audit events and the ledger; returns the number of rows."""
    dialect = session.get_bind().dialect.name
    month = _month_sql(Case.started_at, dialect)
    category = func.coalesce(Case.category, "")
    merged: dict[tuple, list] = defaultdict(lambda: [0, 0.0])
    step_hours = _hours_sql(AuditEvent.opened_at, AuditEvent.at, dialect)
    step_bucket = _bucket_sql(step_hours, dialect)
    label = func.coalesce(AuditEvent.element_name, UNNAMED)
    for county, mon, cat, name, bucket, count, hours in session.execute(
        select(
            Case.county_code, month, category, label, step_bucket, func.count(), func.sum(step_hours - EDGE)
        )
        .join(Case, Case.id == AuditEvent.case_id)
        .where(AuditEvent.action == "task_completed", AuditEvent.opened_at.is_not(None))
        .group_by(Case.county_code, month, category, label, step_bucket)
    ):
        _merge(merged[(county, mon, cat, STEP, name, int(bucket))], count, hours)
    first_paid = (
        select(LedgerEntry.case_id, func.min(LedgerEntry.recorded_at).label("paid_at"))
        .where(LedgerEntry.way.in_(PAID_WAYS))
        .group_by(LedgerEntry.case_id)
        .subquery()
    )
    paid_hours = _hours_sql(Case.started_at, first_paid.c.paid_at, dialect)
    paid_bucket = _bucket_sql(paid_hours, dialect)
    for county, mon, cat, bucket, count, hours in session.execute(
        select(Case.county_code, month, category, paid_bucket, func.count(), func.sum(paid_hours - EDGE))
        .join(first_paid, first_paid.c.case_id == Case.id)
        .group_by(Case.county_code, month, category, paid_bucket)
    ):
        _merge(merged[(county, mon, cat, PAYMENT, "", int(bucket))], count, hours)
    session.execute(delete(DURATIONS))
    rows = [
        dict(zip(("county_code", "month", "category", "measure", "label", "bucket"), key, strict=True))
        | {"count": count, "hours": hours}
        for key, (count, hours) in sorted(merged.items())
        if count
    ]
    for start in range(0, len(rows), 5000):
        session.execute(insert(DURATIONS), rows[start : start + 5000])
    return len(rows)
