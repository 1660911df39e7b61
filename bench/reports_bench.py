"""Reports benchmark: the dashboard and the ledger export with 100 000 cases in the database.

    .venv/bin/python bench/reports_bench.py [--cases 100000] [--runs 20] [--exports 5] [--postgres URL]

Database: the shipped diagrams and forms, the demo areas and users plus eight more townships with a
village each, and `--cases` cases over twelve months (tests/engine/reports_seed.py: 急难型 / 支出型 /
重大 / unclassified, 70 % approved, payments in cash, in kind and referrals, two to five completed
steps each, 10 % still open with an overdue task), inserted in bulk.

Measured through engine/ (what the pages call; the pages add only template rendering):
- dashboard of the county for the twelve months, and of one township;
- the first ledger page (50 rows, total and sum) of the county;
- the full ledger export of the county as CSV and as XLSX (every row, streamed from the database).

Prints p50/p95 per figure; asserts nothing.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine import Engine
from engine.demo import seed as seed_demo
from engine.views.reports import LedgerFilter
from tests.engine import reports_seed

TOWNSHIPS = ["639001001", "639001002", *[f"639001{i:03d}" for i in range(3, 11)]]
VILLAGES = [f"{t}001" for t in TOWNSHIPS]
START = datetime(2026, 1, 1, tzinfo=UTC)
YEAR = LedgerFilter(date_from=date(2026, 1, 1), date_to=date(2026, 12, 31))


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def timed(label: str, runs: int, call) -> None:
    call()  # warm: parsed statements, the first page of the file in the OS cache
    ms = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        ms.append((time.perf_counter() - started) * 1000)
    print(f"  {label:<46} n={runs:>3}  p50={pct(ms, 50):8.1f} ms  p95={pct(ms, 95):8.1f} ms", flush=True)


def prepare(url: str, cases: int) -> Engine:
    eng = Engine.open(url)
    eng.deploy(by="bench")
    seed_demo(eng, with_cases=False)
    for township in TOWNSHIPS[2:]:
        eng.add_area(township, f"乡镇{township[-3:]}", "639001")
        eng.add_area(f"{township}001", f"村{township[-3:]}", township)
    started = time.perf_counter()
    seeded = reports_seed.seed(eng, VILLAGES, cases, START, 365, approver="town_chengguan")
    if not eng.db.sqlite:  # as autovacuum would have done on a database that grew to this size
        with eng.db.writer.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
            connection.commit()
    print(
        f"  seeded {seeded.cases} cases, {seeded.payments} ledger rows ({seeded.amount} 元) "
        f"in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    return eng


def measure(eng: Engine, runs: int, exports: int) -> None:
    reports = eng.reports()
    board = reports.dashboard("auditor", YEAR)
    rows = reports.ledger("auditor", LedgerFilter(), limit=1).total
    print(
        f"  dashboard: {board.total('applications')} applications, {board.total('payments')} payments, "
        f"{board.total('amounts')} 元; ledger rows {rows}",
        flush=True,
    )
    timed("dashboard, county, 12 months", runs, lambda: reports.dashboard("auditor", YEAR))
    timed(
        "dashboard, one township, 12 months",
        runs,
        lambda: reports.dashboard(
            "auditor", LedgerFilter(area_code="639001001", date_from=YEAR.date_from, date_to=YEAR.date_to)
        ),
    )
    timed("ledger page (50 rows + total), county", runs, lambda: reports.ledger("auditor", LedgerFilter()))
    timed(
        f"ledger export CSV, county ({rows} rows)",
        exports,
        lambda: sum(len(chunk) for chunk in reports.export_csv("auditor", LedgerFilter())),
    )
    timed(
        f"ledger export XLSX, county ({rows} rows)",
        exports,
        lambda: reports.export_xlsx("auditor", LedgerFilter(), io.BytesIO()),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--exports", type=int, default=5)
    parser.add_argument("--postgres", default=None, help="an empty PostgreSQL database URL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        targets = [("SQLite", f"sqlite:///{folder}/reports.sqlite3")]
        if args.postgres:
            targets.append(("PostgreSQL", args.postgres))
        for name, url in targets:
            print(f"{name}: {args.cases} cases", flush=True)
            eng = prepare(url, args.cases)
            measure(eng, args.runs, args.exports)
            eng.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
