"""Timers: fire what is due, each exactly once, from any number of workers.

The timers table holds each waiting timer's due time (SpiffWorkflow's `details(task).value`), so
what is due is decided by one indexed query. Each timer fires in its own transaction: the timer row
and its case are locked (the case first, as every step locks them; SQLite: the writer lock), the
workflow advanced, and the row marked fired in the same commit. A crash before that commit rolls
everything back, and the timer is still pending for the next poll.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from engine import logs, metrics
from engine.store.models import Timer
from engine.unit_of_work import UnitOfWork
from engine.workflow.step import CaseStep

log = logging.getLogger(__name__)
LATE_SECONDS = 2.0  # the aim: a timer fires within two seconds of its due time


def due_timer_ids(uow: UnitOfWork, now: datetime, limit: int = 100) -> list[int]:
    """The pending timers due at `now`, soonest first (`uow` may be read-only)."""
    with uow:
        return list(
            uow.session.scalars(
                select(Timer.id)
                .where(Timer.status == "pending", Timer.due_at <= now)
                .order_by(Timer.due_at)
                .limit(limit)
            )
        )


def fire_due(uow: UnitOfWork, now: datetime | None = None, limit: int = 100) -> int:
    """Fire every pending timer due at `now` (default: the clock); returns how many fired. The due
    timers are found in a reading derived from `uow`, and each fires in a unit of work of its own."""
    now = now or uow.now()
    fired = 0
    for timer_id in due_timer_ids(uow.reading(), now, limit):
        if fire_one(uow.writing(), timer_id, now):
            fired += 1
    return fired


class _NotYetPassed(Exception):
    """Abort the unit of work: nothing changes, the timer stays pending."""


def fire_one(
    uow: UnitOfWork, timer_id: int, now: datetime, before_commit: Callable[[], None] | None = None
) -> bool:
    """Fire one timer if it is still pending and due at `now`: one unit of work."""
    try:
        return _fire_one(uow, timer_id, now, before_commit)
    except _NotYetPassed:
        return False


def _fire_one(
    uow: UnitOfWork, timer_id: int, now: datetime, before_commit: Callable[[], None] | None
) -> bool:
    with uow:
        pending = select(Timer).where(Timer.id == timer_id, Timer.status == "pending")
        case_id = uow.session.scalar(pending.with_only_columns(Timer.case_id))
        if case_id is None:
            return False  # fired by another worker, or cancelled
        # The case first, then its timer: the order of every step, which locks its case and then
        # updates the case's timers (holding the timer while waiting for the case deadlocked).
        step = CaseStep.open(uow, case_id)
        timer = uow.session.scalars(pending.with_for_update()).first()
        if timer is None or timer.due_at > now:
            return False  # fired by another worker while this one waited for the case, or not due
        task = step.workflow.get_task_from_id(_uuid(timer.task_id))
        if task is None or task.state != TaskState.WAITING:
            timer.status = "cancelled"  # the case moved on without it; nothing to fire
            uow.commit()
            return False
        step.run_engine()
        if step.incident is None and task.state == TaskState.WAITING:
            # SpiffWorkflow compares with the real clock; it has not seen this time pass yet.
            log.info("timer %s due %s not yet seen as passed by the workflow", timer_id, timer.due_at)
            raise _NotYetPassed()
        timer.status, timer.fired_at = "fired", uow.now()  # when it actually fired, not when the pass began
        lag = metrics.observe_timer_fired(timer.due_at, timer.fired_at)
        if lag > LATE_SECONDS:
            logs.event(
                log,
                "timer_late",
                logging.WARNING,
                f"timer fired {lag:.1f} s after its due time",
                timer_id=timer.id,
                case_id=timer.case_id,
                element_id=timer.element_id,
                lag_seconds=round(lag, 3),
            )
        step.save(
            actor="system:timer",
            action="timer_fired",
            task=task,
            data={"element_id": timer.element_id, "due_at": timer.due_at.isoformat()},
        )
        if before_commit is not None:
            before_commit()
        uow.commit()
        return True


def _uuid(value: str):
    from uuid import UUID

    return UUID(value)


def next_due(uow: UnitOfWork) -> datetime | None:
    """When the soonest pending timer is due (`uow` may be read-only)."""
    with uow:
        return uow.session.scalar(
            select(Timer.due_at).where(Timer.status == "pending").order_by(Timer.due_at).limit(1)
        )


def run_worker(uow: UnitOfWork, stop: Callable[[], bool] = lambda: False, max_sleep: float = 0.5) -> None:
    """Poll for due timers; sleeps at most `max_sleep` seconds so a timer fires within a second of its due
    time (spiff-arena's background pollers run every 10–300 s). Every transaction is a unit of work
    derived from `uow`."""
    while not stop():
        try:
            fire_due(uow)
        except Exception:
            log.exception("timer worker pass failed")
        upcoming = next_due(uow.reading())
        wait = max_sleep
        if upcoming is not None:
            wait = max(0.0, min(max_sleep, (upcoming - uow.now()) / timedelta(seconds=1)))
        time.sleep(wait)
