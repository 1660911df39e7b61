"""JSON data as the fields a browser posts for the server-rendered forms (web/schemaform.py)."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

ARRAY_MARK = "__array__"


def as_form(data: dict, prefix: str = "", into: MultiDict | None = None) -> MultiDict:
    into = into if into is not None else MultiDict()
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            as_form(value, name + ".", into)
        elif isinstance(value, list):
            into.add(name, ARRAY_MARK)
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    as_form(item, f"{name}.{i}.", into)
                else:
                    into.add(name, str(item))
        elif isinstance(value, bool):
            into.add(name, "true" if value else "false")
        else:
            into.add(name, str(value))
    return into
