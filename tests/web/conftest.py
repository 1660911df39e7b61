"""Fixtures: each test has its own SQLite file (a copy of one seeded template) and its own app."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from engine import Engine
from engine.demo import seed
from web import create_app

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_template(path: Path) -> Path:
    """Deployed diagrams and forms, demo areas and users of every role, no cases."""
    eng = Engine.open(f"sqlite:///{path}")
    eng.deploy()
    seed(eng, with_cases=False)
    eng.close()
    return path


@pytest.fixture(scope="session")
def template_db(tmp_path_factory) -> Path:
    return make_template(tmp_path_factory.mktemp("template") / "jiuzhu.sqlite3")


def copy_database(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def app_on_copy(template: Path, folder: Path, **config):
    """An app on its own copy of the template database, attachments under `folder`."""
    db = folder / "jiuzhu.sqlite3"
    copy_database(template, db)
    settings = {
        "DATABASE_URL": f"sqlite:///{db}",
        "SECRET_KEY": "test-secret",
        "ATTACHMENTS_DIR": str(folder / "attachments"),
    }
    return create_app(settings | config)


@pytest.fixture
def app(tmp_path, template_db):
    app = app_on_copy(template_db, tmp_path, TESTING=True)
    yield app
    app.extensions["jiuzhu"].engine.close()


@pytest.fixture
def eng(app) -> Engine:
    return app.extensions["jiuzhu"].engine


class Visitor:
    """A test client that signs in and sends forms with their CSRF token, like a browser would."""

    def __init__(self, app):
        self.client = app.test_client()
        self.token = None

    def get(self, url, **kw):
        response = self.client.get(url, **kw)
        found = CSRF.search(response.get_data(as_text=True))
        if found:
            self.token = found.group(1)
        return response

    def post(self, url, data=None, csrf=True, **kw):
        if csrf and self.token is None:
            self.get("/login")
        data = dict(data or {}) if not hasattr(data, "getlist") else data
        if csrf:
            if hasattr(data, "getlist"):
                data = data.copy()
                data["csrf_token"] = self.token
            else:
                data.setdefault("csrf_token", self.token)
        return self.client.post(url, data=data, **kw)

    def login(self, username, password="jiuzhu-demo"):
        response = self.post("/login", {"username": username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        self.get("/")
        return self


@pytest.fixture
def visitor(app):
    def make(username=None):
        v = Visitor(app)
        return v.login(username) if username else v

    return make


def visible_text(page: str) -> str:
    """The page's text as a reader sees it: no tags, no scripts, whitespace collapsed."""
    page = re.sub(r"<(script|template)\b.*?</\1>", " ", page, flags=re.DOTALL)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
