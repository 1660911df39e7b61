"""`jiuzhu serve`: the production server — gunicorn with several worker processes (threads in each)
loading web.wsgi:app. scripts/run.sh, the browser tests and a production host all run this.

Before any worker starts, the master checks what would make every worker fail: the secret key in
production and the database schema at this release's head (SchemaBehind names the command to run).
Workers are recycled after JIUZHU_MAX_REQUESTS requests; nothing is lost by that, because a request's
work is one transaction and long work runs in `jiuzhu worker`, not in a web worker.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from gunicorn.app.base import BaseApplication

from engine.paths import instance_dir


def default_workers() -> int:
    return min(2 * (os.cpu_count() or 1) + 1, 9)


def options(bind: str | None = None, workers: int | None = None, threads: int | None = None) -> dict:
    env = os.environ
    level = (env.get("JIUZHU_LOG_LEVEL") or "INFO").upper()
    formatter = (
        "engine.logs.TextFormatter" if env.get("JIUZHU_LOG_FORMAT") == "text" else "engine.logs.JSONFormatter"
    )
    return {
        "bind": bind or env.get("JIUZHU_BIND") or "127.0.0.1:5000",
        "workers": workers or int(env.get("JIUZHU_WEB_WORKERS") or default_workers()),
        "worker_class": "gthread",
        "threads": threads or int(env.get("JIUZHU_WEB_THREADS") or 4),
        "max_requests": int(env.get("JIUZHU_MAX_REQUESTS") or 2000),
        "max_requests_jitter": int(env.get("JIUZHU_MAX_REQUESTS") or 2000) // 10,
        "timeout": 60,
        "graceful_timeout": 30,
        # Longer than nginx's upstream keepalive_timeout (60 s) and a person's pause between clicks:
        # a client must never reuse a connection the server is closing at that moment (a reset).
        "keepalive": int(env.get("JIUZHU_KEEPALIVE") or 75),
        "preload_app": False,  # each worker opens its own database pool after the fork
        "proc_name": "jiuzhu-web",
        "control_socket_disable": True,  # one shared socket path would collide between instances
        "accesslog": None,  # the app writes one JSON line per request itself (web/observability.py)
        "errorlog": "-",
        "logconfig_dict": {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {"jiuzhu": {"()": formatter}},
            "handlers": {
                "stderr": {
                    "class": "logging.StreamHandler",
                    "formatter": "jiuzhu",
                    "stream": "ext://sys.stderr",
                }
            },
            "root": {"level": level, "handlers": ["stderr"]},
            "loggers": {
                "gunicorn.error": {"level": level, "handlers": ["stderr"], "propagate": False},
                "gunicorn.access": {"level": "WARNING", "handlers": ["stderr"], "propagate": False},
            },
        },
        "on_starting": _on_starting,
        "child_exit": _child_exit,
    }


def _on_starting(_arbiter) -> None:
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        forget_dead_processes(Path(folder))


def _child_exit(_arbiter, worker) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def forget_dead_processes(folder: Path) -> None:
    """Remove the metric files of processes that no longer run (a previous start); the files of a
    worker that shares the folder and still runs are kept."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in folder.glob("*.db"):
        found = re.search(r"_(\d+)\.db$", path.name)
        if found and not _alive(int(found.group(1))):
            path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Server(BaseApplication):
    def __init__(self, settings: dict):
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.settings.items():
            self.cfg.set(key, value)

    def load(self):
        from web.wsgi import app

        return app


def prepare_environment() -> None:
    """Share metrics between this host's processes (before prometheus_client is first imported)."""
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(instance_dir() / "metrics"))
    Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)


def serve(bind: str | None = None, workers: int | None = None, threads: int | None = None) -> None:
    Server(options(bind, workers, threads)).run()
