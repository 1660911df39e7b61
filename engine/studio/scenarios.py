"""Policy-scenario runs: the acceptance scenarios of features/ executed against a draft's files.

The scenarios and their step definitions are copied into a scratch folder next to the draft's
bpmn/ and forms/, so the run reads the draft (bdd_support finds the diagrams beside itself) and
writes its artifacts there, never into the repository's test-artifacts/. A run is a pytest
subprocess, executed by `jiuzhu worker` as a job (engine/services/jobs.py), which reports how many
scenarios have finished as the job's progress and records the outcome of every scenario.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from engine import paths
from engine.services import jobs
from engine.store.studio_models import ScenarioRun
from engine.studio.drafts import write_folders
from engine.unit_of_work import UnitOfWork

RUN_TIMEOUT_SECONDS = 1800
PYTEST_INI = """[pytest]
bdd_features_base_dir = features
filterwarnings = ignore::DeprecationWarning
markers =
    slow: slow
"""


@dataclass(frozen=True)
class Outcome:
    status: str  # passed / failed / error
    results: list[dict]
    output: str | None


def run(
    files: dict[str, str],
    keyword: str | None = None,
    features_dir: Path | None = None,
    timeout: int = RUN_TIMEOUT_SECONDS,
    on_progress: Callable[[int, int | None], None] | None = None,
) -> Outcome:
    """Run the scenarios (those matching `keyword`, pytest -k, when given) against `files`;
    `on_progress(finished, total)` is called every second or so while they run."""
    features_dir = features_dir or paths.features_dir()
    if not features_dir.is_dir():
        return Outcome("error", [], f"找不到场景目录 {features_dir}")
    with tempfile.TemporaryDirectory(prefix="jiuzhu-scenarios-") as scratch:
        root = Path(scratch)
        write_folders(files, root / "bpmn", root / "forms")
        shutil.copytree(
            features_dir, root / "features", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
        (root / "pytest.ini").write_text(PYTEST_INI, encoding="utf-8")
        results_file, progress_file = root / "results.json", root / "progress.json"
        command = [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "engine.studio.scenario_plugin",
            "--rootdir",
            str(root),
            "-c",
            str(root / "pytest.ini"),
            "features",
        ]
        if keyword:
            command += ["-k", keyword]
        env = {
            **os.environ,
            "JIUZHU_SCENARIO_RESULTS": str(results_file),
            "JIUZHU_SCENARIO_PROGRESS": str(progress_file),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        env.pop("DATABASE_URL", None)
        output_file = root / "output.txt"
        with open(output_file, "w+", encoding="utf-8", errors="replace") as output_stream:
            process = subprocess.Popen(
                command, cwd=root, env=env, stdout=output_stream, stderr=subprocess.STDOUT, text=True
            )
            deadline = time.monotonic() + timeout
            try:
                while process.poll() is None:
                    if time.monotonic() > deadline:
                        process.kill()
                        process.wait()
                        return Outcome("error", [], f"场景运行超过 {timeout} 秒，已中止")
                    if on_progress is not None:
                        on_progress(*_progress(progress_file))
                    time.sleep(0.5)
            except BaseException:
                process.kill()  # the job was taken over or the worker is stopping: end the run with it
                process.wait()
                raise
        output = output_file.read_text(encoding="utf-8", errors="replace")[-4000:]
        if not results_file.exists():
            return Outcome("error", [], output)
        results = json.loads(results_file.read_text(encoding="utf-8"))
    if not results:
        return Outcome("error", [], output or "没有运行任何场景")
    failed = any(r["outcome"] != "passed" for r in results)
    return Outcome("failed" if failed else "passed", results, output if failed else None)


def _progress(path: Path) -> tuple[int, int | None]:
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0, None
    return int(found.get("done", 0)), found.get("total")


@jobs.handler("scenario_run")
def execute(uow: UnitOfWork, job: jobs.JobContext) -> dict:
    """The worker's side of a run: execute it, report progress, store the outcome on the run."""
    run_id = job.params["run_id"]
    try:
        outcome = run(
            job.params["files"],
            job.params.get("keyword"),
            on_progress=lambda done, total: job.progress(done, total),
        )
    except (jobs.LeaseLost, jobs.Interrupted):
        raise
    except Exception as err:  # noqa: BLE001 - the run must end with a recorded status
        outcome = Outcome("error", [], f"{type(err).__name__}: {err}")
    with uow:
        row = uow.session.get_one(ScenarioRun, run_id)
        row.status, row.results, row.output, row.finished_at = (
            outcome.status,
            outcome.results,
            outcome.output,
            uow.now(),
        )
        uow.commit()
    return {"run_id": run_id, "status": outcome.status, "scenarios": len(outcome.results)}
