"""The job queue: long work (scenario runs, ledger exports, case migrations) done by `jiuzhu worker`
from a table in the database, never in a thread of a web worker — so recycling or killing a web
worker loses nothing, and the page that started the work shows its progress.

A job is claimed like a timer: PostgreSQL `FOR UPDATE SKIP LOCKED` lets any number of workers take
different jobs; SQLite's writer lock serialises the claim. The claim is a lease (`lease_until`)
that the worker renews each time it reports progress; a job whose worker died (its lease lapsed)
is claimed again, up to MAX_ATTEMPTS times. Only the worker holding the lease may record the end.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, or_, select, update

from engine import logs, metrics
from engine.errors import NotFound, NotPermitted
from engine.store.models import Job
from engine.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)
LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 3
KINDS: dict[str, Callable[[UnitOfWork, JobContext], dict | None]] = {}


def handler(kind: str):
    """Register the function that does a kind of job: f(uow, job) -> result dict. `uow` is a unit of
    work of its own that the handler enters (once or again) or derives readings from; what the job
    changes commits only when the handler commits it."""

    def register(function):
        KINDS[kind] = function
        return function

    return register


def _load_handlers() -> None:
    # The modules that define jobs register their handlers when imported.
    from engine.studio import scenarios, service  # noqa: F401
    from engine.views.reports import exports  # noqa: F401


class LeaseLost(Exception):
    """Another worker holds this job now (ours lapsed); stop without recording anything."""


class Interrupted(Exception):
    """The worker is stopping: the job goes back to the queue for another worker, at once."""


@dataclass
class JobView:
    id: int
    kind: str
    status: str
    progress: int
    total: int | None
    message: str | None
    result: dict | None
    error: str | None
    created_by: str
    created_at: datetime
    finished_at: datetime | None

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return min(100, round(100 * self.progress / self.total))

    def as_dict(self) -> dict:
        return {**self.__dict__, "percent": self.percent}


def _view(job: Job) -> JobView:
    return JobView(
        job.id,
        job.kind,
        job.status,
        job.progress,
        job.total,
        job.message,
        job.result,
        job.error,
        job.created_by,
        job.created_at,
        job.finished_at,
    )


def enqueue(session, kind: str, params: dict, by: str, now: datetime, total: int | None = None) -> int:
    """Add a job in the caller's transaction (it exists only if the action that wants it commits)."""
    if kind not in KINDS:
        _load_handlers()
    if kind not in KINDS:
        raise ValueError(f"unknown job kind {kind}")
    job = Job(
        kind=kind,
        params=params,
        status="queued",
        progress=0,
        total=total,
        attempts=0,
        created_by=by,
        created_at=now,
    )
    session.add(job)
    session.flush()
    return job.id


def get(uow: UnitOfWork, job_id: int, username: str | None = None) -> JobView:
    """A job as its page shows it; only to the user who started it (None: the system). `uow` may be
    read-only."""
    with uow:
        job = uow.session.get(Job, job_id)
        if job is None:
            raise NotFound(f"任务 {job_id} 不存在")
        if username is not None and job.created_by != username:
            raise NotPermitted("只能查看自己发起的任务")
        return _view(job)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident() % 100000}"


def claim(uow: UnitOfWork, worker: str, kinds: tuple[str, ...] | None = None) -> int | None:
    """Take the oldest queued job, or one whose lease lapsed; returns its id (None: nothing to do).
    One unit of work."""
    now = uow.now()
    with uow:
        session = uow.session
        stmt = (
            select(Job)
            .where(or_(Job.status == "queued", (Job.status == "running") & (Job.lease_until < now)))
            .order_by(Job.id)
            .limit(1)
        )
        if kinds:
            stmt = stmt.where(Job.kind.in_(kinds))
        if not uow.sqlite:
            stmt = stmt.with_for_update(skip_locked=True)
        job = session.scalars(stmt).first()
        if job is None:
            return None
        if job.attempts >= MAX_ATTEMPTS:
            job.status, job.error, job.finished_at = "failed", (job.error or "") + "\n多次中断，已放弃", now
            kind = job.kind
            uow.commit()
            metrics.instruments().jobs_done.labels(kind, "failed").inc()
            return None
        job.status, job.claimed_by, job.lease_until = "running", worker, now + LEASE
        job.attempts += 1
        job_id = job.id
        uow.commit()
        return job_id


class JobContext:
    """What a job's handler sees: its parameters, and `progress()` to report (and renew the lease).
    Each report is a unit of work of its own, derived from `uow`."""

    def __init__(
        self,
        uow: UnitOfWork,
        job_id: int,
        worker: str,
        kind: str,
        params: dict,
        attempt: int,
        stop: Callable[[], bool] = lambda: False,
    ):
        self.uow, self.id, self.worker, self.kind, self.params, self.attempt = (
            uow,
            job_id,
            worker,
            kind,
            params,
            attempt,
        )
        self.stop = stop
        self._last = 0.0

    def progress(
        self, done: int, total: int | None = None, message: str | None = None, force: bool = False
    ) -> None:
        """Record how far the job is (at most about once a second unless forced); LeaseLost if another
        worker took the job over, Interrupted if this worker is stopping."""
        if self.stop():
            raise Interrupted(self.id)
        moment = time.monotonic()
        if not force and moment - self._last < 1.0:
            return
        self._last = moment
        values = {"progress": done, "lease_until": self.uow.now() + LEASE}
        if total is not None:
            values["total"] = total
        if message is not None:
            values["message"] = message
        with self.uow.writing() as writing:
            changed = cast(  # an UPDATE's result is a CursorResult; Session.execute is typed as Result
                CursorResult[Any],
                writing.session.execute(
                    update(Job)
                    .where(Job.id == self.id, Job.claimed_by == self.worker, Job.status == "running")
                    .values(**values)
                ),
            ).rowcount
            writing.commit()
        if changed == 0:
            raise LeaseLost(self.id)


def run_one(uow: UnitOfWork, job_id: int, worker: str, stop: Callable[[], bool] = lambda: False) -> str:
    """Do a claimed job and record its end; returns the status. Every transaction (reading the job,
    the handler's, each progress report, the end) is a unit of work derived from `uow`."""
    _load_handlers()
    with uow.reading() as reading:
        job = reading.session.get_one(Job, job_id)
        kind, params, attempt = job.kind, dict(job.params), job.attempts
    context = JobContext(uow, job_id, worker, kind, params, attempt, stop)
    started = time.monotonic()
    try:
        result = KINDS[kind](uow.writing(), context)
        status, error = "done", None
    except LeaseLost:
        logs.event(log, "job_lease_lost", logging.WARNING, job_id=job_id, kind=kind, worker=worker)
        return "lost"
    except Interrupted:
        with uow.writing() as writing:  # back to the queue: another worker starts it again now
            writing.session.execute(
                update(Job)
                .where(Job.id == job_id, Job.claimed_by == worker, Job.status == "running")
                .values(status="queued", claimed_by=None, lease_until=None)
            )
            writing.commit()
        logs.event(log, "job_interrupted", logging.INFO, job_id=job_id, kind=kind, worker=worker)
        return "queued"
    except Exception as err:  # noqa: BLE001 - a failing job is recorded, the worker goes on
        result, status = None, "failed"
        error = f"{type(err).__name__}: {err}"
        logs.event(
            log,
            "job_failed",
            logging.ERROR,
            f"job {job_id} ({kind}) failed: {error}",
            job_id=job_id,
            kind=kind,
            traceback=traceback.format_exc(),
        )
    with uow.writing() as writing:
        recorded = cast(  # an UPDATE's result is a CursorResult; Session.execute is typed as Result
            CursorResult[Any],
            writing.session.execute(
                update(Job)
                .where(Job.id == job_id, Job.claimed_by == worker, Job.status == "running")
                .values(
                    status=status, result=result, error=error, finished_at=writing.now(), lease_until=None
                )
            ),
        ).rowcount
        writing.commit()
    if recorded:
        metrics.instruments().jobs_done.labels(kind, status).inc()
        logs.event(
            log,
            "job_finished",
            logging.INFO,
            job_id=job_id,
            kind=kind,
            status=status,
            seconds=round(time.monotonic() - started, 3),
        )
    return status if recorded else "lost"


def run_now(uow: UnitOfWork, job_id: int) -> JobView:
    """Claim and do this job at once in the calling process (no worker; tests and one-off commands);
    each transaction is a unit of work derived from `uow`."""
    worker = worker_name() + ":inline"
    with uow.writing() as writing:
        job = writing.session.get_one(Job, job_id)
        job.status, job.claimed_by, job.lease_until, job.attempts = (
            "running",
            worker,
            writing.now() + LEASE,
            job.attempts + 1,
        )
        writing.commit()
    run_one(uow, job_id, worker)
    return get(uow.reading(), job_id)


def work(uow: UnitOfWork, stop: Callable[[], bool], idle_sleep: float = 0.5) -> None:
    """The worker's job loop: claim, do, repeat; sleep a little when the queue is empty. `uow` is only
    derived from (each claim and each job has units of its own), so threads may share it."""
    worker = worker_name()
    while not stop():
        try:
            job_id = claim(uow.writing(), worker)
        except Exception:  # the database may be restarting; try again shortly
            log.exception("claiming a job failed")
            job_id = None
        if job_id is None:
            time.sleep(idle_sleep)
            continue
        run_one(uow, job_id, worker, stop)
