"""County parameters (the numbers a county sets): versioned, audited, read by diagrams via param()."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from engine.errors import FieldError, NotFound, ValidationFailed
from engine.store.models import ParameterSet

DEFAULTS_FILE = Path(__file__).with_name("parameters_default.json")


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict]:
    """Every known parameter with its default, unit, title and the source of the default."""
    return json.loads(DEFAULTS_FILE.read_text(encoding="utf-8"))


def default_values() -> dict[str, float | int | list[str]]:
    return {name: spec["value"] for name, spec in catalogue().items()}


def is_list(name: str) -> bool:
    """A parameter whose value is a list of texts (the county's own list, e.g. its 其他特殊困难
    types) rather than a number: its default in parameters_default.json is a list."""
    return isinstance(catalogue().get(name, {}).get("value"), list)


LIST_SEPARATORS = ("\n", "；", ";")


def parse_entry(name: str, raw: str):
    """A value typed by the process owner (studio form, `set-parameters`): a list parameter's items
    separated by new lines or ；, a number otherwise. Raises ValueError for a number that is not one."""
    if is_list(name):
        for separator in LIST_SEPARATORS[1:]:
            raw = raw.replace(separator, "\n")
        return [item.strip() for item in raw.split("\n") if item.strip()]
    return float(raw) if "." in raw else int(raw)


@dataclass(frozen=True)
class ParametersInForce:
    county_code: str
    version: int  # 0 = the shipped defaults, no county version yet
    values: dict

    def get(self, name: str):
        if name not in self.values:
            raise NotFound(f"未定义的县级参数：{name}")
        return self.values[name]


_SETS = ParameterSet.__table__
# Built once: every decision that reads a parameter runs it (see engine/store/rows.py on why).
_IN_FORCE = (
    select(_SETS.c.version, _SETS.c["values"])
    .where(_SETS.c.county_code == bindparam("county"), _SETS.c.effective_from <= bindparam("at"))
    .order_by(_SETS.c.effective_from.desc(), _SETS.c.version.desc())
    .limit(1)
)


def in_force(session: Session, county_code: str, at: datetime) -> ParametersInForce:
    row = session.execute(_IN_FORCE, {"county": county_code, "at": at}).first()
    values = default_values()
    if row is None:
        return ParametersInForce(county_code, 0, values)
    version, chosen = row
    values.update(chosen)
    return ParametersInForce(county_code, version, values)


def check_values(values: dict) -> list[FieldError]:
    known = catalogue()
    errors = []
    for name, value in values.items():
        if name not in known:
            errors.append(FieldError(name, f"{name}：未知参数"))
        elif is_list(name):
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                errors.append(FieldError(name, f"{known[name]['title']}：应为一项或多项文字"))
            elif len(set(value)) != len(value):
                errors.append(FieldError(name, f"{known[name]['title']}：有重复的项"))
        elif isinstance(value, bool) or not isinstance(value, (int, float)):
            errors.append(FieldError(name, f"{known[name]['title']}：应为数字"))
        elif value < 0:
            errors.append(FieldError(name, f"{known[name]['title']}：不能小于 0"))
    return errors


def new_version(
    session: Session,
    county_code: str,
    values: dict,
    by: str,
    now: datetime,
    effective_from: datetime | None = None,
    reason: str | None = None,
) -> ParameterSet:
    errors = check_values(values)
    if errors:
        raise ValidationFailed(errors)
    current = in_force(session, county_code, effective_from or now)
    last = session.scalar(
        select(func.max(ParameterSet.version)).where(ParameterSet.county_code == county_code)
    )
    merged = {k: v for k, v in {**current.values, **values}.items() if k in catalogue()}
    row = ParameterSet(
        county_code=county_code,
        version=(last or 0) + 1,
        values=merged,
        effective_from=effective_from or now,
        created_at=now,
        created_by=by,
        reason=reason,
    )
    session.add(row)
    session.flush()
    return row
