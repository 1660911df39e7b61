"""Parameters as the process owner edits them (validated, versioned with a start date, audited, and
shown per case), and the cases needing attention, retried or cancelled with a reason."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine import NotFound, NotPermitted, ValidationFailed
from tests.conftest import COUNTY, VILLAGE_A1


@pytest.fixture
def eng(mini_engine):
    mini_engine.add_user("owner", "流程管理员", "process_owner", COUNTY)
    return mini_engine


def _errors(call) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        call()
    return {e.path: e.message for e in caught.value.errors}


def test_parameter_changes_are_checked_before_a_version_is_made(eng):
    studio = eng.studio()
    errors = _errors(
        lambda: studio.set_parameters(
            "owner",
            {"township_pay_first_limit": 6000, "publicity_days": 2.5, "deep_poverty_area": 2},
            None,
            "县政府文件",
        )
    )
    assert (
        "不能大于" in errors["township_pay_first_limit"]
        and "县级民政部门先行救助额度" in errors["township_pay_first_limit"]
    )
    assert errors["publicity_days"] == "信息公示期：应为整数（日）"
    assert errors["deep_poverty_area"].endswith("只能为 0 或 1")
    errors = _errors(
        lambda: studio.set_parameters("owner", {"publicity_days": 5}, eng.now() - timedelta(days=2), "")
    )
    assert set(errors) == {"effective_from", "reason"}
    assert _errors(lambda: studio.set_parameters("owner", {"publicity_days": 7}, None, "无变化")) == {
        "values": "没有修改任何参数"
    }
    assert eng.parameters(COUNTY).version == 0


def test_a_version_with_a_start_date_is_audited_and_listed_with_what_it_changed(eng):
    studio = eng.studio()
    later = eng.now() + timedelta(days=10)
    version = studio.set_parameters(
        "owner", {"township_pay_first_limit": 1500.0, "publicity_days": 7}, later, "示政发〔2027〕3号"
    )
    view = studio.parameters("auditor")
    assert view["in_force"].version == 0 and [v.version for v in view["upcoming"]] == [version]
    newest = view["history"][0]
    assert (
        newest.changed == {"township_pay_first_limit": (1000, 1500)} and newest.reason == "示政发〔2027〕3号"
    )
    assert isinstance(eng.parameters(COUNTY, later).get("township_pay_first_limit"), int)


def test_the_case_shows_which_parameter_version_each_decision_used(eng, applicant):
    studio = eng.studio()
    case_no = eng.start_case(
        {"applicant": applicant, "reason": "fire", "divisor": 1}, VILLAGE_A1, by="town_a"
    ).case_no
    studio.set_parameters("owner", {"township_pay_first_limit": 1500}, None, "县政府文件")
    eng.complete("town_a", eng.open_tasks(case_no)[0].task_id, {"amount": 1200})
    used = studio.case_parameters("town_a", case_no)
    assert [u["version"] for u in used][-1] == 1
    assert used[-1]["values"]["township_pay_first_limit"] == 1500
    assert used[-1]["steps"][0]["step"] == "受理审查"
    with pytest.raises(NotFound):
        studio.case_parameters("town_b", case_no)  # another township's case


def test_a_failed_script_is_listed_then_retried_with_a_reason(eng, applicant):
    studio = eng.studio()
    case_no = eng.start_case(
        {"applicant": applicant, "reason": "fire", "divisor": 0}, VILLAGE_A1, by="town_a"
    ).case_no
    eng.complete("town_a", eng.open_tasks(case_no)[0].task_id, {"amount": 500})
    [item] = [a for a in studio.attention("auditor") if a.case_no == case_no]
    assert item.kind == "incident" and item.element == "发放" and "division by zero" in item.message
    with pytest.raises(NotPermitted):
        studio.retry("auditor", case_no, "改正除数", {"divisor": 1})
    with pytest.raises(ValidationFailed):
        studio.retry("owner", case_no, "", {"divisor": 1})
    assert studio.retry("county", case_no, "改正除数", {"divisor": 1})["status"] == "running"
    assert not [a for a in studio.attention("owner") if a.case_no == case_no and a.kind == "incident"]
    actions = [(e["action"], e["actor"]) for e in eng.case_view(case_no).events]
    assert ("case_retried", "county") in actions and ("retry_reason", "county") in actions


def test_an_overdue_task_and_a_late_timer_are_listed_and_a_case_cancelled_with_a_reason(eng, applicant):
    studio = eng.studio()
    case_no = eng.start_case(
        {"applicant": applicant, "reason": "fire", "divisor": 1}, VILLAGE_A1, by="town_a"
    ).case_no
    paid = eng.start_case(
        {"applicant": applicant, "reason": "fire", "divisor": 1}, VILLAGE_A1, by="town_a"
    ).case_no
    eng.complete("town_a", eng.open_tasks(paid)[0].task_id, {"amount": 500})
    later = eng.now() + timedelta(days=8)
    eng.clock = lambda: later
    kinds = {(a.case_no, a.kind) for a in studio.attention("owner")}
    assert (case_no, "overdue") in kinds and (paid, "timer") in kinds
    with pytest.raises(ValidationFailed):
        studio.cancel("owner", case_no, "  ")
    with pytest.raises(NotPermitted):
        studio.cancel("town_a", case_no, "重复申请")
    studio.cancel("owner", case_no, "重复申请")
    assert eng.case_view(case_no).status == "cancelled"
    assert (case_no, "overdue") not in {(a.case_no, a.kind) for a in studio.attention("owner")}
    with pytest.raises(NotPermitted):
        studio.attention("town_a")
