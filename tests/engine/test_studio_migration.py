"""Moving running cases to another version: allowed where the open tasks exist in the target with
compatible forms, refused with the reason elsewhere, waiting timers keep their due time, and every
move is audited."""

from __future__ import annotations

import json
import shutil

import pytest

from engine import ValidationFailed
from tests.conftest import COUNTY, MINI, VILLAGE_A1


@pytest.fixture
def eng(mini_engine):
    mini_engine.add_user("owner", "流程管理员", "process_owner", COUNTY)
    return mini_engine


@pytest.fixture
def specs(tmp_path):
    def variant(edit=None, forms=None, remove=()):
        """A copy of the mini specs with text replaced, elements cut out ((start, end tag)), forms set."""
        target = tmp_path / f"v{len(list(tmp_path.iterdir()))}"
        shutil.copytree(MINI, target)
        path = target / "bpmn" / "mini.bpmn"
        text = path.read_text(encoding="utf-8")
        for old, new in (edit or {}).items():
            assert old in text, old
            text = text.replace(old, new)
        for start, end in remove:
            first = text.index(start)
            text = text[:first] + text[text.index(end, first) + len(end) :]
        path.write_text(text, encoding="utf-8")
        for name, schema in (forms or {}).items():
            (target / "forms" / name).write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
        return target

    return variant


def _deploy(eng, folder) -> int:
    return eng.deploy(folder / "bpmn", folder / "forms").version_id


def _at_review(eng, applicant) -> str:
    return eng.start_case(
        {"applicant": applicant, "reason": "fire", "divisor": 1}, VILLAGE_A1, by="town_a"
    ).case_no


def _at_publicity(eng, applicant) -> str:
    case_no = _at_review(eng, applicant)
    eng.complete("town_a", eng.open_tasks(case_no)[0].task_id, {"amount": 500})
    return case_no


RENAMED_AND_LONGER_PUBLICITY = {
    'name="受理审查"': 'name="受理审查（新）"',
    "<bpmn:timeDuration>days(param('publicity_days'))": "<bpmn:timeDuration>days(param('publicity_days') + 3)",
}


def test_open_tasks_and_waiting_timers_move_and_keep_their_ids_claims_and_due_times(eng, specs, applicant):
    v1 = eng.versions()[0]["id"]
    reviewing, waiting = _at_review(eng, applicant), _at_publicity(eng, applicant)
    eng.claim("town_a", eng.open_tasks(reviewing)[0].task_id)
    [task_before] = eng.open_tasks(reviewing)
    [timer_before] = [t for t in eng.case_view(waiting).timers if t["status"] == "pending"]
    v2 = _deploy(eng, specs(RENAMED_AND_LONGER_PUBLICITY))
    studio = eng.studio()
    plans = {p.case_no: p for p in studio.migration_plan("auditor", v1, v2)}
    assert plans[reviewing].safe and "待办“受理审查”改名为“受理审查（新）”" in plans[reviewing].notes
    assert plans[waiting].safe and "定时“公示期”保持原到期时间" in plans[waiting].notes
    result = studio.migrate("owner", v1, v2, "流程图改名")
    assert sorted(result["moved"]) == sorted([reviewing, waiting]) and result["refused"] == {}
    [task_after] = eng.open_tasks(reviewing)
    assert (task_after.task_id, task_after.claimed_by, task_after.due_at) == (
        task_before.task_id,
        "town_a",
        task_before.due_at,
    )
    assert task_after.name == "受理审查（新）"
    assert [t for t in eng.case_view(waiting).timers if t["status"] == "pending"] == [timer_before]
    for case_no in (reviewing, waiting):
        view = eng.case_view(case_no)
        assert view.spec_version_id == v2
        moved = [e for e in view.events if e["action"] == "case_migrated"]
        assert moved[0]["spec_version_id"] == v2 and moved[0]["data"]["reason"] == "流程图改名"
        assert moved[0]["actor"] == "owner"
    eng.complete("town_a", task_after.task_id, {"amount": 500})  # the moved case runs on the target
    fresh_timer = next(t for t in eng.case_view(reviewing).timers if t["status"] == "pending")
    assert round((fresh_timer["due_at"] - eng.now()).total_seconds() / 86400) == 10  # 7 + 3 on the target
    assert {v["id"]: v["cases"] for v in eng.versions()} == {v1: 0, v2: 2}


def test_a_case_whose_current_step_was_removed_is_refused_with_the_reason(eng, specs, applicant):
    v1 = eng.versions()[0]["id"]
    waiting = _at_publicity(eng, applicant)
    without_publicity = specs(
        {
            '<bpmn:sequenceFlow id="F4" sourceRef="Pay" targetRef="Publicity" />': '<bpmn:sequenceFlow id="F4" sourceRef="Pay" targetRef="Check" />',
            '<bpmn:sequenceFlow id="F5" sourceRef="Publicity" targetRef="Check" />': "",
            "<bpmn:flowNodeRef>Publicity</bpmn:flowNodeRef>": "",
            "<bpmn:incoming>F5</bpmn:incoming>": "<bpmn:incoming>F4</bpmn:incoming>",
        },
        remove=[('<bpmn:intermediateCatchEvent id="Publicity"', "</bpmn:intermediateCatchEvent>")],
    )
    reviewing = _at_review(eng, applicant)
    v2 = _deploy(eng, without_publicity)
    plans = {p.case_no: p for p in eng.studio().migration_plan("owner", v1, v2)}
    assert plans[waiting].reasons == ["当前环节“公示期”在目标版本中已删除"]
    assert plans[reviewing].safe  # what it has not reached yet may change
    result = eng.studio().migrate("owner", v1, v2, "取消公示", case_nos=[waiting, reviewing])
    assert result["moved"] == [reviewing] and "公示期" in result["refused"][waiting]
    assert eng.case_view(waiting).spec_version_id == v1


def test_an_open_task_whose_form_gained_a_required_field_is_refused(eng, specs, applicant):
    v1 = eng.versions()[0]["id"]
    reviewing = _at_review(eng, applicant)
    review = json.loads((MINI / "forms" / "review.schema.json").read_text(encoding="utf-8"))
    review["properties"]["basis"] = {"title": "审查依据", "type": "string"}
    review["required"] = ["amount", "basis"]
    v2 = _deploy(eng, specs(forms={"review.schema.json": review}))
    [plan] = eng.studio().migration_plan("owner", v1, v2)
    assert plan.reasons == ["待办“受理审查”的表单不兼容：新增必填字段 basis"]
    review["required"] = ["amount"]
    v3 = _deploy(eng, specs(forms={"review.schema.json": review}))
    [plan] = eng.studio().migration_plan("owner", v1, v3)
    assert plan.safe and plan.notes == ["待办“受理审查”使用新版表单 review.schema.json"]
    review["properties"]["amount"]["type"] = "string"
    v4 = _deploy(eng, specs(forms={"review.schema.json": review}))
    [plan] = eng.studio().migration_plan("owner", v1, v4)
    assert plan.reasons == ["待办“受理审查”的表单不兼容：字段 amount 的类型由 integer 改为 string"]
    assert eng.case_view(reviewing).spec_version_id == v1


def test_history_is_matched_by_structure_and_refused_when_the_target_lost_it(eng, specs, applicant):
    v1 = eng.versions()[0]["id"]
    waiting = _at_publicity(eng, applicant)
    renamed = _deploy(
        eng, specs({'id="Review"': 'id="Review2"', '"Review"': '"Review2"', ">Review<": ">Review2<"})
    )
    [plan] = eng.studio().migration_plan("owner", v1, renamed)
    assert plan.safe  # SpiffWorkflow aligns the renamed id by its place between the same elements
    without_review = specs(
        {
            '<bpmn:sequenceFlow id="F1" sourceRef="Ev_start" targetRef="Review" />': '<bpmn:sequenceFlow id="F1" sourceRef="Ev_start" targetRef="Gw_limit" />',
            '<bpmn:sequenceFlow id="F2" sourceRef="Review" targetRef="Gw_limit" />': "",
            "<bpmn:incoming>F2</bpmn:incoming>": "<bpmn:incoming>F1</bpmn:incoming>",
            "<bpmn:flowNodeRef>Review</bpmn:flowNodeRef>": "",
        },
        remove=[('<bpmn:userTask id="Review"', "</bpmn:userTask>")],
    )
    v3 = _deploy(eng, without_review)
    [plan] = eng.studio().migration_plan("owner", v1, v3)
    assert plan.reasons == ["已办环节“受理审查”在目标版本中已删除，办理记录无法对应"]
    assert eng.studio().migrate("owner", v1, v3, "取消受理审查")["moved"] == []
    assert eng.case_view(waiting).spec_version_id == v1


def test_cases_needing_attention_or_closed_do_not_move_and_a_reason_is_required(eng, specs, applicant):
    v1 = eng.versions()[0]["id"]
    failing = eng.start_case(
        {"applicant": applicant, "reason": "fire", "divisor": 0}, VILLAGE_A1, by="town_a"
    ).case_no
    eng.complete("town_a", eng.open_tasks(failing)[0].task_id, {"amount": 500})
    assert eng.case_view(failing).status == "needs_attention"
    v2 = _deploy(eng, specs(RENAMED_AND_LONGER_PUBLICITY))
    [plan] = eng.studio().migration_plan("owner", v1, v2)
    assert plan.reasons == ["案件需关注，请先重试或撤销"]
    with pytest.raises(ValidationFailed):
        eng.studio().migrate("owner", v1, v2, " ")
