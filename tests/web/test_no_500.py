"""No input gets a 500: every route of the app (HTML pages, studio, reports, the API, the residents'
pages), signed in as each kind of user, with junk in the path, the query string and the body.

Routes are taken from the app's url_map, so a route added later is fuzzed without editing this file.
CSRF is off here so the junk reaches the handlers (test_auth proves the CSRF check itself).
"""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from flask import got_request_exception

from tests.web.conftest import app_on_copy
from tests.web.journeys import application, start, task_named

JUNK_TEXT = ["²", "9" * 5000, "-1", "1e999", "%00", "../../etc/passwd", "<script>x</script>", "中文" * 200]
JUNK_INT_PATH = ["9" * 30, "0"]  # `<int:…>` only matches ASCII digits; beyond 64 bits must be a 404
JUNK_QUERY = {
    "page": "²",
    "limit": "9" * 5000,
    "offset": "18446744073709551617",
    "from": "²",
    "to": "9" * 4301,
    "q": "' OR 1=1 --",
    "status": "<b>",
    "category": "\x00",
    "sort": "9" * 300,
    "area": "9" * 40,
    "version": "²",
    "overdue": "²",
    "claimed": "[]",
}
JUNK_FORM = {
    "text": "²",
    "name": "=HYPERLINK(1)",
    "id_number": "63900119850315001X",
    "case_no": "9" * 5000,
    "from": "²",
    "to": "9" * 5000,
    "version": "99999999999999999999999",
    "source": "archive",
    "p.emergency_pay_hours": "1e999",
    "p.supplement_working_days": "9" * 5000,
    "effective_from": "tomorrow",
    "amount": "²",
    "username": "\x00",
    "password": "x",
    "until": "2026-02-30",
    "data": "{",
}
JSON_BODIES = [
    [],
    ["text"],
    {"text": 1},
    {},
    {"text": None, "limit": "²", "idempotency_key": ["x"]},
    "x",
    {"data": {"applicant": {"id_number": "639001198503150018"}}, "area_code": 9**40},
]
USERS = [None, "town_chengguan", "village_dong", "county_mz", "process_owner", "auditor"]


def _bad_crc_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("bpmn/x.bpmn", "<definitions/>" * 10)
    raw = bytearray(buffer.getvalue())
    raw[raw.index(b"<definitions/>")] ^= 0xFF  # the stored bytes no longer match the CRC
    return bytes(raw)


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory, template_db):
    folder = tmp_path_factory.mktemp("fuzz")
    app = app_on_copy(template_db, folder, WTF_CSRF_ENABLED=False, PROPAGATE_EXCEPTIONS=False)
    eng = app.extensions["jiuzhu"].engine
    case_no = start(eng, application(serial=91))
    task_id = task_named(eng, case_no, "受理审查").task_id
    draft_id = eng.studio().new_draft("process_owner", "fuzz", None)
    known = {
        "case_no": case_no,
        "task_id": task_id,
        "township_code": "639001001",
        "draft_id": str(draft_id),
        "path": "bpmn/"
        + next(p for p in eng.studio().draft("process_owner", draft_id).files if "bpmn" in p)[5:],
        "version_id": "1",
        "run_id": "1",
        "job_id": "1",
        "attachment_id": "1",
        "number": "1",
        "filename": "favicon.ico",
        "county_code": "639001",
    }
    tokens = {user: eng.issue_api_token(user) for user in USERS if user}
    yield app, known, tokens
    eng.close()


def _paths(rule, known) -> list[str]:
    """The rule with real values, then with each variable in turn replaced by junk."""
    names = list(rule._converters)
    real = {name: known.get(name, "x") for name in names}

    def build(values):
        url = rule.rule
        for name, value in values.items():
            url = re.sub(rf"<[^>]*\b{name}>", lambda _m, v=value: v, url)
        return url

    paths = [build(real)]
    for name in names:
        is_int = type(rule._converters[name]).__name__.endswith("IntConverter")
        for junk in JUNK_INT_PATH if is_int else JUNK_TEXT[:2] + JUNK_TEXT[4:6]:
            paths.append(build(real | {name: junk}))
    return paths


def _requests(rule, known):
    methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
    for method in methods:
        for index, path in enumerate(_paths(rule, known)):
            if method == "GET":
                yield method, path, {}
                if index == 0:
                    yield method, path, {"query_string": JUNK_QUERY}
                continue
            yield method, path, {"data": JUNK_FORM}
            if index:
                continue
            for body in JSON_BODIES:
                yield method, path, {"data": json.dumps(body), "content_type": "application/json"}
            yield method, path, {"data": "{not json", "content_type": "application/json"}
            yield (
                method,
                path,
                {"data": {"archive": (io.BytesIO(_bad_crc_zip()), "d.zip"), "source": "archive"}},
            )
            yield method, path, {"data": {"file": (io.BytesIO(b"\x00\xff" * 100), "x.pdf"), "kind": "²"}}


def test_no_route_answers_5xx_to_junk(fuzz_app):
    app, known, tokens = fuzz_app
    failures: list[str] = []

    def record(sender, exception, **extra):
        failures.append(repr(exception)[:300])

    got_request_exception.connect(record, app)
    rules = sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint not in ("auth.logout", "static")),
        key=lambda r: r.rule,
    )
    assert len(rules) > 80  # the whole app, not a sample
    sent = 0
    for user in USERS:
        client = app.test_client()
        if user:
            signed_in = client.post("/login", data={"username": user, "password": "jiuzhu-demo"})
            assert signed_in.status_code == 302
        headers = {"Authorization": f"Bearer {tokens[user]}"} if user else {}
        for rule in rules:
            if user not in (None, "town_chengguan") and not _worth_fuzzing_as(user, rule.rule):
                continue
            for method, path, kw in _requests(rule, known):
                response = client.open(path, method=method, headers=headers, **kw)
                sent += 1
                if response.status_code >= 500:
                    failures.append(
                        f"{user} {method} {path[:80]} {kw.get('content_type', '')} → {response.status_code}"
                    )
    got_request_exception.disconnect(record, app)
    assert sent > 1000
    assert not failures, "\n".join(failures)


def _worth_fuzzing_as(user: str, rule: str) -> bool:
    """Every route runs as the anonymous resident and a township clerk; the others where their role
    reaches further: the studio (pages and API) for the process owner, reports and operations for the
    county."""
    if user in ("process_owner", "auditor"):
        studio_api = ("/api/v1/studio", "/api/v1/migrations", "/api/v1/parameters", "/api/v1/jobs")
        return rule.startswith(("/studio", "/jobs", "/reports", "/operations", *studio_api))
    if user == "county_mz":
        return rule.startswith(("/reports", "/operations", "/cases", "/tasks", "/api", "/jobs"))
    return rule.startswith(("/tasks", "/cases", "/"))
