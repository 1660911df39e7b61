"""The API's operations and studio actions — retry, cancel, county parameters, deploy a draft, plan and
start a migration — each the same service call as its page: the same audit events and state change,
refused for the wrong role or area (403 problem+json, logged, nothing changed), and junk bodies
answered 4xx problem+json, never 500."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import func, select, update

from engine.store.models import AuditEvent, Case, ParameterSet, SpecVersion
from engine.store.studio_models import ScenarioRun
from engine.vocabulary import LOCAL_TZ
from engine.workflow.specs import SpecFiles
from tests.web.journeys import application, start
from web.api.openapi import document

COUNTY = "639001"


@pytest.fixture
def api(app, eng):
    client = app.test_client()
    tokens: dict = {}

    def call(method, url, user="process_owner", **kw):
        headers = kw.pop("headers", {})
        if user not in tokens:
            tokens[user] = eng.issue_api_token(user)
        headers["Authorization"] = f"Bearer {tokens[user]}"
        return client.open(url, method=method, headers=headers, **kw)

    return call


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == status
    return response.json


def _conforms(response, schema: str) -> dict:
    """The body as the OpenAPI document describes it (formats such as date-time checked)."""
    root = {"$ref": f"#/components/schemas/{schema}", "components": document()["components"]}
    Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(response.json)
    return response.json


def _broken(eng, serial: int) -> str:
    """A case the operations page lists as needing attention (a failed script)."""
    case_no = start(eng, application(serial=serial))
    with eng.db.write() as session:
        session.execute(
            update(Case)
            .where(Case.case_no == case_no)
            .values(
                status="needs_attention", attention={"element_id": "Script_X", "error": "division by zero"}
            )
        )
    return case_no


def _events(eng, case_no: str, since: int = 0) -> list[tuple]:
    """The case's audit events after the first `since`: (action, actor, data)."""
    return [(e["action"], e["actor"], e["data"]) for e in eng.case_view(case_no).events[since:]]


def _audited(eng, action: str) -> list[AuditEvent]:
    with eng.db.read() as session:
        return list(
            session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
        )


def _refusals(caplog) -> list[str]:
    return [
        r.getMessage() for r in caplog.records if getattr(r, "fields", {}).get("event") == "access_refused"
    ]


def _second_county(eng) -> None:
    eng.add_area("639002", "北县")
    eng.add_area("639002001", "北镇")
    eng.add_user("county_bei", "北县民政局 钱科长", "county", "639002", password="jiuzhu-demo")
    eng.add_user("owner_bei", "北县流程管理员", "process_owner", "639002", password="jiuzhu-demo")


# -- retry and cancel ----------------------------------------------------------------------------
def test_retry_through_the_api_is_the_operations_page_retry(eng, api, visitor):
    by_page, by_api = _broken(eng, 11), _broken(eng, 12)
    before = len(eng.case_view(by_page).events), len(eng.case_view(by_api).events)
    page = visitor("county_mz").post(
        f"/operations/cases/{by_page}/retry", {"reason": "核实后重试", "data": '{"checked": true}'}
    )
    assert page.status_code == 302
    done = api(
        "POST",
        f"/api/v1/cases/{by_api}/retry",
        user="county_mz",
        json={"reason": "核实后重试", "data": {"checked": True}},
    )
    assert done.status_code == 200, done.get_data(as_text=True)
    assert _conforms(done, "Retried") == {"case_no": by_api, "status": "running", "attention": None}
    assert eng.case_view(by_page).status == eng.case_view(by_api).status == "running"
    page_events, api_events = _events(eng, by_page, before[0]), _events(eng, by_api, before[1])
    assert [e[:2] for e in api_events] == [("case_retried", "county_mz"), ("retry_reason", "county_mz")]
    assert api_events == page_events
    again = api("POST", f"/api/v1/cases/{by_api}/retry", user="county_mz", json={"reason": "再试"})
    assert _problem(again, 409)["detail"] == "该案件不需要处理"


def test_cancel_through_the_api_is_the_operations_page_cancel(eng, api, visitor):
    by_page, by_api = start(eng, application(serial=13)), start(eng, application(serial=14))
    before = len(eng.case_view(by_page).events), len(eng.case_view(by_api).events)
    assert (
        visitor("process_owner")
        .post(f"/operations/cases/{by_page}/cancel", {"reason": "重复申请"})
        .status_code
        == 302
    )
    missing = api("POST", f"/api/v1/cases/{by_api}/cancel", json={})
    assert _problem(missing, 422)["errors"] == [{"path": "reason", "message": "撤销原因：必填"}]
    blank = api("POST", f"/api/v1/cases/{by_api}/cancel", json={"reason": "  "})
    assert _problem(blank, 422)["errors"][0]["path"] == "reason"
    assert eng.case_view(by_api).status == "running"
    done = api("POST", f"/api/v1/cases/{by_api}/cancel", json={"reason": "重复申请"})
    assert done.status_code == 200 and _conforms(done, "CaseRef") == {
        "case_no": by_api,
        "status": "cancelled",
    }
    assert eng.case_view(by_page).status == eng.case_view(by_api).status == "cancelled"
    page_events, api_events = _events(eng, by_page, before[0]), _events(eng, by_api, before[1])
    assert [e[:2] for e in api_events] == [("case_cancelled", "process_owner")]
    assert api_events == page_events
    twice = api("POST", f"/api/v1/cases/{by_api}/cancel", json={"reason": "重复申请"})
    assert _problem(twice, 409)["detail"] == "案件已结束"


@pytest.mark.parametrize("user", ["town_chengguan", "auditor", "village_dong"])
def test_retry_and_cancel_are_refused_for_other_roles_and_logged(eng, api, caplog, user):
    broken, waiting = _broken(eng, 15), start(eng, application(serial=16))
    before = _events(eng, broken), _events(eng, waiting)
    with caplog.at_level(logging.WARNING, logger="jiuzhu.access"):
        retried = api("POST", f"/api/v1/cases/{broken}/retry", user=user, json={"reason": "核实后重试"})
        cancelled = api("POST", f"/api/v1/cases/{waiting}/cancel", user=user, json={"reason": "重复申请"})
    assert "岗位不符" in _problem(retried, 403)["detail"] and _problem(cancelled, 403)
    assert len(_refusals(caplog)) == 2
    assert (_events(eng, broken), _events(eng, waiting)) == before
    assert eng.case_view(broken).status == "needs_attention" and eng.case_view(waiting).status == "running"


def test_another_countys_case_is_not_found(eng, api):
    _second_county(eng)
    broken, waiting = _broken(eng, 17), start(eng, application(serial=18))
    retried = api("POST", f"/api/v1/cases/{broken}/retry", user="county_bei", json={"reason": "核实后重试"})
    cancelled = api("POST", f"/api/v1/cases/{waiting}/cancel", user="county_bei", json={"reason": "重复申请"})
    assert _problem(retried, 404) and _problem(cancelled, 404)
    assert eng.case_view(broken).status == "needs_attention" and eng.case_view(waiting).status == "running"


# -- parameters ----------------------------------------------------------------------------------
def _parameter_versions(eng) -> int:
    with eng.db.read() as session:
        return session.scalar(select(func.count()).select_from(ParameterSet))


def test_parameters_through_the_api_are_checked_and_saved_as_on_the_studio_page(eng, api, visitor):
    url = f"/api/v1/parameters/{COUNTY}"
    refused = api("POST", url, json={"values": {"township_pay_first_limit": 9000}, "reason": "文件"})
    errors = {e["path"]: e["message"] for e in _problem(refused, 422)["errors"]}
    page = visitor("process_owner").post(
        "/studio/parameters", {"p.township_pay_first_limit": "9000", "reason": "文件"}
    )
    assert page.status_code == 422 and errors["township_pay_first_limit"] in page.get_data(as_text=True)
    bad = api(
        "POST",
        url,
        json={
            "values": {
                "publicity_days": 2.5,
                "deep_poverty_area": 2,
                "nonsense": 1,
                "township_approval_limit": "9",
            },
            "effective_from": (datetime.now(UTC) - timedelta(days=2)).isoformat(),
            "reason": "",
        },
    )
    errors = {e["path"]: e["message"] for e in _problem(bad, 422)["errors"]}
    assert errors["publicity_days"] == "信息公示期：应为整数（日）"
    assert (
        errors["deep_poverty_area"].endswith("只能为 0 或 1") and errors["nonsense"] == "nonsense：未知参数"
    )
    assert errors["township_approval_limit"].endswith("应为数字")
    assert set(errors) >= {"effective_from", "reason"}
    unchanged = api("POST", url, json={"values": {"publicity_days": 7}, "reason": "无变化"})
    assert _problem(unchanged, 422)["errors"] == [{"path": "values", "message": "没有修改任何参数"}]
    assert _parameter_versions(eng) == 0

    by_page = visitor("process_owner").post(
        "/studio/parameters", {"p.township_pay_first_limit": "1500", "reason": "示政发〔2027〕3号"}
    )
    assert by_page.status_code == 302
    later = datetime(2099, 1, 1, 8, 0)
    saved = api(
        "POST",
        url,
        json={
            "values": {"publicity_days": 5},
            "effective_from": later.isoformat(),
            "reason": "示政发〔2027〕4号",
        },
    )
    assert saved.status_code == 201, saved.get_data(as_text=True)
    assert _conforms(saved, "ParametersSaved") == {
        "county_code": COUNTY,
        "version": 2,
        "effective_from": later.replace(tzinfo=LOCAL_TZ).isoformat(),  # no offset: China time
    }
    first, second = _audited(eng, "parameters_changed")
    assert (first.actor, first.data["changed"], first.parameter_version) == (
        "process_owner",
        {"township_pay_first_limit": 1500},
        1,
    )
    assert (second.actor, second.data["changed"], second.parameter_version) == (
        "process_owner",
        {"publicity_days": 5},
        2,
    )
    assert eng.parameters(COUNTY).get("publicity_days") != 5  # from 2099 on
    assert eng.parameters(COUNTY, later.replace(tzinfo=LOCAL_TZ)).get("publicity_days") == 5


def test_parameters_are_refused_for_other_roles_and_another_county(eng, api, caplog):
    _second_county(eng)
    body = {"values": {"publicity_days": 5}, "reason": "文件"}
    with caplog.at_level(logging.WARNING, logger="jiuzhu.access"):
        answers = [
            api("POST", f"/api/v1/parameters/{COUNTY}", user=user, json=body)
            for user in ("auditor", "county_mz", "town_chengguan", "owner_bei")
        ]
        answers.append(api("POST", "/api/v1/parameters/639002", json=body))  # 示范县's owner, 北县
    assert [r.status_code for r in answers] == [403] * 5
    assert _problem(answers[-1], 403)["detail"] == "无权修改其他县的参数"
    assert len(_refusals(caplog)) == 5
    assert _parameter_versions(eng) == 0
    assert api("POST", "/api/v1/parameters/639002", user="owner_bei", json=body).status_code == 201


# -- deploy --------------------------------------------------------------------------------------
def _tested_draft(eng, name: str, outcome: str = "passed") -> int:
    """A draft renaming 先行救助决定, its scenarios run on exactly its files."""
    studio = eng.studio()
    draft = studio.new_draft("process_owner", name)
    path = "bpmn/emergency_aid.bpmn"
    text = studio.draft("process_owner", draft).files[path].replace('name="先行救助决定"', 'name="先行救助"')
    view = studio.save_file("process_owner", draft, path, text)
    with eng.db.write() as session:
        session.add(
            ScenarioRun(
                draft_id=draft,
                content_hash=view.content_hash,
                status=outcome,
                results=[{"feature": "f", "name": "s", "outcome": outcome}],
                started_at=datetime.now(UTC),
                started_by="process_owner",
            )
        )
    return draft


def _versions(eng) -> int:
    with eng.db.read() as session:
        return session.scalar(select(func.count()).select_from(SpecVersion))


def test_deploy_through_the_api_is_the_studio_deploy(eng, api, visitor):
    by_page, by_api = _tested_draft(eng, "页面部署"), _tested_draft(eng, "API 部署")
    versions = _versions(eng)
    page = visitor("process_owner").post(f"/studio/drafts/{by_page}/deploy", {"note": "改名"})
    assert page.status_code == 302 and _versions(eng) == versions + 1
    same = api("POST", f"/api/v1/studio/drafts/{by_api}/deploy", json={"note": "改名"})
    assert same.status_code == 200, same.get_data(as_text=True)  # the same files: that version again
    assert (
        _conforms(same, "Deployment")["created"] is False
        and same.json["version_id"] == eng.versions()[0]["id"]
    )
    assert _versions(eng) == versions + 1
    page_event, api_event = _audited(eng, "draft_deployed")
    assert (api_event.actor, api_event.spec_version_id) == (page_event.actor, page_event.spec_version_id)
    assert api_event.data == dict(
        page_event.data, draft_id=by_api, run_id=api_event.data["run_id"], created=False
    )
    assert eng.studio().draft("process_owner", by_api).status == "deployed"
    again = api("POST", f"/api/v1/studio/drafts/{by_api}/deploy", json={})
    assert _problem(again, 409)


def test_a_new_version_is_deployed_only_when_its_scenarios_passed_or_failures_are_accepted(eng, api):
    failing = _tested_draft(eng, "未通过", outcome="failed")
    versions = _versions(eng)
    refused = api("POST", f"/api/v1/studio/drafts/{failing}/deploy", json={"note": "改名"})
    assert "接受未通过的场景" in _problem(refused, 409)["detail"] and _versions(eng) == versions
    wrong = api("POST", f"/api/v1/studio/drafts/{failing}/deploy", json={"accept_failures": "yes"})
    assert _problem(wrong, 422)["errors"][0]["path"] == "accept_failures"
    done = api(
        "POST", f"/api/v1/studio/drafts/{failing}/deploy", json={"note": "改名", "accept_failures": True}
    )
    assert done.status_code == 201 and _conforms(done, "Deployment")["created"] is True
    assert done.json["version_id"] == eng.versions()[0]["id"] and _versions(eng) == versions + 1
    [event] = _audited(eng, "draft_deployed")
    assert event.data["failed_scenarios"] == ["s"] and event.data["note"] == "改名"
    untested = eng.studio().new_draft("process_owner", "未测试")
    assert (
        "请先对当前草稿运行政策场景测试"
        in _problem(api("POST", f"/api/v1/studio/drafts/{untested}/deploy", json={}), 409)["detail"]
    )
    assert _problem(api("POST", "/api/v1/studio/drafts/999999/deploy", json={}), 404)


def test_deploy_is_refused_for_other_roles_and_logged(eng, api, caplog):
    draft = _tested_draft(eng, "待部署")
    versions = _versions(eng)
    with caplog.at_level(logging.WARNING, logger="jiuzhu.access"):
        for user in ("auditor", "county_mz", "town_chengguan"):
            answer = api(
                "POST", f"/api/v1/studio/drafts/{draft}/deploy", user=user, json={"accept_failures": True}
            )
            assert _problem(answer, 403)["detail"] == "无权进行此操作：仅流程管理员"
    assert len(_refusals(caplog)) == 3
    assert _versions(eng) == versions and eng.studio().draft("process_owner", draft).status == "open"


# -- migration -----------------------------------------------------------------------------------
def _two_versions(eng) -> tuple[int, int]:
    old = eng.versions()[0]["id"]
    files = dict(eng.studio().version_files("process_owner", old))
    files["bpmn/emergency_aid.bpmn"] = files["bpmn/emergency_aid.bpmn"].replace(
        'name="先行救助决定"', 'name="先行救助决定（新）"'
    )
    return old, eng.deploy_files(SpecFiles(files), by="process_owner").version_id


def test_migration_plan_and_start_through_the_api_as_the_studio_does(app, eng, api, visitor):
    app.config["JOBS_INLINE"] = True  # as in the studio's test: the job runs inside the request
    by_page, by_api = start(eng, application(serial=21)), start(eng, application(serial=22))
    old, new = _two_versions(eng)
    plan = api("GET", f"/api/v1/migrations/plan?from={old}&to={new}")
    assert plan.status_code == 200 and (plan.json["from"], plan.json["to"]) == (old, new)
    items = {item["case_no"]: item for item in _conforms(plan, "MigrationPlan")["items"]}
    assert items[by_api]["safe"] is True and items[by_api]["reasons"] == []
    assert api("GET", f"/api/v1/migrations/plan?from={old}&to={new}", user="auditor").status_code == 200

    page = visitor("process_owner").post(
        "/studio/migrate", {"from": old, "to": new, "case_no": by_page, "reason": "新名称"}
    )
    assert page.status_code == 302
    moved = api(
        "POST", "/api/v1/migrations", json={"from": old, "to": new, "case_nos": [by_api], "reason": "新名称"}
    )
    assert moved.status_code == 202, moved.get_data(as_text=True)
    job = _conforms(moved, "Job")
    assert (job["kind"], job["status"], job["result"]) == (
        "case_migration",
        "done",
        {"moved": [by_api], "refused": {}},
    )
    assert moved.headers["Location"] == f"/api/v1/jobs/{job['id']}"
    assert api("GET", f"/api/v1/jobs/{job['id']}").json == job
    assert _problem(api("GET", f"/api/v1/jobs/{job['id']}", user="county_mz"), 403)
    assert eng.case_view(by_page).spec_version_id == eng.case_view(by_api).spec_version_id == new
    page_event, api_event = _audited(eng, "cases_migrated")
    assert api_event.actor == page_event.actor == "process_owner"
    assert api_event.data == dict(page_event.data, moved=[by_api])
    assert [e[:2] for e in _events(eng, by_api) if e[0] == "case_migrated"] == [
        e[:2] for e in _events(eng, by_page) if e[0] == "case_migrated"
    ]

    refused = api(
        "POST", "/api/v1/migrations", json={"from": old, "to": new, "case_nos": [by_api], "reason": "再迁"}
    )
    assert refused.status_code == 202 and by_api in refused.json["result"]["refused"]


def test_a_migration_is_queued_for_the_worker(eng, api):
    waiting = start(eng, application(serial=23))
    old, new = _two_versions(eng)
    queued = api(
        "POST", "/api/v1/migrations", json={"from": old, "to": new, "case_nos": [waiting], "reason": "新名称"}
    )
    assert (
        queued.status_code == 202
        and _conforms(queued, "Job")["status"] == "queued"
        and queued.json["total"] == 1
    )
    assert eng.case_view(waiting).spec_version_id == old
    assert _problem(api("GET", "/api/v1/jobs/999999"), 404)


def test_migration_is_refused_for_other_roles_and_checked_field_by_field(eng, api, caplog):
    waiting = start(eng, application(serial=24))
    old, new = _two_versions(eng)
    body = {"from": old, "to": new, "case_nos": [waiting], "reason": "新名称"}
    with caplog.at_level(logging.WARNING, logger="jiuzhu.access"):
        for user in ("auditor", "county_mz", "town_chengguan"):
            assert _problem(api("POST", "/api/v1/migrations", user=user, json=body), 403)
        assert _problem(api("GET", f"/api/v1/migrations/plan?from={old}&to={new}", user="county_mz"), 403)
    assert len(_refusals(caplog)) == 4
    assert eng.case_view(waiting).spec_version_id == old and _audited(eng, "cases_migrated") == []
    for change, path in [
        ({"case_nos": []}, "case_nos"),  # never "all" by default
        ({"case_nos": None}, "case_nos"),
        ({"case_nos": [1]}, "case_nos"),
        ({"case_nos": ["x" * 33]}, "case_nos"),
        ({"from": str(old)}, "from"),
        ({"to": True}, "to"),
        ({"to": 0}, "to"),
        ({"from": 2**64}, "from"),
        ({"reason": " "}, "reason"),
        ({"reason": "x" * 501}, "reason"),
    ]:
        answer = api("POST", "/api/v1/migrations", json=body | change)
        assert _problem(answer, 422)["errors"][0]["path"] == path, change
    for query, path in [
        ("to=2", "from"),
        (f"from={old}", "to"),
        ("from=x&to=2", "from"),
        ("from=1&to=0", "to"),
    ]:
        answer = api("GET", f"/api/v1/migrations/plan?{query}")
        assert _problem(answer, 422)["errors"][0]["path"] == path, query
    assert (
        _problem(api("GET", f"/api/v1/migrations/plan?from={old}&to={old}"), 422)["detail"] == "起止版本相同"
    )
    assert _problem(api("GET", f"/api/v1/migrations/plan?from={old}&to=999999"), 404)
    assert eng.case_view(waiting).spec_version_id == old


# -- junk ----------------------------------------------------------------------------------------
ROUTES = [
    ("POST", "/api/v1/cases/{case}/retry"),
    ("POST", "/api/v1/cases/{case}/cancel"),
    ("POST", f"/api/v1/parameters/{COUNTY}"),
    ("POST", "/api/v1/studio/drafts/{draft}/deploy"),
    ("POST", "/api/v1/migrations"),
]
JUNK = [  # each fails for every route (a valid body would retry, cancel or deploy)
    {"data": "{not json", "content_type": "application/json"},
    {"data": "reason=x", "content_type": "application/x-www-form-urlencoded"},
    {"json": []},
    {"json": "x"},
    {"json": None},
    {"json": {"reason": 1, "data": [], "values": [], "note": 1, "accept_failures": "yes", "from": "1"}},
    {
        "json": {
            "reason": "中文" * 5000,
            "note": "x" * 5000,
            "values": {"publicity_days": 5},
            "case_nos": ["1"],
        }
    },
    {
        "json": {
            "reason": ["x"],
            "data": "{}",
            "values": {"publicity_days": "9" * 400},
            "effective_from": "²",
            "accept_failures": "no",
        }
    },
    {
        "json": {
            "reason": None,
            "values": {"x" * 5000: [{}]},
            "effective_from": "9" * 5000,
            "case_nos": [[]],
            "accept_failures": 1,
        }
    },
    {
        "data": '{"reason": 5, "values": {"publicity_days": NaN}, "from": 1e999, "accept_failures": null}',
        "content_type": "application/json",
    },
]


def test_junk_bodies_get_4xx_problems_and_change_nothing(eng, api):
    case_no = _broken(eng, 25)
    draft = _tested_draft(eng, "垃圾输入")
    events, versions = _events(eng, case_no), _versions(eng)
    for method, url in ROUTES:
        for junk in JUNK:
            answer = api(method, url.format(case=case_no, draft=draft), user="county_mz", **junk)
            assert 400 <= answer.status_code < 500 and answer.mimetype == "application/problem+json", (
                url,
                junk,
            )
            answer = api(method, url.format(case=case_no, draft=draft), **junk)
            assert 400 <= answer.status_code < 500 and answer.mimetype == "application/problem+json", (
                url,
                junk,
            )
    assert _events(eng, case_no) == events and eng.case_view(case_no).status == "needs_attention"
    assert _versions(eng) == versions and _parameter_versions(eng) == 0
    assert eng.studio().draft("process_owner", draft).status == "open"
