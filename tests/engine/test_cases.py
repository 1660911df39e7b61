"""Cases through engine/: start, inbox by role and area, validation, claims, completion, effects."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from engine import Conflict, NotFound, NotPermitted, ValidationFailed
from engine.store.models import AuditEvent, Case
from tests.conftest import VILLAGE_A1, VILLAGE_B1, make_id_number


def start(eng, applicant, area=VILLAGE_A1, by="town_a", **extra):
    return eng.start_case({"applicant": applicant, "reason": "fire", "divisor": 1, **extra}, area, by=by)


def audit_count(eng) -> int:
    with eng.db.read() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent))


def test_case_number_is_county_year_sequence(mini_engine, applicant):
    first = start(mini_engine, applicant)
    second = start(mini_engine, {**applicant, "id_number": make_id_number("11010119900307452")})
    assert re.fullmatch(r"639001-\d{4}-000001", first.case_no)
    assert second.case_no.endswith("-000002")


def test_inbox_shows_the_task_to_the_township_of_the_case_only(mini_engine, applicant):
    ref = start(mini_engine, applicant)
    mine = mini_engine.inbox("town_a")
    assert [(r.case_no, r.name, r.applicant_name) for r in mine.rows] == [(ref.case_no, "受理审查", "张三")]
    assert mine.counts_by_task == {"受理审查": 1}
    assert mini_engine.inbox("town_b").total == 0  # another township
    assert mini_engine.inbox("county").total == 0  # county role holds another lane
    assert mini_engine.inbox("village_a").total == 0  # village role holds no lane here


def test_clerk_of_another_township_cannot_act(mini_engine, applicant):
    ref = start(mini_engine, applicant)
    task_id = mini_engine.open_tasks(ref.case_no)[0].task_id
    with pytest.raises(NotPermitted):
        mini_engine.complete("town_b", task_id, {"amount": 100})
    with pytest.raises(NotPermitted):
        mini_engine.claim("town_b", task_id)
    with pytest.raises(NotFound):
        mini_engine.case_view(ref.case_no, username="town_b")
    assert mini_engine.open_tasks(ref.case_no)[0].task_id == task_id


def test_start_refused_outside_the_users_area(mini_engine, applicant):
    with pytest.raises(NotPermitted):
        start(mini_engine, applicant, area=VILLAGE_B1, by="town_a")


def test_invalid_data_returns_every_field_error_in_chinese_and_changes_nothing(mini_engine, applicant):
    ref = start(mini_engine, applicant)
    task_id = mini_engine.open_tasks(ref.case_no)[0].task_id
    before = audit_count(mini_engine)
    with pytest.raises(ValidationFailed) as caught:
        mini_engine.complete("town_a", task_id, {"amount": -5, "note": "x" * 201})
    messages = {e.path: e.message for e in caught.value.errors}
    assert messages == {"amount": "救助金额(元)：不能小于 0", "note": "备注：最多 200 个字符"}
    assert audit_count(mini_engine) == before
    assert mini_engine.open_tasks(ref.case_no)[0].task_id == task_id


def test_application_with_a_wrong_check_digit_is_refused(mini_engine, applicant):
    wrong = applicant["id_number"][:-1] + ("1" if applicant["id_number"][-1] != "1" else "2")
    with pytest.raises(ValidationFailed) as caught:
        start(mini_engine, {**applicant, "id_number": wrong})
    assert [e.as_dict() for e in caught.value.errors] == [
        {"path": "applicant.id_number", "message": "身份证号：校验位不正确"}
    ]
    with mini_engine.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 0


def test_within_limit_pays_at_once_and_records_ledger_outcome_and_notice(mini_engine, applicant):
    ref = start(mini_engine, applicant)
    task = mini_engine.open_tasks(ref.case_no)[0]
    result = mini_engine.complete("town_a", task.task_id, {"amount": 1000})  # at the 1000 元 limit
    assert result["status"] == "running" and result["open_tasks"] == []
    view = mini_engine.case_view(ref.case_no)
    assert [(p["amount"], p["way"], p["approver"]) for p in view.payments] == [(1000, "cash", "town_a")]
    assert view.outcome == "approved" and view.amount == 1000
    assert "Approve" not in view.reached_elements
    assert [t["status"] for t in view.timers] == ["pending"]
    notice = mini_engine.public_notices("639001001")
    assert notice[0]["name"] == "张*" and applicant["id_number"] not in str(notice)


def test_over_limit_goes_to_the_county(mini_engine, applicant):
    ref = start(mini_engine, applicant)
    mini_engine.complete("town_a", mini_engine.open_tasks(ref.case_no)[0].task_id, {"amount": 1001})
    [task] = mini_engine.open_tasks(ref.case_no)
    assert (task.element_id, task.role) == ("Approve", "county")
    assert mini_engine.inbox("county").rows[0].task_id == task.task_id


def test_claimed_task_cannot_be_completed_by_a_colleague(mini_engine, applicant):
    ref = start(mini_engine, applicant)
    task_id = mini_engine.open_tasks(ref.case_no)[0].task_id
    mini_engine.claim("town_a", task_id)
    assert mini_engine.inbox("town_a2").rows[0].claimed_by == "town_a"
    with pytest.raises(Conflict):
        mini_engine.complete("town_a2", task_id, {"amount": 10})
    with pytest.raises(Conflict):
        mini_engine.unclaim("town_a2", task_id)
    mini_engine.unclaim("town_a", task_id)
    mini_engine.complete("town_a2", task_id, {"amount": 10})


def test_completing_twice_is_a_conflict_and_applies_once(mini_engine, applicant):
    ref = start(mini_engine, applicant)
    task_id = mini_engine.open_tasks(ref.case_no)[0].task_id
    mini_engine.complete("town_a", task_id, {"amount": 10})
    with pytest.raises(Conflict):
        mini_engine.complete("town_a", task_id, {"amount": 10})
    assert len(mini_engine.case_view(ref.case_no).payments) == 1


def test_idempotency_key_returns_the_first_result(mini_engine, applicant):
    ref = start(mini_engine, applicant)
    task_id = mini_engine.open_tasks(ref.case_no)[0].task_id
    first = mini_engine.complete("town_a", task_id, {"amount": 10}, idempotency_key="k1")
    again = mini_engine.complete("town_a", task_id, {"amount": 10}, idempotency_key="k1")
    assert again == {**first, "replayed": True} and first["replayed"] is False
    assert len(mini_engine.case_view(ref.case_no).payments) == 1


def test_every_state_change_is_audited_with_data_and_version(mini_engine, applicant):
    ref = start(mini_engine, applicant)
    task_id = mini_engine.open_tasks(ref.case_no)[0].task_id
    mini_engine.claim("town_a", task_id)
    mini_engine.complete("town_a", task_id, {"amount": 10})
    events = mini_engine.case_view(ref.case_no).events
    assert [e["action"] for e in events] == ["case_started", "task_claimed", "task_completed"]
    completed = events[-1]
    assert completed["actor"] == "town_a" and completed["data"] == {"amount": 10}
    assert completed["element_id"] == "Review" and completed["spec_version_id"] == 1
    assert completed["parameter_version"] == 0  # the gateway read the shipped defaults
    assert completed["opened_at"] == events[0]["at"]  # the task opened when the case started


def test_applicant_index_lists_earlier_cases_with_reason_and_outcome(mini_engine, applicant):
    ref = start(mini_engine, applicant)
    mini_engine.complete("town_a", mini_engine.open_tasks(ref.case_no)[0].task_id, {"amount": 10})
    [entry] = mini_engine.prior_cases(applicant["id_number"])
    assert (entry["case_no"], entry["reason"], entry["outcome"]) == (ref.case_no, "fire", "approved")


def test_script_error_keeps_the_clerks_work_and_flags_the_case(mini_engine, applicant):
    ref = start(mini_engine, applicant, divisor=0)
    task_id = mini_engine.open_tasks(ref.case_no)[0].task_id
    result = mini_engine.complete("town_a", task_id, {"amount": 10})
    assert result["status"] == "needs_attention"
    view = mini_engine.case_view(ref.case_no)
    assert view.attention["element_id"] == "Pay" and "division by zero" in view.attention["error"]
    assert view.payments == [] and "Review" in view.reached_elements
    assert [e["action"] for e in view.events][-2:] == ["task_completed", "incident"]
    with pytest.raises(Conflict):
        mini_engine.complete("town_a", task_id, {"amount": 10})
    fixed = mini_engine.retry(ref.case_no, by="county", data={"divisor": 4})
    assert fixed["status"] == "running"
    assert [p["amount"] for p in mini_engine.case_view(ref.case_no).payments] == [10]


def test_cancel_closes_the_case_and_its_inbox_rows(mini_engine, applicant):
    ref = start(mini_engine, applicant)
    with pytest.raises(ValidationFailed):
        mini_engine.cancel(ref.case_no, by="county", reason=" ")
    mini_engine.cancel(ref.case_no, by="county", reason="申请人撤回")
    assert mini_engine.open_tasks(ref.case_no) == []
    assert mini_engine.case_view(ref.case_no).status == "cancelled"
