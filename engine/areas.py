"""行政区划 codes: province 2 digits ⊃ city 4 ⊃ county 6 ⊃ township 9 ⊃ village 12 (GB/T 2260 and the
statistical division codes), each a prefix of its children's codes."""

from __future__ import annotations

LEVELS = {2: "province", 4: "city", 6: "county", 9: "township", 12: "village"}
LEVEL_NAMES = {"province": "省", "city": "市", "county": "县", "township": "乡镇", "village": "村"}


def area_level(code: str) -> str:
    return LEVELS.get(len(code), "unknown")


def parent_of(code: str) -> str | None:
    """The code of the area one level up (None for a province)."""
    lengths = sorted(LEVELS)
    if len(code) not in LEVELS or len(code) == lengths[0]:
        return None
    return code[: lengths[lengths.index(len(code)) - 1]]


def child_width(code: str) -> int | None:
    """How many digits the areas one level below have (None below a village)."""
    lengths = sorted(LEVELS)
    if len(code) not in LEVELS or len(code) == lengths[-1]:
        return None
    return lengths[lengths.index(len(code)) + 1]


def county_of(area_code: str) -> str:
    return area_code[:6]


def township_of(area_code: str) -> str | None:
    return area_code[:9] if len(area_code) >= 9 else None


def within(column, area_code: str) -> tuple:
    """Conditions for codes within an area. A range keeps the index usable on every database
    (LIKE 'x%' is not index-friendly in SQLite)."""
    return column >= area_code, column < area_code + ":"
