"""Web benchmark: the inbox page and a task completion over HTTP with 100 000 cases in the database.

    .venv/bin/python bench/web_bench.py [--cases 100000] [--completions 200] [--inbox-requests 300]

The app runs in its own process (werkzeug, as scripts/run.sh serves it) on a SQLite file; this
process is the browser: a signed-in township clerk with a session cookie and CSRF token.

- The database: the shipped diagrams and forms, ten townships with a village each, the demo users,
  `--completions` real cases at 受理审查 in 城关镇 (started through engine/), and `--cases` filler
  cases copied in bulk: 90 % closed, 10 % open with one task, over the ten townships, so 城关镇's
  clerk has about 500 open tasks of their own besides the real ones. Filler cases carry no workflow
  state (nothing here reads it).
- Inbox: GET / (page of 20, total, counts per task, rendered HTML), and GET /?category=emergency.
- Case search: GET /cases with no filter, by name, by the last digits of an ID, by step and status.
- Completion: POST /tasks/<id> with a valid 受理审查 form (validate, run, persist, audit), one per
  real case, the redirect not followed.

Prints p50/p95 per figure; asserts nothing. Aim: inbox p95 ≤ 100 ms, completion p95 ≤ 150 ms.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests
from sqlalchemy import insert

from engine import Engine
from engine.demo import DEMO_PASSWORD, seed
from engine.store.models import AuditEvent, Case, OpenTask
from tests.web.forms_data import as_form
from tests.web.journeys import application, form_data

CHENGGUAN_VILLAGE = "639001001001"
EXTRA_TOWNSHIPS = [f"639001{i:03d}" for i in range(3, 11)]
TOWNSHIPS = ["639001001", "639001002", *EXTRA_TOWNSHIPS]
TASK_NAMES = ["受理审查", "家庭经济状况核对", "乡镇审核", "发放", "补办手续"]
CATEGORIES = ["emergency", "expenditure", "major"]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def summary(label: str, ms: list[float]) -> str:
    return f"{label:<44} n={len(ms):>5}  p50={pct(ms, 50):7.2f} ms  p95={pct(ms, 95):7.2f} ms"


def build_database(url: str, filler: int, real: int) -> list[str]:
    """Returns the case numbers of the real cases waiting at 受理审查."""
    eng = Engine.open(url)
    eng.deploy()
    seed(eng, with_cases=False)
    for code in EXTRA_TOWNSHIPS:
        eng.add_area(code, f"乡镇{code[-3:]}", "639001")
        eng.add_area(code + "001", f"村{code[-3:]}", code)
    started = time.perf_counter()
    real_cases = [
        eng.start_case(application(serial=n), CHENGGUAN_VILLAGE, by="town_chengguan").case_no
        for n in range(real)
    ]
    print(f"started {real} real cases through engine/ in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    bulk_cases(eng, filler)
    print(f"loaded {filler} filler cases in {time.perf_counter() - started:.1f} s")
    eng.close()
    return real_cases


SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN_NAMES = "秀英桂英玉兰火生建国志强秀兰海燕春梅国华德胜红梅建华丽娟小明金凤"


def applicant_name(case_id: int) -> str:
    given = GIVEN_NAMES[(case_id // 20) % 15 * 2 :][:2]
    return SURNAMES[case_id % 20] + given


def bulk_cases(eng: Engine, total: int, chunk: int = 5000) -> None:
    now = eng.now()
    first = 1_000_000  # ids clear of the real cases
    for start in range(first, first + total, chunk):
        cases, tasks, events = [], [], []
        for case_id in range(start, min(start + chunk, first + total)):
            township = TOWNSHIPS[(case_id // 10) % len(TOWNSHIPS)]
            is_open = case_id % 10 == 0
            began = now - timedelta(minutes=case_id % 50_000)
            case_no = f"639001-2025-{case_id:07d}"
            category = CATEGORIES[case_id % 3]
            cases.append(
                {
                    "id": case_id,
                    "case_no": case_no,
                    "spec_version_id": 1,
                    "process_id": "temporary_assistance",
                    "area_code": township + "001",
                    "county_code": "639001",
                    "channel": "window",
                    "status": "running" if is_open else "completed",
                    "category": category,
                    "applicant_name": applicant_name(case_id),
                    "applicant_id_number": f"110101{1950 + case_id % 50}0307{case_id % 10_000:04d}",
                    "reason": "medical_expense",
                    "started_at": began,
                    "updated_at": began,
                    "closed_at": None if is_open else began + timedelta(days=9),
                    "version": 1,
                }
            )
            events.append(
                {"at": began, "actor": "bench", "action": "case_started", "case_id": case_id, "data": {}}
            )
            if is_open:
                role = "township" if case_id % 20 == 0 else "village"
                tasks.append(
                    {
                        "task_id": str(uuid.uuid4()),
                        "case_id": case_id,
                        "case_no": case_no,
                        "element_id": "Task_X",
                        "name": TASK_NAMES[case_id % len(TASK_NAMES)],
                        "process_id": "expenditure_aid",
                        "lane": None,
                        "role": role,
                        "area_code": township + "001",
                        "category": category,
                        "applicant_name": applicant_name(case_id),
                        "form": "intake-review.schema.json",
                        "ui_form": None,
                        "created_at": began,
                        "due_at": began + timedelta(days=case_id % 30),
                        "claimed_by": None,
                    }
                )
        with eng.db.write() as session:
            session.execute(insert(Case), cases)
            session.execute(insert(AuditEvent), events)
            if tasks:
                session.execute(insert(OpenTask), tasks)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(url: str, folder: str, port: int) -> subprocess.Popen:
    env = dict(
        os.environ,
        DATABASE_URL=url,
        JIUZHU_SECRET_KEY="bench",
        JIUZHU_INSECURE_COOKIES="1",
        JIUZHU_ATTACHMENTS_DIR=f"{folder}/attachments",
        PYTHONPATH=str(ROOT),
    )
    code = (
        "import logging; logging.getLogger('werkzeug').setLevel(logging.ERROR);"
        "from werkzeug.serving import run_simple; from web import create_app;"
        f"run_simple('127.0.0.1', {port}, create_app(), threaded=True)"
    )
    server = subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT)
    for _ in range(200):
        try:
            requests.get(f"http://127.0.0.1:{port}/login", timeout=1)
            return server
        except requests.ConnectionError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the app did not start")


def sign_in(base: str) -> tuple[requests.Session, str]:
    session = requests.Session()
    token = re.search(r'name="csrf_token" value="([^"]+)"', session.get(f"{base}/login").text).group(1)
    response = session.post(
        f"{base}/login",
        data={"username": "town_chengguan", "password": DEMO_PASSWORD, "csrf_token": token},
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text
    # signing in starts a new session, with a CSRF token of its own
    token = re.search(r'name="csrf_token" value="([^"]+)"', session.get(f"{base}/").text).group(1)
    return session, token


def timed(call) -> tuple[float, requests.Response]:
    started = time.perf_counter()
    response = call()
    return (time.perf_counter() - started) * 1000, response


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--completions", type=int, default=200)
    parser.add_argument("--inbox-requests", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.sqlite3"
        real = build_database(url, args.cases, args.completions)
        port = free_port()
        server = serve(url, folder, port)
        base = f"http://127.0.0.1:{port}"
        try:
            session, token = sign_in(base)
            for _ in range(20):  # warm-up: parsed specs, statement caches, page cache
                session.get(f"{base}/")
            inbox, filtered = [], []
            for _ in range(args.inbox_requests):
                ms, response = timed(lambda: session.get(f"{base}/"))
                assert response.status_code == 200
                inbox.append(ms)
                total = re.search(r'<b id="total">(\d+)</b>', response.text).group(1)
                ms, response = timed(lambda: session.get(f"{base}/?category=emergency"))
                filtered.append(ms)
            print(summary(f"inbox page, {args.cases} cases ({total} open tasks)", inbox))
            print(summary("inbox page filtered by category", filtered))
            searches = {
                "case search page, no filter (newest first)": "/cases",
                "case search by the start of a name (王)": "/cases?q=王",
                "case search by a whole name (王秀英)": "/cases?q=王秀英",
                "case search by the last 4 digits of an ID": "/cases?q=1234",
                "case search by step and status": "/cases?step=乡镇审核&status=running",
            }
            for label, path in searches.items():
                found = [
                    timed(lambda path=path: session.get(base + path))[0]
                    for _ in range(args.inbox_requests // 3)
                ]
                print(summary(label, found))
            body = as_form(form_data("intake-review.schema.json"))
            body["csrf_token"] = token
            task_ids = [
                re.search(r'href="/tasks/([0-9a-f-]{36})"', session.get(f"{base}/cases/{no}").text).group(1)
                for no in real
            ]
            completions = []
            for task_id in task_ids:
                body["_submission"] = uuid.uuid4().hex
                ms, response = timed(
                    lambda task_id=task_id: session.post(
                        f"{base}/tasks/{task_id}", data=body, allow_redirects=False
                    )
                )
                assert response.status_code == 302, response.text[:500]
                completions.append(ms)
            print(summary("task completion (受理审查, POST)", completions))
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
