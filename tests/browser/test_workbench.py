"""The clerk's workbench in Chromium: finding a case, handing work on, chasing and extending overdue
tasks, comments, drafts — as a township or county clerk does it."""

from __future__ import annotations

import pytest

from tests.web.journeys import NAN, advance, application, id_number, start

pytestmark = [pytest.mark.browser]


def test_a_clerk_finds_a_case_by_name_id_digits_and_step(people, server):
    _base, eng = server
    fire = start(eng, application(name="王火生", serial=31))
    advance(eng, fire, "补办手续")
    other = start(eng, application(name="张秀英", serial=32))
    start(eng, application(name="王火生", serial=33), area=NAN, by="town_qingshan")  # not 城关镇's

    town = people("town_chengguan")
    town.get_by_role("link", name="查找案件").click()
    town.get_by_label("姓名、身份证号（或末几位）、案件编号").fill("王火生")
    town.get_by_role("button", name="查找").click()
    assert town.locator("#total").inner_text() == "1"
    assert town.locator("table.cases tbody tr").first.get_attribute("data-case-no") == fire

    town.get_by_label("姓名、身份证号（或末几位）、案件编号").fill(id_number(32)[-6:])
    town.get_by_role("button", name="查找").click()
    assert town.locator("table.cases").inner_text().count("张秀英") == 1
    town.get_by_role("link", name=other).click()
    assert town.url.endswith(f"/cases/{other}")

    county = people("county_mz", phone=True)  # a county clerk lists the county's cases at a step
    county.goto("/cases")
    assert county.locator("#total").inner_text() == "3"
    county.select_option('select[name="step"]', "补办手续")
    county.get_by_role("button", name="查找").click()
    assert [r.get_attribute("data-case-no") for r in county.locator("table.cases tbody tr").all()] == [fire]

    village = people("village_dong")  # the case moved on from the village: still found there
    village.goto("/")
    village.get_by_placeholder("姓名、身份证号（或末几位）、案件编号").fill("王火生")
    village.get_by_role("button", name="查找").click()
    assert village.locator("table.cases tbody tr").count() == 1
    assert "补办手续" in village.locator("table.cases").inner_text()

    county.goto("/cases?from=2026-02-30")
    assert "申请起始日期：格式应为 年-月-日" in county.locator(".field-error").inner_text()
