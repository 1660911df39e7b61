"""转交、催办、延期: a lead hands a task to a named colleague of its role, reminds its holder and
extends its deadline with a reason; the inbox shows who holds what; each is audited; outsiders and
other roles are refused."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.errors import NotFound, NotPermitted, ValidationFailed
from engine.vocabulary import LOCAL_TZ
from tests.web.conftest import visible_text
from tests.web.journeys import advance, application, start, task_named


@pytest.fixture
def colleague(eng):
    eng.add_user("town_chengguan_li", "李桂兰", "township", "639001001", password="jiuzhu-demo")
    return "town_chengguan_li"


@pytest.fixture
def intake(eng):
    case_no = start(eng, application(serial=41))
    return case_no, task_named(eng, case_no, "受理审查")


def actions(eng, case_no) -> list[tuple[str, str]]:
    return [(e["action"], e["actor"]) for e in eng.case_view(case_no).events]


def test_a_county_lead_hands_a_task_to_a_named_colleague(eng, intake, colleague):
    case_no, task = intake
    eng.claim("town_chengguan", task.task_id)
    assert eng.reassign("county_mz", task.task_id, colleague, "张经办休假") == "李桂兰"
    row = task_named(eng, case_no, "受理审查")
    assert row.claimed_by == colleague and row.holder_name == "李桂兰"
    reassigned = eng.case_view(case_no).events[-1]
    assert reassigned["action"] == "task_reassigned" and reassigned["task_id"] == task.task_id
    assert reassigned["data"]["from"] == "town_chengguan" and reassigned["data"]["to"] == colleague
    mine = eng.inbox(colleague, claimed="mine")
    assert [r.case_no for r in mine.rows] == [case_no]


def test_a_clerk_may_delegate_their_own_task(eng, intake, colleague):
    _case_no, task = intake
    eng.claim("town_chengguan", task.task_id)
    eng.reassign("town_chengguan", task.task_id, colleague)
    assert task_named(eng, _case_no, "受理审查").claimed_by == colleague


@pytest.mark.parametrize(
    ("by", "to", "refusal"),
    [
        ("county_mz", "village_dong", ValidationFailed),  # another role's person
        ("county_mz", "town_qingshan", ValidationFailed),  # the right role, another township
        ("town_qingshan", "town_chengguan", NotFound),  # not their area: not even told it exists
        ("village_dong", "town_chengguan", NotPermitted),  # neither a lead nor the task's role
        ("auditor", "town_chengguan", NotPermitted),  # reads everything, changes nothing
    ],
)
def test_hand_over_refused(eng, intake, colleague, by, to, refusal):
    case_no, task = intake
    before = actions(eng, case_no)
    with pytest.raises(refusal):
        eng.reassign(by, task.task_id, to)
    assert task_named(eng, case_no, "受理审查").claimed_by is None
    after = actions(eng, case_no)
    assert [a for a in after if a[0] == "task_reassigned"] == []
    if refusal is not ValidationFailed:
        assert after[len(before) :] == [("access_denied", by)]


def test_chase_and_extend_an_overdue_task(eng, intake):
    case_no, _intake = intake
    advance(eng, case_no, "先行救助决定")  # due within the county's emergency hours
    task = task_named(eng, case_no, "先行救助决定")
    assert task.due_at is not None
    eng.remind("town_chengguan", task.task_id, "请今天办理")  # the township lead over its own lane
    row = eng.inbox("town_chengguan").rows[0]
    assert row.reminded_at is not None
    with pytest.raises(NotPermitted):
        eng.remind("village_dong", task.task_id)
    with pytest.raises(ValidationFailed) as missing:
        eng.extend_deadline("county_mz", task.task_id, "2999-01-01", "  ")
    assert [e.message for e in missing.value.errors] == ["延期理由：必填"]
    earlier = (task.due_at - timedelta(days=1)).astimezone(LOCAL_TZ).date()
    with pytest.raises(ValidationFailed) as too_early:
        eng.extend_deadline("county_mz", task.task_id, earlier, "材料待补")
    assert too_early.value.errors[0].path == "until"
    until = (task.due_at + timedelta(days=5)).astimezone(LOCAL_TZ).date()
    due = eng.extend_deadline("county_mz", task.task_id, until.isoformat(), "申请人住院，材料待补")
    assert due.astimezone(LOCAL_TZ).date() == until
    assert task_named(eng, case_no, "先行救助决定").due_at == due
    extended = eng.case_view(case_no).events[-1]
    assert (
        extended["action"] == "task_deadline_extended"
        and extended["data"]["reason"] == "申请人住院，材料待补"
    )


def test_case_page_shows_holders_by_name_and_the_lead_hands_over(visitor, eng, intake, colleague):
    case_no, task = intake
    eng.claim("town_chengguan", task.task_id)
    county = visitor("county_mz")
    page = visible_text(county.get(f"/cases/{case_no}").get_data(as_text=True))
    assert "受理审查：城关镇 民政 李经办" in page and "town_chengguan" not in page
    assert "转交" in page and "延长期限" in page
    response = county.post(
        f"/tasks/{task.task_id}/reassign", {"to": colleague, "reason": "", "back": f"/cases/{case_no}"}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/cases/{case_no}")
    after = visible_text(county.get(f"/cases/{case_no}").get_data(as_text=True))
    assert "已转交给 李桂兰" in after and "受理审查：李桂兰" in after
    assert "转交待办 · 受理审查 县民政局 周科长" in after  # the timeline names people, not accounts
    refused = county.post(
        f"/tasks/{task.task_id}/extend", {"until": "", "reason": "", "back": f"/cases/{case_no}"}
    )
    assert refused.status_code == 302
    assert "延至日期：必填" in visible_text(county.get(f"/cases/{case_no}").get_data(as_text=True))


def test_api_hand_over_and_extend(app, eng, intake, colleague):
    _case_no, task = intake
    client, token = app.test_client(), eng.issue_api_token("county_mz")
    headers = {"Authorization": f"Bearer {token}"}
    done = client.post(f"/api/v1/tasks/{task.task_id}/reassign", json={"to": colleague}, headers=headers)
    assert done.status_code == 200 and done.json["holder_name"] == "李桂兰"
    bad = client.post(
        f"/api/v1/tasks/{task.task_id}/extend", json={"until": "soon", "reason": "x"}, headers=headers
    )
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    assert bad.json["errors"][0]["path"] == "until"
    assert client.post(f"/api/v1/tasks/{task.task_id}/remind", json={}, headers=headers).status_code == 204
