"""Words on clerks' and residents' pages: fields named by their titles in errors, no policy file
references (`002 §三`, `defaults.md`) in help texts, people by their names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine import forms
from engine.errors import ValidationFailed
from tests.web.conftest import visible_text
from tests.web.journeys import advance, application, form_data, id_number, start, task_named
from web.plain_words import without_clause_references

FORMS = sorted((Path(__file__).resolve().parents[2] / "forms").glob("*.schema.json"))
DECISIONS = [{}, {"intake_decision": "accept"}, {"intake_decision": "refuse"}]


@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.name)
def test_every_error_names_its_field_by_title(path):
    schema = json.loads(path.read_text())
    for data in DECISIONS:
        try:
            forms.validate(schema, data)
        except ValidationFailed as failed:
            for error in failed.errors:
                field = error.message.split("：")[0]
                assert not field.isascii(), f"{path.name}: {error.message}"


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        (
            "不予受理须书面告知理由（国发〔2014〕47号；002 §三）。",
            "不予受理须书面告知理由（国发〔2014〕47号）。",
        ),
        ("用于确定救助档次（002 §四）", "用于确定救助档次"),
        ("一事一议（000 §二(二)；004 §二(四)）", "一事一议"),
        ("主动发现：000 §二(三)，001，004 §二(四)", "主动发现"),
        (
            "调查记录由申请人签字（defaults.md，民发〔2021〕57号地方实施规定）。",
            "调查记录由申请人签字（民发〔2021〕57号地方实施规定）。",
        ),
        ("（单位：元，整数）不超过 500 元", "（单位：元，整数）不超过 500 元"),
    ],
)
def test_help_texts_lose_their_clause_references(text, plain):
    assert without_clause_references(text) == plain


def test_task_and_application_pages_name_no_policy_file(eng, visitor):
    case_no = start(eng)
    advance(eng, case_no, "补办手续")
    clerk = visitor("town_chengguan")
    for url in (f"/tasks/{task_named(eng, case_no, '补办手续').task_id}", "/cases/new"):
        page = visible_text(clerk.get(url).get_data(as_text=True))
        assert "§" not in page and "defaults.md" not in page and "engine/" not in page, url
    public = visible_text(visitor().get("/gongzhong/shenqing").get_data(as_text=True))
    assert "§" not in public and "defaults.md" not in public


def test_the_case_says_the_application_s_way_of_applying(eng, visitor):
    own = application(serial=61)
    by_village = eng.start_application("village_dong", own, "639001001001")
    page = visible_text(visitor("village_dong").get(f"/cases/{by_village.case_no}").get_data(as_text=True))
    assert "申请渠道 本人申请" in page


def test_the_favicon_is_served(app):
    response = app.test_client().get("/favicon.ico")
    assert response.status_code == 200 and response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_the_resident_learns_who_may_apply_what_to_bring_and_whom_to_ask(app, eng):
    from tests.web.conftest import Visitor

    home = visible_text(Visitor(app).get("/gongzhong/").get_data(as_text=True))
    assert "谁可以申请" in home and "需要准备的材料" in home and "居民身份证" in home and "12345" in home
    case_no = start(eng, application(serial=62))
    advance(eng, case_no, "先行救助决定")
    resident = Visitor(app)
    link = visible_text(resident.get(f"/gongzhong/chaxun?case_no={case_no}").get_data(as_text=True))
    assert (
        resident.get(f"/gongzhong/chaxun?case_no={case_no}")
        .get_data(as_text=True)
        .count(f'value="{case_no}"')
        == 1
    )
    found = resident.post("/gongzhong/chaxun", {"case_no": case_no, "id_number": id_number(62)})
    page = visible_text(found.get_data(as_text=True))
    assert "受理审查 已完成" in page and "下一步" in page and "乡镇(街道)：先行救助决定（应于" in page
    assert "查询申请进度" in link


def test_a_notice_speaks_for_the_level_that_decided(eng, visitor):
    case_no = start(eng, application(reason="medical_expense", amount=3000, serial=63))
    advance(eng, case_no, "发放", {"township-review.schema.json": {"proposed_amount": 3000}})
    approval = visible_text(
        visitor("town_chengguan").get(f"/cases/{case_no}/notices/1").get_data(as_text=True)
    )
    assert "临时救助审批决定书" in approval and "示范县民政局" in approval
    assert "城关镇人民政府" not in approval  # the county approved, not the township
    assert (
        "临救字〔" in approval and f"〕{case_no.rsplit('-', 1)[1]}-1号" in approval and "（盖章）" in approval
    )


def test_a_township_refusal_is_signed_by_the_township(eng, visitor):
    case_no = start(eng, application(serial=64))
    refusal = {
        "intake_decision": "refuse",
        "refusal_code": "not_eligible",
        "refusal_reason": "不符合临时救助条件",
    }
    eng.complete("town_chengguan", task_named(eng, case_no, "受理审查").task_id, refusal)
    notice = visible_text(visitor("town_chengguan").get(f"/cases/{case_no}/notices/1").get_data(as_text=True))
    assert "不予救助告知书" in notice and "城关镇人民政府" in notice


def test_the_home_visit_form_says_the_county_s_number_and_refuses_fewer(eng, visitor):
    case_no = start(eng, application(reason="medical_expense", serial=65))
    advance(eng, case_no, "入户调查")
    task = task_named(eng, case_no, "入户调查")
    village = visitor("village_dong")
    page = visible_text(village.get(f"/tasks/{task.task_id}").get_data(as_text=True))
    assert "本县规定：不少于 2 人" in page
    eng.set_parameters("639001", {"home_visit_min_staff": 3}, by="process_owner")
    page = visible_text(village.get(f"/tasks/{task.task_id}").get_data(as_text=True))
    assert "本县规定：不少于 3 人" in page
    two = form_data("home-visit.schema.json")
    with pytest.raises(ValidationFailed) as refused:
        eng.complete("village_dong", task.task_id, two)
    assert [e.message for e in refused.value.errors] == ["调查人员：至少填写 3 项"]
    assert task_named(eng, case_no, "入户调查").task_id == task.task_id  # still open, nothing lost


def test_the_dashboard_measures_quick_steps_in_hours(eng, visitor):
    case_no = start(eng, application(serial=66))
    advance(eng, case_no, "发放")  # 受理审查 and 先行救助决定 done within the hour
    page = visible_text(visitor("county_mz").get("/reports/dashboard").get_data(as_text=True))
    steps = page[page.index("各环节用时") :]
    assert "受理审查" in steps and "小时" in steps and " 0.0 天" not in steps
