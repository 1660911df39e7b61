"""kill -9 of the whole server (master and web workers) in the middle of a burst of applications:
every application the server acknowledged is there exactly once after the restart, and a client
retrying an unanswered one with its idempotency key gets one case, never two."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest
from sqlalchemy import func, select

from engine import Engine
from engine.store.models import Case
from tests.serving import serving
from tests.web.conftest import copy_database
from tests.web.journeys import DONG, application, id_number

pytestmark = pytest.mark.slow
UNLIMITED = {
    "JIUZHU_PUBLIC_APPLICATIONS_PER_ADDRESS": "100000",
    "JIUZHU_PUBLIC_APPLICATIONS_PER_ID_NUMBER": "100000",
}


def _apply(base: str, serial: int) -> int | None:
    body = json.dumps({"application": application(serial=serial), "area_code": DONG}).encode()
    request = urllib.request.Request(
        base + "/api/v1/public/applications",
        data=body,
        headers={"Content-Type": "application/json", "Idempotency-Key": f"burst-{serial}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as answer:
            return answer.status
    except urllib.error.HTTPError as err:
        return err.code
    except OSError:
        return None  # no answer: the server died under this request


def _children(pid: int) -> list[int]:
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, check=False
    ).stdout
    return [int(p) for p in out.split()]


def _server_pids() -> list[int]:
    """The `jiuzhu serve` master this test started, and its workers."""
    masters = []
    for pid in _children(os.getpid()):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                if b"serve" in cmdline.read():
                    masters.append(pid)
        except FileNotFoundError:  # `ps` itself, already gone
            continue
    return [pid for master in masters for pid in [master, *_children(master)]]


def _cases_of(url: str, serials: list[int]) -> dict[int, int]:
    eng = Engine.open(url, migrate=False)
    try:
        with eng.db.read() as session:
            counted = dict(
                session.execute(
                    select(Case.applicant_id_number, func.count()).group_by(Case.applicant_id_number)
                ).all()
            )
    finally:
        eng.close()
    return {serial: counted.get(id_number(serial), 0) for serial in serials}


def test_kill_9_mid_burst_loses_no_acknowledged_application(tmp_path, template_db):
    db = tmp_path / "jiuzhu.sqlite3"
    copy_database(template_db, db)
    url = f"sqlite:///{db}"
    answers: dict[int, int | None] = {}
    with serving(url, tmp_path / "instance", workers=2, threads=4, **UNLIMITED) as (base, _log):
        serials = iter(range(200, 1000))
        lock, stop = threading.Lock(), threading.Event()

        def burst():
            while not stop.is_set():
                with lock:
                    serial = next(serials)
                answers[serial] = _apply(base, serial)

        threads = [threading.Thread(target=burst) for _ in range(6)]
        for thread in threads:
            thread.start()
        while sum(1 for status in answers.values() if status == 201) < 10:
            time.sleep(0.05)
        for pid in _server_pids():  # the whole server at once, no chance to finish anything
            os.kill(pid, signal.SIGKILL)
        stop.set()
        for thread in threads:
            thread.join(30)
    acknowledged = [s for s, status in answers.items() if status == 201]
    unanswered = [s for s, status in answers.items() if status is None]
    assert len(acknowledged) >= 10 and not [s for s, st in answers.items() if st not in (201, None)]
    found = _cases_of(url, list(answers))
    assert all(found[s] == 1 for s in acknowledged), {s: found[s] for s in acknowledged if found[s] != 1}
    assert all(found[s] <= 1 for s in unanswered)
    with serving(url, tmp_path / "instance", workers=2, threads=4, **UNLIMITED) as (base, _log):
        for serial in unanswered:  # the client retries what got no answer, with the same key
            assert _apply(base, serial) in (200, 201)
    assert set(_cases_of(url, list(answers)).values()) == {1}
