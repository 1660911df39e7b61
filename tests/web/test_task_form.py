"""The task form: rendered from its JSON Schema, validated by the engine with the same schema,
errors in Chinese beside their fields, input kept, and a task completed at most once."""

from __future__ import annotations

import re

from tests.web.forms_data import as_form
from tests.web.journeys import application, form_data, start, task_named


def field_html(page: str, name: str) -> str:
    """The markup of one field (its wrapper), to look for its error beside it."""
    pattern = r'<div class="field[^"]*" data-name="' + re.escape(name) + r'".*?(?=<div class="field|</form>)'
    found = re.search(pattern, page, re.DOTALL)
    assert found, f"no field {name}"
    return found.group(0)


def test_intake_form_shows_the_application_and_conditional_fields(eng, visitor):
    case_no = start(eng, application(members=2))
    task = task_named(eng, case_no, "受理审查")
    page = visitor("town_chengguan").get(f"/tasks/{task.task_id}").get_data(as_text=True)
    assert "受理审查" in page and "审查结论" in page
    # enum labels, not codes
    assert "不予受理" in page and 'value="refuse"' in page
    # the refusal reason is asked only when refusing: hidden until then
    assert re.search(r'data-name="refusal_reason"[^>]*hidden', page)
    assert re.search(r'data-name="review_note"(?![^>]*hidden)[^>]*>', page)
    # beside the form, read-only: applicant and household
    assert "张秀英" in page and "家人1" in page and "家人2" in page and "子女" in page


def test_rejected_submit_keeps_input_and_shows_chinese_errors_beside_fields(eng, visitor):
    case_no = start(eng)
    task = task_named(eng, case_no, "受理审查")
    clerk = visitor("town_chengguan")
    clerk.get(f"/tasks/{task.task_id}")
    response = clerk.post(
        f"/tasks/{task.task_id}", as_form({"intake_decision": "refuse", "review_note": "材料另附"})
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "不予救助理由：必填" in field_html(page, "refusal_reason")
    assert "不予救助原因类别：必填" in field_html(page, "refusal_code")
    assert 'value="refuse" checked' in page and "材料另附" in page
    # the refusal fields are shown now that 不予受理 is chosen
    assert not re.search(r'data-name="refusal_reason"[^>]*hidden', page)
    assert eng.open_tasks(case_no)[0].name == "受理审查"


def test_money_as_text_is_refused_with_its_field_named(eng, visitor):
    case_no = start(eng)
    task = task_named(eng, case_no, "受理审查")
    eng.complete("town_chengguan", task.task_id, form_data("intake-review.schema.json"))
    pay_first = task_named(eng, case_no, "先行救助决定")
    clerk = visitor("town_chengguan")
    page = clerk.get(f"/tasks/{pay_first.task_id}").get_data(as_text=True)
    assert '<span class="unit">元</span>' in field_html(page, "amount")
    data = dict(form_data("pay-first.schema.json"), amount="八百")
    response = clerk.post(f"/tasks/{pay_first.task_id}", as_form(data))
    assert response.status_code == 422
    html = field_html(response.get_data(as_text=True), "amount")
    assert "拟救助金额：应为整数" in html and 'value="八百"' in html


def test_full_width_digits_are_read_as_the_number(eng, visitor):
    case_no = start(eng)
    eng.complete(
        "town_chengguan", task_named(eng, case_no, "受理审查").task_id, form_data("intake-review.schema.json")
    )
    pay_first = task_named(eng, case_no, "先行救助决定")
    clerk = visitor("town_chengguan")
    clerk.get(f"/tasks/{pay_first.task_id}")
    response = clerk.post(
        f"/tasks/{pay_first.task_id}", as_form(dict(form_data("pay-first.schema.json"), amount="８００"))
    )
    assert response.status_code == 302
    assert eng.case_view(case_no).data["amount"] == 800


def test_valid_submit_completes_and_the_next_step_appears(eng, visitor):
    case_no = start(eng)
    task = task_named(eng, case_no, "受理审查")
    clerk = visitor("town_chengguan")
    clerk.get(f"/tasks/{task.task_id}")
    response = clerk.post(f"/tasks/{task.task_id}", as_form(form_data("intake-review.schema.json")))
    assert response.status_code == 302
    inbox = clerk.get("/").get_data(as_text=True)
    assert "已提交“受理审查”" in inbox and "先行救助决定" in inbox
    assert [t.name for t in eng.open_tasks(case_no)] == ["先行救助决定"]


def _completions(eng, case_no, task_id):
    return [
        e
        for e in eng.case_view(case_no).events
        if e["action"] == "task_completed" and e["data"] is not None and e["element_name"] == "受理审查"
    ]


def test_double_submit_completes_once_and_says_so(eng, visitor):
    case_no = start(eng)
    task = task_named(eng, case_no, "受理审查")
    clerk = visitor("town_chengguan")
    page = clerk.get(f"/tasks/{task.task_id}").get_data(as_text=True)
    key = re.search(r'name="_submission" value="([^"]+)"', page).group(1)
    data = as_form(form_data("intake-review.schema.json"))
    data["_submission"] = key
    first = clerk.post(f"/tasks/{task.task_id}", data)
    second = clerk.post(f"/tasks/{task.task_id}", data)  # double click: same form, same key
    assert first.status_code == second.status_code == 302
    assert "已经提交过" in clerk.get("/").get_data(as_text=True)
    assert len(_completions(eng, case_no, task.task_id)) == 1


def test_second_tab_and_back_button_are_told_the_task_is_done(eng, visitor):
    case_no = start(eng)
    task = task_named(eng, case_no, "受理审查")
    clerk = visitor("town_chengguan")
    first_tab = clerk.get(f"/tasks/{task.task_id}").get_data(as_text=True)
    second_tab = clerk.get(f"/tasks/{task.task_id}").get_data(as_text=True)
    keys = [re.search(r'name="_submission" value="([^"]+)"', p).group(1) for p in (first_tab, second_tab)]
    assert keys[0] != keys[1]
    for key, expected in zip(keys, (302, 409)):
        data = as_form(form_data("intake-review.schema.json"))
        data["_submission"] = key
        assert clerk.post(f"/tasks/{task.task_id}", data).status_code == expected
    back = clerk.get(f"/tasks/{task.task_id}")
    assert back.status_code == 409 and "该待办已办结" in back.get_data(as_text=True)
    assert case_no in back.get_data(as_text=True)
    assert len(_completions(eng, case_no, task.task_id)) == 1


def test_household_members_added_as_a_list(eng, visitor):
    clerk = visitor("town_chengguan")
    page = clerk.get("/cases/new").get_data(as_text=True)
    assert 'data-name="household_members"' in page and "<template>" in page and "添加家庭成员" in page
    data = application(members=2)
    form = as_form(data)
    form["area_code"] = "639001001001"
    response = clerk.post("/cases/new", form)
    assert response.status_code == 302, response.get_data(as_text=True)
    case_no = response.headers["Location"].rsplit("/", 1)[1]
    assert [m["name"] for m in eng.case_view(case_no).data["household_members"]] == ["家人1", "家人2"]


def test_a_bad_id_number_of_a_member_is_shown_beside_that_member(visitor):
    clerk = visitor("town_chengguan")
    clerk.get("/cases/new")
    data = application(members=2)
    data["household_members"][1]["id_number"] = "630102201001011234"
    form = as_form(data)
    form["area_code"] = "639001001001"
    response = clerk.post("/cases/new", form)
    assert response.status_code == 422
    html = field_html(response.get_data(as_text=True), "household_members.1.id_number")
    assert "公民身份号码：校验位不正确" in html
