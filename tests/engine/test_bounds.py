"""Diagram code on a budget, through the engine: a runaway in a script, a condition, a DMN expression,
after a timer or in a due time fails its step with a Chinese message and the case needs attention;
the engine, the timer worker and (on SQLite) other writers carry on.

The payloads take their sizes from the clerk's data, so no deploy check can see them.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine

from engine import Engine
from tests.conftest import VILLAGE_A1, seed_people

RUNAWAY = Path(__file__).resolve().parent.parent / "fixtures" / "runaway"
pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def runaway_engine(db_url):
    eng = Engine.open(db_url)
    eng.deploy(RUNAWAY / "bpmn", RUNAWAY / "forms")
    seed_people(eng)
    yield eng
    eng.close()


def _case(eng, applicant) -> tuple[str, str]:
    ref = eng.start_case({"applicant": applicant, "reason": "fire"}, VILLAGE_A1, by="town_a")
    return ref.case_no, eng.open_tasks(ref.case_no)[0].task_id


def _trigger(eng, applicant, **data) -> dict:
    _case_no, task_id = _case(eng, applicant)
    return eng.complete("town_a", task_id, {"n": 0, "base": 2, "exponent": 2, **data})


@pytest.mark.parametrize(
    ("where", "mode", "values", "message"),
    [
        ("script", "loop", {}, "运行时间超过上限"),
        ("script", "swallow", {}, "运行时间超过上限"),
        ("script", "pow", {"base": 10, "exponent": 10**8}, "整数过大"),
        ("script", "memory", {"n": 10**9}, "占用内存超过上限"),
        ("script", "double", {"n": 64}, "占用内存超过上限"),
        ("condition", "-", {"base": 10, "exponent": 10**8}, "整数过大"),
        ("dmn", "-", {"n": 10**12}, "range 的长度超过上限"),
    ],
)
def test_a_runaway_fails_its_step_and_the_case_needs_attention(
    runaway_engine, applicant, where, mode, values, message
):
    result = _trigger(runaway_engine, applicant, where=where, mode=mode, **values)
    assert result["status"] == "needs_attention"
    assert "流程代码被沙箱中止" in result["attention"]["error"] and message in result["attention"]["error"]
    # The clerk's submission is kept, nothing after the failed element ran, and the engine serves on.
    view = runaway_engine.case_view(result["case_no"])
    assert view.data["where"] == where and "after" not in view.data
    healthy = _trigger(runaway_engine, applicant, where="none", mode="-")
    assert healthy["status"] == "running" and [t["element_id"] for t in healthy["open_tasks"]] == []
    assert runaway_engine.case_view(healthy["case_no"]).timers[0]["status"] == "pending"


def test_a_helper_refuses_an_amount_the_ledger_cannot_hold(runaway_engine, applicant):
    result = _trigger(runaway_engine, applicant, where="script", mode="payment", base=10, exponent=30)
    assert result["status"] == "needs_attention"
    assert "record_payment: 金额应为 0–100000000 的整数" in result["attention"]["error"]
    assert runaway_engine.case_view(result["case_no"]).payments == []


def test_a_missing_attribute_is_an_error_not_none(runaway_engine, applicant):
    result = _trigger(runaway_engine, applicant, where="script", mode="attribute")
    assert result["status"] == "needs_attention"
    assert "datetime 对象没有属性 yeer" in result["attention"]["error"]


def test_a_runaway_after_a_timer_leaves_the_worker_firing(runaway_engine, applicant):
    runaway = _trigger(runaway_engine, applicant, where="timer", mode="-")
    healthy = _trigger(runaway_engine, applicant, where="none", mode="-")
    due = runaway_engine.case_view(runaway["case_no"]).timers[0]["due_at"]
    with time_machine.travel(due + timedelta(minutes=5), tick=False):
        assert runaway_engine.fire_due() == 2  # both fired: one into an incident, one on to 办结
    failed = runaway_engine.case_view(runaway["case_no"])
    assert failed.status == "needs_attention" and "运行时间超过上限" in failed.attention["error"]
    assert failed.attention["element_id"] == "After"
    assert [t.element_id for t in runaway_engine.open_tasks(healthy["case_no"])] == ["Done"]


def test_a_due_time_that_cannot_be_computed_is_an_incident(runaway_engine, applicant):
    result = _trigger(runaway_engine, applicant, where="due", mode="-", n=10**9)
    due = runaway_engine.case_view(result["case_no"]).timers[0]["due_at"]
    with time_machine.travel(due + timedelta(minutes=5), tick=False):
        assert runaway_engine.fire_due() == 1
    view = runaway_engine.case_view(result["case_no"])
    assert view.status == "needs_attention"
    assert "“办结”的办理时限无法计算" in view.attention["error"] and "after_days" in view.attention["error"]
    assert [t.element_id for t in view.open_tasks] == ["Done"]  # the task is open, without a due time


def test_other_writers_are_not_locked_out_by_a_runaway_on_sqlite(sqlite_url, applicant):
    eng = Engine.open(sqlite_url)
    eng.deploy(RUNAWAY / "bpmn", RUNAWAY / "forms")
    seed_people(eng)
    _case_no, task_id = _case(eng, applicant)
    started, outcome = threading.Event(), {}

    def runaway():
        other = Engine.open(sqlite_url, migrate=False)
        started.set()
        outcome["runaway"] = other.complete("town_a", task_id, {"where": "script", "mode": "loop"})
        other.close()

    thread = threading.Thread(target=runaway)
    thread.start()
    started.wait(10)
    # A writer arriving while the runaway holds the write lock gets it once the bound has stopped
    # the script (SQLite's busy timeout, 30 s, would otherwise fail it with "database is locked").
    second = eng.start_case({"applicant": applicant, "reason": "illness"}, VILLAGE_A1, by="town_a")
    thread.join(60)
    assert outcome["runaway"]["status"] == "needs_attention"
    assert eng.case_view(second.case_no).status == "running"
    eng.close()
