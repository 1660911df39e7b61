"""The unit of work: one user action is one database transaction.

A service receives a UnitOfWork, does its work inside `with uow:` on `uow.session`, and calls
`uow.commit()` once; leaving the block without committing rolls everything back, so an action that
fails half-way leaves nothing behind. The unit of work also carries the clock (tests move it) and the
registry of parsed spec versions, so no module below the services reaches for a global or a facade.
(After Cosmic Python's `service_layer/unit_of_work.py`.)
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from datetime import datetime
from types import TracebackType
from typing import Self

from sqlalchemy.orm import Session

from engine.store.db import READ_ONLY, Database
from engine.store.models import AuditEvent
from engine.workflow.registry import SpecRegistry


class _Abandoned(Exception):
    """Ends a pipeline whose work is rolled back (UnitOfWork.rollback)."""


class UnitOfWork:
    """A transaction on `db` with the clock and the spec registry.

    `readonly` units read from the readers' pool (on SQLite they never wait for a writer), may not
    write (an INSERT, UPDATE or DELETE raises) and end in COMMIT. One object may be entered again
    after it was left: each `with` is a new transaction.
    """

    session: Session

    def __init__(
        self, db: Database, clock: Callable[[], datetime], specs: SpecRegistry, readonly: bool = False
    ):
        self.db = db
        self.clock = clock
        self.specs = specs
        self.readonly = readonly

    def __enter__(self) -> Self:
        self.session = self.db.session(write=not self.readonly)
        self._pipeline: ExitStack | None = None
        if self.readonly:  # an INSERT, UPDATE or DELETE in it fails (engine.store.db.READ_ONLY)
            self.session.connection(execution_options=READ_ONLY)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        try:
            if self.readonly and kind is None:
                # Nothing to undo, and not ROLLBACK: psycopg drops all the connection's prepared
                # statements on one, so none would ever be prepared (each planned again: 0.2 ms for
                # a step's first read on PostgreSQL).
                self.session.commit()
            else:
                self.rollback()  # a no-op after commit()
        finally:
            self.session.close()

    def commit(self) -> None:
        if self.readonly:
            raise RuntimeError("a read-only unit of work cannot commit changes")
        self._end_pipeline(abandon=False)  # the queued writes answered and checked first
        self.session.commit()

    def rollback(self) -> None:
        self._end_pipeline(abandon=True)  # out of pipeline mode before the connection goes back
        self.session.rollback()

    def _end_pipeline(self, abandon: bool) -> None:
        pipeline, self._pipeline = self._pipeline, None
        if pipeline is None:
            return
        if abandon:  # what is queued is rolled back: its errors and row-count checks no longer matter
            pipeline.__exit__(_Abandoned, _Abandoned(), None)
        else:
            pipeline.__exit__(None, None, None)

    def pipeline(self) -> None:
        """From here to the commit, on PostgreSQL, writes marked DEFERRED do not wait for their
        answers: they travel with the next statement that is not, and the rest just before the commit,
        whose row-count checks run before anything is committed (engine.store.db.Database.pipelined).
        """
        if self._pipeline is None:
            self._pipeline = ExitStack()
            self._pipeline.enter_context(self.db.pipelined(self.session))

    def now(self) -> datetime:
        return self.clock()

    def reading(self) -> UnitOfWork:
        """A read-only unit of work on the same database, clock and specs (e.g. to find due timers
        before firing each in its own transaction)."""
        return UnitOfWork(self.db, self.clock, self.specs, readonly=True)

    def writing(self) -> UnitOfWork:
        """A unit of work that may write, on the same database, clock and specs (e.g. to audit a view
        from a reading service)."""
        return UnitOfWork(self.db, self.clock, self.specs)

    @property
    def sqlite(self) -> bool:
        return self.db.sqlite

    def audit_apart(self, event: AuditEvent) -> None:
        """Record an event in its own small transaction, whatever happens to this one: a refused
        attempt is audited, and the action it tried is rolled back."""
        self.rollback()
        with self.db.session(write=True) as session, session.begin():
            session.add(event)
