"""County parameters (the numbers a county sets): versioned, audited, read by diagrams via param()."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from engine.areas import area_level
from engine.errors import FieldError, NotFound, ValidationFailed
from engine.store.models import Area, ParameterSet

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
    return of_version(county_code, *row) if row is not None else of_version(county_code, None, None)


def of_version(county_code: str, version: int | None, chosen: dict | None) -> ParametersInForce:
    """The values in force under a county's version (None: the shipped defaults)."""
    values = default_values()
    if version is None:
        return ParametersInForce(county_code, 0, values)
    values.update(chosen or {})
    return ParametersInForce(county_code, version, values)


def in_force_columns(county_code_column, at):
    """The version and values in force for the county in `county_code_column` at `at`, as two scalar
    subqueries: a step reads them with its case row instead of asking again."""
    latest = (
        select(_SETS.c.version, _SETS.c["values"])
        .where(_SETS.c.county_code == county_code_column, _SETS.c.effective_from <= at)
        .order_by(_SETS.c.effective_from.desc(), _SETS.c.version.desc())
        .limit(1)
    )
    version = latest.with_only_columns(_SETS.c.version).scalar_subquery().label("parameter_version")
    values = latest.with_only_columns(_SETS.c["values"]).scalar_subquery().label("parameter_values")
    return version, values


def check_values(values: dict) -> list[FieldError]:
    """Each value against the type and range declared next to its default (parameters_default.json):
    the studio, the CLI and the API all save through here, so inf, NaN and absurd numbers never reach
    a diagram."""
    known = catalogue()
    errors = []
    for name, value in values.items():
        spec = known.get(name)
        problem = "未知参数" if spec is None else value_problem(spec, value)
        if problem:
            errors.append(FieldError(name, f"{spec['title'] if spec else name}：{problem}"))
    return errors


def value_problem(spec: dict, value) -> str | None:
    """Why `value` cannot be this parameter, in Chinese; None when it can."""
    low, high, unit = spec["min"], spec["max"], spec["unit"]
    if spec["type"] == "list":
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            return "应为一项或多项文字"
        if len(set(value)) != len(value):
            return "有重复的项"
        if not low <= len(value) <= high or any(len(v) > 100 for v in value):
            return f"应为 {low}–{high} 项，每项不超过 100 字"
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return "应为数字"
    if spec["type"] == "switch" and value not in (0, 1):
        return "只能为 0 或 1"
    if spec["type"] == "integer" and value != int(value):
        return f"应为整数（{unit}）"
    if not low <= value <= high:
        return f"应在 {low}–{high} {unit}之间"
    return None


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
    county = session.get(Area, county_code) if isinstance(county_code, str) else None
    if county is None or area_level(county.code) != "county":
        errors.insert(
            0, FieldError("county_code", f"县级行政区划代码：没有这个县（{str(county_code)[:12]}）")
        )
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


def change(
    session: Session,
    county_code: str,
    values: dict,
    by: str,
    now: datetime,
    effective_from: datetime | None = None,
    reason: str | None = None,
) -> int:
    """A new version of the county's parameters with its audit event, in the caller's transaction;
    returns the version number."""
    from engine.store.models import AuditEvent

    row = new_version(session, county_code, values, by, now, effective_from, reason)
    session.add(
        AuditEvent(
            at=now,
            actor=by,
            action="parameters_changed",
            data={
                "county_code": county_code,
                "version": row.version,
                "changed": values,
                "effective_from": row.effective_from.isoformat(),
                "reason": reason,
            },
            parameter_version=row.version,
        )
    )
    return row.version
