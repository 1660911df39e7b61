"""Deployed versions: deploy (lint, store by content hash) and a per-process cache of parsed specs."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import specs
from engine.errors import LintFailed, NotFound
from engine.store.models import AuditEvent, Case, SpecVersion


@dataclass(frozen=True)
class Deployment:
    version_id: int
    content_hash: str
    created: bool
    warnings: list


class SpecRegistry:
    """Parses each version once per process; versions are immutable, so the cache never goes stale."""

    def __init__(self):
        self._loaded: dict[int, specs.LoadedSpecs] = {}
        self._lock = threading.Lock()

    def for_version(self, session: Session, version_id: int) -> specs.LoadedSpecs:
        loaded = self._loaded.get(version_id)
        if loaded is not None:
            return loaded
        row = session.get(SpecVersion, version_id)
        if row is None:
            raise NotFound(f"流程版本 {version_id} 不存在")
        with self._lock:
            if version_id not in self._loaded:
                self._loaded[version_id] = specs.load(specs.SpecFiles(dict(row.files)))
        return self._loaded[version_id]

    def current(self, session: Session) -> tuple[SpecVersion, specs.LoadedSpecs]:
        """The newest deployment: new cases start on it."""
        row = session.scalars(select(SpecVersion).order_by(SpecVersion.id.desc()).limit(1)).first()
        if row is None:
            raise NotFound("尚未部署流程，请先运行 jiuzhu deploy")
        return row, self.for_version(session, row.id)


def deploy(session: Session, registry: SpecRegistry, files: specs.SpecFiles, by: str, now: datetime,
           note: str | None = None) -> Deployment:
    """Lint and store the files as a version; the same content deployed again is a no-op."""
    content_hash = files.content_hash
    existing = session.scalars(select(SpecVersion).where(SpecVersion.content_hash == content_hash)).first()
    if existing is not None:
        return Deployment(existing.id, content_hash, False, existing.manifest.get("warnings", []))
    problems = specs.lint(files)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise LintFailed(errors)
    loaded = specs.load(files)
    row = SpecVersion(content_hash=content_hash, files=files.files, manifest=specs.manifest(loaded, problems),
                      created_at=now, created_by=by, note=note)
    session.add(row)
    session.flush()
    session.add(AuditEvent(at=now, actor=by, action="spec_deployed", data={"hash": content_hash, "note": note},
                           spec_version_id=row.id))
    return Deployment(row.id, content_hash, True, row.manifest["warnings"])


def list_versions(session: Session) -> list[dict]:
    counts = dict(session.execute(select(Case.spec_version_id, func.count()).group_by(Case.spec_version_id)).all())
    return [
        {"id": v.id, "content_hash": v.content_hash, "created_at": v.created_at, "created_by": v.created_by,
         "note": v.note, "cases": counts.get(v.id, 0)}
        for v in session.scalars(select(SpecVersion).order_by(SpecVersion.id.desc()))
    ]
