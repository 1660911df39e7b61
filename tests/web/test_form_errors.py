"""How a rejected form tells a screen-reader user what is wrong (WCAG 3.3.1, 3.3.3, 1.3.1, 4.1.2):
an error summary at the top linking to each field, the page title starting with 错误：, every
control with an error marked aria-invalid and described by its message (and its help text), a
blank group naming the fields it needs; and the online form letting the browser fill in the
resident's own name, phone and address (1.3.5)."""

from __future__ import annotations

import lxml.html

from tests.web.conftest import Visitor
from tests.web.forms_data import as_form
from tests.web.journeys import PUBLICITY, advance, application, start, task_named

CONTROLS = ("input", "select", "textarea", "button")


def parsed(response):
    return lxml.html.fromstring(response.get_data(as_text=True))


def by_id(page, element_id: str):
    found = page.xpath("//*[@id=$id]", id=element_id)
    assert len(found) == 1, f"{len(found)} elements with id {element_id}"
    return found[0]


def summary_links(page) -> dict[str, str]:
    """Link text -> the id it points at, from the error summary."""
    [summary] = page.xpath('//*[@class="error-summary"]')
    return {a.text_content(): a.get("href")[1:] for a in summary.xpath(".//a")}


def check_every_error_is_tied_to_its_control(page) -> None:
    """Every shown error message is in the summary, linked to a control, which is aria-invalid and
    described by that message (the control itself, or the group of choices around it)."""
    links = summary_links(page)
    messages = page.xpath('//*[@class="field-error"]')
    assert messages and len(links) == len(messages)
    for target in links.values():
        control = by_id(page, target)
        assert control.tag in CONTROLS
    for message in messages:
        holders = page.xpath(
            "//*[contains(concat(' ', @aria-describedby, ' '), $id)]", id=f" {message.get('id')} "
        )
        assert holders, f"no control is described by {message.text_content()}"
        for holder in holders:
            assert holder.get("aria-invalid") == "true", lxml.html.tostring(holder)[:300]
            for referenced in holder.get("aria-describedby").split():
                by_id(page, referenced)


def test_a_blank_online_application_lists_each_field_at_the_top(app):
    resident = Visitor(app)
    resident.get("/gongzhong/shenqing")
    response = resident.post("/gongzhong/shenqing", {"submitted_by": "self"})
    assert response.status_code == 422
    page = parsed(response)
    assert page.findtext(".//title").startswith("错误：")
    form = page.xpath('//form[contains(@class, "schema-form")]')[0]
    assert form[0].get("class") == "error-summary" and form[0].get("tabindex") == "-1"
    links = summary_links(page)
    assert next(iter(links)) == "所在村（社区）：请选择" and links["所在村（社区）：请选择"] == "f-area_code"
    # 申请人 left blank: each field it needs is named, not one "申请人：必填".
    assert links["申请人 · 姓名：必填"] == "f-applicant.name"
    assert links["申请人 · 公民身份号码：必填"] == "f-applicant.id_number"
    assert links["申请人 · 本地户籍：必填"] == "f-applicant.hukou_local-0"
    assert "申请人：必填" not in response.get_data(as_text=True)
    assert links["申请事由：必填"] == "f-reason"  # a select
    assert links["困难情况说明：必填"] == "f-description"  # a textarea
    check_every_error_is_tied_to_its_control(page)
    radios = page.xpath('//input[@name="applying_dibao_tekun"]')
    assert radios and all(r.get("aria-invalid") == "true" for r in radios)


def test_a_wrong_value_keeps_the_others_and_its_help_text_is_read_with_it(app):
    resident = Visitor(app)
    resident.get("/gongzhong/shenqing")
    data = application(serial=33)
    data["applicant"]["id_number"] = "630102198503150000"
    response = resident.post("/gongzhong/shenqing", as_form(data) | {"area_code": "639001001001"})
    page = parsed(response)
    assert list(summary_links(page)) == ["申请人 · 公民身份号码：校验位不正确"]
    described = by_id(page, "f-applicant.id_number").get("aria-describedby").split()
    assert "18位" in by_id(page, described[0]).text_content()
    assert by_id(page, described[1]).text_content() == "公民身份号码：校验位不正确"
    check_every_error_is_tied_to_its_control(page)


def test_help_texts_are_tied_to_their_fields_before_any_error(app):
    page = parsed(Visitor(app).get("/gongzhong/shenqing"))
    assert not page.xpath('//*[@class="error-summary"]') and not page.findtext(".//title").startswith("错误")
    phone = by_id(page, "f-applicant.phone")
    assert by_id(page, phone.get("aria-describedby")).text_content().startswith("11位手机号码")
    assert phone.get("aria-invalid") is None


def test_the_online_form_offers_the_residents_own_details_the_window_does_not(app, visitor):
    online = parsed(Visitor(app).get("/gongzhong/shenqing"))
    assert by_id(online, "f-applicant.name").get("autocomplete") == "name"
    assert by_id(online, "f-applicant.phone").get("autocomplete") == "tel"
    assert by_id(online, "f-applicant.phone").get("type") == "tel"
    assert by_id(online, "f-applicant.address").get("autocomplete") == "street-address"
    window = parsed(visitor("town_chengguan").get("/cases/new"))
    assert by_id(window, "f-applicant.name").get("autocomplete") is None  # the clerk's own name is not it
    assert by_id(window, "f-applicant.phone").get("type") == "tel"


def test_a_rejected_task_form_has_the_summary_and_the_title(app, eng, visitor):
    case_no = start(eng, application(serial=34))
    task_id = task_named(eng, case_no, "受理审查").task_id
    clerk = visitor("town_chengguan")
    clerk.get(f"/tasks/{task_id}")
    response = clerk.post(f"/tasks/{task_id}", {"intake_decision": "refuse"})
    assert response.status_code == 422
    page = parsed(response)
    assert page.findtext(".//title").startswith("错误：受理审查")
    assert summary_links(page)["不予救助理由：必填"] == "f-refusal_reason"
    check_every_error_is_tied_to_its_control(page)


def test_the_objection_form_offers_the_objectors_name_and_phone(app, eng):
    case_no = start(eng, application("medical_expense", 1500, serial=35, members=1))
    advance(eng, case_no, PUBLICITY)
    page = parsed(Visitor(app).get(f"/gongzhong/gongshi/639001001/{case_no}/yiyi"))
    phone = by_id(page, "f-objector_phone")
    assert phone.get("type") == "tel" and phone.get("autocomplete") == "tel"
    assert by_id(page, "f-objector_name").get("autocomplete") == "name"


def test_a_failed_sign_in_marks_both_fields_and_says_why(app):
    visitor = Visitor(app)
    visitor.get("/login")
    page = parsed(visitor.post("/login", {"username": "town_chengguan", "password": "wrong"}))
    assert page.findtext(".//title").startswith("错误：")
    for name in ("username", "password"):
        [field] = page.xpath("//input[@name=$n]", n=name)
        assert field.get("aria-invalid") == "true"
        assert by_id(page, field.get("aria-describedby")).text_content().strip()
