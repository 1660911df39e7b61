"""Jiuzhu's web front (Flask): the clerks' inbox, task forms, case pages, the residents' pages and
the JSON API. Thin: it signs people in, renders, and maps engine errors; every decision and state
change is made by engine/ through the Engine facade."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, send_from_directory

from engine import Engine
from engine.store import schema
from engine.store.schema import SchemaBehind
from web import (
    api,
    auth,
    cases,
    errors,
    handover,
    inbox,
    jobs,
    labels,
    observability,
    operations,
    params,
    public,
    reports,
    security,
    settings,
    studio,
    tasks,
)
from web.context import Jiuzhu
from web.jsonio import JSONProvider


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.json = JSONProvider(app)
    app.url_map.converters["int"] = params.BoundedIntConverter  # before any rule is added
    app.config.from_mapping(settings.defaults())
    app.config.from_mapping(settings.from_environment())
    if config:
        app.config.from_mapping(config)
    settings.ensure_secret_key(app)
    eng = Engine.open(
        app.config["DATABASE_URL"], clock=app.config.get("CLOCK"), migrate=app.config["MIGRATE"]
    )
    try:
        schema.check(eng.db)  # refuse to serve a database whose schema is behind (SchemaBehind says why)
    except SchemaBehind:
        eng.close()
        raise
    app.extensions["jiuzhu"] = Jiuzhu(eng, eng.attachments(app.config["ATTACHMENTS_DIR"]))
    observability.init_app(app)
    security.init_app(app)
    labels.init_app(app)
    errors.init_app(app)
    app.add_url_rule("/favicon.ico", "favicon", _favicon)
    for blueprint in (
        auth.bp,
        inbox.bp,
        tasks.bp,
        cases.bp,
        handover.bp,
        public.bp,
        api.bp,
        studio.bp,
        operations.bp,
        reports.bp,
        jobs.bp,
    ):
        app.register_blueprint(blueprint)
    return app


def _favicon():
    """Browsers ask for /favicon.ico on every page; answer it rather than log a 404 each time."""
    return send_from_directory(Path(__file__).parent / "static", "favicon.ico", max_age=86400)
