"""Whole cases through the real UI in Chromium, each clerk signed in as themselves: a 急难型 case and
a 支出型 case from the application to 发放."""

from __future__ import annotations

import re

import pytest

from tests.browser.forms import fill_form, open_task, submit
from tests.web.journeys import DONG, application, expire_publicity, form_data

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def apply_at(page, data: dict) -> str:
    """Fill the application on /cases/new; returns the new case's number from the case page."""
    page.goto("/cases/new")
    page.select_option('select[name="area_code"]', DONG)
    fill_form(page, data)
    submit(page)
    page.wait_for_url(re.compile(r"/cases/\d{6}-\d{4}-\d{6}$"))
    return page.url.rsplit("/", 1)[1]


def do_task(page, name: str, case_no: str, data: dict) -> None:
    open_task(page, name, case_no)
    fill_form(page, data)
    submit(page)
    page.wait_for_url(re.compile(r"/$"))
    assert f"已提交“{name}”" in page.locator(".flash.success").inner_text()


def test_emergency_case_from_application_to_payment(people, server):
    village = people("village_dong", phone=True)
    data = application("disaster_accident", 800, name="张秀英", serial=81)
    data.update(submitted_by="village_worker", reporter={"name": "王村干", "position": "东村村委"})
    case_no = apply_at(village, data)
    assert no_sideways_scroll(village)
    assert "张秀英" in village.content()
    do_task(village, "核实主动发现线索", case_no, form_data("discovery-verify.schema.json"))

    town = people("town_chengguan")
    do_task(town, "受理审查", case_no, form_data("intake-review.schema.json"))
    do_task(town, "先行救助决定", case_no, form_data("pay-first.schema.json"))
    do_task(town, "发放", case_no, form_data("payment.schema.json"))

    town.goto(f"/cases/{case_no}")
    assert "急难型" in town.locator(".sub").inner_text()
    ledger = town.locator("table.plain").first.inner_text()
    assert "800" in ledger
    assert town.get_by_role("link", name="临时救助金发放通知书").count() == 1
    town.wait_for_selector("#diagram svg")
    assert town.locator("#diagram .done").count() > 0

    stranger = people("town_qingshan")
    response = stranger.goto(f"/cases/{case_no}")
    assert response.status == 404 and "张秀英" not in stranger.content()


def test_expenditure_case_from_application_to_payment(people, server):
    _base, eng = server
    town = people("town_chengguan")
    data = application("medical_expense", 1500, name="刘建国", serial=82, members=1)
    case_no = apply_at(town, data)

    do_task(town, "受理审查", case_no, form_data("intake-review.schema.json"))
    do_task(town, "家庭经济状况核对", case_no, form_data("economic-check.schema.json"))

    village = people("village_dong", phone=True)
    village.goto("/")
    assert no_sideways_scroll(village)
    do_task(village, "入户调查", case_no, form_data("home-visit.schema.json"))
    do_task(village, "邻里走访", case_no, form_data("neighbour-visit.schema.json"))
    do_task(village, "民主评议", case_no, form_data("democratic-review.schema.json"))
    do_task(town, "乡镇审核", case_no, form_data("township-review.schema.json"))  # proposes 1000, then 公示

    resident = people(None, phone=True)
    resident.goto("/gongzhong/gongshi/639001001")
    row = resident.locator("tr").filter(has_text=case_no)
    assert "刘*" in row.inner_text() and "刘建国" not in resident.content()

    assert expire_publicity(eng) == 1  # 公示期满 (7 days) without objection: the township approves 1000
    do_task(town, "发放", case_no, form_data("payment.schema.json"))
    # 004 §二(一) 一次申请、分类审核认定: a household of two on 20 000 a year (833 a month) is below the
    # low-income line, so the county decides the other categories on the same application
    county = people("county_mz")
    decision = form_data("category-decision.schema.json") | {
        "dibao_edge_decision": "recognize",
        "dibao_edge_reason": "家庭人均月收入低于低收入线",
    }
    do_task(county, "分类审核认定", case_no, decision)

    town.goto(f"/cases/{case_no}")
    assert town.locator(".status").first.inner_text() == "已办结"
    assert "1000" in town.locator("table.plain").first.inner_text()
