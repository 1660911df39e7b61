"""行政区划 as lists for choosing: the villages a clerk may open a case in, the townships residents
pick on the public pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from engine.store.models import Area

if TYPE_CHECKING:
    from engine.facade import Engine


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    level: str
    parent_code: str | None


def places(eng: Engine, within: str = "", level: str | None = None) -> list[Place]:
    """Areas whose code starts with `within` (all when empty), optionally of one level, by code."""
    with eng.db.read() as session:
        stmt = select(Area).where(Area.code >= within, Area.code < within + ":").order_by(Area.code)
        if level:
            stmt = stmt.where(Area.level == level)
        return [Place(a.code, a.name, a.level, a.parent_code) for a in session.scalars(stmt)]


def names(eng: Engine) -> dict[str, str]:
    """Area code -> name, e.g. for the area column of the inbox."""
    with eng.db.read() as session:
        return {code: name for code, name in session.execute(select(Area.code, Area.name))}
