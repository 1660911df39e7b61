"""The JSON API: tokens, the inbox, task completion with field errors as problem+json, replays."""

from __future__ import annotations

import pytest

from tests.web.journeys import DONG, application, form_data, start, task_named


@pytest.fixture
def api(app, eng):
    client = app.test_client()

    def call(method, url, user="town_chengguan", **kw):
        headers = kw.pop("headers", {})
        if user:
            if user not in tokens:
                tokens[user] = eng.issue_api_token(user)
            headers["Authorization"] = f"Bearer {tokens[user]}"
        return client.open(url, method=method, headers=headers, **kw)

    tokens: dict = {}
    return call


def test_no_token_is_401_problem(api):
    response = api("GET", "/api/v1/inbox", user=None)
    assert response.status_code == 401 and response.mimetype == "application/problem+json"
    assert response.json["status"] == 401 and response.headers["WWW-Authenticate"] == "Bearer"


def test_inbox_and_completion_through_the_api(api, eng):
    case_no = start(eng)
    inbox = api("GET", "/api/v1/inbox").json
    assert (
        inbox["total"] == 1
        and inbox["items"][0]["case_no"] == case_no
        and inbox["counts_by_task"] == {"受理审查": 1}
    )
    task_id = inbox["items"][0]["task_id"]
    page = api("GET", f"/api/v1/tasks/{task_id}").json
    assert page["schema"]["title"] == "受理审查" and page["case"]["applicant_name"] == "张秀英"
    done = api(
        "POST", f"/api/v1/tasks/{task_id}/complete", json={"data": form_data("intake-review.schema.json")}
    )
    assert done.status_code == 200 and [t["name"] for t in done.json["open_tasks"]] == ["先行救助决定"]


def test_field_errors_as_problem_details(api, eng):
    task = task_named(eng, start(eng), "受理审查")
    response = api(
        "POST", f"/api/v1/tasks/{task.task_id}/complete", json={"data": {"intake_decision": "refuse"}}
    )
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert {"path": "refusal_reason", "message": "不予救助理由：必填"} in response.json["errors"]


def test_same_idempotency_key_completes_once_and_says_replayed(api, eng):
    task = task_named(eng, start(eng), "受理审查")
    body = {"data": form_data("intake-review.schema.json"), "idempotency_key": "req-1"}
    first = api("POST", f"/api/v1/tasks/{task.task_id}/complete", json=body).json
    second = api("POST", f"/api/v1/tasks/{task.task_id}/complete", json=body).json
    assert first["replayed"] is False and second["replayed"] is True
    assert first["open_tasks"] == second["open_tasks"]
    other = api("POST", f"/api/v1/tasks/{task.task_id}/complete", json=dict(body, idempotency_key="req-2"))
    assert other.status_code == 409


def test_other_township_gets_404_for_task_and_case(api, eng):
    case_no = start(eng)
    task = task_named(eng, case_no, "受理审查")
    assert api("GET", f"/api/v1/tasks/{task.task_id}", user="town_qingshan").status_code == 404
    assert api("GET", f"/api/v1/cases/{case_no}", user="town_qingshan").status_code == 404
    assert api("POST", f"/api/v1/tasks/{task.task_id}/claim", user="town_qingshan").status_code == 404
    assert api("GET", f"/api/v1/cases/{case_no}", user="county_mz").json["case_no"] == case_no


def test_start_application_and_read_the_case(api):
    response = api("POST", "/api/v1/cases", json={"application": application(serial=61), "area_code": DONG})
    assert response.status_code == 201
    case_no = response.json["case_no"]
    case = api("GET", f"/api/v1/cases/{case_no}").json
    assert case["current_step"] == "受理审查" and case["channel"] == "window"
    events = api("GET", f"/api/v1/cases/{case_no}/events").json["items"]
    assert events[0]["action"] == "case_started"
    diagrams = api("GET", f"/api/v1/cases/{case_no}/diagrams").json["items"]
    assert diagrams[0]["open_tasks"] == ["Task_IntakeReview"]


def test_public_endpoints_need_no_token(api, eng):
    response = api(
        "POST",
        "/api/v1/public/applications",
        user=None,
        json={"application": application(serial=62), "area_code": DONG},
    )
    assert response.status_code == 201
    status = api(
        "POST",
        "/api/v1/public/status",
        user=None,
        json={
            "case_no": response.json["case_no"],
            "id_number": application(serial=62)["applicant"]["id_number"],
        },
    )
    assert status.json["status_title"] == "办理中" and status.json["current_step"] == "受理审查"
    assert api("GET", "/api/v1/public/townships/639001001/notices", user=None).json == {"items": []}


def test_openapi_document_describes_every_route(app):
    document = app.test_client().get("/api/openapi.json").json
    assert document["openapi"] == "3.1.0"
    documented = {path.replace("{", "<").replace("}", ">") for path in document["paths"]}
    routes = {
        rule.rule.replace("<int:", "<")
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1")
    }
    assert routes == documented
