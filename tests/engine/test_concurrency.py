"""Two clerks completing the same task at once: exactly one succeeds, nothing is applied twice.

Raced with real threads and with real processes, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import multiprocessing
import threading

import pytest

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
