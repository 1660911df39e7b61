"""Database connections: SQLite (WAL) by default, PostgreSQL by URL."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import CursorResult
from sqlalchemy.engine import Engine as SAEngine
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from engine.paths import instance_dir


def default_url() -> str:
    """$DATABASE_URL, else the SQLite file in the instance folder (engine.paths)."""
    return os.environ.get("DATABASE_URL") or f"sqlite:///{instance_dir() / 'jiuzhu.sqlite3'}"


def normalise_url(url: str) -> str:
    """Accept postgres:// and postgresql:// and use psycopg 3 for both."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


class Database:
    """Two pools on one database: writers and readers.

    On SQLite every writing unit of work starts with BEGIN IMMEDIATE, so two writers serialise at
    the start instead of one failing to upgrade its read snapshot halfway; readers stay deferred and,
    under WAL, never wait for a writer.
    """

    def __init__(self, url: str | None = None, echo: bool = False):
        self.url = normalise_url(url or default_url())
        self.sqlite = is_sqlite(self.url)
        if self.sqlite:
            self._ensure_sqlite_dir()
        self.writer = self._make_engine(immediate=True, echo=echo)
        self.reader = self._make_engine(immediate=False, echo=echo) if self.sqlite else self.writer
        for engine in {self.writer, self.reader}:
            _refuse_writes_when_read_only(engine)
        self._write_sessions = sessionmaker(self.writer, expire_on_commit=False)
        self._read_sessions = sessionmaker(self.reader, expire_on_commit=False)

    def _ensure_sqlite_dir(self) -> None:
        path = self.url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)

    def _make_engine(self, immediate: bool, echo: bool) -> SAEngine:
        if not self.sqlite:
            size = int(
                os.environ.get("JIUZHU_DB_POOL_SIZE") or 5
            )  # per process: workers × size ≤ max_connections
            engine = create_engine(self.url, echo=echo, pool_size=size, max_overflow=size)
            _ping_when_idle(engine, float(os.environ.get("JIUZHU_DB_PING_AFTER") or 10))
            _sync_pipeline_unless_deferred(engine)
            return engine
        engine = create_engine(self.url, echo=echo, connect_args={"timeout": 30, "check_same_thread": False})
        _configure_sqlite(engine, immediate)
        return engine

    def session(self, write: bool = True) -> Session:
        """A new session on the writers' pool (or, with write=False, the readers'); the caller ends it."""
        return (self._write_sessions if write else self._read_sessions)()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction for tools and tests: commits on a clean exit, rolls back on any exception.
        The engine's own actions use engine.unit_of_work instead."""
        with self._write_sessions() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._read_sessions() as session, session.begin():
            yield session

    @contextmanager
    def pipelined(self, session: Session) -> Iterator[None]:
        """On PostgreSQL, the session's statements marked DEFERRED are sent without waiting for each
        answer (psycopg's pipeline mode): they travel with the next statement that is not, and the
        rest when the block ends, before the commit, which is its own round trip. Row counts asked
        for with `when_counted` are checked then. Elsewhere nothing changes."""
        if self.sqlite:
            yield
            return
        connection = session.connection()
        info = connection.info  # the pooled connection's: still there after the session lets it go
        driver, error = connection.connection.driver_connection, connection.dialect.loaded_dbapi.Error
        assert driver is not None  # a live psycopg connection: the session just checked it out
        checks: list[Callable[[], None]] = []
        try:
            with driver.pipeline() as pipeline:  # leaving it sends what is queued and waits once
                info[_PIPELINE], info[_COUNT_CHECKS] = pipeline, checks
                yield
        except error as err:  # a queued write failed: raised as SQLAlchemy raises a statement's error
            raise DBAPIError.instance(None, None, err, error) from err
        finally:
            info.pop(_PIPELINE, None)
            info.pop(_COUNT_CHECKS, None)
        for check in checks:
            check()

    def dispose(self) -> None:
        self.writer.dispose()
        if self.reader is not self.writer:
            self.reader.dispose()


# A connection with this execution option (a read-only unit of work's) refuses INSERT, UPDATE and
# DELETE: such a unit ends in COMMIT (engine.unit_of_work), so a write in it must fail, not commit.
READ_ONLY = {"jiuzhu_read_only": True}


class WriteInReadOnlyUnit(RuntimeError):
    """A read-only unit of work tried to change the database (a programming error)."""


def _refuse_writes_when_read_only(engine: SAEngine) -> None:
    @event.listens_for(engine, "before_cursor_execute")
    def before_execute(_conn, _cursor, statement, _parameters, context, _many):
        writes = context is not None and (context.isinsert or context.isupdate or context.isdelete)
        if writes and context.execution_options.get("jiuzhu_read_only"):
            raise WriteInReadOnlyUnit(f"a read-only unit of work may not write: {statement[:80]}")


# A statement whose answer is not read at once (no rows; a row count only through `when_counted`)
# may wait in the pipeline (Database.pipelined).
DEFERRED = {"jiuzhu_deferred": True}
_PIPELINE, _COUNT_CHECKS = "jiuzhu_pipeline", "jiuzhu_count_checks"


def when_counted(session: Session, result: CursorResult, check: Callable[[int], None]) -> None:
    """Call `check` with the row count of a DEFERRED statement's `result`: at once, or, in a
    pipeline, when its answer has come (still before the commit)."""
    checks = session.connection().info.get(_COUNT_CHECKS)
    if checks is None:
        check(result.rowcount)
        return
    cursor = result.context.cursor
    checks.append(lambda: check(cursor.rowcount))


def _sync_pipeline_unless_deferred(engine: SAEngine) -> None:
    """In a pipeline, any statement not marked DEFERRED is answered at once (its rows, its row count),
    and with it everything queued before it."""

    @event.listens_for(engine, "after_cursor_execute")
    def after_execute(conn, _cursor, _statement, _parameters, context, _many):
        pipeline = conn.info.get(_PIPELINE)
        if pipeline is not None and not context.execution_options.get("jiuzhu_deferred"):
            pipeline.sync()


def _ping_when_idle(engine: SAEngine, after_seconds: float) -> None:
    """Test a pooled connection before use only when it sat idle longer than `after_seconds` (a
    restarted server or a firewall dropped it meanwhile); a dead one is replaced. SQLAlchemy's
    pool_pre_ping pings on every checkout: a round trip for each of the several transactions of a
    page, about a tenth of a web worker's time under the load test. A connection that dies while
    in use invalidates the pool anyway (SQLAlchemy's disconnect handling)."""

    @event.listens_for(engine, "checkin")
    def on_checkin(_dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def on_checkout(dbapi_connection, record, _proxy):
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since <= after_seconds:
            return
        try:
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            dbapi_connection.rollback()
        except Exception as err:  # any failure means: use another connection
            raise DisconnectionError(str(err)) from err


def _configure_sqlite(engine: SAEngine, immediate: bool) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # let SQLAlchemy's begin event issue BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
