"""Text files people bring in (a platform's CSV export, a roster): the encoding detected, binary refused.

Chinese platforms and Excel export GBK / GB18030 as often as UTF-8, with or without a byte order
mark. We try UTF-8 first (a BOM decides it outright), then GB18030 (a superset of GBK and GB2312);
a file that is neither, or that holds NUL or other control bytes, is not a text file and is refused
with a Chinese message rather than read as garbage.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Callable

from engine.errors import FieldError, ValidationFailed

ENCODINGS = ("utf-8", "gb18030")
# Control characters that never occur in a CSV or JSON text (tab, LF and CR do).
_BINARY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def decode(raw: bytes, what: str = "文件") -> str:
    """The text of `raw`, without a byte order mark; ValidationFailed (field `file`) when it is not text."""
    if raw.startswith(codecs.BOM_UTF8):
        candidates = [("utf-8-sig", raw)]
    else:
        candidates = [(encoding, raw) for encoding in ENCODINGS]
    for encoding, data in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _BINARY.search(text):
            break
        return text
    raise ValidationFailed(
        [FieldError("file", f"{what}：不是文本文件，或编码无法识别（应为 UTF-8 或 GB18030/GBK 编码）")]
    )


def records(
    text: str, fmt: str, required_columns: tuple[str, ...], what: str, row: Callable[[dict], dict]
) -> list[dict]:
    """The records of an imported file as dicts: a JSON list (or {"records": [...]}) or CSV rows with
    their header (`row` shapes each CSV row). ValidationFailed (field `file`) when the file itself
    cannot be read: bad JSON or CSV, nesting or numbers a parser chokes on, missing columns."""
    if fmt == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise ValidationFailed(
                [FieldError("file", f"文件：不是有效的 JSON（第 {err.lineno} 行）")]
            ) from None
        except RecursionError:
            raise ValidationFailed([FieldError("file", "文件：JSON 嵌套层数过深")]) from None
        except ValueError:  # a number of thousands of digits
            raise ValidationFailed([FieldError("file", "文件：JSON 中有位数过多的数字")]) from None
        found = data.get("records") if isinstance(data, dict) else data
        if not isinstance(found, list) or not all(isinstance(r, dict) for r in found):
            raise ValidationFailed([FieldError("file", f"文件：应为{what}的列表")])
        return found
    if fmt == "csv":
        reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
        try:
            missing = [c for c in required_columns if c not in (reader.fieldnames or [])]
            if missing:
                raise ValidationFailed([FieldError("file", f"文件：缺少列 {', '.join(missing)}")])
            return [row(r) for r in reader]
        except csv.Error as err:
            raise ValidationFailed(
                [FieldError("file", f"文件：第 {reader.line_num} 行不是有效的 CSV")]
            ) from err
    raise ValidationFailed([FieldError("format", "格式：应为 csv 或 json")])
