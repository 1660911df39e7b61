"""Clerks of every role and residents, as Locust users, against `jiuzhu serve` (bench/load/run.py
starts everything and audits the database afterwards).

Township clerks read their inbox, open a task and complete it with a valid form (受理审查, 先行救助决定,
家庭经济状况核对, 发放) and search cases; village clerks read their inbox and case pages; county, government,
coordination, auditor, city and province readers read the dashboard, the ledger and case pages
and search cases;
residents apply online, read the publicity notices and object to a case in publicity. Everyone
thinks 2–8 s between actions. Each user sends its own X-Forwarded-For (the server trusts one proxy,
as behind nginx), so per-address throttles of the public doors see many residents, as in life.

Every action the server acknowledged is written to $LOAD_ACKS (JSON lines) when the test stops,
for the audit: each must be in the database exactly once.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import sys
import threading
import uuid
from pathlib import Path

from locust import HttpUser, between, events, task

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.web.forms_data import as_form
from tests.web.journeys import application, form_data

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
ROW = re.compile(r'data-task-id="([0-9a-f-]{36})".*?class="task-name">([^<]+)<', re.DOTALL)
CASE_LINK = re.compile(r'href="/cases/(\d{6}-\d{4}-\d{6})"')
NOTICE = re.compile(r'href="(/gongzhong/gongshi/\d+/[\d-]+/yiyi)"')
FORMS = {
    "受理审查": "intake-review.schema.json",
    "先行救助决定": "pay-first.schema.json",
    "家庭经济状况核对": "economic-check.schema.json",
    "发放": "payment.schema.json",
}
# Searches a clerk makes: by category and status, by step, by a name, by a period.
SEARCHES = (
    "category=expenditure&status=running",
    "step=受理审查",
    "q=申请人",
    "status=completed&from=2026-01-01&to=2026-12-31",
    "category=emergency",
)
PEOPLE = json.loads(os.environ.get("LOAD_PEOPLE", "{}"))  # role -> [usernames], written by run.py
ACKS: list[dict] = []
LOCK = threading.Lock()
SERIAL = itertools.count(int(os.environ.get("LOAD_SERIAL_START", "700000")))
ADDRESS = itertools.count(1)


def resident_id(serial: int) -> str:
    """A valid ID number of its own for every application (GB 11643 check digit)."""
    from datetime import date, timedelta

    from stdnum.cn import ric

    birth = (date(1986, 1, 1) + timedelta(days=serial // 1000 % 5000)).strftime("%Y%m%d")
    body = f"630102{birth}{serial % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def acknowledged(**what) -> None:
    with LOCK:
        ACKS.append(what)


@events.test_stop.add_listener
def _write_acks(**_kw) -> None:
    target = os.environ.get("LOAD_ACKS")
    if target:
        with open(target, "w", encoding="utf-8") as out:
            out.writelines(json.dumps(item, ensure_ascii=False) + "\n" for item in ACKS)


class Person(HttpUser):
    abstract = True
    wait_time = between(2, 8)
    role = ""

    def on_start(self) -> None:
        n = next(ADDRESS)
        self.client.headers["X-Forwarded-For"] = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
        self.token = None
        if self.role:
            self.username = random.choice(PEOPLE[self.role])
            self.page("/login", name="login page")
            self.send("/login", {"username": self.username, "password": "jiuzhu-demo"}, name="sign in")

    def page(self, path: str, name: str, ok=(200,)):
        with self.client.get(path, name=name, catch_response=True) as answer:
            if answer.status_code not in ok:
                answer.failure(f"{answer.status_code}")
            else:
                answer.success()
                if answer.status_code in (404, 409):
                    acknowledged(kind="conflict", request=name)
            found = TOKEN.search(answer.text or "")
            if found:
                self.token = found.group(1)
            return answer

    def send(self, path: str, data, name: str, ok=(200, 302)):
        # A MultiDict posts every value of a field (lists of checkboxes), as a browser does.
        fields = list(data.items(multi=True)) if hasattr(data, "getlist") else list(dict(data).items())
        fields = [(k, v) for k, v in fields if k != "csrf_token"] + [("csrf_token", self.token)]
        with self.client.post(
            path, data=fields, name=name, allow_redirects=False, catch_response=True
        ) as answer:
            if answer.status_code not in ok:
                answer.failure(f"{answer.status_code}: {(answer.text or '')[:200]}")
            else:
                answer.success()
                if answer.status_code in (404, 409):
                    acknowledged(kind="conflict", request=name)
            return answer


class TownshipClerk(Person):
    weight = 8
    role = "township"

    @task(3)
    def inbox(self) -> None:
        self.page("/", name="inbox")

    @task(6)
    def work_a_task(self) -> None:
        rows = [(t, n) for t, n in ROW.findall(self.page("/", name="inbox").text or "") if n.strip() in FORMS]
        if not rows:
            return
        task_id, name = random.choice(rows[:20])
        # 409: another clerk of the township took or finished the task first; the page says so.
        opened = self.page(f"/tasks/{task_id}", name="open task", ok=(200, 409))
        if opened.status_code != 200:
            return
        key = re.search(r'name="_submission" value="([^"]+)"', opened.text or "")
        data = as_form(form_data(FORMS[name.strip()]))
        data["_submission"] = key.group(1) if key else uuid.uuid4().hex
        answer = self.send(f"/tasks/{task_id}", data, name="complete task", ok=(302, 409))
        if answer.status_code == 302:
            acknowledged(kind="complete", task_id=task_id, user=self.username, key=data["_submission"])

    @task(2)
    def case_page(self) -> None:
        cases = CASE_LINK.findall(self.page("/", name="inbox").text or "")
        if cases:
            self.page(f"/cases/{random.choice(cases)}", name="case page")

    @task(1)
    def search(self) -> None:
        self.page(f"/cases?{random.choice(SEARCHES)}", name="case search")


class VillageClerk(Person):
    weight = 3
    role = "village"

    @task(2)
    def inbox(self) -> None:
        self.page("/", name="inbox")

    @task(1)
    def case_page(self) -> None:
        cases = CASE_LINK.findall(self.page("/", name="inbox").text or "")
        if cases:
            self.page(f"/cases/{random.choice(cases)}", name="case page")


class CountyReader(Person):
    """County civil affairs, government, coordination, auditor, city and province: they read."""

    weight = 2

    def on_start(self) -> None:
        self.role = random.choice(
            [
                r
                for r in ("county", "county_gov", "coordination", "auditor", "city", "province")
                if PEOPLE.get(r)
            ]
        )
        super().on_start()

    @task(2)
    def dashboard(self) -> None:
        self.page("/reports/dashboard", name="dashboard")

    @task(2)
    def ledger(self) -> None:
        self.page("/reports/ledger", name="ledger")

    @task(1)
    def search(self) -> None:
        if self.role not in ("city", "province"):  # they read reports only, by design
            self.page(f"/cases?{random.choice(SEARCHES)}", name="case search")

    @task(2)
    def home(self) -> None:
        answer = self.page("/", name="inbox") if self.role not in ("city", "province") else None
        if answer is not None and self.role != "auditor":
            cases = CASE_LINK.findall(answer.text or "")
            if cases:
                self.page(f"/cases/{random.choice(cases)}", name="case page")


class Resident(Person):
    weight = 2

    @task(2)
    def apply_online(self) -> None:
        self.page("/gongzhong/shenqing", name="application form")
        serial = next(SERIAL)
        applied = application("disaster_accident", 800, name="网上申请人")
        applied["applicant"]["id_number"] = resident_id(serial)
        data = as_form(applied)
        data["area_code"] = random.choice(PEOPLE["villages"])
        answer = self.send("/gongzhong/shenqing", data, name="apply online", ok=(200,))
        found = re.search(r'class="case-no">([^<]+)<', answer.text or "")
        if answer.status_code == 200 and found:
            acknowledged(kind="apply", id_number=applied["applicant"]["id_number"], case_no=found.group(1))
        elif answer.status_code == 200:
            answer.failure("the application page came back without a case number")

    @task(1)
    def object_to_a_notice(self) -> None:
        township = random.choice(PEOPLE["publicity_townships"])
        notices = NOTICE.findall(
            self.page(f"/gongzhong/gongshi/{township}", name="publicity notices").text or ""
        )
        if not notices:
            return
        path = random.choice(notices)
        self.page(path, name="objection form", ok=(200, 404))  # 404: the period just ended
        marker = uuid.uuid4().hex[:12]
        data = as_form({"objector_name": "匿名", "objection_content": f"情况不实，请核查 {marker}"})
        # 404: the publicity period ended (its timer fired) between the form and the submit.
        answer = self.send(path, data, name="object", ok=(200, 404))
        if answer.status_code == 200:
            acknowledged(kind="objection", marker=marker)
