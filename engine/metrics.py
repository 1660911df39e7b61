"""Prometheus metrics (prometheus-client), shared by the web workers and the worker of one host.

Counters and histograms are created on first use, never at import: `jiuzhu serve` must set
PROMETHEUS_MULTIPROC_DIR before prometheus_client is imported, so that every gunicorn worker writes
its samples to files that whichever worker answers /metrics adds up (multiprocess mode). Figures
that live in the database — open and overdue tasks, due timers, incidents, scenario runs, queued
jobs — are read when /metrics is scraped (DatabaseCollector), so they hold across hosts.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the engine imports this module (engine.workflow.persist); it imports none of theirs
    from engine.store.db import Database
    from engine.unit_of_work import UnitOfWork

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LAG_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 3600.0)


@dataclass(frozen=True)
class Instruments:
    requests: Any  # Histogram: seconds per request, by method and route
    responses: Any  # Counter: responses by method, route and status class
    timer_lag: Any  # Histogram: seconds from a timer's due time to its firing
    timers_fired: Any  # Counter
    incidents: Any  # Counter: steps that failed and sent a case to 需关注
    access_refused: Any  # Counter: refused reads or actions, by what
    jobs_done: Any  # Counter: background jobs finished, by kind and outcome
    pool_checked_out: Any  # Gauge (live sum over processes): database connections in use
    pool_size: Any  # Gauge (live sum): connections each process may keep


def multiprocess() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def prepare_folder() -> None:
    """Create the shared metrics folder if it is configured and missing (whichever of the web server
    and the worker starts first)."""
    if multiprocess():
        os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)


_CREATING = threading.Lock()


def instruments() -> Instruments:
    with _CREATING:  # threads of one worker may ask first at the same moment
        return _instruments()


@cache
def _instruments() -> Instruments:
    prepare_folder()
    from prometheus_client import Counter, Gauge, Histogram

    return Instruments(
        requests=Histogram(
            "jiuzhu_http_request_duration_seconds",
            "Time to answer a request, by route",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
        ),
        responses=Counter(
            "jiuzhu_http_responses_total",
            "Responses by route and status class",
            ["method", "route", "status"],
        ),
        timer_lag=Histogram(
            "jiuzhu_timer_lag_seconds", "Seconds from a timer's due time to its firing", buckets=LAG_BUCKETS
        ),
        timers_fired=Counter("jiuzhu_timers_fired_total", "Timers fired"),
        incidents=Counter("jiuzhu_incidents_total", "Steps that failed and sent a case to 需关注"),
        access_refused=Counter("jiuzhu_access_refused_total", "Refused reads and actions", ["kind"]),
        jobs_done=Counter("jiuzhu_jobs_finished_total", "Background jobs finished", ["kind", "status"]),
        pool_checked_out=Gauge(
            "jiuzhu_db_pool_checked_out", "Database connections in use", multiprocess_mode="livesum"
        ),
        pool_size=Gauge(
            "jiuzhu_db_pool_size", "Database connections the pools keep", multiprocess_mode="livesum"
        ),
    )


def observe_timer_fired(due_at: datetime, fired_at: datetime) -> float:
    lag = max(0.0, (fired_at - due_at).total_seconds())
    kit = instruments()
    kit.timers_fired.inc()
    kit.timer_lag.observe(lag)
    return lag


def watch_pool(db: Database) -> None:
    """Count checked-out connections of this process's pools (SQLAlchemy pool events)."""
    from sqlalchemy import event

    kit = instruments()
    engines = {id(e): e for e in (db.writer, db.reader)}.values()
    for sa_engine in engines:
        kit.pool_size.inc(getattr(sa_engine.pool, "size", lambda: 0)() or 0)
        event.listen(sa_engine, "checkout", lambda *_: kit.pool_checked_out.inc())
        event.listen(sa_engine, "checkin", lambda *_: kit.pool_checked_out.dec())


def exposition(uow: UnitOfWork) -> bytes:
    """The text /metrics answers: every process's samples (this one's alone outside multiprocess
    mode) and the database's figures (read in a reading derived from `uow`)."""
    from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
    from prometheus_client.multiprocess import MultiProcessCollector

    database = CollectorRegistry()
    database.register(DatabaseCollector(uow))
    if multiprocess():
        processes = CollectorRegistry()
        MultiProcessCollector(processes)
    else:
        processes = REGISTRY
    return generate_latest(processes) + generate_latest(database)


class DatabaseCollector:
    """Figures read from the database at scrape time (one short read transaction)."""

    def __init__(self, uow: UnitOfWork):
        self.uow = uow

    def describe(self):
        return []

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        from engine import observe

        started = time.perf_counter()
        figures = observe.figures(self.uow)
        open_tasks = GaugeMetricFamily("jiuzhu_open_tasks", "Open user tasks by role", labels=["role"])
        overdue = GaugeMetricFamily(
            "jiuzhu_overdue_tasks", "Open user tasks past their due time, by role", labels=["role"]
        )
        for role, (count, late) in sorted(figures.tasks_by_role.items()):
            open_tasks.add_metric([role], count)
            overdue.add_metric([role], late)
        yield open_tasks
        yield overdue
        yield GaugeMetricFamily(
            "jiuzhu_timers_due", "Pending timers whose due time has passed", value=figures.timers_due
        )
        yield GaugeMetricFamily(
            "jiuzhu_timer_oldest_due_seconds",
            "How long the oldest due, unfired timer has waited (0: none waiting)",
            value=figures.oldest_due_seconds,
        )
        yield GaugeMetricFamily(
            "jiuzhu_cases_needing_attention",
            "Cases held at an incident (需关注)",
            value=figures.incidents_open,
        )
        runs = GaugeMetricFamily("jiuzhu_scenario_runs", "Studio scenario runs by status", labels=["status"])
        for status, count in sorted(figures.scenario_runs.items()):
            runs.add_metric([status], count)
        yield runs
        jobs = GaugeMetricFamily(
            "jiuzhu_jobs", "Background jobs by kind and status", labels=["kind", "status"]
        )
        for (kind, status), count in sorted(figures.jobs.items()):
            jobs.add_metric([kind, status], count)
        yield jobs
        yield GaugeMetricFamily(
            "jiuzhu_deployed_version",
            "The newest deployed process version",
            value=figures.deployed_version or 0,
        )
        yield GaugeMetricFamily(
            "jiuzhu_metrics_query_seconds",
            "Time to read the database figures",
            value=time.perf_counter() - started,
        )
