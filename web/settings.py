"""Configuration: defaults, then the environment, then what create_app is given."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask

from engine.store.db import default_url

INSTANCE = Path(__file__).resolve().parent.parent / "instance"


def defaults() -> dict:
    return {
        "DATABASE_URL": None,
        "MIGRATE": True,
        "CLOCK": None,
        "ATTACHMENTS_DIR": str(INSTANCE / "attachments"),
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
    }


def from_environment() -> dict:
    found: dict = {"DATABASE_URL": os.environ.get("DATABASE_URL") or default_url()}
    if os.environ.get("JIUZHU_SECRET_KEY"):
        found["SECRET_KEY"] = os.environ["JIUZHU_SECRET_KEY"]
    if os.environ.get("JIUZHU_ATTACHMENTS_DIR"):
        found["ATTACHMENTS_DIR"] = os.environ["JIUZHU_ATTACHMENTS_DIR"]
    if os.environ.get("JIUZHU_INSECURE_COOKIES") == "1":  # plain http on a LAN address, never on the internet
        found["SESSION_COOKIE_SECURE"] = found["REMEMBER_COOKIE_SECURE"] = False
    return found


def ensure_secret_key(app: Flask) -> None:
    """A secret key from the configuration, or one generated once and kept under instance/."""
    if app.config.get("SECRET_KEY"):
        return
    path = INSTANCE / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
    app.config["SECRET_KEY"] = path.read_text().strip()
