"""The report facts that the dashboards above the village read: kept current step by step they equal
what recomputing them from the cases and the ledger gives, and a dashboard from the facts equals the
same dashboard computed from the cases and the ledger themselves, for every scope and filter."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from engine import Engine
from engine.demo import seed
from engine.store import report_facts
from engine.store.models import ReportFact
from engine.views.reports import LedgerFilter
from engine.views.reports import dashboard as build_dashboard
from tests.engine import reports_seed
from tests.web.journeys import advance, application, form_data, start, task_named

FACTS = ReportFact.__table__


@pytest.fixture
def shipped(db_url):
    eng = Engine.open(db_url)
    eng.deploy()
    seed(eng, with_cases=False)
    yield eng
    eng.close()


def facts_table(eng) -> list[tuple]:
    with eng.db.read() as session:
        rows = session.execute(select(FACTS).order_by(FACTS.c.township_code, FACTS.c.day, FACTS.c.category))
        return [tuple(r) for r in rows if any(r[4:])]


def test_facts_kept_step_by_step_equal_the_facts_recomputed(shipped):
    eng = shipped
    paid = start(eng, application("disaster_accident", 800, serial=11))
    advance(eng, paid, "补办手续")  # classified 急难型, paid 800 by the township
    refused = start(eng, application(serial=12))
    eng.complete(
        "town_chengguan",
        task_named(eng, refused, "受理审查").task_id,
        {"intake_decision": "refuse", "refusal_code": "not_eligible", "refusal_reason": "不符合救助条件"},
    )
    long = start(eng, application("medical_expense", 1500, serial=13, members=1))
    advance(eng, long, "发放")  # through the publicity period: classified 支出型, approved by the township
    eng.complete("town_chengguan", task_named(eng, long, "发放").task_id, form_data("payment.schema.json"))
    start(eng, application(serial=14), area="639001002001", by="town_qingshan")  # waiting, unclassified
    kept = facts_table(eng)
    assert kept and any(r[7] > 0 for r in kept)  # payments recorded
    with eng.db.write() as session:
        report_facts.rebuild(session)
    assert facts_table(eng) == kept


FILTERS = [
    LedgerFilter(),
    LedgerFilter(date_from=date(2026, 3, 15), date_to=date(2026, 9, 2)),
    LedgerFilter(category="emergency"),
    LedgerFilter(category="unclassified", date_from=date(2026, 5, 1)),
    LedgerFilter(area_code="639001001"),
    LedgerFilter(area_code="639001002", category="expenditure", date_to=date(2026, 6, 30)),
]


@pytest.mark.parametrize("user", ["county_mz", "town_chengguan", "city_mz", "province_mz"])
def test_a_dashboard_from_the_facts_equals_the_one_from_cases_and_ledger(shipped, user):
    eng = shipped
    reports_seed.seed(
        eng, ["639001001001", "639001001002", "639001002001"], 400, datetime(2026, 1, 1, tzinfo=UTC), 365
    )
    advance(eng, start(eng, application("disaster_accident", 700, serial=21)), "补办手续")
    for filters in FILTERS:
        if user == "town_chengguan" and filters.area_code == "639001002":
            continue  # another township: refused either way
        fast = build_dashboard(eng.uow(readonly=True), user, filters, use_facts=True)
        slow = build_dashboard(eng.uow(readonly=True), user, filters, use_facts=False)
        for part in (
            "months",
            "categories",
            "applications",
            "approvals",
            "refusals",
            "amounts",
            "payments",
            "by_area",
        ):
            assert getattr(fast, part) == getattr(slow, part), (user, filters, part)
        assert fast.total("applications") > 0
