"""Long work runs from the job queue, claimed like timers: each job once whichever worker takes it,
taken over when its worker dies (the lease lapses), and a web worker going away loses nothing."""

from __future__ import annotations

import http.cookiejar
import io
import re
import threading
import time
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from engine import Engine
from engine.services import jobs
from engine.store.models import Job
from tests.engine import reports_seed
from tests.serving import serving, working
from tests.web.conftest import copy_database

DONE: list[int] = []
LOCK = threading.Lock()


@jobs.handler("test_count")
def _count(uow, job) -> dict:
    for step in range(3):
        job.progress(step, 3, force=True)
        time.sleep(0.01)
    with LOCK:
        DONE.append(job.params["n"])
    return {"n": job.params["n"]}


@pytest.fixture
def queue(db_url):
    eng = Engine.open(db_url)
    yield eng
    eng.close()


def test_every_job_is_done_once_by_three_workers(queue):
    DONE.clear()
    with queue.db.write() as session:
        ids = [jobs.enqueue(session, "test_count", {"n": n}, "tester", queue.now()) for n in range(30)]
    stop = threading.Event()
    workers = [threading.Thread(target=jobs.work, args=(queue.uow(), stop.is_set, 0.05)) for _ in range(3)]
    for worker in workers:
        worker.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(DONE) < 30:
        time.sleep(0.1)
    stop.set()
    for worker in workers:
        worker.join(10)
    assert sorted(DONE) == list(range(30))
    with queue.db.read() as session:
        finished = session.query(Job).filter(Job.id.in_(ids)).all()
    assert {j.status for j in finished} == {"done"} and {j.attempts for j in finished} == {1}
    assert all(j.progress == 2 and j.total == 3 for j in finished)


def test_a_job_whose_worker_died_is_taken_over_and_the_dead_worker_cannot_finish_it(queue):
    DONE.clear()
    with queue.db.write() as session:
        job_id = jobs.enqueue(session, "test_count", {"n": 7}, "tester", queue.now())
    assert jobs.claim(queue.uow(), "host-a:1") == job_id  # worker A claims it, then goes silent
    assert jobs.claim(queue.uow(), "host-b:2") is None  # its lease still holds
    later = queue.now() + jobs.LEASE + timedelta(seconds=1)
    lapsed = Engine(queue.db, clock=lambda: later)
    assert jobs.claim(lapsed.uow(), "host-b:2") == job_id
    stale = jobs.JobContext(queue.uow(), job_id, "host-a:1", "test_count", {"n": 7}, 1)
    with pytest.raises(jobs.LeaseLost):
        stale.progress(1, 3, force=True)
    assert jobs.run_one(lapsed.uow(), job_id, "host-b:2") == "done"
    view = jobs.get(queue.uow(readonly=True), job_id)
    assert view.status == "done" and DONE == [7]
    with queue.db.read() as session:
        assert session.get(Job, job_id).attempts == 2


class Browser:
    """A clerk's browser over HTTP: cookies, the CSRF token of the last page."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.token = None

    def get(self, path: str) -> tuple[str, str]:
        with self.opener.open(self.base + path, timeout=20) as answer:
            text = answer.read().decode()
            found = re.search(r'name="csrf_token" value="([^"]+)"', text)
            self.token = found.group(1) if found else self.token
            return answer.url, text

    def post(self, path: str, data: dict) -> str:
        body = urllib.parse.urlencode({**data, "csrf_token": self.token}).encode()
        with self.opener.open(self.base + path, data=body, timeout=20) as answer:
            return answer.url


@pytest.mark.slow
def test_an_export_queued_on_a_web_worker_that_went_away_is_done_by_the_worker(tmp_path, template_db):
    db = tmp_path / "jiuzhu.sqlite3"
    copy_database(template_db, db)
    url = f"sqlite:///{db}"
    eng = Engine.open(url, migrate=False)
    from datetime import UTC, datetime

    seeded = reports_seed.seed(
        eng, ["639001001001", "639001002001"], 2000, datetime(2026, 1, 1, tzinfo=UTC), 300
    )
    instance = tmp_path / "instance"
    with serving(url, instance, workers=2, JIUZHU_INSECURE_COOKIES="1") as (base, _log):
        clerk = Browser(base)
        clerk.get("/login")
        clerk.post("/login", {"username": "county_mz", "password": "jiuzhu-demo"})
        clerk.get("/reports/ledger")
        job_page = clerk.post("/reports/exports?category=", {"format": "xlsx"})
        job_id = int(job_page.rsplit("/", 1)[1])
        assert "排队等待工作进程" in clerk.get(f"/jobs/{job_id}")[1]
    # Every web worker has stopped; the job is in the database and the worker does it.
    with working(url, instance):
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and jobs.get(eng.uow(readonly=True), job_id).status in (
            "queued",
            "running",
        ):
            time.sleep(0.3)
    view = jobs.get(eng.uow(readonly=True), job_id)
    assert view.status == "done" and view.progress == view.total == seeded.payments
    with serving(url, instance, workers=1, JIUZHU_INSECURE_COOKIES="1") as (base, _log):
        clerk.base = base
        assert "下载 XLSX" in clerk.get(f"/jobs/{job_id}")[1]
        with clerk.opener.open(f"{base}/jobs/{job_id}/file", timeout=20) as answer:
            book = load_workbook(io.BytesIO(answer.read()), read_only=True)
        rows = list(book["台账"].iter_rows(values_only=True))
        assert len([r for r in rows if r and r[0] is not None]) == seeded.payments + 2  # header, rows, 合计
        other = Browser(base)
        other.get("/login")
        other.post("/login", {"username": "auditor", "password": "jiuzhu-demo"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            other.opener.open(f"{base}/jobs/{job_id}/file", timeout=20)
        assert refused.value.code in (403, 404)
    eng.close()


@jobs.handler("test_long")
def _long(uow, job) -> dict:
    for step in range(1000):
        job.progress(step, 1000, force=True)
        time.sleep(0.01)
    return {}


def test_a_stopping_worker_puts_its_job_back_in_the_queue(queue):
    with queue.db.write() as session:
        job_id = jobs.enqueue(session, "test_long", {}, "tester", queue.now())
    stop = threading.Event()
    worker = threading.Thread(target=jobs.work, args=(queue.uow(), stop.is_set, 0.05))
    worker.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and jobs.get(queue.uow(readonly=True), job_id).progress < 3:
        time.sleep(0.05)
    stop.set()
    worker.join(10)
    view = jobs.get(queue.uow(readonly=True), job_id)
    assert not worker.is_alive() and view.status == "queued" and 3 <= view.progress < 999
    assert jobs.claim(queue.uow(), "another:1") == job_id  # another worker takes it up at once
