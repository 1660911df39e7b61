"""Storage rules: the audit log is append-only; the domain core never imports Flask."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.conftest import VILLAGE_A1


def test_audit_events_refuse_update_and_delete(mini_engine, applicant):
    mini_engine.start_case({"applicant": applicant, "reason": "fire", "divisor": 1}, VILLAGE_A1, by="town_a")
    for statement in ("UPDATE audit_events SET actor = 'someone'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"), mini_engine.db.write() as session:
            session.execute(text(statement))


def test_engine_imports_no_flask():
    root = Path(__file__).resolve().parents[2] / "engine"
    offenders = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            offenders += [
                f"{path.name}: {n}" for n in names if n.split(".")[0] in ("flask", "flask_login", "werkzeug")
            ]
    assert offenders == []


def test_inbox_query_reads_only_its_own_table(mini_engine, applicant, monkeypatch):
    mini_engine.start_case({"applicant": applicant, "reason": "fire", "divisor": 1}, VILLAGE_A1, by="town_a")
    from engine.workflow import specs

    def refuse(*args, **kwargs):
        raise AssertionError("the inbox deserialized a workflow")

    monkeypatch.setattr(specs.LoadedSpecs, "load_workflow", refuse)
    assert mini_engine.inbox("town_a").total == 1
