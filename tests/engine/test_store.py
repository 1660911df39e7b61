"""Storage rules: the audit log is append-only; the domain core never imports Flask."""

from __future__ import annotations

import ast
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from engine.store.models import Area
from tests.conftest import TOWN_A, VILLAGE_A1


def test_audit_events_refuse_update_and_delete(mini_engine, applicant):
    mini_engine.start_case({"applicant": applicant, "reason": "fire", "divisor": 1}, VILLAGE_A1, by="town_a")
    for statement in ("UPDATE audit_events SET actor = 'someone'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"), mini_engine.db.write() as session:
            session.execute(text(statement))


def test_engine_imports_no_flask():
    root = Path(__file__).resolve().parents[2] / "engine"
    offenders = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            offenders += [
                f"{path.name}: {n}" for n in names if n.split(".")[0] in ("flask", "flask_login", "werkzeug")
            ]
    assert offenders == []


def test_no_module_below_the_facade_imports_it():
    """Services, views, the studio and the worker receive a unit of work, never the Engine: only the
    facade itself and the entry points that build it (the package, the CLI, the demo seed) import it."""
    root = Path(__file__).resolve().parents[2] / "engine"
    entry_points = {"__init__.py", "facade.py", "cli.py", "demo.py"}
    offenders = []
    for path in root.rglob("*.py"):
        if path.parent == root and path.name in entry_points:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (
                node.module == "engine.facade"
                or (node.module == "engine" and any(a.name in ("Engine", "facade") for a in node.names))
            ):
                offenders.append(str(path.relative_to(root)))
    assert offenders == []


def test_inbox_query_reads_only_its_own_table(mini_engine, applicant, monkeypatch):
    mini_engine.start_case({"applicant": applicant, "reason": "fire", "divisor": 1}, VILLAGE_A1, by="town_a")
    from engine.workflow import specs

    def refuse(*args, **kwargs):
        raise AssertionError("the inbox deserialized a workflow")

    monkeypatch.setattr(specs.LoadedSpecs, "load_workflow", refuse)
    assert mini_engine.inbox("town_a").total == 1


@pytest.mark.postgres
def test_a_connection_the_server_dropped_while_idle_is_replaced_not_failed(pg_url, monkeypatch):
    """A database restart or a firewall drops idle pooled connections: the next request gets a
    live one. A connection used a moment ago is not tested again (a round trip per transaction)."""
    import psycopg
    from sqlalchemy import text

    from engine.store.db import Database

    monkeypatch.setenv("JIUZHU_DB_PING_AFTER", "0.2")
    db = Database(pg_url)
    with db.read() as session:
        backend = session.execute(text("SELECT pg_backend_pid()")).scalar()
    with db.read() as session:  # at once: the same connection, not pinged
        assert session.execute(text("SELECT pg_backend_pid()")).scalar() == backend
    with psycopg.connect(pg_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (backend,))
    time.sleep(0.3)
    with db.read() as session:  # idle past the limit and dead: tested, replaced, the query runs
        assert session.execute(text("SELECT pg_backend_pid()")).scalar() != backend
    db.dispose()


def test_area_names_are_kept_a_minute_and_an_area_added_here_is_seen_at_once(mini_engine, monkeypatch):
    from engine import facade
    from engine.store.models import Area

    names = mini_engine.area_names()
    mini_engine.add_area(TOWN_A[:6] + "099", "新设街道", TOWN_A[:6])
    assert mini_engine.area_names()[TOWN_A[:6] + "099"] == "新设街道"  # through this engine: at once
    with mini_engine.db.write() as session:  # another process (an import, the CLI) renames it
        session.get(Area, TOWN_A[:6] + "099").name = "更名街道"
    assert mini_engine.area_names()[TOWN_A[:6] + "099"] == "新设街道"  # this process: within the minute
    monkeypatch.setattr(facade, "AREA_NAMES_SECONDS", 0.0)
    assert mini_engine.area_names()[TOWN_A[:6] + "099"] == "更名街道"
    assert set(names) < set(mini_engine.area_names())


def test_the_migrations_build_the_schema_the_models_declare(db_url):
    """What `jiuzhu init-db` builds is what the code expects: a model index, column or table without
    its migration (or the reverse) is a difference here."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    import engine.store.studio_models
    import engine.store.web_models  # noqa: F401 - their tables belong to the same metadata
    from engine import Engine
    from engine.store.models import Base

    eng = Engine.open(db_url)
    with eng.db.writer.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        assert compare_metadata(context, Base.metadata) == []
    eng.close()


_NEW_AREA = text("INSERT INTO areas (code, name, level) VALUES ('999999', '新县', 'county')")


def _has_new_area(eng) -> bool:
    with eng.db.read() as session:
        return session.execute(text("SELECT count(*) FROM areas WHERE code = '999999'")).scalar() == 1


def test_a_pipelined_write_whose_row_count_is_wrong_fails_before_the_commit(mini_engine):
    """On PostgreSQL a step's writes travel together (Database.pipelined), and a row count is known
    only when their answer comes: a checked update that matched nothing still refuses the action, and
    the writes queued with it are not committed."""
    from engine.errors import Conflict
    from engine.store.db import DEFERRED, when_counted

    def exactly_one(count: int) -> None:
        if count != 1:
            raise Conflict(f"{count} rows")

    uow = mini_engine.uow()
    with pytest.raises(Conflict, match="0 rows"), uow:
        uow.pipeline()
        uow.session.execute(_NEW_AREA.execution_options(**DEFERRED))
        result = uow.session.execute(
            text("UPDATE cases SET version = version + 1 WHERE id = -1").execution_options(**DEFERRED)
        )
        when_counted(uow.session, result, exactly_one)
        uow.commit()
    assert not _has_new_area(mini_engine)


def test_a_pipelined_write_that_fails_raises_as_sqlalchemy_would_and_commits_nothing(mini_engine):
    """A queued write's error comes with the pipeline's answer; the caller sees SQLAlchemy's
    IntegrityError (as `complete_task` expects for a racing key), and nothing is committed."""
    from sqlalchemy.exc import IntegrityError

    from engine.store.db import DEFERRED

    uow = mini_engine.uow()
    with pytest.raises(IntegrityError), uow:
        uow.pipeline()
        uow.session.execute(_NEW_AREA.execution_options(**DEFERRED))
        uow.session.execute(
            text(
                f"INSERT INTO areas (code, name, level) VALUES ('{TOWN_A}', '重复', 'township')"
            ).execution_options(**DEFERRED)
        )
        uow.commit()
    assert not _has_new_area(mini_engine)


def test_a_read_only_unit_of_work_that_writes_fails_and_keeps_nothing(mini_engine):
    """Read-only units end in COMMIT (a rollback would drop psycopg's prepared statements), so a write
    in one must fail instead of being kept."""
    from engine.store.db import WriteInReadOnlyUnit

    with pytest.raises(WriteInReadOnlyUnit), mini_engine.uow(readonly=True) as uow:
        assert uow.session.execute(text("SELECT count(*) FROM areas")).scalar() > 0  # reads are fine
        uow.session.execute(Area.__table__.insert().values(code="999999", name="新县", level="county"))
    assert not _has_new_area(mini_engine)
