"""`jiuzhu worker`: fires timers (main thread) and does queued jobs (job threads) until told to stop.

Any number of workers may run on one PostgreSQL: each timer and each job is claimed by one of them
(engine/services/timers.py, engine/services/jobs.py). A worker stopped in the middle of a job leaves
it to another once its lease lapses, so stopping or crashing loses nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from engine.services import jobs, timers
from engine.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


def run(uow: UnitOfWork, stop: Callable[[], bool], job_threads: int = 1) -> None:
    """Fire timers and do jobs until `stop()`; every transaction is a unit of work derived from `uow`."""
    workers = [
        threading.Thread(target=jobs.work, args=(uow, stop), name=f"jobs-{n}", daemon=True)
        for n in range(job_threads)
    ]
    for thread in workers:
        thread.start()
    log.info("worker started", extra={"fields": {"event": "worker_started", "job_threads": job_threads}})
    timers.run_worker(uow, stop)
    for thread in workers:
        thread.join(timeout=10)  # a job still running is resumed by another worker when its lease lapses
    log.info("worker stopped", extra={"fields": {"event": "worker_stopped"}})
