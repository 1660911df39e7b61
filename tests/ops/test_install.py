"""The app as a production host installs it: a wheel (not the source checkout) that carries its
templates, static files and migrations, pointed at a release folder's bpmn/, forms/ and features/
with JIUZHU_HOME — and the studio's scenario gate runs there."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The project built as a wheel and unpacked into a folder of its own (no dependencies: those
    come from the test environment's site-packages, behind it on the path)."""
    folder = tmp_path_factory.mktemp("installed")
    shutil.rmtree(ROOT / "build", ignore_errors=True)
    try:
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(ROOT), "-w", str(folder / "dist")],
            check=True,
            timeout=300,
            capture_output=True,
        )
    finally:
        shutil.rmtree(ROOT / "build", ignore_errors=True)
    [wheel] = (folder / "dist").glob("jiuzhu-*.whl")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(folder / "site"),
            str(wheel),
        ],
        check=True,
        timeout=300,
        capture_output=True,
    )
    return folder


def run_installed(installed: Path, release: Path, code: str) -> subprocess.CompletedProcess:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("JIUZHU_", "DATABASE_URL", "PROMETHEUS_"))
    }
    env.update(
        {
            "PYTHONPATH": str(installed / "site"),
            "JIUZHU_HOME": str(release),
            "JIUZHU_INSTANCE_DIR": str(release / "instance"),
            "JIUZHU_SECRET_KEY": "k",
            "JIUZHU_ENV": "production",
            "DATABASE_URL": f"sqlite:///{release / 'instance' / 'jiuzhu.sqlite3'}",
        }
    )
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=release,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_the_installed_package_serves_from_a_release_folder_and_runs_the_scenario_gate(installed, tmp_path):
    release = tmp_path / "release"
    for folder in ("bpmn", "forms", "features"):
        shutil.copytree(ROOT / folder, release / folder, ignore=shutil.ignore_patterns("__pycache__"))
    done = run_installed(
        installed,
        release,
        """
        from click.testing import CliRunner
        import engine, web
        from engine.cli import main
        print("engine from", engine.__file__)
        for args in (["init-db"], ["deploy", "--by", "ops"], ["seed-demo", "--no-cases"]):
            result = CliRunner().invoke(main, args, catch_exceptions=False)
            assert result.exit_code == 0, result.output
        from web.wsgi import app
        client = app.test_client()
        assert client.get("/login").status_code == 200
        assert client.get("/static/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js").status_code == 200
        assert client.get("/readyz").get_json()["status"] == "ready"
        from engine import paths
        from engine.studio import scenarios
        from engine.studio.drafts import read_folders
        files = read_folders(paths.bpmn_dir(), paths.forms_dir())
        outcome = scenarios.run(files, keyword="乡镇额度内先行救助")
        print(outcome.status, outcome.output)
        assert outcome.status == "passed" and outcome.results, outcome.output
        """,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"engine from {installed / 'site'}" in done.stdout
