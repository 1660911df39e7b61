"""Studio: deployed versions with their case counts, the diff between versions, drafts that lint on
every save, export/import that round-trip with bpmn/ + forms/ byte for byte, policy-scenario runs
that gate a deploy, and every change audited and refused to anyone but the process owner."""

from __future__ import annotations

import filecmp
import io
import json
import zipfile

import pytest

from engine import Conflict, Engine, NotPermitted, ValidationFailed
from engine.facade import PROJECT_ROOT
from engine.studio import drafts
from engine.workflow.diff import diff_files
from engine.workflow.specs import SpecFiles
from tests.conftest import COUNTY, MINI, VILLAGE_A1

REPO_BPMN, REPO_FORMS = PROJECT_ROOT / "bpmn", PROJECT_ROOT / "forms"


@pytest.fixture
def eng(mini_engine):
    mini_engine.add_user("owner", "流程管理员", "process_owner", COUNTY)
    return mini_engine


def _start(eng, applicant):
    return eng.start_case(
        {"applicant": applicant, "reason": "fire", "divisor": 1}, VILLAGE_A1, by="town_a"
    ).case_no


def _actions(eng) -> list[str]:
    from sqlalchemy import select

    from engine.store.models import AuditEvent

    with eng.db.read() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_versions_show_hash_author_and_cases_running_on_each(eng, applicant):
    studio = eng.studio()
    first = studio.versions("owner")[0]
    _start(eng, applicant)
    draft = studio.new_draft("owner", "改名")
    text = studio.draft("owner", draft).files["bpmn/mini.bpmn"].replace('name="受理审查"', 'name="受理审核"')
    studio.save_file("owner", draft, "bpmn/mini.bpmn", text)
    with pytest.raises(Conflict, match="请先"):
        studio.deploy_draft("owner", draft)
    listed = {v["id"]: v for v in studio.versions("owner")}
    assert listed[first["id"]]["running"] == 1 and listed[first["id"]]["cases"] == 1
    assert len(first["content_hash"]) == 64 and first["created_by"] == "system"
    assert studio.versions("auditor")  # the auditor reads


def test_the_diff_names_elements_flows_rules_and_form_fields(eng):
    old = SpecFiles.from_dirs(MINI / "bpmn", MINI / "forms")
    files = dict(old.files)
    files["bpmn/mini.bpmn"] = (
        files["bpmn/mini.bpmn"]
        .replace('name="受理审查"', 'name="受理审核"')
        .replace(
            "amount &lt;= param('township_pay_first_limit')", "amount &lt; param('township_pay_first_limit')"
        )
    )
    review = json.loads(files["forms/review.schema.json"])
    review["properties"]["phone"] = {"title": "电话", "type": "string"}
    review["properties"]["amount"]["maximum"] = 50000
    del review["properties"]["note"]
    files["forms/review.schema.json"] = json.dumps(review, ensure_ascii=False)
    changes = {(c.kind, c.key, c.status): c for c in diff_files(old, SpecFiles(files)).changes}
    renamed = changes[("element", "Review", "changed")]
    assert ("名称", "受理审查", "受理审核") in renamed.details
    condition = changes[("flow", "F_within", "changed")]
    assert condition.details[0][0] == "条件" and "&lt;" not in condition.details[0][2]
    assert ("field", "review.schema.json:phone", "added") in changes
    assert ("field", "review.schema.json:note", "removed") in changes
    assert ("field", "review.schema.json:amount", "changed") in changes
    assert not any(c[0] == "element" and c[1] == "Approve" for c in changes)


def test_the_diff_of_decision_tables_is_by_rule():
    old = SpecFiles.from_dirs(REPO_BPMN, REPO_FORMS)
    files = dict(old.files)
    files["bpmn/aid_amount.dmn"] = files["bpmn/aid_amount.dmn"].replace(
        '<outputEntry id="Out_aid_amount_2_1"><text>0</text>',
        '<outputEntry id="Out_aid_amount_2_1"><text>10</text>',
    )
    changed = [c for c in diff_files(old, SpecFiles(files)).changes if c.kind == "rule"]
    assert [(c.key, c.status) for c in changed] == [("Rule_aid_amount_2", "changed")]
    assert changed[0].details[0][1:] != changed[0].details[0][2:]


def test_saving_lints_and_places_each_problem_on_its_element(eng):
    studio = eng.studio()
    draft = studio.new_draft("owner", "坏表单")
    text = (
        studio.draft("owner", draft)
        .files["bpmn/mini.bpmn"]
        .replace('value="approve.schema.json"', 'value="missing.schema.json"', 1)
    )
    view = studio.save_file("owner", draft, "bpmn/mini.bpmn", text)
    [problem] = view.errors
    assert problem["element_id"] == "Approve" and "missing.schema.json" in problem["message"]
    assert view.problems_of("bpmn/mini.bpmn") == view.problems
    with pytest.raises(Conflict, match="未通过检查"):
        studio.start_run("owner", draft, wait=True)
    assert "draft_file_saved" in _actions(eng)


def test_only_the_process_owner_changes_the_studio(eng):
    studio = eng.studio()
    draft = studio.new_draft("owner", "草稿")
    for username in ("auditor", "county", "town_a"):
        for attempt in (
            lambda u: studio.new_draft(u, "x"),
            lambda u: studio.save_file(u, draft, "forms/x.json", "{}"),
            lambda u: studio.discard(u, draft),
            lambda u: studio.start_run(u, draft, wait=True),
            lambda u: studio.deploy_draft(u, draft),
            lambda u: studio.set_parameters(u, {"publicity_days": 9}, None, "文件"),
            lambda u: studio.migrate(u, 1, 2, "原因"),
        ):
            with pytest.raises(NotPermitted):
                attempt(username)
    assert studio.draft("auditor", draft).files == studio.draft("owner", draft).files
    with pytest.raises(NotPermitted):
        studio.drafts("town_a")


def test_bad_file_names_and_archives_are_refused(eng):
    studio = eng.studio()
    draft = studio.new_draft("owner", "草稿")
    for path in ("../etc/passwd", "bpmn/x.txt", "forms/../../x.json", "web/app.py"):
        with pytest.raises(ValidationFailed):
            studio.save_file("owner", draft, path, "x")
    with pytest.raises(ValidationFailed, match="校验"):
        studio.import_archive("owner", "坏", b"not a zip")


def test_export_and_import_round_trip_the_repository_files_byte_for_byte(eng, tmp_path):
    studio = eng.studio()
    draft = studio.import_folders("owner", "仓库文件", REPO_BPMN, REPO_FORMS)
    archive = studio.export_archive("owner", draft_id=draft)
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        for name in opened.namelist():
            assert opened.read(name) == (PROJECT_ROOT / name).read_bytes(), name
        assert sorted(opened.namelist()) == sorted(drafts.read_folders(REPO_BPMN, REPO_FORMS))
    again = studio.import_archive("owner", "再导入", archive)
    assert studio.export_archive("owner", draft_id=again) == archive
    out = tmp_path / "out"
    touched = studio.export_folders("owner", draft, out / "bpmn", out / "forms")
    assert len(touched) == len(studio.draft("owner", draft).files)
    for folder in ("bpmn", "forms"):
        compared = filecmp.dircmp(PROJECT_ROOT / folder, out / folder)
        assert not compared.diff_files and not compared.left_only and not compared.right_only
    assert studio.export_folders("owner", draft, out / "bpmn", out / "forms") == []  # nothing changed


def test_export_to_folders_removes_what_the_draft_deleted_and_keeps_unchanged_files(eng, tmp_path):
    studio = eng.studio()
    out = tmp_path / "specs"
    draft = studio.import_folders("owner", "mini", MINI / "bpmn", MINI / "forms")
    studio.export_folders("owner", draft, out / "bpmn", out / "forms")
    before = (out / "forms" / "review.schema.json").stat().st_mtime_ns
    studio.save_file("owner", draft, "forms/approve.schema.json", None)
    touched = studio.export_folders("owner", draft, out / "bpmn", out / "forms")
    assert touched == ["forms/approve.schema.json"]
    assert not (out / "forms" / "approve.schema.json").exists()
    assert (out / "forms" / "review.schema.json").stat().st_mtime_ns == before


def test_a_draft_is_deployed_only_after_its_scenarios_ran_on_exactly_its_files(tmp_path):
    eng = Engine.open(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    eng.deploy(REPO_BPMN, REPO_FORMS)
    from engine import demo

    demo.seed(eng, with_cases=False)
    studio = eng.studio()
    draft = studio.new_draft("process_owner", "急难限额")
    files = studio.draft("process_owner", draft).files
    with pytest.raises(Conflict, match="请先"):
        studio.deploy_draft("process_owner", draft)
    broken = files["bpmn/emergency_aid.bpmn"].replace(
        "amount &lt;= param('township_pay_first_limit')",
        "amount &lt;= param('township_pay_first_limit') - 1000",
    )
    studio.save_file("process_owner", draft, "bpmn/emergency_aid.bpmn", broken)
    run = studio.start_run("process_owner", draft, keyword="乡镇额度内先行救助", wait=True)
    failed = studio.run("process_owner", run)
    [result] = failed["results"]
    assert failed["status"] == "failed" and result["outcome"] == "failed"
    assert result["name"].startswith("乡镇额度内先行救助") and "待办" in result["step"]
    with pytest.raises(Conflict, match="1 个政策场景未通过"):
        studio.deploy_draft("process_owner", draft)
    studio.save_file("process_owner", draft, "bpmn/emergency_aid.bpmn", files["bpmn/emergency_aid.bpmn"])
    with pytest.raises(Conflict, match="请先"):  # the run was on other files
        studio.deploy_draft("process_owner", draft)
    studio.save_file("process_owner", draft, "bpmn/emergency_aid.bpmn", broken)
    deployment = studio.deploy_draft("process_owner", draft, note="试行", accept_failures=True)
    assert deployment.created and studio.versions("process_owner")[0]["id"] == deployment.version_id
    assert studio.draft("process_owner", draft).status == "deployed"
    with pytest.raises(Conflict):
        studio.save_file("process_owner", draft, "bpmn/emergency_aid.bpmn", files["bpmn/emergency_aid.bpmn"])
    assert {"scenario_run_started", "spec_deployed", "draft_deployed"} <= set(_actions(eng))
    eng.close()


def test_a_run_cut_off_by_a_restart_is_shown_as_not_completed(eng):
    from datetime import timedelta

    from engine.store.studio_models import ScenarioRun

    studio = eng.studio()
    draft = studio.new_draft("owner", "草稿")
    with eng.db.write() as session:
        session.add(
            ScenarioRun(
                draft_id=draft,
                content_hash="x",
                status="running",
                results=[],
                started_at=eng.now() - timedelta(hours=2),
                started_by="owner",
            )
        )
    run = studio.draft("owner", draft).latest_run
    assert run["status"] == "error" and "重新运行" in run["output"]
    with pytest.raises(Conflict, match="未能运行完成|请先"):
        studio.deploy_draft("owner", draft)
