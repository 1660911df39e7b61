"""The report facts that the dashboards above the village read: kept current step by step they equal
what recomputing them from the cases and the ledger gives, and a dashboard from the facts equals the
same dashboard computed from the cases and the ledger themselves, for every scope and filter."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from engine import Engine
from engine.demo import seed
from engine.store import report_durations, report_facts
from engine.store.models import ReportDuration, ReportFact
from engine.views.reports import LedgerFilter
from engine.views.reports import dashboard as build_dashboard
from tests.engine import reports_seed
from tests.web.journeys import advance, application, form_data, start, task_named

FACTS = ReportFact.__table__
HISTOGRAMS = ReportDuration.__table__


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


def histograms_table(eng) -> list[tuple]:
    with eng.db.read() as session:
        rows = session.execute(select(HISTOGRAMS).order_by(*HISTOGRAMS.primary_key.columns))
        # the sum of hours to the second: SQLite's julianday arithmetic is not exact to the microsecond
        return [(*tuple(r)[:-1], round(r.hours * 3600)) for r in rows if r.count]


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
    kept_histograms = histograms_table(eng)
    measures = {r[3] for r in kept_histograms}
    assert measures == {"payment", "step"}, kept_histograms
    with eng.db.write() as session:
        report_facts.rebuild(session)
        report_durations.rebuild(session)
    assert facts_table(eng) == kept
    assert histograms_table(eng) == kept_histograms


@pytest.mark.parametrize(
    "hours", [0, 0.5, 1, 23.99, 24, 47.5, 48, 50, 335.9, 336, 1000, 2159, 2160, 8000, 8759, 8760, 20000]
)
def test_a_bucket_holds_its_value_and_is_narrow_for_it(hours):
    bucket = report_durations.bucket_of(hours)
    assert bucket <= hours or hours >= report_durations.OVERFLOW
    if hours < report_durations.OVERFLOW:
        width = next(w for end, w in report_durations.SERIES if bucket < end)
        assert hours < bucket + width
        assert width <= max(1, hours / 8)  # an hour at the 24-hour rule, an eighth of the value beyond


FILTERS = [
    LedgerFilter(),
    LedgerFilter(date_from=date(2026, 3, 15), date_to=date(2026, 9, 2)),
    LedgerFilter(category="emergency"),
    LedgerFilter(date_from=date(2026, 3, 1), date_to=date(2026, 8, 31)),
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
        for part in ("to_payment", "steps"):
            close_enough(getattr(fast, part), getattr(slow, part), (user, filters, part))


def close_enough(read, scanned, where) -> None:
    """Durations read from the histograms: the same labels and counts as the scan, each percentile
    within a bucket of the exact value (a bucket is at most an eighth of its values, or an hour)."""
    assert [(d.label, d.count) for d in read] == [(d.label, d.count) for d in scanned], where
    for a, b in zip(read, scanned, strict=True):
        for figure in ("median", "p90"):
            x, y = getattr(a, figure), getattr(b, figure)
            assert (x is None) == (y is None), (where, a.label, figure)
            if x is not None:
                assert abs(x - y) <= max(1 / 24, y / 8) + 1e-6, (where, a.label, figure, x, y)
