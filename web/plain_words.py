"""What clerks and residents read: the forms' help texts without the clause references kept in them
for traceability (`002 §三`, `defaults.md`, `001`) — those name files in the policy folder, which
mean nothing on a clerk's or a resident's page. Document numbers (国发〔2014〕47号) stay."""

from __future__ import annotations

import re

NUMERAL = "一二三四五六七八九十"
_SECTION = rf"§\s*[{NUMERAL}]+(?:之[{NUMERAL}]+)?"
REFERENCE = re.compile(rf"(?:\b00\d\b(?:\s*{_SECTION})?|{_SECTION}|defaults\.md)")  # the policy files 000–009
_SUBSECTION = re.compile(rf"§\s*([{NUMERAL}]+)[(（]([{NUMERAL}]+)[)）]")
_GROUP = re.compile(r"[（(]([^（）()]*)[）)]")
_PARTS = re.compile(r"[；;，,、]")
_LEADING = re.compile(rf"^(?:{REFERENCE.pattern})\s*[:：]\s*")
_TRAILING = re.compile(rf"[:：]\s*(?:(?:{REFERENCE.pattern})[\s，,、；;]*)+$")


def without_clause_references(text: str | None) -> str:
    if not text:
        return text or ""
    plain = _SUBSECTION.sub(r"§\1之\2", text)
    plain = _GROUP.sub(_kept_group, plain)
    plain = _TRAILING.sub("", _LEADING.sub("", plain))
    plain = REFERENCE.sub("", plain)
    return re.sub(r"\s{2,}", " ", plain).strip()


def _kept_group(found: re.Match) -> str:
    """A parenthesis keeps the parts that are not references, or goes when none is left."""
    if not REFERENCE.search(found.group(1)):
        return found.group(0)
    kept = [p.strip() for p in _PARTS.split(found.group(1)) if p.strip() and not REFERENCE.search(p)]
    return f"（{'；'.join(kept)}）" if kept else ""
