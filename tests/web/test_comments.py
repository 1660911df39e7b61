"""留言: comments on a case and on a task, with who and when, read by whoever may read the case,
written by the people who work cases, audited; outsiders neither read nor write them."""

from __future__ import annotations

import pytest

from engine.errors import NotFound, NotPermitted, ValidationFailed
from tests.web.conftest import visible_text
from tests.web.journeys import start, task_named


def test_comments_on_the_case_and_its_task(eng):
    case_no = start(eng)
    task = task_named(eng, case_no, "受理审查")
    eng.add_comment("village_dong", case_no, "申请人行动不便，请上门受理")
    eng.add_comment("town_chengguan", case_no, "已电话联系，明天上门", task.task_id)
    found = eng.comments(case_no)
    assert [(c.author_name, c.body, c.step_name) for c in found] == [
        ("东村 村委 王村干", "申请人行动不便，请上门受理", None),
        ("城关镇 民政 李经办", "已电话联系，明天上门", "受理审查"),
    ]
    events = [e for e in eng.case_view(case_no).events if e["action"] == "comment_added"]
    assert [e["actor"] for e in events] == ["village_dong", "town_chengguan"]
    assert events[1]["task_id"] == task.task_id


@pytest.mark.parametrize(
    ("user", "body", "refusal"),
    [
        ("town_qingshan", "看看", NotFound),  # another township's case: not told it exists
        ("auditor", "看看", NotPermitted),  # reads, does not write
        ("town_chengguan", "   ", ValidationFailed),
        ("town_chengguan", "长" * 2001, ValidationFailed),
    ],
)
def test_refused_comments_leave_nothing(eng, user, body, refusal):
    case_no = start(eng)
    with pytest.raises(refusal):
        eng.add_comment(user, case_no, body)
    assert eng.comments(case_no) == []


def test_comment_from_the_task_page_shows_on_the_case_page(visitor, eng):
    case_no = start(eng)
    task = task_named(eng, case_no, "受理审查")
    clerk = visitor("town_chengguan")
    clerk.get(f"/tasks/{task.task_id}")
    response = clerk.post(
        f"/cases/{case_no}/comments",
        {"body": "材料齐全，待核对", "task_id": task.task_id, "back": f"/tasks/{task.task_id}"},
    )
    assert response.status_code == 302 and f"/tasks/{task.task_id}" in response.headers["Location"]
    page = visible_text(visitor("county_mz").get(f"/cases/{case_no}").get_data(as_text=True))
    assert "材料齐全，待核对" in page and "城关镇 民政 李经办" in page
    assert visitor("town_qingshan").get(f"/cases/{case_no}").status_code == 404
    empty = clerk.post(f"/cases/{case_no}/comments", {"body": ""})
    assert "留言：必填" in visible_text(clerk.get(empty.headers["Location"]).get_data(as_text=True))
