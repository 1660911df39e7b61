"""Residents' pages: 信息公示 masked, objections reaching the case, applying online, status lookup."""

from __future__ import annotations

import re

from tests.web.conftest import Visitor, visible_text
from tests.web.forms_data import as_form
from tests.web.journeys import DONG, PUBLICITY, advance, application, form_data, id_number, start, task_named

CHENGGUAN = "639001001"


def under_notice(eng, serial=7, members=2):
    case_no = start(
        eng, application("medical_expense", 1500, name="欧阳小明", serial=serial, members=members)
    )
    advance(eng, case_no, PUBLICITY)
    return case_no


def test_public_notice_masks_name_and_id_number_and_shows_no_sensitive_detail(app, eng):
    case_no = under_notice(eng)
    page = Visitor(app).get(f"/gongzhong/gongshi/{CHENGGUAN}").get_data(as_text=True)
    text = visible_text(page)
    assert case_no in text and "欧阳**" in text and "欧阳小明" not in page
    assert id_number(7) not in page and "630102**********" in page
    assert not re.search(r"\d{17}[\dX]", page)  # no full ID number anywhere
    assert "支出型" in text and " 3 " in text  # household of three
    for sensitive in ("罹患", "医疗", "描述", "13800000001", "家人1"):
        assert sensitive not in text


def test_other_townships_notice_does_not_list_it(app, eng):
    case_no = under_notice(eng)
    assert case_no not in Visitor(app).get("/gongzhong/gongshi/639001002").get_data(as_text=True)
    assert Visitor(app).get("/gongzhong/gongshi/999999999").status_code == 404


def test_objection_goes_to_the_township_and_the_case_stays_on_notice(app, eng):
    case_no = under_notice(eng)
    resident = Visitor(app)
    url = f"/gongzhong/gongshi/{CHENGGUAN}/{case_no}/yiyi"
    form = resident.get(url).get_data(as_text=True)
    assert "异议内容" in form and 'name="received_on"' not in form
    bad = resident.post(url, {"objector_name": "邻居", "objection_content": "短"})
    assert bad.status_code == 422 and "异议内容：至少 5 个字符" in bad.get_data(as_text=True)
    assert eng.open_tasks(case_no) == []  # the bad form changed nothing
    done = resident.post(
        url, {"objector_name": "邻居老张", "objection_content": "申请人家中新买了轿车，收入情况不实"}
    )
    assert done.status_code == 200 and "异议已提交" in done.get_data(as_text=True)
    # 002 §三 (C-002-18): the township checks it; until then the case stays on the notice, undecided
    assert case_no in Visitor(app).get(f"/gongzhong/gongshi/{CHENGGUAN}").get_data(as_text=True)
    after = eng.case_view(case_no)
    assert ("objection_received", "public") in [(e["action"], e["actor"]) for e in after.events]
    [review] = after.open_tasks
    assert (review.name, review.role) == ("核实公示异议", "township")
    assert "申请人家中新买了轿车" in after.data["objection_text"]
    # a second resident's objection while the first is checked joins the same task
    again = resident.post(url, {"objector_name": "又一人", "objection_content": "他家在城里还有一套房"})
    assert again.status_code == 200
    after = eng.case_view(case_no)
    assert [t.name for t in after.open_tasks] == ["核实公示异议"]
    assert "他家在城里还有一套房" in after.data["objection_text"]


def test_a_payment_is_published_with_the_name_and_id_number_masked(app, eng):
    # 002 §五 (C-002-20, C-002-27): cash paid first in an emergency is published after it is paid
    case_no = start(eng, application(name="欧阳小红", serial=36))
    page = Visitor(app).get(f"/gongzhong/gongshi/{CHENGGUAN}").get_data(as_text=True)
    assert "目前没有公开的救助结果" in page
    advance(eng, case_no, "发放")
    task = task_named(eng, case_no, "发放")
    eng.complete("town_chengguan", task.task_id, form_data(task.form))
    page = Visitor(app).get(f"/gongzhong/gongshi/{CHENGGUAN}").get_data(as_text=True)
    results = visible_text(page.split("临时救助结果公开", 1)[1])
    assert case_no in results and "欧阳**" in results and "现金" in results and "急难型" in results
    assert "欧阳小红" not in page and id_number(36) not in page


def test_no_objection_to_a_case_not_under_notice(app, eng):
    case_no = start(eng)
    assert Visitor(app).get(f"/gongzhong/gongshi/{CHENGGUAN}/{case_no}/yiyi").status_code == 404


def test_online_application_lands_at_the_township_window(app, eng, visitor):
    resident = Visitor(app)
    page = resident.get("/gongzhong/shenqing").get_data(as_text=True)
    assert (
        "本人申请" in page
        and "村（社区）工作人员主动发现代为申请" not in page
        and 'data-name="reporter"' not in page
    )
    form = as_form(application(name="马丽", serial=31))
    form["area_code"] = DONG
    response = resident.post("/gongzhong/shenqing", form)
    assert response.status_code == 200
    case_no = re.search(r'<b class="case-no">([^<]+)</b>', response.get_data(as_text=True)).group(1)
    inbox = visitor("town_chengguan").get("/").get_data(as_text=True)
    assert case_no in inbox and "马丽" in inbox
    assert eng.case_view(case_no).channel == "online"


def test_online_application_errors_are_shown_in_chinese(app):
    resident = Visitor(app)
    resident.get("/gongzhong/shenqing")
    data = application(serial=32)
    data["applicant"]["phone"] = "123"
    response = resident.post("/gongzhong/shenqing", as_form(data))
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and "所在村（社区）：请选择" in text and "手机号码：格式不正确" in text


def test_status_lookup_needs_the_case_number_and_the_id_number(app, eng):
    case_no = start(eng, application(serial=41))
    resident = Visitor(app)
    resident.get("/gongzhong/chaxun")
    found = resident.post("/gongzhong/chaxun", {"case_no": case_no, "id_number": id_number(41)})
    assert (
        found.status_code == 200
        and "办理中" in found.get_data(as_text=True)
        and "受理审查" in found.get_data(as_text=True)
    )
    wrong = resident.post("/gongzhong/chaxun", {"case_no": case_no, "id_number": id_number(42)})
    assert wrong.status_code == 404 and "未查到" in wrong.get_data(as_text=True)


def test_status_lookup_guessing_is_throttled(app, eng):
    case_no = start(eng, application(serial=43))
    resident = Visitor(app)
    for serial in range(50, 55):
        resident.post("/gongzhong/chaxun", {"case_no": case_no, "id_number": id_number(serial)})
    response = resident.post("/gongzhong/chaxun", {"case_no": case_no, "id_number": id_number(43)})
    assert response.status_code == 429
