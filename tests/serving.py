"""The production server (`jiuzhu serve`) and worker (`jiuzhu worker`) as subprocesses on a test
database: what the browser tests and the operations tests talk to, the same commands as
scripts/run.sh and deploy/."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

JIUZHU = Path(sys.executable).with_name("jiuzhu")
LISTENING = re.compile(r"Listening at: (http://[\d.]+:\d+)")


def environment(database_url: str, instance: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JIUZHU_", "PROMETHEUS_"))}
    env.update(
        {
            "DATABASE_URL": database_url,
            "JIUZHU_INSTANCE_DIR": str(instance),
            "JIUZHU_SECRET_KEY": "test-secret",
            "JIUZHU_LOG_FORMAT": "json",
            "PROMETHEUS_MULTIPROC_DIR": str(instance / "metrics"),
        }
    )
    env.update(extra)
    return env


@contextmanager
def serving(database_url: str, instance: Path, workers: int = 2, threads: int = 4, **extra: str):
    """`jiuzhu serve` on a free port of 127.0.0.1; yields (base url, path of its log)."""
    instance.mkdir(parents=True, exist_ok=True)
    log_path = instance / "serve.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [
                str(JIUZHU),
                "serve",
                "--bind",
                "127.0.0.1:0",
                "--workers",
                str(workers),
                "--threads",
                str(threads),
            ],
            env=environment(database_url, instance, **extra),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        base = _wait_until_listening(process, log_path)
        yield base, log_path
    finally:
        stop(process)


def _wait_until_listening(process: subprocess.Popen, log_path: Path, timeout: float = 30) -> str:
    import urllib.request

    deadline = time.monotonic() + timeout
    base = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"jiuzhu serve exited with {process.returncode}:\n{log_path.read_text()}")
        found = LISTENING.search(log_path.read_text(errors="replace"))
        if found:
            base = found.group(1)
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        return base
            except OSError:
                pass
        time.sleep(0.1)
    stop(process)
    raise RuntimeError(f"jiuzhu serve did not answer within {timeout} s:\n{log_path.read_text()}")


@contextmanager
def working(database_url: str, instance: Path, **extra: str):
    """`jiuzhu worker` (timers) beside the server; yields the process."""
    instance.mkdir(parents=True, exist_ok=True)
    with open(instance / "worker.log", "ab") as log:
        process = subprocess.Popen(
            [str(JIUZHU), "worker"],
            env=environment(database_url, instance, **extra),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        stop(process)


def stop(process: subprocess.Popen, timeout: float = 20) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_cli(database_url: str, instance: Path, *args: str, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(JIUZHU), *args],
        env=environment(database_url, instance, **extra),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
