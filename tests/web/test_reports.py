"""Reports through HTTP: the dashboard's totals are the ledger page's and the exports', the exports
carry every row, and each reader sees only their own area."""

from __future__ import annotations

import csv
import io
import json
import re

from openpyxl import load_workbook

from tests.web.conftest import visible_text
from tests.web.journeys import NAN, advance, application, form_data, start, task_named


def _paid_cases(eng):
    """Two 急难型 cases paid 800 元 each: one in 城关镇, one in 青山乡."""
    first = start(eng, application(serial=11))
    advance(eng, first, "补办手续")
    eng.complete("town_chengguan", task_named(eng, first, "发放").task_id, form_data("payment.schema.json"))
    second = start(eng, application(serial=12, name="李桂兰"), area=NAN, by="town_qingshan")
    while not eng.case_view(second).payments:
        task = next(t for t in eng.open_tasks(second) if t.name != "补办手续")
        eng.complete("town_qingshan", task.task_id, form_data(task.form))
    return first, second


def _number(page: str, element_id: str) -> int:
    return int(re.search(rf'id="{element_id}">(\d+)<', page).group(1))


def test_dashboard_ledger_and_exports_agree(visitor, eng):
    _paid_cases(eng)
    county = visitor("county_mz")
    board = county.get("/reports/dashboard").get_data(as_text=True)
    ledger = county.get("/reports/ledger").get_data(as_text=True)
    exported = county.client.get("/reports/ledger.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(exported.lstrip("\ufeff"))))
    amount = sum(int(r["金额（元）"]) for r in rows)
    assert amount == 1600 and len(rows) == 2
    assert _number(board, "kpi-amount") == _number(ledger, "ledger-amount") == amount
    assert _number(board, "kpi-payments") == _number(ledger, "ledger-count") == len(rows)
    assert _number(board, "kpi-applications") == 2
    book = load_workbook(io.BytesIO(county.client.get("/reports/ledger.xlsx").data))
    cells = list(book.active.iter_rows(values_only=True))
    assert [c[1] for c in cells[1:3]] == [r["案件编号"] for r in rows]
    chart = re.search(
        r'<script type="application/json" id="chart-data">(.*?)</script>', board, re.DOTALL
    ).group(1)
    assert sum(sum(series) for series in json.loads(chart)["amounts"].values()) == amount


def test_a_township_sees_its_own_and_a_village_nothing(visitor, eng):
    first, second = _paid_cases(eng)
    town = visitor("town_chengguan")
    page = visible_text(town.get("/reports/ledger").get_data(as_text=True))
    assert first in page and second not in page
    assert town.get("/reports/ledger?area=639001002").status_code == 403
    assert visitor("village_dong").get("/reports/dashboard").status_code == 403
    filtered = visitor("auditor").get("/reports/ledger?area=639001002").get_data(as_text=True)
    assert second in filtered and first not in filtered


def test_bad_filters_are_refused_with_the_reason(visitor):
    response = visitor("auditor").get("/reports/ledger?from=2026-13-01")
    assert response.status_code == 422 and "日期" in response.get_data(as_text=True)
    assert visitor("auditor").get("/reports/dashboard?category=nonsense").status_code == 422
