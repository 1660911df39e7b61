"""Junk parameters are the client's mistake (4xx with a Chinese message), a bug of ours is a 500
that says so in Chinese (problem+json under /api/) and logs the traceback with the request id."""

from __future__ import annotations

import io
import logging
import zipfile

import pytest
from psycopg import errors as pg_errors
from sqlalchemy.exc import OperationalError

from engine import id_numbers
from tests.web.conftest import Visitor, app_on_copy
from tests.web.journeys import DONG, application, start


@pytest.fixture
def api(app, eng):
    client, tokens = app.test_client(), {}

    def call(method, url, user="town_chengguan", **kw):
        headers = kw.pop("headers", {})
        if user:
            tokens.setdefault(user, eng.issue_api_token(user))
            headers["Authorization"] = f"Bearer {tokens[user]}"
        return client.open(url, method=method, headers=headers, **kw)

    return call


def _id_in(region: str, serial: int) -> str:
    first17 = f"{region}19700101{serial:03d}"
    return first17 + id_numbers.check_character(first17)


@pytest.mark.parametrize("region", ["639001", "630102"])
def test_a_resident_of_an_unknown_or_retired_region_code_can_apply_online(api, region):
    data = application(serial=81)
    data["applicant"]["id_number"] = _id_in(region, 81)
    response = api(
        "POST", "/api/v1/public/applications", user=None, json={"application": data, "area_code": DONG}
    )
    assert response.status_code == 201, response.get_data(as_text=True)


@pytest.mark.parametrize(
    "query", ["limit=²", "limit=" + "9" * 4301, "offset=18446744073709551617", "limit=-1"]
)
def test_a_junk_number_in_the_query_is_a_problem_naming_it(api, query):
    response = api("GET", f"/api/v1/inbox?{query}")
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert response.json["errors"][0]["path"] == query.split("=")[0]
    assert "应为" in response.json["errors"][0]["message"]


def test_a_junk_page_number_shows_the_first_page(visitor):
    clerk = visitor("town_chengguan")
    assert clerk.get("/?page=" + "9" * 5000).status_code == 200
    assert clerk.get("/?page=²").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/studio/drafts/" + "9" * 25,
        "/studio/runs/" + "9" * 25,
        "/studio/versions/" + "9" * 25 + "/export",
        "/studio/drafts/" + "9" * 5000,
    ],
)
def test_an_id_beyond_64_bits_is_not_found(visitor, url):
    response = visitor("process_owner").get(url)
    assert response.status_code == 404 and "没有这个页面" in response.get_data(as_text=True)


def test_studio_migrate_with_junk_versions_is_refused_in_chinese(visitor):
    owner = visitor("process_owner")
    assert owner.get("/studio/migrate?from=²&to=" + "9" * 5000).status_code == 200
    owner.get("/studio/migrate")
    refused = owner.post("/studio/migrate", {"from": "²", "to": "1", "case_no": "x"})
    assert refused.status_code == 422 and "参数 from：应为" in refused.get_data(as_text=True)


def test_a_draft_archive_with_a_bad_crc_is_refused(visitor):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("bpmn/a.bpmn", "<definitions/>")
    raw = bytearray(buffer.getvalue())
    raw[raw.index(b"<definitions/>")] ^= 0xFF
    owner = visitor("process_owner")
    owner.get("/studio/")
    response = owner.post(
        "/studio/drafts",
        {"source": "archive", "name": "坏包", "archive": (io.BytesIO(bytes(raw)), "d.zip")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and "压缩包已损坏或无法解压" in response.get_data(as_text=True)


@pytest.mark.parametrize("body", [{}, [], {"text": 3}])
def test_a_studio_file_save_without_text_is_refused(app, eng, visitor, body):
    draft_id = eng.studio().new_draft("process_owner", "草稿", None)
    owner = visitor("process_owner")
    response = owner.client.post(
        f"/studio/drafts/{draft_id}/files/forms/x.json",
        json=body,
        headers={"X-CSRFToken": owner.token, "Accept": "application/json"},
    )
    assert response.status_code == 422 and "文件内容：应为文本" in response.get_data(as_text=True)
    assert "forms/x.json" not in eng.studio().draft("process_owner", draft_id).files


@pytest.fixture
def failing_app(tmp_path, template_db):
    app = app_on_copy(template_db, tmp_path, PROPAGATE_EXCEPTIONS=False)

    def broken():
        raise RuntimeError("a bug of ours")

    def deadlocked():  # what SQLAlchemy raises when PostgreSQL picks this transaction to abort
        raise OperationalError("UPDATE cases …", {}, pg_errors.DeadlockDetected("deadlock detected"))

    def database_gone():
        raise OperationalError("SELECT 1", {}, pg_errors.AdminShutdown("terminating connection"))

    app.add_url_rule("/broken", "broken", broken)
    app.add_url_rule("/api/v1/broken", "api_broken", broken)
    app.add_url_rule("/deadlocked", "deadlocked", deadlocked)
    app.add_url_rule("/api/v1/deadlocked", "api_deadlocked", deadlocked)
    app.add_url_rule("/database_gone", "database_gone", database_gone)
    yield app
    app.extensions["jiuzhu"].engine.close()


def test_a_bug_is_a_chinese_page_with_the_request_id_and_a_logged_traceback(failing_app, caplog):
    caplog.set_level(logging.ERROR)
    response = Visitor(failing_app).get("/broken", headers={"X-Request-ID": "req-12345678"})
    text = response.get_data(as_text=True)
    assert response.status_code == 500 and "服务器内部错误" in text and "req-12345678" in text
    assert "a bug of ours" not in text
    logged = [r for r in caplog.records if r.exc_info and getattr(r, "request_id", None) == "req-12345678"]
    assert logged and "a bug of ours" in str(logged[0].exc_info[1])


def test_a_bug_under_the_api_is_problem_json(failing_app):
    response = failing_app.test_client().get("/api/v1/broken", headers={"X-Request-ID": "req-87654321"})
    assert response.status_code == 500 and response.mimetype == "application/problem+json"
    assert response.json["title"] == "服务器内部错误" and "req-87654321" in response.json["detail"]


def test_a_deadlock_is_a_conflict_to_send_again_not_a_server_error(failing_app):
    # The unit of work rolled back: nothing was applied, so the clerk may simply submit again.
    page = failing_app.test_client().get("/deadlocked")
    assert page.status_code == 409 and "本次操作未保存，请稍后重新提交" in page.get_data(as_text=True)
    api = failing_app.test_client().get("/api/v1/deadlocked")
    assert api.status_code == 409 and api.mimetype == "application/problem+json"
    assert api.json["type"].endswith("retry")
    # a database that is gone is still our problem: a 500 with the request id
    assert failing_app.test_client().get("/database_gone").status_code == 500


@pytest.mark.parametrize(
    ("entered", "said"),
    [("1.0e999", "应为数字"), ("100000000", "应在 1–720 小时之间"), ("0", "应在 1–720 小时之间")],
)
def test_the_studio_refuses_an_absurd_parameter(visitor, eng, entered, said):
    owner = visitor("process_owner")
    owner.get("/studio/parameters")
    response = owner.post(
        "/studio/parameters", {"p.emergency_pay_hours": entered, "reason": "县民政发〔2026〕1号"}
    )
    assert response.status_code == 422 and f"急难救助受理后发放时限：{said}" in response.get_data(
        as_text=True
    )
    assert eng.parameters("639001").version == 0


def test_markup_typed_by_an_applicant_is_shown_as_text(eng, visitor):
    name = '<script>alert("x")</script>'
    case_no = start(eng, application(serial=83, name=name))
    clerk = visitor("town_chengguan")
    for page in (
        clerk.get("/").get_data(as_text=True),
        clerk.get(f"/cases/{case_no}").get_data(as_text=True),
    ):
        assert name not in page and "&lt;script&gt;" in page
