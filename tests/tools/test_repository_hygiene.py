"""The repository itself: nothing half-merged is ever committed."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# A line that is exactly a merge-conflict marker, as git writes it (7 characters, then a space or end).
CONFLICT_MARKER = re.compile(r"^(<{7}|>{7}|={7})( |$)", re.MULTILINE)


def test_no_tracked_file_holds_a_merge_conflict_marker():
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    offenders = []
    for name in filter(None, tracked):
        path = ROOT / name.decode()
        if not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary fixtures
        for match in CONFLICT_MARKER.finditer(text):
            if match.group(1) == "=======" and not _between_markers(text, match.start()):
                continue  # a setext heading or a ruler, not a conflict
            offenders.append(f"{name.decode()}:{text.count(chr(10), 0, match.start()) + 1}")
    assert not offenders, "merge-conflict markers committed: " + ", ".join(offenders)


def _between_markers(text: str, at: int) -> bool:
    before, after = text[:at], text[at:]
    return bool(re.search(r"^<{7}( |$)", before, re.MULTILINE)) and bool(
        re.search(r"^>{7}( |$)", after, re.MULTILINE)
    )
