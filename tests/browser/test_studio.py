"""The process owner's studio in Chromium: a parameter and a timer changed, tested, deployed — a new
case follows the new values while a running case keeps its own; a lint error shown on its element;
the dashboard and the ledger export agree."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from engine.workflow.context import add_working_days
from tests.web.journeys import advance, application, form_data, start, task_named
from web.labels import local_time

pytestmark = pytest.mark.browser
KEYWORD = "乡镇额度内先行救助"  # the scenario a test run executes here (all of them take a minute)
LONG = 90_000


@pytest.fixture
def server_settings() -> dict:
    """The server of tests/browser/conftest.py with scenario runs limited to one scenario."""
    return {"JIUZHU_STUDIO_SCENARIO_KEYWORD": KEYWORD}


def _pay_first(eng, case_no: str, amount: int) -> None:
    """受理审查 and 先行救助决定 for `amount` (through engine/: set-up, not what is tested)."""
    advance(eng, case_no, "先行救助决定")
    data = form_data("pay-first.schema.json") | {"amount": amount}
    eng.complete("town_chengguan", task_named(eng, case_no, "先行救助决定").task_id, data)


def _supplement_due(eng, case_no: str):
    [timer] = [
        t
        for t in eng.case_view(case_no).timers
        if t["status"] == "pending" and t["element_id"] == "Timer_SupplementDeadline"
    ]
    return timer["due_at"]


def _new_draft(page, name: str) -> str:
    page.goto("/studio/")
    page.fill('form.row input[name="name"]', name)
    page.click("text=新建草稿")
    page.wait_for_url(re.compile(r"/studio/drafts/\d+$"))
    return page.url


def _open_editor(page, draft_url: str, path: str) -> None:
    page.goto(f"{draft_url}/files/{path}")
    page.wait_for_selector("#editor[data-ready=yes]")


def _select(page, element_id: str) -> None:
    page.locator(f'g.djs-element[data-element-id="{element_id}"]').first.click(force=True)
    expect(page.locator("#prop-id")).to_have_value(element_id)


def test_a_new_limit_and_timer_apply_to_new_cases_and_running_ones_keep_theirs(people, server):
    _base, eng = server
    running = start(eng, application(serial=51))
    _pay_first(eng, running, 800)
    running_due = _supplement_due(eng, running)
    assert abs(running_due - add_working_days(eng.now(), 10)) < timedelta(minutes=5)

    owner = people("process_owner")
    owner.on("dialog", lambda dialog: dialog.accept())  # deploy and new parameters ask first
    owner.goto("/studio/parameters")
    owner.fill("#p-township_pay_first_limit", "1500")
    owner.fill('input[name="reason"]', "示政发〔2027〕3号 调整急难型先行救助额度")
    owner.click("text=保存为新版本")
    assert "参数第 1 版已保存" in owner.locator(".flash").inner_text()
    assert "1000 → 1500" in owner.locator("table.history").inner_text()

    draft_url = _new_draft(owner, "补办时限缩短为5个工作日")
    _open_editor(owner, draft_url, "bpmn/emergency_aid.bpmn")
    _select(owner, "Timer_SupplementDeadline")
    timer = owner.locator("#prop-timer")
    assert timer.input_value() == "after_working_days(param('supplement_working_days'))"
    timer.fill("after_working_days(param('supplement_working_days') - 5)")
    timer.press("Tab")
    owner.click("#save")
    owner.wait_for_selector("#save-status.ok")

    owner.goto(draft_url)
    changes = owner.locator('li.change[data-key="Timer_SupplementDeadline"]').inner_text()
    assert "supplement_working_days') - 5" in changes
    owner.click("text=运行政策场景测试", timeout=LONG)
    owner.wait_for_selector(".run-status.status-passed", timeout=LONG)
    assert owner.locator("tr.scenario.passed").count() == 1
    owner.fill('input[name="note"]', "补办时限 5 个工作日")
    owner.click("text=部署为新版本")
    assert "已部署为版本 2" in owner.locator(".flash").inner_text()
    assert owner.locator('tr[data-version="2"] .cases').inner_text() == "0 / 0"
    assert owner.locator('tr[data-version="1"] .cases').inner_text() == "1 / 1"

    new = start(eng, application(serial=52))
    _pay_first(eng, new, 1200)  # within the new limit of 1500: the township pays, no county approval
    assert sorted(t.name for t in eng.open_tasks(new)) == ["发放", "补办手续"]
    new_due = _supplement_due(eng, new)
    assert abs(new_due - add_working_days(eng.now(), 5)) < timedelta(minutes=5)
    assert _supplement_due(eng, running) == running_due  # the waiting timer keeps its due time

    town = people("town_chengguan")
    for case_no, due, version in ((running, running_due, 1), (new, new_due, 2)):
        town.goto(f"/cases/{case_no}")
        assert f"补办期限届满 {local_time(due)}" in town.locator("dl.facts").inner_text()
        assert eng.case_view(case_no).spec_version_id == version
    town.goto(f"/studio/cases/{new}/parameters")
    assert "第 1 版" in town.locator(".parameter-version").last.inner_text()


def test_a_lint_error_shows_on_its_element(people, server):
    owner = people("process_owner")
    owner.on("dialog", lambda dialog: dialog.accept())  # deploy and new parameters ask first
    draft_url = _new_draft(owner, "有错误的草稿")
    _open_editor(owner, draft_url, "bpmn/emergency_aid.bpmn")
    _select(owner, "Task_PayFirst")
    due = owner.locator("#prop-due")
    due.fill("open('/etc/passwd')")
    due.press("Tab")
    owner.click("#save")
    owner.wait_for_selector("#save-status.error")
    badge = owner.locator('.lint-badge[data-element="Task_PayFirst"]')
    assert badge.is_visible() and "open" in badge.get_attribute("title")
    assert "lint-error" in owner.locator(
        'g.djs-element[data-element-id="Task_PayFirst"]'
    ).first.get_attribute("class")
    item = owner.locator('#problem-list li.error[data-element="Task_PayFirst"]')
    assert "沙箱" in item.inner_text()
    owner.goto(draft_url)
    assert owner.locator("#run-blocked").is_visible()
    assert owner.locator('button:has-text("运行政策场景测试")').count() == 0
    owner.click('#problems a:has-text("Task_PayFirst")')
    owner.wait_for_selector("#editor[data-ready=yes]")
    assert owner.locator("#prop-id").input_value() == "Task_PayFirst"  # the link selects the element


def test_the_dashboard_and_the_ledger_export_agree(people, server, tmp_path):
    _base, eng = server
    for serial, amount in ((61, 800), (62, 650), (63, 900)):
        case_no = start(eng, application(serial=serial))
        _pay_first(eng, case_no, amount)
        eng.complete(
            "town_chengguan", task_named(eng, case_no, "发放").task_id, form_data("payment.schema.json")
        )
    county = people("county_mz")
    county.goto("/reports/dashboard")
    amount = int(county.locator("#kpi-amount").inner_text())
    charted = county.evaluate(
        "document.getElementById('chart-amounts').chart.data.datasets"
        ".reduce((s, d) => s + d.data.reduce((a, b) => a + b, 0), 0)"
    )
    assert amount == charted == 2350
    with county.expect_download() as csv_download:
        county.click("text=导出 CSV")
    text = Path(csv_download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sum(int(r["金额（元）"]) for r in rows) == amount and len(rows) == int(
        county.locator("#kpi-payments").inner_text()
    )
    with county.expect_download() as xlsx_download:
        county.click("text=导出 XLSX")
    target = tmp_path / "ledger.xlsx"
    xlsx_download.value.save_as(target)
    sheet = load_workbook(target).active
    assert sum(r[7] for r in sheet.iter_rows(min_row=2, max_row=len(rows) + 1, values_only=True)) == amount
    county.click("text=救助台账")
    assert int(county.locator("#ledger-amount").inner_text()) == amount
