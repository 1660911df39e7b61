"""Masking personal data for anything published (信息公示) or shown to people who need less."""

from __future__ import annotations


def mask_name(name: str) -> str:
    """张三 -> 张*, 欧阳小明 -> 欧阳**: keep the surname part, hide the given name."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    keep = 2 if len(name) >= 4 else 1
    return name[:keep] + "*" * (len(name) - keep)


def mask_id_number(id_number: str) -> str:
    """Keep the first 6 (region) and last 2 characters: 630102********123X -> 630102**********3X."""
    value = (id_number or "").strip()
    if len(value) < 8:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 8) + value[-2:]
