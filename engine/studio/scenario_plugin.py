"""A pytest plugin loaded into a scenario run (`-p engine.studio.scenario_plugin`): it writes each
scenario's feature, name, outcome and failing step as JSON to $JIUZHU_SCENARIO_RESULTS, and how many
of how many scenarios have finished to $JIUZHU_SCENARIO_PROGRESS as they finish."""

from __future__ import annotations

import json
import os

_RESULTS: dict[str, dict] = {}
_PROGRESS = {"done": 0, "total": None}


def _write_progress() -> None:
    target = os.environ.get("JIUZHU_SCENARIO_PROGRESS")
    if target:
        with open(target + ".new", "w", encoding="utf-8") as out:
            json.dump(_PROGRESS, out)
        os.replace(target + ".new", target)  # the worker never reads half a file


def pytest_collection_finish(session):
    _PROGRESS["total"] = len(session.items)
    _write_progress()


def pytest_bdd_before_scenario(request, feature, scenario):
    _RESULTS[request.node.nodeid] = {
        "feature": feature.name,
        "name": scenario.name,
        "outcome": "passed",
        "step": None,
        "message": "",
    }


def pytest_bdd_step_error(request, feature, scenario, step, step_func, step_func_args, exception):
    result = _RESULTS.get(request.node.nodeid)
    if result is not None:
        result["step"] = f"{step.keyword} {step.name}".strip()
        result["message"] = str(exception)[:1000]


def pytest_runtest_logreport(report):
    if report.when == "teardown":
        _PROGRESS["done"] += 1
        _write_progress()
    if not report.failed:
        return
    result = _RESULTS.setdefault(
        report.nodeid,
        {
            "feature": "",
            "name": report.nodeid.rsplit("::", 1)[-1],
            "outcome": "passed",
            "step": None,
            "message": "",
        },
    )
    result["outcome"] = "failed"
    if not result["message"]:
        result["message"] = report.longreprtext[-1000:]


def pytest_sessionfinish(session, exitstatus):
    target = os.environ.get("JIUZHU_SCENARIO_RESULTS")
    if target:
        with open(target, "w", encoding="utf-8") as out:
            json.dump(list(_RESULTS.values()), out, ensure_ascii=False)
