"""An online application and its documents are one unit of work, on SQLite and PostgreSQL: the
case, the attachment rows, their audit events and the stored bytes all stay, or none do."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from engine import ValidationFailed
from engine.store.models import AuditEvent, Case
from engine.store.web_models import Attachment
from tests.conftest import VILLAGE_A1

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 500


def _apply(eng, store, applicant, reason="fire"):
    return eng.apply_online(
        {"applicant": applicant, "reason": reason, "submitted_by": "self"},
        VILLAGE_A1,
        uploads=[("residence_statement", "暂住说明.png", io.BytesIO(PNG))],
        store=store,
    )


def _counts(eng):
    with eng.db.read() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(table))
            for table in (Case, Attachment, AuditEvent)
        )


def _stored(root):
    return [p for p in root.rglob("*") if p.is_file()]


def test_documents_are_kept_with_the_case(mini_engine, applicant, tmp_path):
    store = mini_engine.attachments(tmp_path / "files")
    ref = _apply(mini_engine, store, applicant)
    [kept] = store.for_case(ref.case_no)
    assert (kept.filename, kept.kind_title, kept.uploader) == (
        "暂住说明.png",
        "暂住说明",
        "申请人（网上申请）",
    )
    assert store.path_of(kept.sha256).read_bytes() == PNG and len(_stored(tmp_path / "files")) == 1


def test_an_application_refused_when_the_case_starts_keeps_no_document(mini_engine, applicant, tmp_path):
    store = mini_engine.attachments(tmp_path / "files")
    before = _counts(mini_engine)
    with pytest.raises(ValidationFailed):
        _apply(mini_engine, store, applicant, reason="flood")  # refused by the start form itself
    assert _counts(mini_engine) == before and _stored(tmp_path / "files") == []
