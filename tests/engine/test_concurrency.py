"""Two clerks completing the same task at once: exactly one succeeds, nothing is applied twice.

Raced with real threads and with real processes, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import multiprocessing
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import Conflict, Engine
from tests.conftest import VILLAGE_A1


def _start(eng, applicant) -> tuple[str, str]:
    ref = eng.start_case({"applicant": applicant, "reason": "fire", "divisor": 1}, VILLAGE_A1, by="town_a")
    return ref.case_no, eng.open_tasks(ref.case_no)[0].task_id


def _race_threads(url, task_id, users, keys=None):
    barrier = threading.Barrier(len(users))
    outcomes: list = [None] * len(users)

    def worker(i):
        eng = Engine.open(url, migrate=False)
        barrier.wait()
        try:
            outcomes[i] = (
                "ok",
                eng.complete(users[i], task_id, {"amount": 10}, idempotency_key=keys[i] if keys else None),
            )
        except Conflict as err:
            outcomes[i] = ("conflict", err.message)
        finally:
            eng.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(users))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


def test_two_threads_complete_the_same_task_once(mini_engine, applicant):
    case_no, task_id = _start(mini_engine, applicant)
    outcomes = _race_threads(mini_engine.db.url, task_id, ["town_a", "town_a2"])
    assert sorted(kind for kind, _ in outcomes) == ["conflict", "ok"]
    assert next(m for kind, m in outcomes if kind == "conflict").startswith("该待办")
    view = mini_engine.case_view(case_no)
    assert len(view.payments) == 1
    assert [e["action"] for e in view.events].count("task_completed") == 1


def test_same_idempotency_key_raced_returns_the_first_result_to_both(mini_engine, applicant):
    case_no, task_id = _start(mini_engine, applicant)
    outcomes = _race_threads(mini_engine.db.url, task_id, ["town_a", "town_a"], keys=["same", "same"])
    assert [kind for kind, _ in outcomes] == ["ok", "ok"]
    first, second = sorted((result for _, result in outcomes), key=lambda r: r["replayed"])
    assert (first["replayed"], second["replayed"]) == (False, True)  # the second is told it was a repeat
    assert {**first, "replayed": True} == second
    assert len(mini_engine.case_view(case_no).payments) == 1


def _process_worker(url, username, task_id, start_event, queue):
    eng = Engine.open(url, migrate=False)
    start_event.wait(30)
    try:
        eng.complete(username, task_id, {"amount": 10})
        queue.put("ok")
    except Conflict:
        queue.put("conflict")
    finally:
        eng.close()


@pytest.mark.slow
def test_two_processes_complete_the_same_task_once(mini_engine, applicant):
    case_no, task_id = _start(mini_engine, applicant)
    ctx = multiprocessing.get_context("spawn")
    start_event, queue = ctx.Event(), ctx.Queue()
    procs = [
        ctx.Process(target=_process_worker, args=(mini_engine.db.url, user, task_id, start_event, queue))
        for user in ("town_a", "town_a2")
    ]
    for p in procs:
        p.start()
    start_event.set()
    for p in procs:
        p.join(120)
    assert sorted(queue.get(timeout=5) for _ in procs) == ["conflict", "ok"]
    assert len(mini_engine.case_view(case_no).payments) == 1


def test_residents_objecting_to_one_case_at_once_are_all_heard(db_url):
    """Several residents object to the same notice in the same instant (the load test saw it): each
    objection is stored once and reaches the township's one 核实公示异议 task, none is refused with a
    server error (on PostgreSQL the objection row's key lock and the case lock once deadlocked)."""
    from engine.demo import seed
    from tests.web.journeys import PUBLICITY, advance, application, start

    eng = Engine.open(db_url)
    eng.deploy(by="test")
    seed(eng, with_cases=False)
    case_no = start(eng, application("medical_expense", 1500, name="欧阳小明", serial=7))
    advance(eng, case_no, PUBLICITY)
    residents = 4
    barrier = threading.Barrier(residents)
    outcomes: list = [None] * residents

    def resident(i):
        own = Engine.open(db_url, migrate=False)
        barrier.wait()
        try:
            own.submit_objection(
                case_no,
                {"objector_name": f"居民{i}", "objection_content": f"情况不实，请核查（第{i}人）"},
                f"10.0.0.{i + 1}",
            )
            outcomes[i] = "ok"
        except Exception as err:  # noqa: BLE001 - any failure is the finding
            outcomes[i] = repr(err)
        finally:
            own.close()

    for _round in range(3):
        threads = [threading.Thread(target=resident, args=(i,)) for i in range(residents)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert outcomes == ["ok"] * residents
    view = eng.case_view(case_no)
    assert [t.name for t in view.open_tasks] == ["核实公示异议"]
    for i in range(residents):
        assert view.data["objection_text"].count(f"（第{i}人）") == 3
    eng.close()


@pytest.mark.postgres
def test_a_timer_firing_while_a_clerk_completes_a_step_of_its_case_does_not_deadlock(pg_url):
    """A step locks its case and then updates the case's timers; the timer worker must take the
    same order (case, then timer). Holding the timer while waiting for the case deadlocked with a
    clerk finishing a step at the moment the timer fell due."""
    import time

    import psycopg

    from engine.demo import seed
    from engine.services import timers
    from engine.store.models import Timer
    from tests.conftest import _reset_pg
    from tests.web.journeys import PUBLICITY, advance, application, start

    Engine.open(pg_url).close()
    _reset_pg(pg_url)
    eng = Engine.open(pg_url)
    eng.deploy(by="test")
    seed(eng, with_cases=False)
    case_no = start(eng, application("medical_expense", 1500, name="欧阳小明", serial=7))
    advance(eng, case_no, PUBLICITY)
    with eng.db.read() as session:
        timer = session.scalars(select(Timer).where(Timer.status == "pending")).one()
        timer_id, case_id = timer.id, timer.case_id

    raw_url = pg_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(raw_url) as clerk:  # a clerk's step: the case first, then its timers
        clerk.execute("SELECT 1 FROM cases WHERE id = %s FOR UPDATE", (case_id,))
        outcome: list = []

        def worker():
            try:
                outcome.append(timers.fire_one(eng.uow(), timer_id, eng.now() + timedelta(days=30)))
            except Exception as err:  # noqa: BLE001 - a deadlock is the finding
                outcome.append(repr(err))

        thread = threading.Thread(target=worker)
        thread.start()
        time.sleep(0.5)  # the worker is now waiting for the case
        clerk.execute("SET lock_timeout = '5s'")
        clerk.execute("UPDATE timers SET due_at = due_at WHERE id = %s", (timer_id,))
        clerk.commit()
        thread.join(30)
    assert outcome and not str(outcome[0]).startswith(("OperationalError", "DBAPIError"))
    eng.close()
