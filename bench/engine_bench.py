"""Engine benchmark: the cost engine/ adds per step over raw SpiffWorkflow, the inbox at scale,
and the database size per case.

    .venv/bin/python bench/engine_bench.py [--cases-per-run 20] [--inbox-cases 100000] [--no-postgres]

(a) raw SpiffWorkflow: the 10-user-task diagram run in memory, serialize + deserialize at every step;
(b) the same case through engine/ (validate, run, persist, inbox rows, audit) on SQLite and PostgreSQL;
the ratio b/a per step at p50 and p95. Then the inbox query of a township clerk with N cases in the
database, and the bytes per case. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import TaskDataEnvironment
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, insert, select, text

from engine import Engine
from engine.store.models import AuditEvent, Case, CaseState, OpenTask
from engine.workflow.specs import SpecFiles, parse

SPECS = ROOT / "bench" / "specs"
PG_ADMIN_URL = os.environ.get("JIUZHU_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
STEP_DATA = {"opinion": "agree", "amount": 800, "note": "符合条件"}
ID_NUMBER = "110101199003074514"
TOWNSHIPS = [f"639001{i:03d}" for i in range(1, 11)]
APPLICATION = {"applicant": {"name": "张三", "id_number": ID_NUMBER}, "reason": "fire", "step_count": 0}


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def summary(label: str, ms: list[float]) -> str:
    return f"{label:<34} n={len(ms):>5}  p50={pct(ms, 50):7.2f} ms  p95={pct(ms, 95):7.2f} ms"


def raw_steps(cases: int) -> list[float]:
    files = SpecFiles.from_dirs(SPECS / "bpmn", SPECS / "forms")
    parser = parse(files)
    spec, subs = parser.get_spec("temporary_assistance"), parser.get_subprocess_specs("temporary_assistance")
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    # Raw SpiffWorkflow with its own (unsandboxed) script engine and the same param() helper.
    script_engine = PythonScriptEngine(environment=TaskDataEnvironment({"param": lambda name: 1000}))
    times = []
    for _ in range(cases):
        workflow = BpmnWorkflow(spec, subs, script_engine=script_engine)
        workflow.get_next_task(state=TaskState.READY).data.update(APPLICATION)
        workflow.do_engine_steps()
        state = serializer.serialize_json(workflow)
        while True:
            started = time.perf_counter()
            workflow = serializer.deserialize_json(state)
            workflow.script_engine = script_engine
            task = workflow.get_next_task(state=TaskState.READY, manual=True)
            if task is None:
                break
            task.data.update(STEP_DATA)
            task.run()
            workflow.do_engine_steps()
            state = serializer.serialize_json(workflow)
            times.append((time.perf_counter() - started) * 1000)
    return times


def prepare(url: str) -> Engine:
    eng = Engine.open(url)
    eng.deploy(SPECS / "bpmn", SPECS / "forms", by="bench")
    eng.add_area("639001", "示范县")
    for code in TOWNSHIPS:
        eng.add_area(code, f"乡镇{code[-3:]}")
        eng.add_area(code + "001", f"村{code[-3:]}")
    eng.add_user("clerk", "乡镇经办", "township", TOWNSHIPS[0])
    eng.add_user("county", "县民政", "county", "639001")
    return eng


def engine_steps(eng: Engine, cases: int) -> list[float]:
    times = []
    for _ in range(cases):
        ref = eng.start_case(APPLICATION, TOWNSHIPS[0] + "001", by="clerk")
        while True:
            open_now = eng.open_tasks(ref.case_no)
            if not open_now:
                break
            task = open_now[0]
            user = "clerk" if task.role == "township" else "county"
            started = time.perf_counter()
            eng.complete(user, task.task_id, STEP_DATA)
            times.append((time.perf_counter() - started) * 1000)
    return times


def db_bytes(eng: Engine) -> int:
    with eng.db.read() as session:
        if eng.db.sqlite:
            pages = session.execute(text("PRAGMA page_count")).scalar()
            size = session.execute(text("PRAGMA page_size")).scalar()
            return pages * size
        return session.execute(text("SELECT pg_database_size(current_database())")).scalar()


def checkpoint(eng: Engine) -> None:
    import sqlite3

    with sqlite3.connect(eng.db.url.split("///", 1)[1]) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def bytes_per_case(eng: Engine, cases: int = 50) -> float:
    if eng.db.sqlite:
        checkpoint(eng)
    else:
        with eng.db.writer.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM")
    before = db_bytes(eng)
    engine_steps(eng, cases)
    if eng.db.sqlite:
        checkpoint(eng)
    return (db_bytes(eng) - before) / cases


def bulk_cases(eng: Engine, total: int, chunk: int = 5000) -> None:
    """Copies of real rows: 90 % of cases closed, 10 % open with a task, spread over ten townships; the
    township-role tasks fall in every second township, 1 000 of them in the clerk's: a heavy inbox."""
    with eng.db.read() as session:
        template_case = session.scalars(select(Case).order_by(Case.id).limit(1)).first()
        workflow = session.get(CaseState, template_case.id).workflow
        existing = session.scalar(select(func.count()).select_from(Case))
    now = eng.now()
    next_id = existing + 1
    while next_id <= existing + total:
        cases, states, tasks, events = [], [], [], []
        for case_id in range(next_id, min(next_id + chunk, existing + total + 1)):
            township = TOWNSHIPS[(case_id // 10) % len(TOWNSHIPS)]  # independent of is_open below
            is_open = case_id % 10 == 0
            started = now - timedelta(minutes=case_id % 50000)
            cases.append(
                {
                    "id": case_id,
                    "case_no": f"639001-2025-{case_id:07d}",
                    "spec_version_id": 1,
                    "process_id": "temporary_assistance",
                    "area_code": township + "001",
                    "county_code": "639001",
                    "channel": "window",
                    "status": "running" if is_open else "completed",
                    "category": "expenditure",
                    "applicant_name": "张三",
                    "applicant_id_number": ID_NUMBER,
                    "reason": "illness",
                    "started_at": started,
                    "updated_at": started,
                    "version": 1,
                }
            )
            states.append({"case_id": case_id, "workflow": workflow, "reached": {"nodes": [], "flows": []}})
            events.append(
                {"at": started, "actor": "bench", "action": "case_started", "case_id": case_id, "data": {}}
            )
            if is_open:
                role = "township" if case_id % 20 == 0 else "county"
                tasks.append(
                    {
                        "task_id": str(uuid.uuid4()),
                        "case_id": case_id,
                        "case_no": f"639001-2025-{case_id:07d}",
                        "element_id": "Step_03",
                        "name": f"第{case_id % 5 + 1}步",
                        "process_id": "temporary_assistance",
                        "lane": "乡镇(街道)",
                        "role": role,
                        "area_code": township + "001",
                        "category": "expenditure",
                        "applicant_name": "张三",
                        "form": "step.schema.json",
                        "ui_form": None,
                        "created_at": started,
                        "due_at": started + timedelta(days=case_id % 30),
                        "claimed_by": None,
                    }
                )
        with eng.db.write() as session:
            for model, rows in ((Case, cases), (CaseState, states), (AuditEvent, events), (OpenTask, tasks)):
                load_rows(session, model.__table__, rows)
        next_id += chunk


def load_rows(session, table, rows: list[dict]) -> None:
    """Bulk insert: PostgreSQL's COPY (one stream per chunk; row-by-row inserts took 20 minutes for
    100 000 cases), SQLite's executemany (one prepared statement, no network)."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(table), rows)
        return
    columns = list(rows[0])
    raw = session.connection().connection.driver_connection  # the psycopg connection of this transaction
    names = ", ".join(f'"{name}"' for name in columns)
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([_copy_value(row[name]) for name in columns])


def _copy_value(value):
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else value


def inbox_times(eng: Engine, runs: int = 300) -> tuple[list[float], int]:
    times, total = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        page = eng.inbox("clerk", limit=50)
        times.append((time.perf_counter() - started) * 1000)
        total = page.total
    return times, total


def pg_database() -> str | None:
    try:
        import psycopg

        name = f"jiuzhu_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    except Exception as err:  # noqa: BLE001
        print(f"PostgreSQL skipped: {err}")
        return None


def drop_pg(url: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def run_backend(label: str, url: str, args, raw_p50: float, raw_p95: float) -> dict:
    eng = prepare(url)
    engine_steps(eng, 2)  # warm-up: parse the version once, warm caches
    steps = engine_steps(eng, args.cases_per_run)
    print(summary(f"(b) engine/ on {label}, per step", steps))
    result = {
        "step_p50": pct(steps, 50),
        "step_p95": pct(steps, 95),
        "ratio_p50": pct(steps, 50) / raw_p50,
        "ratio_p95": pct(steps, 95) / raw_p95,
    }
    print(f"    ratio b/a: p50 {result['ratio_p50']:.2f}  p95 {result['ratio_p95']:.2f}")
    result["bytes_per_case"] = bytes_per_case(eng)
    print(f"    database size per completed 10-step case: {result['bytes_per_case'] / 1024:.1f} KiB")
    started = time.perf_counter()
    bulk_cases(eng, args.inbox_cases)
    print(f"    loaded {args.inbox_cases} cases in {time.perf_counter() - started:.0f} s")
    if not eng.db.sqlite:
        with eng.db.writer.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    times, total = inbox_times(eng)
    print(summary(f"    inbox, {args.inbox_cases} cases ({total} rows)", times))
    result.update(inbox_p50=pct(times, 50), inbox_p95=pct(times, 95), inbox_rows=total)
    eng.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases-per-run", type=int, default=20)
    parser.add_argument("--inbox-cases", type=int, default=100_000)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    raw_steps(2)
    raw = raw_steps(args.cases_per_run)
    print(summary("(a) raw SpiffWorkflow, per step", raw))
    raw_p50, raw_p95 = pct(raw, 50), pct(raw, 95)
    results = {"raw_p50": raw_p50, "raw_p95": raw_p95}
    with tempfile.TemporaryDirectory() as folder:
        results["sqlite"] = run_backend("SQLite", f"sqlite:///{folder}/bench.sqlite3", args, raw_p50, raw_p95)
    if not args.no_postgres and (url := pg_database()):
        try:
            results["postgresql"] = run_backend("PostgreSQL", url, args, raw_p50, raw_p95)
        finally:
            drop_pg(url)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
