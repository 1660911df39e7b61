"""Whole numbers from the request, parsed safely: query parameters and `<int:…>` path parts.

`str.isdigit` accepts '²' and int() refuses more than 4 300 digits; a database id column holds 64
bits. Anything outside the range is the client's mistake (400 with a Chinese message) for a query
parameter, and "no such thing" (404) for a path part — never a 500.
"""

from __future__ import annotations

from collections.abc import Mapping

from werkzeug.routing import IntegerConverter, ValidationError

from engine.errors import FieldError, ValidationFailed

MAX_ID = 2**63 - 1  # a BIGINT column
_MAX_DIGITS = len(str(MAX_ID))


def whole_number(raw: object, low: int = 0, high: int = MAX_ID) -> int | None:
    """`raw` as an int within [low, high], or None when it is not one (ASCII digits only)."""
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    if not text or not (text.isascii() and text.isdigit()) or len(text.lstrip("0")) > _MAX_DIGITS:
        return None
    value = int(text)
    return value if low <= value <= high else None


def int_arg(args: Mapping, name: str, default: int | None = None, low: int = 0, high: int = MAX_ID):
    """A query parameter that must be a whole number when given: absent → default, bad → 400."""
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    value = whole_number(raw, low, high)
    if value is None:
        raise ValidationFailed([FieldError(name, f"参数 {name}：应为 {low}–{high} 的整数")])
    return value


def lenient_int_arg(args: Mapping, name: str, default: int | None = None, low: int = 0, high: int = MAX_ID):
    """For pages where a bad value is best ignored (a hand-edited ?page=): absent or bad → default."""
    value = whole_number(args.get(name, ""), low, high)
    return default if value is None else value


class BoundedIntConverter(IntegerConverter):
    """`<int:…>` that answers 404 for ids beyond 64 bits instead of overflowing the database."""

    def to_python(self, value: str) -> int:
        parsed = whole_number(value, 0, MAX_ID)
        if parsed is None:
            raise ValidationError()
        return parsed
