"""The load test of the production setup on this machine: `jiuzhu serve` (its web workers),
PostgreSQL, two `jiuzhu worker`s, and Locust's simulated clerks and residents (locustfile.py);
then an audit of the database.

    scripts/setup.sh --bench
    createdb -h 127.0.0.1 -U postgres jiuzhu_load
    .venv/bin/python bench/load/run.py --url postgresql://postgres@127.0.0.1:5432/jiuzhu_load            # 200 users, 5 min
    .venv/bin/python bench/load/run.py --url postgresql://postgres@127.0.0.1:5432/jiuzhu_load2 --users 20 --time 60s  # quick check

The database (an empty one: it is filled here): the shipped diagrams, the demo users and areas plus
`--townships` townships of 示范县, each with a village, a township clerk and a village clerk; in each
township `--cases` cases waiting at 受理审查 (emergency and expenditure), started through engine/ (real
workflow state); and `--publicity` expenditure cases in publicity whose 7-day period ends one to four
minutes into the run (set up with the clock moved back), so the timer workers fire them under load
while residents object to them.

It prints requests per second, p50 / p95 per request kind and the errors (Locust's figures), and then
audits the database:
- every action the server acknowledged (a completed task, an online application, an objection) is
  there exactly once;
- the inbox rows of every running case are the READY user tasks of its workflow state;
- every timer that fired did so once (one timer_fired event), and none is left pending past its time;
- no ledger row is doubled (one per case and stage).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import time_machine
from sqlalchemy import func, select

from engine import Engine
from engine.demo import seed
from engine.store.models import AuditEvent, Case, CaseState, LedgerEntry, OpenTask, Timer
from engine.store.web_models import PublicObjection
from engine.workflow.context import CaseContext
from engine.workflow.runtime import OpenWork, script_engine
from tests.serving import serving, working
from tests.web.journeys import USER_OF_ROLE, application, form_data

COUNTY = "639001"


def prepare(url: str, townships: int, cases: int, publicity: int) -> dict:
    eng = Engine.open(url)
    eng.deploy(by="load")
    seed(eng, with_cases=False)
    people = {
        "township": ["town_chengguan", "town_qingshan"],
        "village": ["village_dong", "village_nan"],
        "county": ["county_mz"],
        "county_gov": ["county_gov"],
        "coordination": ["coord_sec"],
        "auditor": ["auditor"],
        "city": ["city_mz"],
        "province": ["province_mz"],
        "villages": ["639001001001", "639001002001"],
        "publicity_townships": ["639001001"],
    }
    codes = ["639001001", "639001002"]
    for n in range(3, townships + 1):
        township = f"{COUNTY}{n:03d}"
        eng.add_area(township, f"镇{n:02d}", COUNTY)
        eng.add_area(f"{township}001", f"村{n:02d}", township)
        eng.add_user(f"town_{township}", f"镇{n:02d}经办", "township", township, password="jiuzhu-demo")
        eng.add_user(
            f"village_{township}", f"村{n:02d}村干", "village", f"{township}001", password="jiuzhu-demo"
        )
        people["township"].append(f"town_{township}")
        people["village"].append(f"village_{township}")
        people["villages"].append(f"{township}001")
        codes.append(township)
    serial = 100_000
    for township in codes[:townships]:
        village = f"{township}001"
        clerk = (
            "town_chengguan"
            if township == "639001001"
            else "town_qingshan"
            if township == "639001002"
            else f"town_{township}"
        )
        for n in range(cases):
            serial += 1
            reason, amount = ("disaster_accident", 800) if n % 3 else ("medical_expense", 2500)
            eng.start_case(
                application(reason, amount, name=f"申请人{serial}", serial=serial), village, by=clerk
            )
    # Cases in publicity whose period ends during the run: set up with the clock moved back 7 days.
    # Every other one is in 青山乡, whose notices the residents leave alone: their timers must fire
    # under load; 城关镇's race the residents' objections.
    now = datetime.now(UTC)
    for n in range(publicity):
        serial += 1
        ends_in = timedelta(seconds=60 + 180 * n / max(1, publicity))
        village, clerks = (
            ("639001001001", {"township": "town_chengguan", "village": "village_dong"})
            if n % 2 == 0
            else ("639001002001", {"township": "town_qingshan", "village": "village_nan"})
        )
        with time_machine.travel(now - timedelta(days=7) + ends_in, tick=False):
            case_no = eng.start_case(
                application("medical_expense", 1500, name=f"公示{serial}", serial=serial),
                village,
                by=clerks["township"],
            ).case_no
            for _ in range(12):
                tasks = eng.open_tasks(case_no)
                if not tasks or any(t.form == "objection.schema.json" for t in tasks):
                    break
                task = tasks[0]
                user = clerks.get(task.role, USER_OF_ROLE[task.role])
                eng.complete(user, task.task_id, form_data(task.form))
    with eng.db.read() as session:
        waiting = session.scalar(select(func.count()).select_from(Timer).where(Timer.status == "pending"))
    eng.close()
    print(
        f"  database: {townships} townships, {townships * cases} cases at 受理审查, {publicity} in publicity "
        f"({waiting} pending timers)",
        flush=True,
    )
    return people


def run_locust(base: str, users: int, spawn_rate: float, duration: str, folder: Path, people: dict) -> Path:
    env = {**os.environ, "LOAD_PEOPLE": json.dumps(people), "LOAD_ACKS": str(folder / "acks.jsonl")}
    command = [
        str(Path(sys.executable).with_name("locust")),
        "-f",
        str(Path(__file__).with_name("locustfile.py")),
        "--headless",
        "--host",
        base,
        "-u",
        str(users),
        "-r",
        str(spawn_rate),
        "--run-time",
        duration,
        "--stop-timeout",
        "30",
        "--csv",
        str(folder / "load"),
        "--only-summary",
        "--exit-code-on-error",
        "0",
    ]
    subprocess.run(command, env=env, check=True, cwd=folder)
    return folder / "acks.jsonl"


def report(folder: Path) -> None:
    with open(folder / "load_stats.csv", encoding="utf-8") as source:
        rows = list(csv.DictReader(source))
    print(f"\n  {'request':<22} {'count':>7} {'errors':>6} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7}")
    for row in rows:
        print(
            f"  {row['Name']:<22} {row['Request Count']:>7} {row['Failure Count']:>6} "
            f"{float(row['Requests/s']):>7.1f} {row['50%']:>7} {row['95%']:>7}"
        )
    failures = folder / "load_failures.csv"
    if failures.exists():
        with open(failures, encoding="utf-8") as source:
            for row in list(csv.DictReader(source))[:20]:
                print(f"  error: {row['Method']} {row['Name']} ×{row['Occurrences']}: {row['Error'][:160]}")


def server_errors(log_path: Path, shown: int = 3) -> None:
    """The server's error lines (a 500 is logged with its traceback and request id)."""
    errors = []
    for line in log_path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("{") and '"level": "error"' in line:
            errors.append(json.loads(line))
    print(f"\n  server errors logged: {len(errors)}")
    for entry in errors[:shown]:
        print(f"  {entry.get('request_id', '')} {entry.get('message', '')}")
        print("    " + "\n    ".join((entry.get("traceback") or "").splitlines()[-12:]))


def audit(url: str, acks_path: Path) -> int:
    """Prints each check; returns the number of problems."""
    eng = Engine.open(url, migrate=False)
    acks = [json.loads(line) for line in acks_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    problems = 0
    with eng.db.read() as session:
        completed = Counter(
            session.scalars(select(AuditEvent.task_id).where(AuditEvent.action == "task_completed"))
        )
        done = [a for a in acks if a["kind"] == "complete"]
        wrong = [a["task_id"] for a in done if completed[a["task_id"]] != 1]
        problems += len(wrong)
        print(f"  completed tasks acknowledged {len(done)}, each recorded once: {not wrong} {wrong[:5]}")

        applied = [a for a in acks if a["kind"] == "apply"]
        counts = Counter(
            session.scalars(
                select(Case.applicant_id_number).where(
                    Case.applicant_id_number.in_([a["id_number"] for a in applied])
                )
            )
        )
        wrong = [a["id_number"] for a in applied if counts[a["id_number"]] != 1]
        problems += len(wrong)
        print(f"  online applications acknowledged {len(applied)}, each a case once: {not wrong} {wrong[:5]}")

        conflicts = Counter(a["request"] for a in acks if a["kind"] == "conflict")
        print(
            "  answered 409 / 404 because someone acted first — another clerk on the task, the timer"
            " on the notice (as designed, not errors): "
            + (", ".join(f"{name} {count}" for name, count in conflicts.items()) or "none")
        )

        objected = [a for a in acks if a["kind"] == "objection"]
        contents = session.scalars(select(PublicObjection.content)).all()
        wrong = [a["marker"] for a in objected if sum(a["marker"] in c for c in contents) != 1]
        problems += len(wrong)
        print(f"  objections acknowledged {len(objected)}, each stored once: {not wrong} {wrong[:5]}")

        mismatched = 0
        running = session.scalars(select(Case).where(Case.status == "running")).all()
        rows: dict[int, set] = {}
        for task_id, case_id in session.execute(select(OpenTask.task_id, OpenTask.case_id)):
            rows.setdefault(case_id, set()).add(task_id)
        for case in running:
            state = session.get(CaseState, case.id)
            if state is None:
                continue
            loaded = eng.specs.for_version(session, case.spec_version_id)
            workflow = loaded.load_workflow(
                state.workflow, script_engine(CaseContext(session, case, eng.now))
            )
            ready = {str(t.id) for t in OpenWork.of(workflow).user_tasks}
            if ready != rows.get(case.id, set()):
                mismatched += 1
        problems += mismatched
        print(
            f"  running cases {len(running)}, inbox rows equal to the workflow's READY user tasks: "
            f"{mismatched == 0} ({mismatched} differ)"
        )

        fired = session.scalars(select(Timer.task_id).where(Timer.status == "fired")).all()
        events = Counter(
            session.scalars(select(AuditEvent.task_id).where(AuditEvent.action == "timer_fired"))
        )
        twice = [t for t in fired if events[t] != 1]
        late = session.scalar(
            select(func.count())
            .select_from(Timer)
            .where(Timer.status == "pending", Timer.due_at < eng.now() - timedelta(seconds=10))
        )
        problems += len(twice) + int(late or 0)
        print(f"  timers fired {len(fired)}, each once: {not twice}; pending past their time: {late}")

        doubled = session.execute(
            select(LedgerEntry.case_id, LedgerEntry.stage, func.count())
            .group_by(LedgerEntry.case_id, LedgerEntry.stage)
            .having(func.count() > 1)
        ).all()
        ledger_rows = session.scalar(select(func.count()).select_from(LedgerEntry))
        problems += len(doubled)
        print(f"  ledger rows {ledger_rows}, none doubled: {not doubled}")
    eng.close()
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="an empty PostgreSQL database")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=float, default=2)
    parser.add_argument("--time", default="5m", help="how long the load runs (Locust's --run-time)")
    parser.add_argument("--townships", type=int, default=20)
    parser.add_argument("--cases", type=int, default=40, help="cases waiting at 受理审查 per township")
    parser.add_argument("--publicity", type=int, default=40)
    parser.add_argument(
        "--web-workers", type=int, default=None, help="default: jiuzhu serve's (2 × cores + 1)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="jiuzhu-load-") as scratch:
        folder = Path(scratch)
        people = prepare(args.url, args.townships, args.cases, args.publicity)
        instance = folder / "instance"
        settings = {
            "JIUZHU_TRUSTED_PROXIES": "1",
            "JIUZHU_INSECURE_COOKIES": "1",
            # a simulated resident applies and objects every few seconds from its one address, far
            # more often than the public throttles allow a real one (docs/security.md)
            "JIUZHU_PUBLIC_APPLICATIONS_PER_ADDRESS": "100000",
            "JIUZHU_PUBLIC_OBJECTIONS_PER_ADDRESS": "100000",
        }
        workers = args.web_workers or None
        with (
            serving(args.url, instance, workers=workers or (2 * (os.cpu_count() or 1) + 1), **settings) as (
                base,
                log_path,
            ),
            working(args.url, instance, **settings),
            working(args.url, instance, **settings),
        ):
            started = time.monotonic()
            acks = run_locust(base, args.users, args.spawn_rate, args.time, folder, people)
            print(
                f"  load ran {time.monotonic() - started:.0f} s against {base} "
                f"({workers or 'default'} web workers, 2 timer workers)",
                flush=True,
            )
            time.sleep(5)  # timers due at the very end fire
        report(folder)
        server_errors(log_path)
        print("\n  audit:")
        problems = audit(args.url, acks)
        print(f"\n  {problems} problems found")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
