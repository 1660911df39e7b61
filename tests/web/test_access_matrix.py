"""Every route × every role: a clerk sees and acts on only the cases of their area and role; another
area's case answers 404 (and the attempt is audited), another role's task 403, no sign-in 302/401."""

from __future__ import annotations

import io

import pytest

from tests.web.conftest import Visitor
from tests.web.forms_data import as_form
from tests.web.journeys import DONG, advance, application, start, task_named

USERS = [
    "village_dong",
    "village_nan",
    "town_chengguan",
    "town_qingshan",
    "county_mz",
    "county_gov",
    "coord_sec",
    "process_owner",
    "auditor",
    None,
]
ACTOR = "town_chengguan"  # the 受理审查 task of a 城关镇 东村 case is theirs
OUTSIDERS = {"village_nan", "town_qingshan"}  # 青山乡: the case is not in their area
APPLYING = {"village_dong", "village_nan", "town_chengguan", "town_qingshan"}


def reading(user, ok=200):
    """Reading the case: its area's people and the county see it, others do not know it exists."""
    return {None: 302}.get(user, 404 if user in OUTSIDERS else ok)


def acting(user, ok):
    """Acting on the township's task: only its role in its area."""
    if user is None:
        return 302
    return ok if user == ACTOR else 404 if user in OUTSIDERS else 403


def api(expected, user):
    return 401 if user is None else expected


@pytest.fixture
def world(app, eng, tmp_path):
    """A case waiting at 受理审查 (task T), a second one past 先行救助 with a notice and an attachment."""
    waiting = start(eng, application(serial=71))
    task = task_named(eng, waiting, "受理审查")
    paid = start(eng, application(serial=72))
    advance(eng, paid, "补办手续")
    supplement = task_named(eng, paid, "补办手续")
    store = app.extensions["jiuzhu"].attachments
    attachment = store.add(ACTOR, supplement.task_id, "bill", "票据.pdf", io.BytesIO(b"%PDF-1.4 bill"))
    return {"case": waiting, "task": task.task_id, "paid": paid, "attachment": attachment.id}


def html_routes(w):
    t, c, p, a = w["task"], w["case"], w["paid"], w["attachment"]
    bad = as_form({"intake_decision": "refuse"})  # refused by the schema: nothing changes
    pdf = {"kind": "bill", "file": (io.BytesIO(b"%PDF-1.4 x"), "x.pdf")}
    return [
        ("GET", "/", None, lambda u: 302 if u is None else 200),
        ("GET", "/account", None, lambda u: 302 if u is None else 200),
        ("GET", "/cases/new", None, lambda u: 302 if u is None else 200 if u in APPLYING else 403),
        ("GET", f"/tasks/{t}", None, lambda u: acting(u, 200)),
        ("POST", f"/tasks/{t}", bad, lambda u: acting(u, 422)),
        ("POST", f"/tasks/{t}/claim", {}, lambda u: acting(u, 302)),
        ("POST", f"/tasks/{t}/unclaim", {}, lambda u: acting(u, 302)),
        ("POST", f"/tasks/{t}/attachments", pdf, lambda u: acting(u, 302)),
        ("GET", "/cases", None, lambda u: 302 if u is None else 200),
        ("GET", f"/cases/{c}", None, reading),
        ("GET", f"/cases/{p}/notices/1", None, reading),
        ("GET", f"/attachments/{a}", None, reading),
        ("GET", "/gongzhong/gongshi/639001001", None, lambda u: 200),
        ("GET", "/gongzhong/shenqing", None, lambda u: 200),
    ]


def api_routes(w):
    t, c, a = w["task"], w["case"], w["attachment"]
    return [
        ("GET", "/api/v1/inbox", None, lambda u: api(200, u)),
        ("GET", f"/api/v1/tasks/{t}", None, lambda u: api(acting(u, 200), u)),
        ("POST", f"/api/v1/tasks/{t}/claim", None, lambda u: api(acting(u, 204), u)),
        ("POST", f"/api/v1/tasks/{t}/unclaim", None, lambda u: api(acting(u, 204), u)),
        (
            "POST",
            f"/api/v1/tasks/{t}/complete",
            {"data": {"intake_decision": "refuse"}},
            lambda u: api(acting(u, 422), u),
        ),
        ("GET", "/api/v1/cases?q=张", None, lambda u: api(200, u)),
        ("GET", f"/api/v1/cases/{c}", None, lambda u: api(reading(u), u)),
        ("GET", f"/api/v1/cases/{c}/events", None, lambda u: api(reading(u), u)),
        ("GET", f"/api/v1/cases/{c}/attachments", None, lambda u: api(reading(u), u)),
        ("GET", f"/api/v1/cases/{c}/diagrams", None, lambda u: api(reading(u), u)),
        ("GET", f"/api/v1/attachments/{a}", None, lambda u: api(reading(u), u)),
        (
            "POST",
            "/api/v1/cases",
            {"application": application(serial=73), "area_code": DONG},
            lambda u: api(
                201 if u in ("village_dong", "town_chengguan") else 422 if u in OUTSIDERS else 403, u
            ),
        ),
        ("GET", "/api/v1/public/townships/639001001/notices", None, lambda u: 200),
    ]


@pytest.mark.parametrize("user", USERS, ids=[u or "anonymous" for u in USERS])
def test_route_role_matrix(app, eng, world, user):
    browser = Visitor(app)
    if user:
        browser.login(user)
    else:
        browser.get("/gongzhong/shenqing")  # a CSRF token of the anonymous session
    token = eng.issue_api_token(user) if user else None
    wrong = []
    for method, url, data, expect in html_routes(world):
        response = (
            browser.get(url)
            if method == "GET"
            else browser.post(
                url, data, content_type=("multipart/form-data" if data and "file" in data else None)
            )
        )
        if response.status_code != expect(user):
            wrong.append(f"{method} {url}: {response.status_code}, expected {expect(user)}")
    client = app.test_client()
    for method, url, body, expect in api_routes(world):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = client.open(url, method=method, json=body, headers=headers)
        if response.status_code != expect(user):
            wrong.append(f"API {method} {url}: {response.status_code}, expected {expect(user)}")
    assert not wrong, "\n".join(wrong)
    denied = [
        e
        for case in (world["case"], world["paid"])
        for e in eng.case_view(case).events
        if e["action"] == "access_denied" and e["actor"] == user
    ]
    case_reads = [e for e in denied if "task_id" not in e["data"]]
    if user in OUTSIDERS:
        assert len(case_reads) >= 6  # every refused look at the two cases is on record
    else:
        assert case_reads == []  # they read the cases; only acting on another role's task was refused
        assert len(denied) == (0 if user in (ACTOR, None) else 9)  # 5 pages + 4 API calls on the task
