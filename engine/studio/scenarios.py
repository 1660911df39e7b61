"""Policy-scenario runs: the acceptance scenarios of features/ executed against a draft's files.

The scenarios and their step definitions are copied into a scratch folder next to the draft's
bpmn/ and forms/, so the run reads the draft (bdd_support finds the diagrams beside itself) and
writes its artifacts there, never into the repository's test-artifacts/. A run is a pytest
subprocess; `start` returns at once and a thread records the outcome of every scenario.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from engine.store.studio_models import ScenarioRun
from engine.studio.drafts import write_folders

if TYPE_CHECKING:
    from engine.facade import Engine

FEATURES_DIR = Path(__file__).resolve().parent.parent.parent / "features"
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


def run(files: dict[str, str], keyword: str | None = None, features_dir: Path = FEATURES_DIR,
        timeout: int = RUN_TIMEOUT_SECONDS) -> Outcome:
    """Run the scenarios (those matching `keyword`, pytest -k, when given) against `files`."""
    if not features_dir.is_dir():
        return Outcome("error", [], f"找不到场景目录 {features_dir}")
    with tempfile.TemporaryDirectory(prefix="jiuzhu-scenarios-") as scratch:
        root = Path(scratch)
        write_folders(files, root / "bpmn", root / "forms")
        shutil.copytree(features_dir, root / "features",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        (root / "pytest.ini").write_text(PYTEST_INI, encoding="utf-8")
        results_file = root / "results.json"
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p",
                   "engine.studio.scenario_plugin", "--rootdir", str(root), "-c", str(root / "pytest.ini"),
                   "features"]
        if keyword:
            command += ["-k", keyword]
        env = {**os.environ, "JIUZHU_SCENARIO_RESULTS": str(results_file), "PYTHONDONTWRITEBYTECODE": "1"}
        env.pop("DATABASE_URL", None)
        try:
            done = subprocess.run(command, check=False, cwd=root, env=env, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return Outcome("error", [], f"场景运行超过 {timeout} 秒，已中止")
        output = (done.stdout + done.stderr)[-4000:]
        if not results_file.exists():
            return Outcome("error", [], output)
        results = json.loads(results_file.read_text(encoding="utf-8"))
    if not results:
        return Outcome("error", [], output or "没有运行任何场景")
    failed = any(r["outcome"] != "passed" for r in results)
    return Outcome("failed" if failed else "passed", results, output if failed else None)


def start(eng: Engine, run_id: int, files: dict[str, str], keyword: str | None, wait: bool) -> None:
    """Execute a recorded run (status 'running') and store its outcome; in a thread unless `wait`."""
    def execute() -> None:
        try:
            outcome = run(files, keyword)
        except Exception as err:  # noqa: BLE001 - the run must end with a recorded status
            outcome = Outcome("error", [], f"{type(err).__name__}: {err}")
        with eng.db.write() as session:
            row = session.get(ScenarioRun, run_id)
            row.status, row.results, row.output, row.finished_at = (outcome.status, outcome.results,
                                                                    outcome.output, eng.now())

    if wait:
        execute()
    else:
        threading.Thread(target=execute, name=f"scenario-run-{run_id}", daemon=True).start()
