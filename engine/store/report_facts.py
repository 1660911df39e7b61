"""Report facts (the `report_facts` table): per township, China-time day and category, the
applications, approvals and refusals of the cases started that day and the payments recorded that
day.

They are kept current in the transaction of every step — `record` is called by
engine/workflow/persist.py with the case's category and outcome before the step and the payments it
made — so the dashboards of a county, a city and a province sum a few thousand rows instead of
scanning every case and ledger row (1.6 s for a county of 100 000 cases before). Changes are applied
as increments (`INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n`), in key order so that two
steps never wait on each other's rows in opposite orders. `rebuild` recomputes every fact from the
cases and the ledger: after a bulk load, and in the migration that adds the table.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, func, insert, literal_column, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engine.store.db import DEFERRED
from engine.store.models import Case, LedgerEntry, ReportFact
from engine.vocabulary import LOCAL_TZ

FACTS = ReportFact.__table__
COUNTS = ("applications", "approvals", "refusals", "payments", "amount")
OUTCOME_COUNTS = {"approved": "approvals", "refused": "refusals"}


def local_day(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).date().isoformat()


def record(
    session: Session, case, before: tuple[str | None, str | None] | None, payments: list[dict], now: datetime
) -> None:
    """Apply one step's change to the facts: a new case (`before` None), a case whose category or
    outcome changed, and the payments the step recorded."""
    changes: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    started = local_day(case.started_at)
    after = (case.category, case.outcome)
    if before != after:
        if before is not None:
            _count(changes[(started, before[0] or "")], before[1], -1)
        _count(changes[(started, after[0] or "")], after[1], +1)
    for payment in payments:
        row = changes[(local_day(now), case.category or "")]
        row["payments"] += 1
        row["amount"] += int(payment["amount"])
    township = case.area_code[:9]
    rows = [
        {
            "township_code": township,
            "day": day,
            "category": category,
            "county_code": case.county_code,
            **counts,
        }
        for (day, category), counts in sorted(changes.items())
        if any(counts.values())
    ]
    if rows:
        _add(session, rows)


def _count(row: dict, outcome: str | None, sign: int) -> None:
    row["applications"] += sign
    if outcome in OUTCOME_COUNTS:
        row[OUTCOME_COUNTS[outcome]] += sign


def _add(session: Session, rows: list[dict]) -> None:
    """Add the counts of `rows` (in key order) in one statement."""
    session.execute(_upsert(session.get_bind().dialect.name), rows)


@functools.cache
def _upsert(dialect: str) -> Any:
    """Built once with bound values (a multi-row VALUES was compiled afresh on every step)."""
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = make(FACTS)
    upsert = stmt.on_conflict_do_update(
        index_elements=[FACTS.c.township_code, FACTS.c.day, FACTS.c.category],
        set_={name: FACTS.c[name] + stmt.excluded[name] for name in COUNTS},
    )
    return upsert.execution_options(**DEFERRED)  # pipelined on PostgreSQL


def day_sql(column, dialect: str):
    if dialect == "postgresql":
        return func.to_char(column + literal_column("interval '8 hours'"), "YYYY-MM-DD")
    return func.strftime("%Y-%m-%d", column, "+8 hours")


def rebuild(session: Session) -> int:
    """Recompute every fact from the cases and the ledger; returns the number of fact rows."""
    dialect = session.get_bind().dialect.name
    merged: dict[tuple[str, str, str], dict] = {}

    def row(township, day, category, county):
        key = (township, day, category or "")
        if key not in merged:
            merged[key] = {
                "township_code": township,
                "day": day,
                "category": category or "",
                "county_code": county,
                **dict.fromkeys(COUNTS, 0),
            }
        return merged[key]

    township = func.substr(Case.area_code, 1, 9)
    started = day_sql(Case.started_at, dialect)
    for code, day, category, county, count, approved, refused in session.execute(
        select(
            township,
            started,
            Case.category,
            Case.county_code,
            func.count(),
            func.sum(case((Case.outcome == "approved", 1), else_=0)),
            func.sum(case((Case.outcome == "refused", 1), else_=0)),
        ).group_by(township, started, Case.category, Case.county_code)
    ):
        found = row(code, day, category, county)
        found["applications"], found["approvals"], found["refusals"] = (
            count,
            int(approved or 0),
            int(refused or 0),
        )
    paid_township = func.substr(LedgerEntry.area_code, 1, 9)
    paid_day = day_sql(LedgerEntry.recorded_at, dialect)
    for code, day, category, county, count, amount in session.execute(
        select(
            paid_township,
            paid_day,
            LedgerEntry.category,
            LedgerEntry.county_code,
            func.count(),
            func.sum(LedgerEntry.amount),
        ).group_by(paid_township, paid_day, LedgerEntry.category, LedgerEntry.county_code)
    ):
        found = row(code, day, category, county)
        found["payments"], found["amount"] = count, int(amount or 0)
    session.execute(delete(FACTS))
    rows = list(merged.values())
    for start in range(0, len(rows), 5000):
        session.execute(insert(FACTS), rows[start : start + 5000])
    return len(rows)
