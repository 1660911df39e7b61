"""Deployed versions as the studio lists them: each with its cases."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.store.models import Case, SpecVersion


def list_versions(session: Session) -> list[dict]:
    counts = dict(
        session.execute(select(Case.spec_version_id, func.count()).group_by(Case.spec_version_id)).all()
    )
    return [
        {
            "id": v.id,
            "content_hash": v.content_hash,
            "created_at": v.created_at,
            "created_by": v.created_by,
            "note": v.note,
            "cases": counts.get(v.id, 0),
        }
        for v in session.scalars(select(SpecVersion).order_by(SpecVersion.id.desc()))
    ]
