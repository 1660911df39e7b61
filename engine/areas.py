"""行政区划 codes: county 6 digits ⊃ township 9 ⊃ village 12, each a prefix of its children's codes."""

from __future__ import annotations


def area_level(code: str) -> str:
    return {6: "county", 9: "township", 12: "village"}.get(len(code), "unknown")


def county_of(area_code: str) -> str:
    return area_code[:6]


def township_of(area_code: str) -> str | None:
    return area_code[:9] if len(area_code) >= 9 else None


def within(column, area_code: str) -> tuple:
    """Conditions for codes within an area. A range keeps the index usable on every database
    (LIKE 'x%' is not index-friendly in SQLite)."""
    return column >= area_code, column < area_code + ":"
