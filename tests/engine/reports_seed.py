"""Synthetic history for the reports: cases over months, areas and categories with their payments,
completed-task events and open tasks, inserted in bulk (no workflow runs, which reports never read).
Used by tests/engine/test_reports.py and bench/reports_bench.py."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, select

from engine.store import report_durations, report_facts
from engine.store.models import AuditEvent, Case, LedgerEntry, OpenTask, SpecVersion

STEPS = {
    "emergency": ["受理审查", "先行救助决定", "发放"],
    "expenditure": ["受理审查", "家庭经济状况核对", "入户调查", "乡镇审核", "发放"],
    "major": ["受理审查", "县级审核", "发放"],
}
WAYS = ["cash", "cash", "cash", "in_kind", "referral"]


@dataclass
class Seeded:
    cases: int
    payments: int
    amount: int


def seed(
    eng,
    villages: list[str],
    count: int,
    start: datetime,
    days: int,
    approver: str = "town_a",
    rng_seed: int = 7,
    batch: int = 5000,
    prefix: str = "SYN",
) -> Seeded:
    """`count` cases started over `days` days from `start`, in the given villages (of one county)."""
    rng = random.Random(rng_seed)
    with eng.db.read() as session:
        version_id = session.scalar(select(SpecVersion.id).order_by(SpecVersion.id.desc()).limit(1))
    seeded = Seeded(0, 0, 0)
    for first in range(0, count, batch):
        cases, plans = [], []
        for number in range(first, min(count, first + batch)):
            village = villages[number % len(villages)]
            started = start + timedelta(seconds=rng.randrange(days * 86400))
            category = rng.choice(["emergency", "emergency", "expenditure", "major", None])
            roll = rng.random()
            outcome = None if category is None or roll > 0.9 else ("approved" if roll < 0.7 else "refused")
            if category is None:
                outcome = "refused" if roll < 0.5 else None
            status = "running" if outcome is None else "completed"
            plan = {
                "category": category,
                "outcome": outcome,
                "started": started,
                "area": village,
                "steps": [
                    started + timedelta(hours=rng.uniform(2, 24 * 15) * (i + 1))
                    for i in range(len(STEPS.get(category, ["受理审查"])))
                ],
            }
            amount = rng.randrange(300, 9000, 50) if outcome == "approved" else None
            plan["amount"] = amount
            closed = plan["steps"][-1] if status == "completed" else None
            cases.append(
                {
                    "case_no": f"{village[:6]}-{prefix}-{number:07d}",
                    "spec_version_id": version_id,
                    "process_id": "temporary_assistance",
                    "area_code": village,
                    "county_code": village[:6],
                    "channel": "window",
                    "status": status,
                    "category": category,
                    "applicant_name": f"申请人{number}",
                    "applicant_id_number": f"630102199{number:08d}X",
                    "reason": "disaster_accident",
                    "outcome": outcome,
                    "amount": amount,
                    "started_at": started,
                    "updated_at": closed or started,
                    "closed_at": closed,
                    "started_by": approver,
                    "version": 1,
                }
            )
            plans.append(plan)
        with eng.db.write() as session:
            ids = (
                session.execute(
                    insert(Case.__table__).returning(Case.__table__.c.id, sort_by_parameter_order=True), cases
                )
                .scalars()
                .all()
            )
            ledger, events, open_rows = [], [], []
            for case_id, row, plan in zip(ids, cases, plans):
                events.append(
                    {
                        "at": plan["started"],
                        "actor": approver,
                        "action": "case_started",
                        "case_id": case_id,
                        "element_name": None,
                        "spec_version_id": version_id,
                        "parameter_version": 0,
                        "opened_at": None,
                    }
                )
                names = STEPS.get(plan["category"], ["受理审查"])
                done = names if row["status"] == "completed" else names[:-1]
                opened = plan["started"]  # each step opens when the one before it completes
                for name, at in zip(done, plan["steps"]):
                    events.append(
                        {
                            "at": at,
                            "actor": approver,
                            "action": "task_completed",
                            "case_id": case_id,
                            "element_name": name,
                            "spec_version_id": version_id,
                            "parameter_version": 0,
                            "opened_at": opened,
                        }
                    )
                    opened = at
                if row["status"] == "running":
                    open_rows.append(
                        {
                            "task_id": f"{row['case_no']}-t",
                            "case_id": case_id,
                            "case_no": row["case_no"],
                            "element_id": "Task",
                            "name": names[len(done)],
                            "process_id": "p",
                            "lane": None,
                            "role": "township",
                            "area_code": row["area_code"],
                            "category": row["category"],
                            "applicant_name": row["applicant_name"],
                            "form": None,
                            "ui_form": None,
                            "created_at": plan["steps"][0],
                            "due_at": plan["steps"][-1],
                            "claimed_by": None,
                        }
                    )
                if plan["amount"]:
                    stages = 2 if plan["category"] == "emergency" and rng.random() < 0.3 else 1
                    for stage in range(1, stages + 1):
                        way = rng.choice(WAYS)
                        amount = 0 if way == "referral" else plan["amount"] // stages
                        ledger.append(
                            {
                                "case_id": case_id,
                                "case_no": row["case_no"],
                                "area_code": row["area_code"],
                                "county_code": row["county_code"],
                                "category": row["category"],
                                "applicant_name": row["applicant_name"],
                                "amount": amount,
                                "way": way,
                                "stage": stage,
                                "note": "",
                                "approver": approver,
                                "recorded_at": plan["steps"][-1] + timedelta(days=30 * (stage - 1)),
                            }
                        )
                        seeded.payments += 1
                        seeded.amount += amount
            session.execute(insert(AuditEvent.__table__), events)
            if ledger:
                session.execute(insert(LedgerEntry.__table__), ledger)
            if open_rows:
                session.execute(insert(OpenTask.__table__), open_rows)
        seeded.cases += len(cases)
    with eng.db.write() as session:  # rows written around the engine: its report facts are recomputed
        report_facts.rebuild(session)
        report_durations.rebuild(session)
    return seeded
