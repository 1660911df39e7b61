"""The production setup as an operator meets it: `jiuzhu serve` with several workers, the release
step, the configuration rules, JSON request logs with request ids, health, readiness and metrics."""

from __future__ import annotations

import http.client
import json
import logging
import multiprocessing
import re
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from engine import Engine
from engine.store.schema import SchemaBehind
from tests.serving import run_cli, serving
from tests.web.conftest import copy_database
from tests.web.journeys import start
from web import create_app, settings

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def get(url: str, headers: dict | None = None) -> tuple[int, dict, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, dict(answer.headers), answer.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read().decode()


def log_lines(path: Path) -> list[dict]:
    lines = []
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


@pytest.fixture
def seeded(tmp_path, template_db) -> str:
    db = tmp_path / "jiuzhu.sqlite3"
    copy_database(template_db, db)
    url = f"sqlite:///{db}"
    eng = Engine.open(url, migrate=False)
    start(eng)  # one case waiting for the township's 受理审查
    eng.close()
    return url


def test_the_server_refuses_a_database_whose_schema_is_behind_and_says_what_to_run(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    done = run_cli(url, tmp_path, "serve", "--bind", "127.0.0.1:0")
    assert done.returncode == 3
    assert "jiuzhu init-db" in done.stderr
    done = run_cli(url, tmp_path, "worker")
    assert done.returncode == 3 and "jiuzhu init-db" in done.stderr
    with pytest.raises(SchemaBehind, match="jiuzhu init-db"):
        create_app({"DATABASE_URL": url, "SECRET_KEY": "x"})
    assert run_cli(url, tmp_path, "init-db").returncode == 0
    assert run_cli(url, tmp_path, "deploy").returncode == 0


def test_production_refuses_to_start_without_a_secret_key(tmp_path, seeded):
    done = run_cli(
        seeded, tmp_path, "serve", "--bind", "127.0.0.1:0", JIUZHU_ENV="production", JIUZHU_SECRET_KEY=""
    )
    assert done.returncode == 3 and "JIUZHU_SECRET_KEY" in done.stderr
    with pytest.raises(settings.ConfigurationError, match="JIUZHU_SECRET_KEY"):
        create_app({"DATABASE_URL": seeded, "ENV_NAME": "production", "SECRET_KEY": None})


def _key(path: str, start, out) -> None:
    start.wait()
    out.put(settings.development_secret_key(Path(path)))


def test_workers_starting_together_share_one_development_key(tmp_path):
    path = tmp_path / "instance" / "secret_key"
    start, out = multiprocessing.Event(), multiprocessing.Queue()
    processes = [multiprocessing.Process(target=_key, args=(str(path), start, out)) for _ in range(8)]
    for process in processes:
        process.start()
    start.set()
    for process in processes:
        process.join(20)
    assert all(p.exitcode == 0 for p in processes)
    keys = {out.get(timeout=5) for _ in processes}
    assert keys == {path.read_text().strip()} and len(next(iter(keys))) == 64
    assert not [p for p in path.parent.iterdir() if p.name != "secret_key"]  # no temporary file left


def test_served_by_several_workers_with_request_logs_health_and_metrics(tmp_path, seeded):
    with serving(seeded, tmp_path / "instance", workers=2) as (base, log_path):
        status, headers, body = get(base + "/healthz")
        assert status == 200 and json.loads(body) == {"status": "alive"}
        status, _h, body = get(base + "/readyz")
        ready = json.loads(body)
        assert status == 200 and ready["status"] == "ready" and ready["deployed_version"] == 1
        assert ready["schema"] == ready["schema_head"]

        status, headers, _body = get(base + "/login", {"X-Request-ID": "trace-from-nginx-0001"})
        assert status == 200 and headers["X-Request-ID"] == "trace-from-nginx-0001"
        status, headers, _body = get(base + "/login", {"X-Request-ID": "bad id with spaces"})
        assert re.fullmatch(r"[0-9a-f]{32}", headers["X-Request-ID"])
        for _ in range(30):
            assert get(base + "/gongzhong/")[0] == 200

        status, headers, text = get(base + "/metrics")
        assert status == 200 and headers["Content-Type"].startswith("text/plain")
        served = re.search(
            r'jiuzhu_http_request_duration_seconds_count\{method="GET",route="/gongzhong/"\} (\S+)', text
        )
        assert served and float(served.group(1)) == 30  # summed over both workers' files
        assert re.search(r'jiuzhu_open_tasks\{role="township"\} [1-9]', text)
        assert "jiuzhu_timer_oldest_due_seconds" in text and "jiuzhu_db_pool_checked_out" in text
        assert re.search(r"jiuzhu_deployed_version 1", text)

    lines = [line for line in log_lines(log_path) if line.get("event") == "request"]
    traced = [line for line in lines if line["request_id"] == "trace-from-nginx-0001"]
    assert len(traced) == 1
    assert {"method": "GET", "route": "/login", "status": 200, "user": None}.items() <= traced[0].items()
    assert traced[0]["duration_ms"] > 0
    assert len(lines) >= 33  # one line per request


def test_a_client_pausing_between_clicks_keeps_its_connection(tmp_path, seeded):
    """A person thinks a few seconds between clicks; a server closing idle connections sooner races
    the next request on the same connection and the client sees a reset (the load test saw 31)."""
    with serving(seeded, tmp_path / "instance", workers=1) as (base, _log):
        host, port = base.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        connection.request("GET", "/healthz")
        assert connection.getresponse().read() and connection.sock is not None
        first = connection.sock
        time.sleep(6)
        connection.request("GET", "/healthz")
        assert connection.getresponse().status == 200
        assert connection.sock is first  # the same connection, not a new one after a reset
        connection.close()


def test_metrics_are_refused_to_addresses_not_allowed(tmp_path, seeded):
    with serving(seeded, tmp_path / "instance", workers=1, JIUZHU_METRICS_ALLOW="10.0.0.0/8") as (base, _log):
        assert get(base + "/metrics")[0] == 404
        assert get(base + "/healthz")[0] == 200


def test_readiness_fails_without_a_deployed_version(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    Engine.open(url).close()
    with serving(url, tmp_path / "instance", workers=1) as (base, _log):
        status, _h, body = get(base + "/readyz")
        assert status == 503 and "jiuzhu deploy" in json.loads(body)["problems"][0]


def test_a_traceback_is_logged_with_the_request_id_of_the_request(app, caplog):
    def boom():
        raise RuntimeError("something broke")

    app.add_url_rule("/boom-for-test", "boom", boom)
    app.testing = False  # answer 500 as in production instead of raising into the test
    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/boom-for-test", headers={"X-Request-ID": "req-for-traceback-1"})
    assert response.status_code == 500 and response.headers["X-Request-ID"] == "req-for-traceback-1"
    missing = app.test_client().get("/no-such-page", headers={"X-Request-ID": "req-for-error-page-1"})
    assert missing.status_code == 404 and "req-for-error-page-1" in missing.get_data(as_text=True)
    [record] = [r for r in caplog.records if r.exc_info]
    from engine.logs import JSONFormatter

    line = json.loads(JSONFormatter().format(record))
    assert (
        line["request_id"] == "req-for-traceback-1" and "RuntimeError: something broke" in line["traceback"]
    )


def test_every_variable_read_from_the_environment_is_in_the_one_table():
    names = {v.name for v in settings.ENVIRONMENT}
    read = {"DATABASE_URL"}
    for path in [*ROOT.joinpath("engine").rglob("*.py"), *ROOT.joinpath("web").rglob("*.py")]:
        read |= set(re.findall(r"""["'](JIUZHU_[A-Z_]+)["']""", path.read_text()))
    # set by a scenario run for its own pytest subprocess, not by an operator
    internal = {"JIUZHU_SCENARIO_RESULTS", "JIUZHU_SCENARIO_PROGRESS"}
    assert read - internal <= names, read - internal - names
    guide = ROOT.joinpath("docs", "deploy.md").read_text()
    assert [n for n in names if f"`{n}`" not in guide] == []
