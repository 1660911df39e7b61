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
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import CursorResult, or_, select, update

from engine import logs, metrics
from engine.errors import NotFound, NotPermitted
from engine.store.models import Job

if TYPE_CHECKING:
    from engine.facade import Engine

log = logging.getLogger(__name__)
LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 3
KINDS: dict[str, Callable[[Engine, JobContext], dict | None]] = {}


def handler(kind: str):
    """Register the function that does a kind of job: f(eng, job) -> result dict."""

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


def get(eng: Engine, job_id: int, username: str | None = None) -> JobView:
    """A job as its page shows it; only to the user who started it (None: the system)."""
    with eng.db.read() as session:
        job = session.get(Job, job_id)
        if job is None:
            raise NotFound(f"任务 {job_id} 不存在")
        if username is not None and job.created_by != username:
            raise NotPermitted("只能查看自己发起的任务")
        return _view(job)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident() % 100000}"


def claim(eng: Engine, worker: str, kinds: tuple[str, ...] | None = None) -> int | None:
    """Take the oldest queued job, or one whose lease lapsed; returns its id (None: nothing to do)."""
    now = eng.now()
    with eng.db.write() as session:
        stmt = (
            select(Job)
            .where(or_(Job.status == "queued", (Job.status == "running") & (Job.lease_until < now)))
            .order_by(Job.id)
            .limit(1)
        )
        if kinds:
            stmt = stmt.where(Job.kind.in_(kinds))
        if not eng.db.sqlite:
            stmt = stmt.with_for_update(skip_locked=True)
        job = session.scalars(stmt).first()
        if job is None:
            return None
        if job.attempts >= MAX_ATTEMPTS:
            job.status, job.error, job.finished_at = "failed", (job.error or "") + "\n多次中断，已放弃", now
            metrics.instruments().jobs_done.labels(job.kind, "failed").inc()
            return None
        job.status, job.claimed_by, job.lease_until = "running", worker, now + LEASE
        job.attempts += 1
        return job.id


class JobContext:
    """What a job's handler sees: its parameters, and `progress()` to report (and renew the lease)."""

    def __init__(
        self,
        eng: Engine,
        job_id: int,
        worker: str,
        kind: str,
        params: dict,
        attempt: int,
        stop: Callable[[], bool] = lambda: False,
    ):
        self.eng, self.id, self.worker, self.kind, self.params, self.attempt = (
            eng,
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
        values = {"progress": done, "lease_until": self.eng.now() + LEASE}
        if total is not None:
            values["total"] = total
        if message is not None:
            values["message"] = message
        with self.eng.db.write() as session:
            changed = cast(  # an UPDATE's result is a CursorResult; Session.execute is typed as Result
                CursorResult[Any],
                session.execute(
                    update(Job)
                    .where(Job.id == self.id, Job.claimed_by == self.worker, Job.status == "running")
                    .values(**values)
                ),
            ).rowcount
        if changed == 0:
            raise LeaseLost(self.id)


def run_one(eng: Engine, job_id: int, worker: str, stop: Callable[[], bool] = lambda: False) -> str:
    """Do a claimed job and record its end; returns the status."""
    _load_handlers()
    with eng.db.read() as session:
        job = session.get_one(Job, job_id)
        kind, params, attempt = job.kind, dict(job.params), job.attempts
    context = JobContext(eng, job_id, worker, kind, params, attempt, stop)
    started = time.monotonic()
    try:
        result = KINDS[kind](eng, context)
        status, error = "done", None
    except LeaseLost:
        logs.event(log, "job_lease_lost", logging.WARNING, job_id=job_id, kind=kind, worker=worker)
        return "lost"
    except Interrupted:
        with eng.db.write() as session:  # back to the queue: another worker starts it again now
            session.execute(
                update(Job)
                .where(Job.id == job_id, Job.claimed_by == worker, Job.status == "running")
                .values(status="queued", claimed_by=None, lease_until=None)
            )
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
    with eng.db.write() as session:
        recorded = cast(  # an UPDATE's result is a CursorResult; Session.execute is typed as Result
            CursorResult[Any],
            session.execute(
                update(Job)
                .where(Job.id == job_id, Job.claimed_by == worker, Job.status == "running")
                .values(status=status, result=result, error=error, finished_at=eng.now(), lease_until=None)
            ),
        ).rowcount
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


def run_now(eng: Engine, job_id: int) -> JobView:
    """Claim and do this job at once in the calling process (no worker; tests and one-off commands)."""
    worker = worker_name() + ":inline"
    with eng.db.write() as session:
        job = session.get_one(Job, job_id)
        job.status, job.claimed_by, job.lease_until, job.attempts = (
            "running",
            worker,
            eng.now() + LEASE,
            job.attempts + 1,
        )
    run_one(eng, job_id, worker)
    return get(eng, job_id)


def work(eng: Engine, stop: Callable[[], bool], idle_sleep: float = 0.5) -> None:
    """The worker's job loop: claim, do, repeat; sleep a little when the queue is empty."""
    worker = worker_name()
    while not stop():
        try:
            job_id = claim(eng, worker)
        except Exception:  # the database may be restarting; try again shortly
            log.exception("claiming a job failed")
            job_id = None
        if job_id is None:
            time.sleep(idle_sleep)
            continue
        run_one(eng, job_id, worker, stop)
