"""Backups restore the same records: SQLite's online backup (`jiuzhu backup`) and PostgreSQL's
pg_dump / pg_restore round trips give back every case, audit event and ledger row, unchanged."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from engine import Engine
from engine.demo import seed
from engine.store.models import AuditEvent, Case, CaseState, LedgerEntry, OpenTask, Timer
from tests.conftest import PG_ADMIN_URL
from tests.engine import reports_seed
from tests.serving import run_cli
from tests.web.journeys import advance, start

TABLES = (Case, AuditEvent, LedgerEntry, CaseState, OpenTask, Timer)


def history(url: str) -> None:
    """Real cases through the engine (workflow states, timers, open tasks) and a year of bulk history."""
    eng = Engine.open(url)
    eng.deploy()
    seed(eng, with_cases=True)
    case_no = start(eng)
    advance(eng, case_no, "发放")
    reports_seed.seed(eng, ["639001001001", "639001002001"], 300, datetime(2026, 1, 1, tzinfo=UTC), 365)
    eng.close()


def snapshot(url: str) -> dict[str, list[tuple]]:
    eng = Engine.open(url, migrate=False)
    with eng.db.read() as session:
        found = {}
        for model in TABLES:
            table = model.__table__
            key = list(table.primary_key.columns)
            found[table.name] = [tuple(row) for row in session.execute(select(table).order_by(*key))]
    eng.close()
    assert found["cases"] and found["audit_events"] and found["ledger_entries"] and found["case_states"]
    return found


def test_sqlite_online_backup_restores_the_same_records(tmp_path):
    url = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    history(url)
    done = run_cli(url, tmp_path, "backup", str(tmp_path / "backup.sqlite3"))
    assert done.returncode == 0, done.stderr
    restored = tmp_path / "restored.sqlite3"
    shutil.copyfile(tmp_path / "backup.sqlite3", restored)  # as an operator puts the file back
    assert snapshot(f"sqlite:///{restored}") == snapshot(url)
    eng = Engine.open(f"sqlite:///{restored}", migrate=False)
    eng.fire_due()  # the restored database works, not only reads
    eng.close()


@pytest.mark.postgres
def test_pg_dump_and_pg_restore_give_back_the_same_records(tmp_path, pg_url):
    for tool in ("pg_dump", "pg_restore"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing: scripts/test.sh installs Debian's postgresql-client")
    import psycopg

    Engine.open(pg_url).close()
    from tests.conftest import _reset_pg

    _reset_pg(pg_url)
    history(pg_url)
    dump = tmp_path / "jiuzhu.dump"
    plain = pg_url.replace("postgresql+psycopg://", "postgresql://")
    subprocess.run(["pg_dump", "-Fc", "-d", plain, "-f", str(dump)], check=True, timeout=120)
    name = f"jiuzhu_restore_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    restored = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    try:
        subprocess.run(["pg_restore", "--no-owner", "-d", restored, str(dump)], check=True, timeout=120)
        assert snapshot(restored) == snapshot(pg_url)
        eng = Engine.open(restored, migrate=False)
        # the append-only triggers came back too
        with pytest.raises(Exception, match="(?i)audit"), eng.db.write() as session:
            session.execute(AuditEvent.__table__.delete())
        eng.close()
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
