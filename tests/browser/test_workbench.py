"""The clerk's workbench in Chromium: finding a case, handing work on, chasing and extending overdue
tasks, comments, drafts — as a township or county clerk does it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import update

from engine.store.models import Case, OpenTask
from engine.vocabulary import LOCAL_TZ
from tests.browser.forms import fill_form, open_task, submit
from tests.web.journeys import NAN, PUBLICITY, advance, application, form_data, id_number, start

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


def test_a_lead_chases_extends_and_hands_over_an_overdue_task(people, server):
    _base, eng = server
    eng.add_user("town_chengguan_li", "李桂兰", "township", "639001001", password="jiuzhu-demo")
    case_no = start(eng, application(name="赵大山", serial=34))
    advance(eng, case_no, "先行救助决定")
    task = next(t for t in eng.open_tasks(case_no) if t.name == "先行救助决定")
    eng.claim("town_chengguan", task.task_id)
    with eng.db.write() as session:  # two days late
        session.execute(
            update(OpenTask)
            .where(OpenTask.task_id == task.task_id)
            .values(due_at=eng.now() - timedelta(days=2))
        )

    county = people("county_mz")
    county.goto("/operations/")
    row = county.locator(f'.kind-overdue tr[data-case="{case_no}"]')
    assert "城关镇 民政 李经办" in row.inner_text()
    row.get_by_placeholder("催办说明（可不填）").fill("请今天办结")
    row.get_by_role("button", name="催办").click()
    assert "已催办" in county.locator(".flash.success").inner_text()
    row = county.locator(f'.kind-overdue tr[data-case="{case_no}"]')
    row.get_by_role("button", name="延长期限").click()  # the browser asks for the date and reason first
    assert row.get_by_label("延至日期").evaluate("e => e.validity.valueMissing")
    until = (datetime.now(LOCAL_TZ) + timedelta(days=3)).date().isoformat()
    row.get_by_label("延至日期").fill(until)
    row.get_by_label("延期理由").fill("申请人住院，材料待补")
    row.get_by_role("button", name="延长期限").click()
    assert f"期限已延至 {until}" in county.locator(".flash.success").inner_text()
    assert county.locator(f'.kind-overdue tr[data-case="{case_no}"]').count() == 0

    town = people("town_chengguan", phone=True)
    town.goto("/")
    mine = town.locator(f'tr[data-task-id="{task.task_id}"]')
    assert "已催办" in mine.inner_text() and "城关镇 民政 李经办" in mine.inner_text()
    town.goto(f"/cases/{case_no}")
    town.locator("#open-tasks select[name=to]").select_option(label="李桂兰")
    town.locator("#open-tasks").get_by_role("button", name="转交").click()
    assert "已转交给 李桂兰" in town.locator(".flash.success").inner_text()
    assert "李桂兰" in town.locator("#open-tasks .holder").inner_text()
    assert "延长待办期限" in town.locator(".timeline").inner_text()

    colleague = people("town_chengguan_li")
    colleague.goto("/?claimed=mine")
    assert colleague.locator(f'tr[data-task-id="{task.task_id}"]').count() == 1


def test_comments_on_a_task_reach_the_village_clerk(people, server):
    _base, eng = server
    case_no = start(eng, application(name="孙老汉", serial=35))
    task = next(t for t in eng.open_tasks(case_no) if t.name == "受理审查")

    town = people("town_chengguan")
    town.goto(f"/tasks/{task.task_id}")
    town.get_by_label("对本环节留言").fill("请村里补一份住院证明")
    town.get_by_role("button", name="保存留言").click()
    assert "留言已保存" in town.locator(".flash.success").inner_text()
    assert town.url.endswith(f"/tasks/{task.task_id}#comments")

    village = people("village_dong", phone=True)
    village.goto(f"/cases/{case_no}")
    comment = village.locator("#comments .comments li").first
    assert "请村里补一份住院证明" in comment.inner_text()
    assert "城关镇 民政 李经办" in comment.inner_text() and "受理审查" in comment.inner_text()
    village.get_by_label("写留言").fill("已通知家属，周五前送到")
    village.get_by_role("button", name="保存留言").click()
    assert village.locator("#comments .comments li").count() == 2
    assert "留言" in village.locator(".timeline").inner_text()


def test_a_half_filled_form_survives_an_upload_and_comes_back_as_a_draft(people, server, tmp_path):
    _base, eng = server
    case_no = start(eng, application(name="钱阿婆", serial=36))
    town = people("town_chengguan")
    open_task(town, "受理审查", case_no)
    town.check('input[name="intake_decision"][value="accept"]')
    town.check('input[name="severity"][value="critical"]')
    town.fill('[name="review_note"]', "材料基本齐全，住院发票待补")
    bill = tmp_path / "住院发票.pdf"
    bill.write_bytes(b"%PDF-1.4 hospital bill")
    town.set_input_files('input[name="file"]', str(bill))
    town.get_by_role("button", name="上传").click()
    town.wait_for_load_state("load")
    assert "已上传附件“住院发票.pdf”" in town.locator(".flash.success").inner_text()
    assert town.is_checked('input[name="severity"][value="critical"]')  # nothing typed was lost
    assert town.input_value('[name="review_note"]') == "材料基本齐全，住院发票待补"

    town.fill('[name="review_note"]', "明天补齐后再提交")
    town.get_by_role("button", name="保存草稿").click()
    assert "草稿已保存" in town.locator(".flash.success").inner_text()
    open_task(town, "受理审查", case_no)  # coming back later, from the inbox
    assert "已载入您" in town.locator(".draft-notice").inner_text()
    assert town.input_value('[name="review_note"]') == "明天补齐后再提交"
    assert town.is_checked('input[name="intake_decision"][value="accept"]')

    town.once("dialog", lambda dialog: dialog.dismiss())  # asked first; 取消 keeps the draft
    town.get_by_role("button", name="放弃草稿").click()
    assert town.locator(".draft-notice").count() == 1
    town.once("dialog", lambda dialog: dialog.accept())
    town.get_by_role("button", name="放弃草稿").click()
    town.wait_for_selector(".flash.success")
    assert town.locator(".draft-notice").count() == 0 and town.input_value('[name="review_note"]') == ""


def test_supplement_form_starts_with_what_the_system_knows(people, server):
    _base, eng = server
    case_no = start(eng, application(name="周大娘", serial=37))
    advance(eng, case_no, "补办手续")
    town = people("town_chengguan")
    open_task(town, "补办手续", case_no)
    assert town.input_value('[name="recipient_name"]') == "周大娘"
    assert town.input_value('[name="recipient_id_number"]') == id_number(37)
    assert town.input_value('[name="paid_amount"]') == "800"
    assert town.input_value('[name="aid_reason"]') == "昨夜房屋失火，住房严重损毁不能居住"
    assert town.input_value('[name="handlers.0.name"]') == "城关镇 民政 李经办"
    assert town.input_value('[name="completed_on"]') == datetime.now(LOCAL_TZ).date().isoformat()


def test_cancelling_a_case_asks_first(people, server):
    _base, eng = server
    case_no = start(eng, application(name="吴小妹", serial=38))
    with eng.db.write() as session:  # its step failed: 运行监控 offers 撤销案件
        session.execute(
            update(Case)
            .where(Case.case_no == case_no)
            .values(status="needs_attention", attention={"error": "x"})
        )
    county = people("county_mz")
    county.goto("/operations/")
    row = county.locator(f'tr[data-case="{case_no}"]').first
    row.get_by_placeholder("撤销原因").fill("申请人撤回申请")
    county.once("dialog", lambda dialog: dialog.dismiss())
    row.get_by_role("button", name="撤销案件").click()
    assert eng.case_view(case_no).status == "needs_attention"  # 取消: nothing happened
    county.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="撤销案件").click()
    county.wait_for_selector(".flash.success")
    assert eng.case_view(case_no).status == "cancelled"


def test_case_page_folds_views_names_people_and_zooms(people, server):
    _base, eng = server
    case_no = start(eng, application(name="郑老伯", serial=39))
    county = people("county_mz", phone=True)
    for _ in range(3):  # each opening of the page is an audited view
        county.goto(f"/cases/{case_no}")
    timeline = county.locator("#timeline")
    assert "查看个人信息" not in timeline.inner_text() and "提交申请" in timeline.inner_text()
    assert "城关镇 民政 李经办" in timeline.inner_text()  # who started it, by name
    county.get_by_role("link", name="显示").click()
    assert county.locator("#timeline .action-personal_data_viewed").count() >= 3
    county.wait_for_selector("#diagram svg")
    county.wait_for_function("document.getElementById('diagram').dataset.shown")
    county.get_by_role("button", name="放大").click()
    zoomed = float(county.locator("#diagram").get_attribute("data-zoom"))
    county.get_by_role("button", name="缩小").click()
    assert float(county.locator("#diagram").get_attribute("data-zoom")) < zoomed


def test_a_tour_logs_no_console_error(people, server):
    """A newcomer's first pages: no 404 for favicon.ico or anything else in the console."""
    resident = people(None)
    errors = []
    resident.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    for url in ("/gongzhong/", "/gongzhong/shenqing", "/login"):
        resident.goto(url)
    clerk = people("town_chengguan")
    clerk.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    for url in ("/", "/cases"):
        clerk.goto(url)
    assert errors == []


def test_a_resident_applies_online_and_follows_the_case_with_dates_and_next_step(people, server):
    _base, _eng = server
    resident = people(None, phone=True)
    resident.goto("/gongzhong/")
    assert "需要准备的材料" in resident.locator("main").inner_text()
    resident.get_by_role("link", name="网上申请临时救助").click()
    resident.select_option('select[name="area_code"]', "639001001001")
    data = application(name="冯桂芝", serial=40)
    fill_form(resident, data)
    submit(resident)
    case_no = resident.locator(".case-no").inner_text()
    resident.get_by_role("link", name="查询进度").click()
    assert resident.input_value('input[name="case_no"]') == case_no
    resident.fill('input[name="id_number"]', id_number(40))
    resident.get_by_role("button", name="查询").click()
    assert "提交申请" in resident.locator("ol.progress").inner_text()
    assert "乡镇(街道)：受理审查" in resident.locator(".next-steps").inner_text()
    assert "§" not in resident.locator("main").inner_text()


def test_the_approval_notice_is_issued_by_the_county_that_approved_it(people, server):
    _base, eng = server
    case_no = start(eng, application(reason="medical_expense", amount=3000, name="褚大伯", serial=42))
    advance(eng, case_no, "发放", {"township-review.schema.json": {"proposed_amount": 3000}})
    town = people("town_chengguan")
    town.goto(f"/cases/{case_no}")
    town.get_by_role("link", name="临时救助审批决定书").click()
    doc = town.locator("article.notice-doc")
    assert doc.locator(".issuer").inner_text() == "示范县民政局"
    assert doc.locator(".seal-area").is_visible() and "临救字〔" in doc.locator(".doc-no").inner_text()


def test_a_refused_deploy_says_why_and_where_to_go_on(people, server):
    _base, eng = server
    draft = eng.studio().new_draft("process_owner", "未测试的草稿")
    owner = people("process_owner")
    owner.goto(f"/studio/drafts/{draft}")
    owner.once("dialog", lambda dialog: dialog.accept())
    owner.get_by_role("button", name="部署为新版本").click()
    owner.wait_for_selector(".flash.error")
    assert "未部署：请先对当前草稿运行政策场景测试" in owner.locator(".flash.error").inner_text()
    assert owner.url.endswith(f"/studio/drafts/{draft}#deploy")
    assert owner.get_by_role("button", name="运行政策场景测试").is_visible()


def test_studio_speaks_chinese_labels_codes_and_warns_before_losing_edits(people, server):
    _base, eng = server
    draft = eng.studio().new_draft("process_owner", "决策表标签")
    owner = people("process_owner")
    owner.goto("/studio/parameters")
    switch = owner.locator("#p-deep_poverty_area")
    assert switch.get_by_label("是").count() == 1 and switch.get_by_label("否").count() == 1
    assert owner.locator('td.current[data-name="deep_poverty_area"]').inner_text() == "否"

    owner.goto(f"/studio/drafts/{draft}/files/bpmn/aid_amount.dmn")
    owner.wait_for_selector('#editor[data-ready="yes"]')
    assert "命中策略" in owner.locator("#canvas").inner_text()
    assert owner.locator('#canvas td[data-label="重大生活困难"]').count() > 0

    owner.goto(f"/studio/drafts/{draft}/files/forms/payment.schema.json")
    owner.get_by_role("button", name="高级：编辑 JSON").click()  # the form builder is the first view
    owner.locator("#source").press("End")
    owner.locator("#source").type(" ")
    asked = []
    owner.once("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    owner.evaluate("window.location.href = '/studio/'")
    owner.wait_for_timeout(500)
    assert asked == ["beforeunload"] and "/files/" in owner.url


def test_a_step_the_case_comes_back_to_explains_itself_and_keeps_last_answers(people, server):
    _base, eng = server
    case_no = start(eng, application(reason="medical_expense", name="蒋二嫂", serial=43))
    advance(eng, case_no, PUBLICITY)
    eng.submit_objection(case_no, form_data("objection.schema.json"))
    review = next(t for t in eng.open_tasks(case_no) if t.name == "核实公示异议")
    eng.complete("town_chengguan", review.task_id, form_data("objection-review.schema.json"))
    village = people("village_dong", phone=True)
    open_task(village, "入户调查", case_no)
    assert "已于" in village.locator(".again-notice").inner_text()
    assert "本县规定：不少于 2 人" in village.locator("form.schema-form").inner_text()
    assert village.input_value('[name="findings"]') == form_data("home-visit.schema.json")["findings"]


def test_the_dashboard_shows_an_emergency_step_in_hours(people, server):
    _base, eng = server
    case_no = start(eng, application(name="卫阿姨", serial=44))
    advance(eng, case_no, "发放")
    county = people("county_mz")
    county.goto("/reports/dashboard")
    row = county.locator("table.steps tr").filter(has_text="先行救助决定")
    assert "小时" in row.inner_text()
