"""County parameters as the process owner edits them: beyond each value's type and range (checked by
engine.parameters for every way in), limits in order, a start date not in the past, a reason; the
history of versions with what each changed, and which versions a case's decisions used."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import parameters
from engine.errors import FieldError
from engine.store.models import AuditEvent, ParameterSet

# (lower, higher): the first may not exceed the second.
ORDERED = [
    ("township_pay_first_limit", "county_pay_first_limit"),
    ("township_approval_limit", "county_pay_first_limit"),
    ("tier_months_general", "tier_months_serious"),
    ("tier_months_serious", "tier_months_critical"),
    ("tier_months_critical", "max_months"),
]
PAST_TOLERANCE = timedelta(minutes=5)


def check(
    values: dict, current: dict, effective_from: datetime, now: datetime, reason: str | None
) -> list[FieldError]:
    """Every reason to refuse a new version `values` (changed parameters only) over `current`."""
    errors = list(parameters.check_values(values))
    catalogue = parameters.catalogue()
    bad = {e.path for e in errors}
    merged = {**current, **values}
    for low, high in ORDERED:
        if low in bad or high in bad or (low not in values and high not in values):
            continue
        if merged.get(low) is not None and merged.get(high) is not None and merged[low] > merged[high]:
            errors.append(
                FieldError(
                    low if low in values else high,
                    f"{catalogue[low]['title']}（{merged[low]}）不能大于"
                    f"{catalogue[high]['title']}（{merged[high]}）",
                )
            )
    if effective_from < now - PAST_TOLERANCE:
        errors.append(FieldError("effective_from", "生效时间：不能早于现在（已作出的决定不能追溯改变）"))
    if not (reason or "").strip():
        errors.append(FieldError("reason", "调整依据：必填（如县政府文件文号）"))
    if not values:
        errors.append(FieldError("values", "没有修改任何参数"))
    return errors


def normalised(values: dict) -> dict:
    """Whole numbers as int, so diagrams and forms see 1500, not 1500.0."""
    return {
        k: int(v) if isinstance(v, float) and math.isfinite(v) and v == int(v) else v
        for k, v in values.items()
    }


@dataclass(frozen=True)
class ParameterVersion:
    version: int
    effective_from: datetime | None
    created_at: datetime | None
    created_by: str
    reason: str | None
    values: dict
    changed: dict  # name -> (before, after)


def history(session: Session, county_code: str) -> list[ParameterVersion]:
    """Newest first; version 0 is the shipped defaults."""
    rows = session.scalars(
        select(ParameterSet).where(ParameterSet.county_code == county_code).order_by(ParameterSet.version)
    ).all()
    previous = parameters.default_values()
    found = [ParameterVersion(0, None, None, "默认值", "engine/parameters_default.json", dict(previous), {})]
    for row in rows:
        values = {**parameters.default_values(), **row.values}
        changed = {k: (previous.get(k), v) for k, v in values.items() if previous.get(k) != v}
        found.append(
            ParameterVersion(
                row.version, row.effective_from, row.created_at, row.created_by, row.reason, values, changed
            )
        )
        previous = values
    return list(reversed(found))


def case_parameters(session: Session, county_code: str, case_id: int) -> list[dict]:
    """The parameter versions the case's steps read, each with the steps that read it and its values."""
    events = session.execute(
        select(AuditEvent.parameter_version, AuditEvent.at, AuditEvent.action, AuditEvent.element_name)
        .where(AuditEvent.case_id == case_id, AuditEvent.parameter_version.is_not(None))
        .order_by(AuditEvent.id)
    ).all()
    by_version: dict[int, list[dict]] = {}
    for event in events:
        by_version.setdefault(event.parameter_version, []).append(
            {"at": event.at, "action": event.action, "step": event.element_name}
        )
    versions = {v.version: v for v in history(session, county_code)}
    return [
        {
            "version": number,
            "steps": steps,
            "values": versions[number].values if number in versions else {},
            "effective_from": versions[number].effective_from if number in versions else None,
        }
        for number, steps in sorted(by_version.items())
    ]
