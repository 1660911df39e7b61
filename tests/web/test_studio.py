"""The studio's pages through HTTP: versions and their diff, a draft saved with a lint problem shown on
its element, the form preview, parameters, a scenario run and deploy, a case migration, and the
parameters each case used."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from engine.workflow.specs import SpecFiles
from tests.web.conftest import app_on_copy, visible_text
from tests.web.journeys import start, task_named

LIMIT_FLOW = "amount &lt;= param('township_pay_first_limit')"


def _draft(eng) -> int:
    return eng.studio().new_draft("process_owner", "测试草稿")


def test_versions_page_lists_hash_author_and_cases_and_the_auditor_gets_no_buttons(visitor, eng):
    start(eng)
    owner = visible_text(visitor("process_owner").get("/studio/").get_data(as_text=True))
    version = eng.versions()[0]
    assert version["content_hash"][:12] in owner and "1 / 1" in owner and "新建草稿" in owner
    auditor = visitor("auditor").get("/studio/")
    assert auditor.status_code == 200 and "新建草稿" not in auditor.get_data(as_text=True)
    assert visitor("town_chengguan").get("/studio/").status_code == 403


def test_a_saved_diagram_reports_each_problem_on_its_element(visitor, eng):
    owner = visitor("process_owner")
    draft = _draft(eng)
    path = "bpmn/emergency_aid.bpmn"
    text = eng.studio().draft("process_owner", draft).files[path]
    broken = text.replace('value="pay-first.schema.json"', 'value="no-such.schema.json"')
    response = owner.client.post(
        f"/studio/drafts/{draft}/files/{path}",
        json={"text": broken},
        headers={"X-CSRFToken": owner.token, "Accept": "application/json"},
    )
    body = response.get_json()
    assert response.status_code == 200 and body["errors"] == 1
    [problem] = [p for p in body["problems"] if p["severity"] == "error"]
    assert problem["element_id"] == "Task_PayFirst" and "no-such.schema.json" in problem["message"]
    page = owner.get(f"/studio/drafts/{draft}/files/{path}").get_data(as_text=True)
    assert 'data-element="Task_PayFirst"' in page and "no-such.schema.json 不存在" in page
    draft_page = visible_text(owner.get(f"/studio/drafts/{draft}").get_data(as_text=True))
    assert "Task_PayFirst" in draft_page and "请先改正“检查结果”中的问题" in draft_page
    fixed = owner.post(f"/studio/drafts/{draft}/files/{path}", {"text": text})
    assert fixed.status_code == 302 and eng.studio().draft("process_owner", draft).errors == []


def test_the_auditor_cannot_save(visitor, eng):
    draft = _draft(eng)
    auditor = visitor("auditor")
    before = eng.studio().draft("process_owner", draft).files
    response = auditor.post(f"/studio/drafts/{draft}/files/forms/pay-first.schema.json", {"text": "{}"})
    assert response.status_code == 403
    assert eng.studio().draft("process_owner", draft).files == before


def test_the_form_preview_is_the_inbox_renderer(visitor):
    owner = visitor("process_owner")
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "required": ["amount"],
        "properties": {
            "amount": {"type": "integer", "title": "核定金额", "description": "单位：元"},
            "way": {
                "type": "string",
                "title": "方式",
                "oneOf": [{"const": "cash", "title": "现金"}, {"const": "in_kind", "title": "实物"}],
            },
        },
    }
    response = owner.client.post(
        "/studio/preview", json={"schema": json.dumps(schema)}, headers={"X-CSRFToken": owner.token}
    )
    page = response.get_data(as_text=True)
    assert 'name="amount"' in page and "核定金额" in page and "现金" in page and 'class="unit">元' in page
    broken = owner.client.post("/studio/preview", json={"schema": "{"}, headers={"X-CSRFToken": owner.token})
    assert "不是有效的 JSON" in broken.get_data(as_text=True)


def test_the_diff_page_names_what_changed(visitor, eng):
    files = dict(eng.studio().version_files("process_owner", eng.versions()[0]["id"]))
    files["bpmn/emergency_aid.bpmn"] = files["bpmn/emergency_aid.bpmn"].replace(
        'name="先行救助决定"', 'name="先行救助审批"'
    )
    new = eng.deploy_files(SpecFiles(files), by="process_owner").version_id
    page = visible_text(
        visitor("auditor").get(f"/studio/diff?from={new - 1}&to={new}").get_data(as_text=True)
    )
    assert "先行救助审批（Task_PayFirst）" in page and "先行救助决定" in page
    archive = visitor("auditor").client.get(f"/studio/versions/{new}/export")
    with zipfile.ZipFile(io.BytesIO(archive.data)) as opened:
        assert opened.read("bpmn/emergency_aid.bpmn").decode() == files["bpmn/emergency_aid.bpmn"]


def test_parameters_are_validated_versioned_and_shown_per_case(visitor, eng):
    owner = visitor("process_owner")
    refused = owner.post("/studio/parameters", {"p.township_pay_first_limit": "9000", "reason": "文件"})
    assert refused.status_code == 422 and "不能大于" in refused.get_data(as_text=True)
    case_no = start(eng)
    done = owner.post(
        "/studio/parameters",
        {"p.township_pay_first_limit": "1500", "p.publicity_days": "5", "reason": "示政发〔2027〕3号"},
    )
    assert done.status_code == 302
    page = visible_text(owner.get("/studio/parameters").get_data(as_text=True))
    assert "当前第 1 版" in page and "1000 → 1500" in page and "示政发〔2027〕3号" in page
    eng.complete(
        "town_chengguan",
        task_named(eng, case_no, "受理审查").task_id,
        {
            "intake_decision": "accept",
            "documents_complete": True,
            "severity": "serious",
            "complex_case": False,
            "poverty_cause": "disaster",
            "expense_incurred": True,
            "can_carry_expense": False,
        },
    )
    used = visible_text(
        visitor("town_chengguan").get(f"/studio/cases/{case_no}/parameters").get_data(as_text=True)
    )
    assert "第 1 版" in used and "受理审查" in used
    case_page = visible_text(visitor("town_chengguan").get(f"/cases/{case_no}").get_data(as_text=True))
    assert "受理审查 城关镇 民政 李经办 按县级参数第 1 版" in case_page
    assert visitor("town_qingshan").get(f"/studio/cases/{case_no}/parameters").status_code == 404


def test_a_draft_is_tested_deployed_and_running_cases_migrated(tmp_path, template_db, visitor):
    app = app_on_copy(
        template_db,
        tmp_path,
        TESTING=True,
        STUDIO_RUN_INLINE=True,
        STUDIO_SCENARIO_KEYWORD="乡镇额度内先行救助",
    )
    eng = app.extensions["jiuzhu"].engine
    try:
        from tests.web.conftest import Visitor

        owner = Visitor(app).login("process_owner")
        waiting = start(eng)
        draft = _draft(eng)
        path = "bpmn/emergency_aid.bpmn"
        text = (
            eng.studio()
            .draft("process_owner", draft)
            .files[path]
            .replace('name="先行救助决定"', 'name="先行救助决定（新）"')
        )
        owner.post(f"/studio/drafts/{draft}/files/{path}", {"text": text})
        versions = len(eng.versions())
        untested = owner.post(f"/studio/drafts/{draft}/deploy", {})  # refused, saying why and where to act
        assert untested.status_code == 302 and untested.headers["Location"].endswith(
            f"/studio/drafts/{draft}#deploy"
        )
        back = visible_text(owner.get(untested.headers["Location"]).get_data(as_text=True))
        assert "未部署：请先对当前草稿运行政策场景测试" in back and "运行政策场景测试" in back
        assert len(eng.versions()) == versions
        assert owner.post(f"/studio/drafts/{draft}/runs", {}).status_code == 302
        page = visible_text(owner.get(f"/studio/drafts/{draft}").get_data(as_text=True))
        # the scenario still names the task 先行救助决定: it fails, and says where
        assert "有场景未通过" in page and "乡镇额度内先行救助" in page and "先行救助决定" in page
        failing = owner.post(f"/studio/drafts/{draft}/deploy", {"note": "改名"})
        assert failing.status_code == 302 and len(eng.versions()) == versions
        assert "接受未通过的场景" in visible_text(
            owner.get(failing.headers["Location"]).get_data(as_text=True)
        )
        accepted = owner.post(f"/studio/drafts/{draft}/deploy", {"note": "改名", "accept_failures": "yes"})
        assert accepted.status_code == 302
        old, new = eng.versions()[1]["id"], eng.versions()[0]["id"]
        plan = visible_text(owner.get(f"/studio/migrate?from={old}&to={new}").get_data(as_text=True))
        assert "可迁移 1 件" in plan and waiting in plan
        assert 'name="case_no" value="' + waiting + '" checked' not in owner.get(
            f"/studio/migrate?from={old}&to={new}"
        ).get_data(as_text=True)  # nothing is ticked for the owner
        none_ticked = owner.post("/studio/migrate", {"from": old, "to": new, "reason": "新名称"})
        assert none_ticked.status_code == 302 and eng.case_view(waiting).spec_version_id == old
        moved = owner.post(
            "/studio/migrate", {"from": old, "to": new, "case_no": waiting, "reason": "新名称"}
        )
        assert moved.status_code == 302 and eng.case_view(waiting).spec_version_id == new
        eng.complete(
            "town_chengguan",
            task_named(eng, waiting, "受理审查").task_id,
            {
                "intake_decision": "accept",
                "documents_complete": True,
                "severity": "serious",
                "complex_case": False,
                "poverty_cause": "disaster",
                "expense_incurred": True,
                "can_carry_expense": False,
            },
        )
        assert [t.name for t in eng.open_tasks(waiting)] == ["先行救助决定（新）"]
    finally:
        eng.close()


@pytest.mark.parametrize("user,status", [("county_mz", 403), ("auditor", 200), ("process_owner", 200)])
def test_who_opens_the_studio_pages(visitor, user, status):
    browser = visitor(user)
    for url in ("/studio/", "/studio/diff", "/studio/migrate", "/studio/parameters"):
        assert browser.get(url).status_code == status, url
