"""Deploy: lint a set of bpmn/ + forms/ files and store them as an immutable version, keyed by the
SHA-256 of their content; the same files deployed again return the existing version. Cases keep the
version they started with, so a running case is never affected by a later deploy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import LintFailed
from engine.store.models import AuditEvent, SpecVersion
from engine.workflow import lint, specs
from engine.workflow.registry import SpecRegistry


@dataclass(frozen=True)
class Deployment:
    version_id: int
    content_hash: str
    created: bool
    warnings: list


def deploy(
    session: Session,
    registry: SpecRegistry,
    files: specs.SpecFiles,
    by: str,
    now: datetime,
    note: str | None = None,
) -> Deployment:
    """Lint and store the files as a version; the same content deployed again is a no-op."""
    content_hash = files.content_hash
    existing = session.scalars(select(SpecVersion).where(SpecVersion.content_hash == content_hash)).first()
    if existing is not None:
        return Deployment(existing.id, content_hash, False, existing.manifest.get("warnings", []))
    problems = lint.lint(files)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise LintFailed(errors)
    loaded = specs.load(files)
    row = SpecVersion(
        content_hash=content_hash,
        files=files.files,
        manifest=lint.manifest(loaded, problems),
        created_at=now,
        created_by=by,
        note=note,
    )
    session.add(row)
    session.flush()
    session.add(
        AuditEvent(
            at=now,
            actor=by,
            action="spec_deployed",
            data={"hash": content_hash, "note": note},
            spec_version_id=row.id,
        )
    )
    return Deployment(row.id, content_hash, True, row.manifest["warnings"])
