"""Two requests with the same idempotency key racing (a client retrying while the first is still
running, on two app processes): the loser replays the winner's result — never a 409, never two cases.
Raced with threads on SQLite and PostgreSQL, and with two processes."""

from __future__ import annotations

import multiprocessing
import threading

import pytest
from sqlalchemy import func, select

from engine import Engine
from engine.store.models import Case
from tests.conftest import VILLAGE_A1


def _application(applicant) -> dict:
    return {"applicant": applicant, "reason": "fire", "divisor": 1}


def _start(url, applicant, key, barrier, outcomes, i):
    eng = Engine.open(url, migrate=False)
    barrier.wait()
    try:
        ref = eng.start_case(_application(applicant), VILLAGE_A1, by="town_a", idempotency_key=key)
        outcomes[i] = ("ok", ref.case_no, ref.created)
    except Exception as err:  # noqa: BLE001 - the test reports what the loser saw
        outcomes[i] = ("error", repr(err), None)
    finally:
        eng.close()


def _cases(eng) -> int:
    with eng.db.read() as session:
        return session.scalar(select(func.count()).select_from(Case))


def test_same_key_starting_a_case_raced_starts_one_and_replays_it(mini_engine, applicant):
    for attempt in range(3):  # a few rounds: the race must be lost both ways
        key = f"start-{attempt}"
        barrier, outcomes = threading.Barrier(2), [None, None]
        threads = [
            threading.Thread(target=_start, args=(mini_engine.db.url, applicant, key, barrier, outcomes, i))
            for i in range(2)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert [o[0] for o in outcomes] == ["ok", "ok"], outcomes
        assert outcomes[0][1] == outcomes[1][1]
        assert sorted(o[2] for o in outcomes) == [False, True]
    assert _cases(mini_engine) == 3


def _process_start(url, applicant, start_event, queue):
    eng = Engine.open(url, migrate=False)
    start_event.wait(30)
    try:
        ref = eng.start_case(_application(applicant), VILLAGE_A1, by="town_a", idempotency_key="proc")
        queue.put(("ok", ref.case_no))
    except Exception as err:  # noqa: BLE001
        queue.put(("error", repr(err)))
    finally:
        eng.close()


@pytest.mark.slow
def test_same_key_raced_on_two_processes(mini_engine, applicant):
    ctx = multiprocessing.get_context("spawn")
    start_event, queue = ctx.Event(), ctx.Queue()
    procs = [
        ctx.Process(target=_process_start, args=(mini_engine.db.url, applicant, start_event, queue))
        for _ in range(2)
    ]
    for p in procs:
        p.start()
    start_event.set()
    for p in procs:
        p.join(120)
    results = [queue.get(timeout=5) for _ in procs]
    assert [r[0] for r in results] == ["ok", "ok"], results
    assert results[0][1] == results[1][1] and _cases(mini_engine) == 1
