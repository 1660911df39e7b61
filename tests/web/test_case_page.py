"""The case page: status, holder, deadlines, timeline, diagram marks, printable notices, audit of
who opened it and of refused attempts."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import time_machine

from tests.web.conftest import visible_text
from tests.web.journeys import advance, application, form_data, start, task_named


def diagram_data(page: str) -> list[dict]:
    return json.loads(
        re.search(r'<script type="application/json" id="diagram-data">(.*?)</script>', page, re.DOTALL).group(
            1
        )
    )


def test_case_page_shows_state_timeline_and_marked_diagram(eng, visitor):
    case_no = start(eng)
    advance(eng, case_no, "发放")
    page = visitor("town_chengguan").get(f"/cases/{case_no}").get_data(as_text=True)
    assert "办理中" in page and "急难型" in page and re.search(r'class="current-step">[^<]*发放', page)
    assert "发放：乡镇(街道)（未认领）" in page
    text = visible_text(page)
    assert "提交申请" in text and "完成待办 · 受理审查" in text and "完成待办 · 先行救助决定" in text
    diagrams = diagram_data(page)
    entry = diagrams[0]
    assert entry["process_id"] == "temporary_assistance" and "Task_IntakeReview" in entry["completed"]
    assert "定时：补办期限届满" in text and "Timer_" not in text
    paying = next(d for d in diagrams if "Task_Pay" in d["open_tasks"])
    assert paying["xml"].startswith("<?xml")
    assert "bpmn-navigated-viewer.production.min.js" in page


def test_notices_are_printable(eng, visitor):
    case_no = start(eng)
    advance(eng, case_no, "补办手续")
    clerk = visitor("town_chengguan")
    page = clerk.get(f"/cases/{case_no}").get_data(as_text=True)
    assert "临时救助审批决定书" in page
    notice = clerk.get(f"/cases/{case_no}/notices/1")
    text = notice.get_data(as_text=True)
    assert (
        notice.status_code == 200
        and "临时救助审批决定书" in text
        and "800" in text
        and "发放临时救助金" in text
    )
    assert 'class="print"' in text and "@media print" in clerk.get("/static/app.css").get_data(as_text=True)
    assert clerk.get(f"/cases/{case_no}/notices/9").status_code == 404


def test_opening_a_case_is_audited(eng, visitor):
    case_no = start(eng)
    visitor("county_mz").get(f"/cases/{case_no}")
    events = eng.case_view(case_no).events
    viewed = [e for e in events if e["action"] == "personal_data_viewed"]
    assert viewed and viewed[-1]["actor"] == "county_mz" and viewed[-1]["data"]["what"] == "案件页"


def test_another_townships_case_is_not_found_and_the_attempt_audited(eng, visitor):
    case_no = start(eng)
    response = visitor("town_qingshan").get(f"/cases/{case_no}")
    assert response.status_code == 404 and "张秀英" not in response.get_data(as_text=True)
    denied = [e for e in eng.case_view(case_no).events if e["action"] == "access_denied"]
    assert denied and denied[-1]["actor"] == "town_qingshan"


def test_refused_attempt_shows_on_the_timeline(eng, visitor):
    case_no = start(eng)
    visitor("village_nan").get(f"/cases/{case_no}")
    page = visitor("town_chengguan").get(f"/cases/{case_no}").get_data(as_text=True)
    assert "越权访问被拒绝" in page and "village_nan" in page


def test_the_ledger_says_what_each_row_is_a_referral_to_medical_aid_and_the_voucher(eng, visitor):
    """000 §二(四) 摆渡 (the county's default, C-000-14): the approved illness case is referred to
    medical aid; the clerk reads the referral's target and the payment's voucher on the case page."""
    case_no = start(eng, application("medical_expense", serial=77))
    advance(eng, case_no, "发放")
    task = next(t for t in eng.open_tasks(case_no) if t.name == "发放")
    eng.complete("town_chengguan", task.task_id, form_data("payment.schema.json"))
    text = visible_text(visitor("town_chengguan").get(f"/cases/{case_no}").get_data(as_text=True))
    assert "说明" in text and "转介服务 医疗救助" in text and "银行转账 V-001" in text


def test_case_page_shows_each_category_of_one_application(eng, visitor):
    """一次申请、分类审核认定 (004 §二(一)): the same application assessed against every category, the
    county's decision per category beside the 临时救助 decision."""
    case_no = start(eng, application("medical_expense", members=2))
    advance(eng, case_no, "分类审核认定", {"economic-check.schema.json": {"household_annual_income": 18000}})
    county = visitor("county_mz")
    text = visible_text(county.get(f"/cases/{case_no}").get_data(as_text=True))
    assert "分类审核认定（一次申请）" in text and "家庭人均月收入 500 元，低于低保标准 700 元" in text
    decision = form_data("category-decision.schema.json") | {
        "dibao_decision": "recognize",
        "dibao_reason": "家庭人均月收入低于低保标准",
    }
    # after the publicity period ran out (advance travels 8 days ahead): decide later than that
    with time_machine.travel(datetime.now(UTC) + timedelta(days=9), tick=True):
        eng.complete("county_mz", task_named(eng, case_no, "分类审核认定").task_id, decision)
    view = eng.case_view(case_no)
    assert [(r["title"], r["decision"]) for r in view.category_results] == [
        ("特困人员", "不认定"),
        ("最低生活保障", "认定"),
        ("低保边缘家庭", "不认定"),
        ("支出型困难家庭", "不认定"),
    ]
    assert ("referral", "转入最低生活保障审核审批") in [(p["way"], p["note"]) for p in view.payments]
    text = visible_text(county.get(f"/cases/{case_no}").get_data(as_text=True))
    assert "家庭人均月收入低于低保标准" in text
