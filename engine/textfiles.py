"""Text files people bring in (a platform's CSV export, a roster): the encoding detected, binary refused.

Chinese platforms and Excel export GBK / GB18030 as often as UTF-8, with or without a byte order
mark. We try UTF-8 first (a BOM decides it outright), then GB18030 (a superset of GBK and GB2312);
a file that is neither, or that holds NUL or other control bytes, is not a text file and is refused
with a Chinese message rather than read as garbage.
"""

from __future__ import annotations

import codecs
import re

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
