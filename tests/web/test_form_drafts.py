"""草稿: a task's form saved as typed and loaded again for the same clerk; gone once the task is done;
another clerk neither sees nor saves it."""

from __future__ import annotations

import io

import pytest

from engine.errors import Conflict, NotPermitted
from tests.web.conftest import visible_text
from tests.web.journeys import form_data, start, task_named


def test_a_draft_is_kept_for_its_clerk_and_gone_with_the_task(eng, visitor):
    case_no = start(eng)
    task = task_named(eng, case_no, "受理审查")
    clerk = visitor("town_chengguan")
    clerk.get(f"/tasks/{task.task_id}")
    saved = clerk.post(
        f"/tasks/{task.task_id}", {"_action": "draft", "_submission": "k1", "review_note": "半途保存"}
    )
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"/tasks/{task.task_id}")
    page = visible_text(clerk.get(f"/tasks/{task.task_id}").get_data(as_text=True))
    assert "已载入您" in page and "半途保存" in clerk.get(f"/tasks/{task.task_id}").get_data(as_text=True)
    assert task_named(eng, case_no, "受理审查") is not None  # nothing was submitted
    assert eng.form_draft("town_chengguan", task.task_id).data == {"review_note": "半途保存"}

    eng.complete("town_chengguan", task.task_id, form_data("intake-review.schema.json"))
    assert eng.form_draft("town_chengguan", task.task_id) is None
    actions = [e["action"] for e in eng.case_view(case_no).events]
    assert "form_draft_saved" in actions


def test_an_upload_keeps_what_was_typed(eng, visitor):
    case_no = start(eng)
    task = task_named(eng, case_no, "受理审查")
    clerk = visitor("town_chengguan")
    clerk.get(f"/tasks/{task.task_id}")
    response = clerk.post(
        f"/tasks/{task.task_id}/attachments",
        {
            "_submission": "k2",
            "intake_decision": "accept",
            "severity": "critical",
            "review_note": "发票已上传",
            "kind": "bill",
            "file": (io.BytesIO(b"%PDF-1.4 bill"), "发票.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert "发票已上传" in clerk.get(f"/tasks/{task.task_id}").get_data(as_text=True)
    draft = eng.form_draft("town_chengguan", task.task_id).data
    assert draft["severity"] == "critical" and draft["intake_decision"] == "accept"
    assert "发票.pdf" in clerk.get(f"/cases/{case_no}").get_data(as_text=True)


def test_only_the_clerk_who_may_act_saves_a_draft(eng):
    eng.add_user("town_chengguan2", "城关镇 民政 何经办", "township", "639001001", password="jiuzhu-demo")
    case_no = start(eng)
    task = task_named(eng, case_no, "受理审查")
    with pytest.raises(NotPermitted):
        eng.save_form_draft("county_mz", task.task_id, {"review_note": "x"})
    eng.claim("town_chengguan2", task.task_id)
    with pytest.raises(Conflict):
        eng.save_form_draft("town_chengguan", task.task_id, {"review_note": "x"})
    eng.save_form_draft("town_chengguan2", task.task_id, {"review_note": "mine"})
    assert eng.form_draft("town_chengguan", task.task_id) is None
