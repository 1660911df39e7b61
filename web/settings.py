"""Configuration: defaults, then the environment, then what create_app is given.

Every variable the app reads is in ENVIRONMENT below; docs/deploy.md prints the same table. In
production (`JIUZHU_ENV=production`) the secret key must come from the environment: two hosts, or
two workers, must never sign sessions with different keys.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import Flask

from engine.paths import instance_dir
from engine.store.db import default_url


@dataclass(frozen=True)
class Variable:
    name: str
    default: str
    meaning: str


# The one table of what the environment configures (docs/deploy.md repeats it; a test keeps them equal).
ENVIRONMENT = [
    Variable("JIUZHU_ENV", "development", "`production` refuses to start without JIUZHU_SECRET_KEY"),
    Variable(
        "DATABASE_URL",
        "sqlite:///instance/jiuzhu.sqlite3",
        "SQLAlchemy URL; `postgresql://user@host:5432/db` in production",
    ),
    Variable(
        "JIUZHU_SECRET_KEY",
        "(development: generated once into instance/secret_key)",
        "signs sessions and CSRF tokens; the same value on every host",
    ),
    Variable("JIUZHU_HOME", "the source checkout", "the release folder holding bpmn/, forms/ and features/"),
    Variable(
        "JIUZHU_INSTANCE_DIR",
        "instance/ of the source checkout",
        "writable folder: SQLite file, development secret key, attachments, exports",
    ),
    Variable(
        "JIUZHU_ATTACHMENTS_DIR", "$JIUZHU_INSTANCE_DIR/attachments", "uploaded files (shared by every host)"
    ),
    Variable("JIUZHU_EXPORTS_DIR", "$JIUZHU_INSTANCE_DIR/exports", "ledger exports written by the worker"),
    Variable("JIUZHU_BIND", "127.0.0.1:5000", "address of `jiuzhu serve` (host:port, or unix:/path)"),
    Variable("JIUZHU_WEB_WORKERS", "2 × cores + 1 (at most 9)", "web worker processes of `jiuzhu serve`"),
    Variable("JIUZHU_WEB_THREADS", "4", "threads per web worker"),
    Variable("JIUZHU_MAX_REQUESTS", "2000", "a web worker is replaced after this many requests (0: never)"),
    Variable(
        "JIUZHU_KEEPALIVE",
        "75",
        "seconds an idle keep-alive connection stays open (above the proxy's upstream keepalive_timeout)",
    ),
    Variable("JIUZHU_DB_POOL_SIZE", "5", "PostgreSQL connections kept per process (plus as many on demand)"),
    Variable(
        "JIUZHU_DB_PING_AFTER",
        "10",
        "seconds a pooled PostgreSQL connection may sit idle before it is tested on its next use",
    ),
    Variable(
        "JIUZHU_TRUSTED_PROXIES",
        "0",
        "reverse proxies in front (1 behind nginx): X-Forwarded-For is believed",
    ),
    Variable(
        "JIUZHU_METRICS_ALLOW",
        "127.0.0.1,::1",
        "addresses or networks that may read /metrics (empty: nobody)",
    ),
    Variable("JIUZHU_LOG_FORMAT", "json", "`json` (one object a line) or `text`"),
    Variable("JIUZHU_LOG_LEVEL", "INFO", "DEBUG, INFO, WARNING, ERROR"),
    Variable(
        "JIUZHU_INSECURE_COOKIES", "0", "1: cookies over plain http (a LAN address, never the internet)"
    ),
    Variable(
        "JIUZHU_SCRIPT_CPU_MS", "200", "CPU time of one script, condition or expression in a diagram (ms)"
    ),
    Variable("JIUZHU_SCRIPT_MEMORY_MB", "32", "memory one piece of diagram code may allocate (MB)"),
    Variable("JIUZHU_STEP_CPU_MS", "2000", "CPU time of all diagram code of one step (ms)"),
    Variable(
        "JIUZHU_PUBLIC_APPLICATIONS_PER_ADDRESS",
        "5/60",
        "online applications accepted from one address (N or N/minutes)",
    ),
    Variable(
        "JIUZHU_PUBLIC_APPLICATIONS_PER_ID_NUMBER",
        "2/1440",
        "online applications accepted for one applicant ID number",
    ),
    Variable(
        "JIUZHU_PUBLIC_OBJECTIONS_PER_ADDRESS",
        "5/60",
        "objections to public notices accepted from one address",
    ),
    Variable(
        "JIUZHU_PUBLIC_STATUS_FAILURES_PER_ADDRESS",
        "5/15",
        "failed status lookups from one address before it waits",
    ),
    Variable(
        "JIUZHU_PUBLIC_STATUS_FAILURES_PER_CASE",
        "5/15",
        "failed status lookups on one case number before it waits",
    ),
    Variable(
        "JIUZHU_SIGNIN_FAILURES_PER_ACCOUNT_AND_ADDRESS",
        "5/15",
        "wrong passwords for one account from one address before that pair is slowed (1, 2, 4 … minutes)",
    ),
    Variable(
        "JIUZHU_SIGNIN_FAILURES_PER_ADDRESS",
        "20/15",
        "wrong passwords from one address, any account, before it waits",
    ),
    Variable(
        "JIUZHU_STUDIO_SCENARIO_KEYWORD",
        "(all scenarios)",
        "limit the studio's scenario runs to a pytest -k expression (trials and tests)",
    ),
    Variable(
        "PROMETHEUS_MULTIPROC_DIR",
        "(set by `jiuzhu serve`)",
        "folder where the web workers and the worker on this host share their metrics",
    ),
]


def defaults() -> dict:
    instance = instance_dir()
    return {
        "ENV_NAME": "development",
        "DATABASE_URL": None,
        "MIGRATE": False,  # the schema changes only through `jiuzhu init-db` (a release step)
        "CLOCK": None,
        "ATTACHMENTS_DIR": str(instance / "attachments"),
        "EXPORTS_DIR": str(instance / "exports"),
        "INBOX_PAGE_SIZE": 20,
        "MAX_CONTENT_LENGTH": 12 * 1024 * 1024,
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "jiuzhu_session",
        "REMEMBER_COOKIE_SECURE": True,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=8),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session: long forms take a while
        "WTF_CSRF_SSL_STRICT": False,  # same-site cookies and the token already bind the form to us
        "TRUSTED_PROXIES": 0,
        "METRICS_ALLOW": "127.0.0.1,::1",
    }


def from_environment(given: Mapping[str, str] | None = None) -> dict:
    env = os.environ if given is None else given
    found: dict = {
        "DATABASE_URL": env.get("DATABASE_URL") or default_url(),
        "ENV_NAME": env.get("JIUZHU_ENV", "development"),
    }
    if env.get("JIUZHU_SECRET_KEY"):
        found["SECRET_KEY"] = env["JIUZHU_SECRET_KEY"]
    if env.get("JIUZHU_ATTACHMENTS_DIR"):
        found["ATTACHMENTS_DIR"] = env["JIUZHU_ATTACHMENTS_DIR"]
    if env.get("JIUZHU_EXPORTS_DIR"):
        found["EXPORTS_DIR"] = env["JIUZHU_EXPORTS_DIR"]
    if env.get("JIUZHU_INSECURE_COOKIES") == "1":  # plain http on a LAN address, never on the internet
        found["SESSION_COOKIE_SECURE"] = found["REMEMBER_COOKIE_SECURE"] = False
    if env.get("JIUZHU_TRUSTED_PROXIES", "").isdecimal():
        found["TRUSTED_PROXIES"] = int(env["JIUZHU_TRUSTED_PROXIES"])
    if env.get("JIUZHU_STUDIO_SCENARIO_KEYWORD"):
        found["STUDIO_SCENARIO_KEYWORD"] = env["JIUZHU_STUDIO_SCENARIO_KEYWORD"]
    if "JIUZHU_METRICS_ALLOW" in env:
        found["METRICS_ALLOW"] = env["JIUZHU_METRICS_ALLOW"]
    return found


NEEDS_SECRET_KEY = (
    "JIUZHU_ENV=production needs JIUZHU_SECRET_KEY (the same value on every host), e.g. "
    "python -c 'import secrets; print(secrets.token_hex(32))'"
)


class ConfigurationError(RuntimeError):
    """The app cannot start as configured; the message says what to set."""


def ensure_secret_key(app: Flask) -> None:
    """The configured secret key; in development one generated once and kept under instance/."""
    if app.config.get("SECRET_KEY"):
        return
    if app.config["ENV_NAME"] == "production":
        raise ConfigurationError(NEEDS_SECRET_KEY)
    app.config["SECRET_KEY"] = development_secret_key(instance_dir() / "secret_key")


def development_secret_key(path: Path) -> str:
    """Read the key file, creating it atomically when absent: workers starting together all end up
    with the one key that won (written in full under a temporary name, then linked into place)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process won; use its key
        finally:
            temporary.unlink()
    return path.read_text().strip()


def preflight(url: str, given: Mapping[str, str] | None = None) -> str | None:
    """What would stop every worker from starting, said once by the master: a missing production
    secret key, a database whose schema is behind."""
    from engine.store import schema
    from engine.store.db import Database

    env = os.environ if given is None else given
    if env.get("JIUZHU_ENV", "development") == "production" and not env.get("JIUZHU_SECRET_KEY"):
        return NEEDS_SECRET_KEY
    db = Database(url)
    try:
        schema.check(db)
    except schema.SchemaBehind as err:
        return str(err)
    finally:
        db.dispose()
    return None
