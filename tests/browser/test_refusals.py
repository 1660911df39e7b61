"""What a clerk or resident is told: a form error in Chinese beside its field, another township's case
refused, and the public notice showing no unmasked ID number."""

from __future__ import annotations

import re

import pytest

from tests.browser.forms import fill_form, open_task, submit
from tests.web.journeys import PUBLICITY, advance, application, id_number, start

pytestmark = pytest.mark.browser


def test_form_error_in_chinese_beside_its_field(people, server):
    _base, eng = server
    case_no = start(eng, application(serial=91))
    town = people("town_chengguan", phone=True)
    open_task(town, "受理审查", case_no)
    reason = town.locator('.field[data-name="refusal_reason"]')
    assert reason.is_hidden()  # asked only when refusing
    fill_form(town, {"intake_decision": "refuse"})
    assert reason.is_visible()
    asked = []
    town.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    submit(town)  # a refusal is final: the browser asks first
    assert "不能撤回" in asked[0]
    error = reason.locator(".field-error")
    assert error.inner_text().endswith("不予救助理由：必填")
    assert town.locator('input[name="intake_decision"][value="refuse"]').is_checked()
    assert town.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_another_townships_clerk_is_refused(people, server):
    _base, eng = server
    case_no = start(eng, application(name="赵大妈", serial=92))
    task_id = eng.open_tasks(case_no)[0].task_id
    stranger = people("town_qingshan")
    assert stranger.locator("tr[data-task-id]").count() == 0  # not in their inbox
    for url in (f"/cases/{case_no}", f"/tasks/{task_id}"):
        response = stranger.goto(url)
        assert (
            response.status == 404 and "未找到" in stranger.content() and "赵大妈" not in stranger.content()
        )


def test_public_notice_shows_no_unmasked_id_number(people, server):
    _base, eng = server
    case_no = start(eng, application("medical_expense", 1500, name="欧阳小明", serial=93, members=2))
    advance(eng, case_no, PUBLICITY)
    resident = people(None, phone=True)
    resident.goto("/gongzhong/")
    resident.get_by_role("link", name="城关镇").click()
    row = resident.locator("tr").filter(has_text=case_no)
    assert "欧阳**" in row.inner_text() and "630102**********" in row.inner_text()
    html = resident.content()
    assert id_number(93) not in html and not re.search(r"\d{17}[\dX]", html)
