"""The parsed specs of each deployed version, cached per process.

Versions are immutable, so a version is parsed once and the cache never goes stale."""

from __future__ import annotations

import threading

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.store.models import SpecVersion
from engine.workflow import specs


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
