"""Reports: the 台账 with its filters and exports, the dashboard whose amounts are the ledger's to the
yuan, days to payment per path and per step, overdue tasks, and who may see which area."""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert, select

from engine import NotPermitted, ValidationFailed
from engine.store import report_durations
from engine.store.models import AuditEvent, Case, LedgerEntry
from engine.views.reports import LedgerFilter, durations, percentile
from engine.vocabulary import CATEGORIES_WITH_UNCLASSIFIED as CATEGORIES
from tests.conftest import COUNTY, TOWN_A, VILLAGE_A1, VILLAGE_B1
from tests.engine import reports_seed

START = datetime(2026, 1, 1, tzinfo=UTC)
LABELS = {label: code for code, label in CATEGORIES.items()}


@pytest.fixture
def eng(mini_engine):
    mini_engine.add_user("owner", "流程管理员", "process_owner", COUNTY)
    mini_engine.add_user("village", "村干部", "village", VILLAGE_A1)
    reports_seed.seed(mini_engine, [VILLAGE_A1, VILLAGE_B1], 240, START, 200)
    return mini_engine


def _csv_rows(eng, username, filters) -> list[dict]:
    text = "".join(eng.reports().export_csv(username, filters))
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def _by_month_and_category(rows: list[dict]) -> dict[tuple[str, str], int]:
    sums: dict[tuple[str, str], int] = defaultdict(int)
    for row in rows:
        sums[(row["发放时间"][:7], LABELS[row["救助类别"]])] += int(row["金额（元）"])
    return dict(sums)


@pytest.mark.parametrize("area", [None, TOWN_A])
def test_the_dashboard_amounts_are_the_ledger_exports_to_the_yuan(eng, applicant, area):
    case_no = eng.start_case(
        {"applicant": applicant, "reason": "fire", "divisor": 1}, VILLAGE_A1, by="town_a"
    ).case_no
    eng.complete("town_a", eng.open_tasks(case_no)[0].task_id, {"amount": 640})  # a real payment as well
    filters = LedgerFilter(area_code=area, date_from=date(2026, 2, 1), date_to=date(2026, 6, 30))
    board = eng.reports().dashboard("auditor", filters)
    rows = _csv_rows(eng, "auditor", filters)
    assert rows and {k: v for k, v in board.amounts.items() if v} == {
        k: v for k, v in _by_month_and_category(rows).items() if v
    }
    assert sum(board.payments.values()) == len(rows)
    assert board.months == ["2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    if area:
        assert {r["区划代码"][:9] for r in rows} == {TOWN_A}
    page = eng.reports().ledger("auditor", filters, limit=10)
    assert page.total == len(rows) and page.total_amount == sum(int(r["金额（元）"]) for r in rows)
    assert len(page.rows) == 10 and page.rows[0].recorded_at <= page.rows[-1].recorded_at


def test_filters_by_category_and_way_and_the_xlsx_has_the_same_rows_as_the_csv(eng, tmp_path):
    filters = LedgerFilter(category="emergency", way="cash")
    rows = _csv_rows(eng, "owner", filters)
    assert rows and {(r["救助类别"], r["救助方式"]) for r in rows} == {("急难型", "现金")}
    assert all(r["身份证号"].count("*") == 10 for r in rows)  # masked
    target = tmp_path / "ledger.xlsx"
    assert eng.reports().export_xlsx("owner", filters, target) == len(rows)
    sheet = load_workbook(target).active
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == list(rows[0].keys())
    assert [str(v[1]) for v in values[1 : len(rows) + 1]] == [r["案件编号"] for r in rows]
    assert sum(v[7] for v in values[1 : len(rows) + 1]) == sum(int(r["金额（元）"]) for r in rows)
    with eng.db.read() as session:
        exported = session.scalars(
            select(AuditEvent.data).where(AuditEvent.action == "ledger_exported")
        ).all()
    assert [e["format"] for e in exported] == ["csv", "xlsx"] and exported[0]["filters"]["way"] == "cash"


def test_applications_approvals_and_refusals_per_category_and_month(eng):
    board = eng.reports().dashboard("owner", LedgerFilter())
    with eng.db.read() as session:
        cases = session.execute(select(Case.started_at, Case.category, Case.outcome)).all()
    local = [((s + timedelta(hours=8)).strftime("%Y-%m"), c or "unclassified", o) for s, c, o in cases]
    assert board.applications == dict(Counter((m, c) for m, c, _o in local))
    assert board.total("approvals") == sum(1 for *_x, o in local if o == "approved")
    assert board.total("refusals") == sum(1 for *_x, o in local if o == "refused")
    assert sum(a["applications"] for a in board.by_area) == len(cases)
    assert {a["area_code"] for a in board.by_area} == {TOWN_A, VILLAGE_B1[:9]}


def test_days_to_payment_per_path_and_per_step(mini_engine):
    eng = mini_engine
    eng.add_user("owner", "流程管理员", "process_owner", COUNTY)
    version_id = eng.versions()[0]["id"]
    with eng.db.write() as session:
        for number, (days, step_days) in enumerate([(1, 0.5), (2, 1.0), (10, 4.0)]):
            started = START + timedelta(days=number)
            case_id = session.execute(
                insert(Case.__table__).returning(Case.__table__.c.id),
                {
                    "case_no": f"T-{number}",
                    "spec_version_id": version_id,
                    "process_id": "p",
                    "area_code": VILLAGE_A1,
                    "county_code": COUNTY,
                    "channel": "window",
                    "status": "completed",
                    "category": "emergency",
                    "applicant_name": "甲",
                    "applicant_id_number": "X",
                    "started_at": started,
                    "updated_at": started,
                    "version": 1,
                    "outcome": "approved",
                },
            ).scalar_one()
            session.execute(
                insert(AuditEvent.__table__),
                [
                    {
                        "at": started,
                        "actor": "a",
                        "action": "case_started",
                        "case_id": case_id,
                        "element_name": None,
                        "opened_at": None,
                    },
                    {
                        "at": started + timedelta(hours=1),
                        "actor": "a",
                        "action": "task_claimed",
                        "case_id": case_id,
                        "element_name": "先行救助决定",
                        "opened_at": None,
                    },
                    {
                        "at": started + timedelta(days=step_days),
                        "actor": "a",
                        "action": "task_completed",
                        "case_id": case_id,
                        "element_name": "先行救助决定",
                        "opened_at": started,
                    },
                ],
            )
            for way, after in (("referral", 0.1), ("cash", days), ("cash", days + 30)):
                session.execute(
                    insert(LedgerEntry.__table__),
                    {
                        "case_id": case_id,
                        "case_no": f"T-{number}",
                        "area_code": VILLAGE_A1,
                        "county_code": COUNTY,
                        "category": "emergency",
                        "applicant_name": "甲",
                        "amount": 100,
                        "way": way,
                        "stage": 1,
                        "approver": "a",
                        "recorded_at": started + timedelta(days=after),
                    },
                )
        # rows written around the engine: the dashboards' histograms are rebuilt, as after a bulk import
        report_durations.rebuild(session)
    board = eng.reports().dashboard("owner", LedgerFilter())
    emergency = next(d for d in board.to_payment if d.label == "急难型")
    assert (emergency.count, emergency.median, emergency.p90) == (3, pytest.approx(2), pytest.approx(10))
    [step] = board.steps
    assert (step.label, step.count, step.median, step.p90) == (
        "先行救助决定",
        3,
        pytest.approx(1),
        pytest.approx(4),
    )


def test_percentiles_are_nearest_rank():
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9) == 9
    assert durations("x", [4, 1, 3, 2]).median == 2.5
    assert durations("x", []).median is None


def test_overdue_tasks_are_counted_per_step(eng):
    later = datetime(2026, 12, 31, tzinfo=UTC)
    eng.clock = lambda: later
    board = eng.reports().dashboard("owner", LedgerFilter())
    with eng.db.read() as session:
        running = session.scalar(select(Case.id).where(Case.status == "running").limit(1))
    assert running and board.overdue_total == sum(s["count"] for s in board.overdue_by_step) > 0
    assert board.overdue_oldest[0]["days_late"] >= board.overdue_oldest[-1]["days_late"]


def test_who_sees_which_area(eng):
    reports = eng.reports()
    township = reports.ledger("town_a", LedgerFilter())
    assert township.scope == TOWN_A and all(r.area_code.startswith(TOWN_A) for r in township.rows)
    with pytest.raises(NotPermitted):
        reports.ledger("town_a", LedgerFilter(area_code=VILLAGE_B1[:9]))
    with pytest.raises(NotPermitted):
        reports.dashboard("village", LedgerFilter())
    with pytest.raises(NotPermitted):
        reports.ledger("auditor", LedgerFilter(area_code="639002"))
    with pytest.raises(ValidationFailed):
        reports.ledger("auditor", LedgerFilter(date_from=date(2026, 5, 1), date_to=date(2026, 4, 1)))
