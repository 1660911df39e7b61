"""A province's database — 1 000 000 cases over 50 counties — bulk-loaded, then the read paths a
province deployment lives on, measured.

    .venv/bin/python bench/province.py --url postgresql://postgres@127.0.0.1:5432/EMPTYDB            # 1 000 000
    .venv/bin/python bench/province.py --url sqlite:////tmp/province.sqlite3 --cases 20000 --counties 5  # quick check

Areas: 示范省 (63) ⊃ 5 cities ⊃ `--counties` counties ⊃ 10 townships ⊃ 3 villages. People: per
township a clerk, per county its civil-affairs clerk, per city and for the province a reader. Cases:
spread evenly over the counties and over twelve months of 2026 (tests/engine/reports_seed.py's mix:
急难型 / 支出型 / 重大 / unclassified, 70 % approved, payments in cash, in kind and referrals, two to
five completed steps in the audit log, 10 % still open with a township task, most of those overdue),
written with PostgreSQL's COPY (SQLite: executemany in batches), not row by row. Closed filler
cases carry no workflow state: nothing measured here reads it (bench/load/ runs real cases).

Measured through engine/ (what the pages call), p50 / p95 over `--runs`:
- a township clerk's inbox (page of 50, total, counts per task);
- a county's dashboard for 2026, and the province's;
- the county's first ledger page (50 rows, total and sum);
- the county's ledger as XLSX, written by the export job (streamed from the database, progress
  reported as the page shows it).

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select

from engine import Engine
from engine.store import report_durations, report_facts
from engine.store.models import AuditEvent, Case, LedgerEntry, OpenTask, SpecVersion
from engine.views.reports import LedgerFilter

PROVINCE = "63"
CITIES = 5
TOWNSHIPS = 10
VILLAGES = 3
YEAR = LedgerFilter(date_from=date(2026, 1, 1), date_to=date(2026, 12, 31))
START = datetime(2026, 1, 1, tzinfo=UTC)
STEPS = {
    "emergency": ["受理审查", "先行救助决定", "发放"],
    "expenditure": ["受理审查", "家庭经济状况核对", "入户调查", "乡镇审核", "发放"],
    "major": ["受理审查", "县级审核", "发放"],
}
WAYS = ["cash", "cash", "cash", "in_kind", "referral"]


def county_codes(counties: int) -> list[str]:
    per_city = -(-counties // CITIES)
    return [f"{PROVINCE}{90 + n // per_city:02d}{n % per_city + 1:02d}" for n in range(counties)]


def areas_and_people(eng: Engine, counties: list[str]) -> list[str]:
    """Areas and users; returns the village codes."""
    eng.add_area(PROVINCE, "示范省")
    eng.add_user("province_reader", "省民政厅", "province", PROVINCE)
    villages = []
    for city in sorted({c[:4] for c in counties}):
        eng.add_area(city, f"市{city[2:]}", PROVINCE)
        eng.add_user(f"city_{city}", f"市{city[2:]}民政局", "city", city)
    for county in counties:
        eng.add_area(county, f"县{county[2:]}", county[:4])
        eng.add_user(f"county_{county}", f"县{county[2:]}民政局", "county", county)
        for t in range(1, TOWNSHIPS + 1):
            township = f"{county}{t:03d}"
            eng.add_area(township, f"镇{county[2:]}{t:02d}", county)
            eng.add_user(f"town_{township}", f"镇{township[-5:]}经办", "township", township)
            for v in range(1, VILLAGES + 1):
                eng.add_area(f"{township}{v:03d}", f"村{township[-5:]}{v}", township)
                villages.append(f"{township}{v:03d}")
    return villages


class Writer:
    """Rows to a table in batches: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, eng: Engine, table, batch: int = 20_000, with_id: bool = False):
        self.eng, self.table, self.batch, self.rows = eng, table, batch, []
        self.columns = [c.name for c in table.columns if with_id or c.name != "id"]
        self.written = 0

    def add(self, row: dict) -> None:
        self.rows.append({c: row.get(c) for c in self.columns})

    @property
    def full(self) -> bool:
        return len(self.rows) >= self.batch

    def flush(self) -> None:
        if not self.rows:
            return
        if self.eng.db.sqlite:
            with self.eng.db.write() as session:
                session.execute(insert(self.table), self.rows)
        else:
            raw = self.eng.db.writer.raw_connection()
            try:
                cursor = raw.cursor()
                names = ", ".join(f'"{c}"' for c in self.columns)
                with cursor.copy(f'COPY "{self.table.name}" ({names}) FROM STDIN') as copy:
                    for row in self.rows:
                        copy.write_row([_copy_value(row.get(c)) for c in self.columns])
                raw.commit()
            finally:
                raw.close()
        self.written += len(self.rows)
        self.rows = []


def _copy_value(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def load(eng: Engine, villages: list[str], count: int, seed: int = 11, batch: int = 20_000) -> dict:
    rng = random.Random(seed)
    with eng.db.read() as session:
        version_id = session.scalar(select(func.max(SpecVersion.id)))
        first_id = (session.scalar(select(func.max(Case.id))) or 0) + 1
    cases = Writer(eng, Case.__table__, batch, with_id=True)
    events = Writer(eng, AuditEvent.__table__, batch)
    ledger = Writer(eng, LedgerEntry.__table__, batch)
    open_tasks = Writer(eng, OpenTask.__table__, batch)
    writers = (cases, events, ledger, open_tasks)
    now = datetime.now(UTC)
    for number in range(count):
        case_id = first_id + number
        village = villages[number % len(villages)]
        started = START + timedelta(seconds=rng.randrange(300 * 86400))
        category = rng.choice(["emergency", "emergency", "expenditure", "major", None])
        roll = rng.random()
        outcome = None if category is None or roll > 0.9 else ("approved" if roll < 0.7 else "refused")
        if category is None:
            outcome = "refused" if roll < 0.5 else None
        names = STEPS.get(category, ["受理审查"])
        steps, moment = [], started
        for _ in names:  # each step completes some hours to two weeks after the one before
            moment += timedelta(hours=rng.uniform(2, 24 * 15))
            steps.append(moment)
        status = "running" if outcome is None else "completed"
        amount = rng.randrange(300, 9000, 50) if outcome == "approved" else None
        case_no = f"{village[:6]}-2026-{number:07d}"
        closed = steps[-1] if status == "completed" else None
        cases.add(
            {
                "id": case_id,
                "case_no": case_no,
                "spec_version_id": version_id,
                "process_id": "temporary_assistance",
                "area_code": village,
                "county_code": village[:6],
                "channel": "window",
                "status": status,
                "category": category,
                "applicant_name": f"申请人{number}",
                "applicant_id_number": f"63{number:015d}X"[:18],
                "reason": "disaster_accident",
                "outcome": outcome,
                "outcome_reason": None,
                "amount": amount,
                "current_step": None,
                "attention": None,
                "started_at": started,
                "updated_at": closed or started,
                "closed_at": closed,
                "started_by": f"town_{village[:9]}",
                "version": 1,
            }
        )
        clerk = f"town_{village[:9]}"
        events.add(
            {
                "at": started,
                "actor": clerk,
                "action": "case_started",
                "case_id": case_id,
                "spec_version_id": version_id,
                "parameter_version": 0,
            }
        )
        done = names if status == "completed" else names[:-1]
        opened = started
        for name, at in zip(done, steps, strict=False):
            events.add(
                {
                    "at": at,
                    "actor": clerk,
                    "action": "task_completed",
                    "case_id": case_id,
                    "element_name": name,
                    "spec_version_id": version_id,
                    "parameter_version": 0,
                    "opened_at": opened,
                }
            )
            opened = at
        if status == "running":
            open_tasks.add(
                {
                    "task_id": f"b{case_id:035d}",
                    "case_id": case_id,
                    "case_no": case_no,
                    "element_id": "Task",
                    "name": names[len(done)],
                    "process_id": "p",
                    "lane": None,
                    "role": "township",
                    "area_code": village,
                    "category": category,
                    "applicant_name": f"申请人{number}",
                    "form": None,
                    "ui_form": None,
                    "created_at": opened,
                    "due_at": min(steps[-1], now),
                    "claimed_by": None,
                }
            )
        if amount:
            stages = 2 if category == "emergency" and rng.random() < 0.3 else 1
            for stage in range(1, stages + 1):
                way = rng.choice(WAYS)
                ledger.add(
                    {
                        "case_id": case_id,
                        "case_no": case_no,
                        "area_code": village,
                        "county_code": village[:6],
                        "category": category,
                        "applicant_name": f"申请人{number}",
                        "amount": 0 if way == "referral" else amount // stages,
                        "way": way,
                        "stage": stage,
                        "note": "",
                        "approver": clerk,
                        "recorded_at": steps[-1] + timedelta(days=30 * (stage - 1)),
                    }
                )
        if any(w.full for w in writers):  # cases first: the other rows refer to them
            for writer in writers:
                writer.flush()
        if number % 50_000 == 49_999:
            print(f"    {number + 1} cases written", flush=True)
    for writer in writers:
        writer.flush()
    with eng.db.write() as session:  # the dashboards' facts, as the engine keeps them step by step
        report_facts.rebuild(session)
        report_durations.rebuild(session)
    if not eng.db.sqlite:
        with eng.db.writer.connect() as connection:
            for table in ("cases", "audit_events", "ledger_entries"):
                connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )
            connection.commit()
    return {
        "cases": cases.written,
        "events": events.written,
        "ledger": ledger.written,
        "open": open_tasks.written,
    }


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def timed(label: str, runs: int, call) -> None:
    call()
    ms = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        ms.append((time.perf_counter() - started) * 1000)
    print(f"  {label:<52} n={runs:>3}  p50={pct(ms, 50):9.1f} ms  p95={pct(ms, 95):9.1f} ms", flush=True)


class _Progress:
    """The export job's context without a queue row: counts the progress reports."""

    def __init__(self):
        self.id, self.params, self.reports = 0, {}, 0

    def progress(self, done, total=None, message=None, force=False):
        self.reports += 1


def measure(eng: Engine, counties: list[str], runs: int, exports: int, folder: Path) -> None:
    from engine.views.reports import exports as export_views

    county = counties[0]
    township = f"{county}001"
    reports = eng.reports()
    inbox = eng.inbox(f"town_{township}")
    board = reports.dashboard(f"county_{county}", YEAR)
    print(
        f"  township {township}: {inbox.total} open tasks; county {county}: "
        f"{board.total('applications')} applications in 2026",
        flush=True,
    )
    timed(f"township clerk's inbox ({inbox.total} open)", runs, lambda: eng.inbox(f"town_{township}"))
    timed("county dashboard, 2026", runs, lambda: reports.dashboard(f"county_{county}", YEAR))
    timed("province dashboard, 2026", max(3, runs // 4), lambda: reports.dashboard("province_reader", YEAR))
    timed(
        "county ledger page (50 rows, total, sum)",
        runs,
        lambda: reports.ledger(f"county_{county}", LedgerFilter()),
    )

    def export():
        job = _Progress()
        job.id = int(time.time() * 1000) % 10**9
        job.params = {"filters": {}, "format": "xlsx", "area": county}
        return export_views.run_export(eng.uow(readonly=True), job)

    os.environ["JIUZHU_EXPORTS_DIR"] = str(folder)
    result = export()
    timed(f"county XLSX export job ({result['rows']} rows)", exports, export)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="an empty database (PostgreSQL for the figures)")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--counties", type=int, default=50)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--exports", type=int, default=3)
    parser.add_argument("--batch", type=int, default=20_000, help="rows per COPY / executemany")
    parser.add_argument("--skip-load", action="store_true", help="measure a database loaded before")
    args = parser.parse_args()
    eng = Engine.open(args.url)
    counties = county_codes(args.counties)
    if not args.skip_load:
        eng.deploy(by="bench")
        started = time.perf_counter()
        villages = areas_and_people(eng, counties)
        loaded = load(eng, villages, args.cases, batch=args.batch)
        if not eng.db.sqlite:
            with eng.db.writer.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
        print(
            f"  loaded {loaded['cases']} cases, {loaded['events']} audit events, {loaded['ledger']} ledger rows, "
            f"{loaded['open']} open tasks over {len(counties)} counties in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
    with tempfile.TemporaryDirectory() as folder:
        measure(eng, counties, args.runs, args.exports, Path(folder))
    eng.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
