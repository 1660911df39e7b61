"""What a task form may be filled in with before the clerk types: a field whose schema says
`"x-prefill": …` starts with what the system knows — `"today"` (China time), `"me"` (the signed-in
clerk's name; a list of people starts with them), or a dotted path into the case data
(`"applicant.name"`, `"amount"`). The clerk can change every prefilled value; nothing is submitted
until they do."""

from __future__ import annotations

from datetime import date
from typing import Any

PREFILL_KEYWORD = "x-prefill"


def prefill(schema: dict, case_data: dict, my_name: str, today: date) -> dict:
    """The starting values of a form's top-level fields (and of their nested objects)."""
    return _object(schema, case_data, my_name, today)


def _object(schema: dict, case_data: dict, my_name: str, today: date) -> dict:
    found: dict[str, Any] = {}
    for key, field in (schema.get("properties") or {}).items():
        if not isinstance(field, dict):
            continue
        source = field.get(PREFILL_KEYWORD)
        if source is not None:
            value = _value(source, field, case_data, my_name, today)
            if value is not None:
                found[key] = value
        elif field.get("type") == "object":
            inner = _object(field, case_data, my_name, today)
            if inner:
                found[key] = inner
    return found


def _value(source: str, field: dict, case_data: dict, my_name: str, today: date) -> Any:
    if source == "today":
        return today.isoformat()
    if source == "me":
        if field.get("type") == "array":
            return [{"name": my_name}]
        return my_name
    value: Any = case_data
    for part in str(source).split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value
