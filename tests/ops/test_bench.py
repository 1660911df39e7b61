"""The province bench stays runnable: bulk load (in many small batches, so rows that refer to cases
are written after them) and every measured read path, at a tiny size."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_province_bench_loads_and_measures(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "province.py"),
            "--url",
            f"sqlite:///{tmp_path / 'p.sqlite3'}",
            "--cases",
            "600",
            "--counties",
            "2",
            "--runs",
            "1",
            "--exports",
            "1",
            "--batch",
            "100",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "loaded 600 cases" in done.stdout
    for figure in (
        "township clerk's inbox",
        "county dashboard",
        "province dashboard",
        "county ledger page",
        "county XLSX export job",
    ):
        assert figure in done.stdout, done.stdout
