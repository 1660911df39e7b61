"""The auditor (审计) reads everything in the county and changes nothing: every page of the studio,
operations and reports opens; every write route of the app — pages and API — is tried with data
that would succeed for the role it belongs to, and each is refused with the database unchanged.

The test lists the app's routes itself: a new write route fails it until it is classified here."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text, update

from engine.store.models import Base, Case
from engine.store.studio_models import ScenarioRun
from engine.workflow.specs import SpecFiles
from tests.web.conftest import Visitor
from tests.web.forms_data import as_form
from tests.web.journeys import DONG, advance, application, form_data, start, task_named

# Not the auditor's powers to test: signing in and out, one's own API token, and the residents'
# pages, which anyone may use without signing in (an auditor applying online acts as a resident).
NOT_AUDITOR_POWERS = {
    "auth.login",
    "auth.logout",
    "auth.new_token",
    "public.apply",
    "public.status",
    "public.objection",
    "api.public_apply",
    "api.public_objection",
    "api.public_status",
}
READ_ONLY_POSTS = {"studio.preview"}  # renders a form from the posted schema; stores nothing
# Reads that the auditor may make, which add only their job and its audit event (no record changes):
# the ledger export written by the worker (the auditor reads the ledger as XLSX too).
QUEUED_READS = {"reports.start_export"}
ALLOWED_AUDIT = {"signed_in", "personal_data_viewed", "access_denied"}


@pytest.fixture
def world(eng):
    waiting = start(eng, application(serial=31))
    task = task_named(eng, waiting, "受理审查").task_id
    paid = start(eng, application(serial=32))
    advance(eng, paid, "补办手续")
    broken = start(eng, application(serial=33))
    with eng.db.write() as session:  # a failed script, as the operations page lists it
        session.execute(
            update(Case)
            .where(Case.case_no == broken)
            .values(
                status="needs_attention",
                attention={"element_id": "Script_Suggest", "error": "division by zero"},
            )
        )
    studio = eng.studio()
    draft = studio.new_draft("process_owner", "待部署")
    view = studio.draft("process_owner", draft)
    with eng.db.write() as session:  # its scenarios passed: the process owner could deploy it
        session.add(
            ScenarioRun(
                draft_id=draft,
                content_hash=view.content_hash,
                status="passed",
                results=[{"feature": "f", "name": "s", "outcome": "passed"}],
                started_at=datetime.now(UTC),
                started_by="process_owner",
            )
        )
    files = dict(view.files)
    files["bpmn/emergency_aid.bpmn"] = files["bpmn/emergency_aid.bpmn"].replace(
        'name="先行救助决定"', 'name="先行救助"'
    )
    old = eng.versions()[0]["id"]
    new = eng.deploy_files(SpecFiles(files), by="process_owner").version_id
    edge = [{"area_code": "639001001001", "id_number": "630122198505051004", "name": "王红梅"}]
    eng.import_roster(json.dumps(edge), "json", roster="bianyuan", by="county_mz")
    eng.compare_rosters("2026-11", by="county_mz")
    return {
        "coverage": eng.coverage_ledger("2026-11", county="639001")[0].id,
        "waiting": waiting,
        "task": task,
        "paid": paid,
        "broken": broken,
        "draft": draft,
        "old": old,
        "new": new,
        "token": eng.issue_api_token("auditor"),
    }


def writes(w) -> dict[str, list[tuple[str, str, object]]]:
    """endpoint -> the requests that try it: (kind html/api, url, data)."""
    d, t, form = w["draft"], w["task"], "forms/pay-first.schema.json"
    new_case = as_form(application(serial=34))
    new_case["area_code"] = DONG
    return {
        "cases.new": [("html", "/cases/new", new_case)],
        "tasks.submit": [("html", f"/tasks/{t}", as_form(form_data("intake-review.schema.json")))],
        "cases.comment": [("html", f"/cases/{w['waiting']}/comments", {"body": "请补充材料"})],
        "api.add_comment": [("api", f"/api/v1/cases/{w['waiting']}/comments", {"body": "请补充材料"})],
        "tasks.discard_draft": [("html", f"/tasks/{t}/draft/discard", {})],
        "handover.reassign": [("html", f"/tasks/{t}/reassign", {"to": "town_chengguan"})],
        "handover.remind": [("html", f"/tasks/{t}/remind", {"note": "请办理"})],
        "reports.coverage_follow_up": [
            ("html", f"/reports/coverage/{w['coverage']}", {"month": "2026-11", "follow_up": "applied"})
        ],
        "handover.extend": [("html", f"/tasks/{t}/extend", {"until": "2999-01-01", "reason": "材料待补"})],
        "api.reassign": [("api", f"/api/v1/tasks/{t}/reassign", {"to": "town_chengguan"})],
        "api.remind": [("api", f"/api/v1/tasks/{t}/remind", {"note": "请办理"})],
        "api.extend": [("api", f"/api/v1/tasks/{t}/extend", {"until": "2999-01-01", "reason": "材料待补"})],
        "tasks.upload": [
            ("html", f"/tasks/{t}/attachments", {"kind": "bill", "file": (io.BytesIO(b"%PDF-1.4"), "a.pdf")})
        ],
        "inbox.claim": [("html", f"/tasks/{t}/claim", {}), ("html", f"/tasks/{t}/unclaim", {})],
        "api.start": [("api", "/api/v1/cases", {"application": application(serial=35), "area_code": DONG})],
        "api.upload": [
            (
                "api-file",
                f"/api/v1/tasks/{t}/attachments",
                {"kind": "bill", "file": (io.BytesIO(b"%PDF-1.4"), "a.pdf")},
            )
        ],
        "api.claim": [("api", f"/api/v1/tasks/{t}/claim", None), ("api", f"/api/v1/tasks/{t}/unclaim", None)],
        "api.complete": [
            ("api", f"/api/v1/tasks/{t}/complete", {"data": form_data("intake-review.schema.json")})
        ],
        "operations.retry": [("html", f"/operations/cases/{w['broken']}/retry", {"reason": "核实后重试"})],
        "operations.cancel": [("html", f"/operations/cases/{w['waiting']}/cancel", {"reason": "重复申请"})],
        "api.retry": [("api", f"/api/v1/cases/{w['broken']}/retry", {"reason": "核实后重试"})],
        "api.cancel": [("api", f"/api/v1/cases/{w['waiting']}/cancel", {"reason": "重复申请"})],
        "api.deploy": [("api", f"/api/v1/studio/drafts/{d}/deploy", {"accept_failures": True})],
        "api.migrate": [
            (
                "api",
                "/api/v1/migrations",
                {"from": w["old"], "to": w["new"], "reason": "审计", "case_nos": [w["waiting"]]},
            )
        ],
        "api.set_parameters": [
            ("api", "/api/v1/parameters/639001", {"values": {"publicity_days": 9}, "reason": "审计"})
        ],
        "studio.start_run": [("html", f"/studio/drafts/{d}/runs", {})],
        "studio.deploy": [("html", f"/studio/drafts/{d}/deploy", {"accept_failures": "yes"})],
        "studio.migrate": [
            (
                "html",
                "/studio/migrate",
                {"from": w["old"], "to": w["new"], "reason": "审计", "case_no": w["waiting"]},
            )
        ],
        "studio.set_parameters": [
            ("html", "/studio/parameters", {"p.publicity_days": "9", "reason": "审计"})
        ],
        "studio.new_draft": [
            ("html", "/studio/drafts", {"name": "审计草稿", "source": "version"}),
            ("html", "/studio/drafts", {"name": "审计草稿", "source": "folders"}),
        ],
        "studio.save_file": [("html", f"/studio/drafts/{d}/files/{form}", {"text": "{}"})],
        "studio.new_file": [("html", f"/studio/drafts/{d}/new-file", {"name": "x.schema.json"})],
        "studio.delete_file": [("html", f"/studio/drafts/{d}/files/{form}/delete", {})],
        "studio.discard": [("html", f"/studio/drafts/{d}/discard", {})],
    }


def snapshot(eng) -> dict:
    """Every row of every table (audit events: all but the reading ones an attempt may add)."""
    found = {}
    with eng.db.read() as session:
        for table in Base.metadata.sorted_tables:
            rows = session.execute(select(table).order_by(*table.primary_key.columns)).all()
            if table.name == "audit_events":
                rows = [r for r in rows if r.action not in ALLOWED_AUDIT]
            found[table.name] = [tuple(r) for r in rows]
    return found


def test_every_write_route_is_classified(app, world):
    listed = {rule.endpoint for rule in app.url_map.iter_rules() if rule.methods - {"GET", "HEAD", "OPTIONS"}}
    assert listed == set(writes(world)) | NOT_AUDITOR_POWERS | READ_ONLY_POSTS | QUEUED_READS


def test_the_auditor_changes_nothing(app, eng, world):
    auditor = Visitor(app).login("auditor")
    api = app.test_client()
    before = snapshot(eng)
    accepted = []
    for endpoint, attempts in writes(world).items():
        for kind, url, data in attempts:
            if kind == "html":
                multipart = isinstance(data, dict) and "file" in data
                response = auditor.post(url, data, content_type="multipart/form-data" if multipart else None)
            else:
                headers = {"Authorization": f"Bearer {world['token']}"}
                response = (
                    api.post(url, data=data, headers=headers, content_type="multipart/form-data")
                    if kind == "api-file"
                    else api.post(url, json=data, headers=headers)
                )
            if response.status_code not in (403, 404):
                accepted.append(f"{endpoint} {url}: {response.status_code}")
    assert not accepted, "\n".join(accepted)
    after = snapshot(eng)
    changed = [name for name in before if before[name] != after[name]]
    assert not changed, changed
    with eng.db.read() as session:
        assert session.execute(text("SELECT count(*) FROM studio_drafts")).scalar() == 1


def test_the_auditor_reads_every_report_and_studio_page(app, eng, world):
    auditor = Visitor(app).login("auditor")
    d = world["draft"]
    pages = [
        "/studio/",
        f"/studio/diff?from={world['old']}&to={world['new']}",
        f"/studio/drafts/{d}",
        f"/studio/drafts/{d}/files/bpmn/emergency_aid.bpmn",
        f"/studio/drafts/{d}/files/bpmn/aid_amount.dmn",
        f"/studio/drafts/{d}/files/forms/pay-first.schema.json",
        f"/studio/drafts/{d}/export",
        f"/studio/migrate?from={world['old']}&to={world['new']}",
        "/studio/parameters",
        f"/studio/cases/{world['paid']}/parameters",
        "/operations/",
        "/reports/dashboard",
        "/reports/ledger",
        "/reports/ledger.csv",
        "/reports/ledger.xlsx",
        f"/cases/{world['paid']}",
    ]
    for url in pages:
        response = auditor.client.get(url)
        assert response.status_code == 200, url
    listing = auditor.get("/operations/").get_data(as_text=True)
    assert world["broken"] in listing and "重新执行" not in listing  # listed, with no button
    assert "迁移所选案件" not in auditor.get(
        f"/studio/migrate?from={world['old']}&to={world['new']}"
    ).get_data(as_text=True)
