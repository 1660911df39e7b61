"""Timers: stored with their due time, fired by fire_due(now) exactly once, surviving crashes.

SpiffWorkflow compares timers with the real clock, so the tests move it with time-machine.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import time_machine

from engine.services import timers
from engine.store.models import Timer
from tests.conftest import VILLAGE_A1


def _case_waiting_on_publicity(eng, applicant) -> str:
    ref = eng.start_case({"applicant": applicant, "reason": "fire", "divisor": 1}, VILLAGE_A1, by="town_a")
    eng.complete("town_a", eng.open_tasks(ref.case_no)[0].task_id, {"amount": 10})
    return ref.case_no


def _timer(eng, case_no) -> dict:
    [timer] = eng.case_view(case_no).timers
    return timer


def test_publicity_timer_is_stored_with_the_parameter_due_time(mini_engine, applicant):
    case_no = _case_waiting_on_publicity(mini_engine, applicant)
    timer = _timer(mini_engine, case_no)
    assert timer["element_id"] == "Publicity" and timer["status"] == "pending"
    assert abs(timer["due_at"] - mini_engine.now() - timedelta(days=7)) < timedelta(minutes=1)


def test_fire_due_fires_only_when_due_and_only_once(mini_engine, applicant):
    case_no = _case_waiting_on_publicity(mini_engine, applicant)
    due = _timer(mini_engine, case_no)["due_at"]
    assert mini_engine.fire_due() == 0
    assert mini_engine.fire_due(due - timedelta(seconds=1)) == 0
    with time_machine.travel(due + timedelta(seconds=1), tick=False):
        assert mini_engine.fire_due() == 1
        assert mini_engine.fire_due() == 0
    assert [t.element_id for t in mini_engine.open_tasks(case_no)] == ["Check"]
    view = mini_engine.case_view(case_no)
    assert view.timers[0]["status"] == "fired"
    assert [e["action"] for e in view.events].count("timer_fired") == 1


def test_a_due_row_is_not_fired_before_the_workflow_sees_the_time_pass(mini_engine, applicant):
    case_no = _case_waiting_on_publicity(mini_engine, applicant)
    due = _timer(mini_engine, case_no)["due_at"]
    # The table says due, the real clock says not yet: nothing changes, the timer stays pending.
    assert mini_engine.fire_due(due + timedelta(seconds=1)) == 0
    assert _timer(mini_engine, case_no)["status"] == "pending"


def test_two_workers_fire_each_timer_exactly_once(mini_engine, applicant):
    cases = [_case_waiting_on_publicity(mini_engine, {**applicant}) for _ in range(4)]
    due = max(_timer(mini_engine, c)["due_at"] for c in cases)
    fired: list[int] = []
    with time_machine.travel(due + timedelta(seconds=1), tick=False):
        barrier = threading.Barrier(2)

        def worker():
            barrier.wait()
            fired.append(mini_engine.fire_due())

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert sum(fired) == 4
    for case_no in cases:
        assert [e["action"] for e in mini_engine.case_view(case_no).events].count("timer_fired") == 1


def test_a_crash_between_claim_and_commit_loses_nothing(mini_engine, applicant):
    case_no = _case_waiting_on_publicity(mini_engine, applicant)
    due = _timer(mini_engine, case_no)["due_at"]
    [timer_id] = timers.due_timer_ids(mini_engine.uow(readonly=True), due + timedelta(seconds=1))

    def crash():
        raise RuntimeError("worker killed")

    with time_machine.travel(due + timedelta(seconds=1), tick=False):
        with pytest.raises(RuntimeError):
            timers.fire_one(mini_engine.uow(), timer_id, mini_engine.now(), before_commit=crash)
        assert _timer(mini_engine, case_no)["status"] == "pending"
        assert mini_engine.open_tasks(case_no) == []
        assert mini_engine.fire_due() == 1
    assert [t.element_id for t in mini_engine.open_tasks(case_no)] == ["Check"]


def test_the_worker_loop_fires_a_due_timer(mini_engine, applicant):
    case_no = _case_waiting_on_publicity(mini_engine, applicant)
    due = _timer(mini_engine, case_no)["due_at"]
    stop = threading.Event()
    with time_machine.travel(due - timedelta(seconds=1), tick=True):
        worker = threading.Thread(target=mini_engine.run_timer_worker, args=(stop.is_set,), daemon=True)
        worker.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and _timer(mini_engine, case_no)["status"] != "fired":
            time.sleep(0.1)
        stop.set()
        worker.join(10)
    assert _timer(mini_engine, case_no)["status"] == "fired"


def test_a_timer_row_whose_task_no_longer_waits_is_cancelled_not_fired(mini_engine, applicant):
    case_no = _case_waiting_on_publicity(mini_engine, applicant)
    due = _timer(mini_engine, case_no)["due_at"]
    finished_task = next(
        e["task_id"] for e in mini_engine.case_view(case_no).events if e["action"] == "task_completed"
    )
    with mini_engine.db.write() as session:  # a stale row pointing at a task that finished long ago
        session.execute(Timer.__table__.update().values(task_id=finished_task))
    with time_machine.travel(due + timedelta(seconds=1), tick=False):
        assert mini_engine.fire_due() == 0
    view = mini_engine.case_view(case_no)
    assert [t["status"] for t in view.timers] == ["cancelled"]
    assert "timer_fired" not in [e["action"] for e in view.events]
