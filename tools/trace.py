"""Traceability matrix: policy clause → diagram elements → acceptance scenarios.

Sources are read from `来源：…` in BPMN documentation and DMN rule descriptions, and from
`# 来源：…` comments above each 场景 in features/*.feature. Prints the matrix, then checks every
procedural step listed in tools/policy_steps.json; exits 1 when a step has no element or no scenario.

    python tools/trace.py [--markdown]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
SOURCE = re.compile(r"来源[:：](.*)", re.DOTALL)
CLAUSE = re.compile(r"^(000|001|002|003|004|defaults)\b\s*(§[^\s，,；;“”\"（、]+)?")
MORE = re.compile(r"^、(§[^\s，,；;“”\"（、]+)")
SCENARIO = re.compile(r"^\s*(场景大纲|场景|剧本大纲|剧本)[:：]\s*(.+)$")


@dataclass(frozen=True)
class Citation:
    clause: str  # e.g. "002 §三", "000 §二(一)", "defaults"
    text: str  # the whole source text of the element or scenario (for keyword checks)
    where: str  # "bpmn/x.bpmn#Task_A 名称" or "features/x.feature: 场景名"


def clauses(source_text: str) -> list[str]:
    """'来源：002 §三 申请受理；defaults 补办手续' → ['002 §三', 'defaults']."""
    found = []
    for part in re.split(r"[；;]", source_text):
        part = part.strip()
        m = CLAUSE.match(part)
        if not m:
            continue
        found.append(m.group(1) + (f" {m.group(2).rstrip('．.')}" if m.group(2) else ""))
        rest = part[m.end() :]
        while more := MORE.match(rest):  # '002 §五、§六' cites both clauses
            found.append(f"{m.group(1)} {more.group(1).rstrip('．.')}")
            rest = rest[more.end() :]
    return found


def diagram_citations(bpmn_dir: Path) -> list[Citation]:
    cites = []
    for path in sorted(bpmn_dir.glob("*.bpmn")) + sorted(bpmn_dir.glob("*.dmn")):
        root = etree.parse(str(path)).getroot()
        for node in root.iter():
            if not isinstance(node.tag, str) or etree.QName(node).localname not in (
                "documentation",
                "description",
            ):
                continue
            owner = node.getparent()
            m = SOURCE.search(node.text or "")
            if owner is None or not m or owner.get("id") is None:
                continue
            name = owner.get("name") or ""
            where = f"{path.relative_to(ROOT)}#{owner.get('id')} {name}".strip()
            text = f"{name} {m.group(1)}"
            cites += [Citation(c, text, where) for c in clauses(m.group(1))]
    return cites


def scenario_citations(features_dir: Path) -> list[Citation]:
    cites = []
    for path in sorted(features_dir.glob("*.feature")):
        lines = path.read_text(encoding="utf-8").splitlines()
        pending: list[str] = []
        current: tuple[str, list[str], list[str]] | None = None
        scenarios = []
        for line in lines:
            stripped = line.strip()
            m = SCENARIO.match(line)
            if m:
                current = (m.group(2).strip(), pending, [])
                scenarios.append(current)
                pending = []
            elif stripped.startswith("#") and "来源" in stripped:
                pending.append(stripped.lstrip("#").strip())
            elif current is not None and stripped and not stripped.startswith("#"):
                current[2].append(stripped)
        for name, comments, body in scenarios:
            text = " ".join(comments + [name] + body)
            where = f"{path.relative_to(ROOT)}: {name}"
            for comment in comments:
                m = SOURCE.search(comment)
                if m:
                    cites += [Citation(c, text, where) for c in clauses(m.group(1))]
    return cites


def matches(cite: Citation, clause: str, keyword: str) -> bool:
    return (cite.clause == clause or cite.clause.startswith(clause + "(")) and (
        not keyword or keyword in cite.text
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="print the matrix as a Markdown table")
    args = parser.parse_args(argv)
    elements = diagram_citations(ROOT / "bpmn")
    scenarios = scenario_citations(ROOT / "features")
    by_clause: dict[str, tuple[set, set]] = defaultdict(lambda: (set(), set()))
    for c in elements:
        by_clause[c.clause][0].add(c.where)
    for c in scenarios:
        by_clause[c.clause][1].add(c.where)

    if args.markdown:
        print("| 条款 | 流程元素 | 场景 |\n|---|---|---|")
        for clause in sorted(by_clause):
            els, scs = by_clause[clause]
            print(f"| {clause} | {'<br>'.join(sorted(els)) or '—'} | {'<br>'.join(sorted(scs)) or '—'} |")
    else:
        for clause in sorted(by_clause):
            els, scs = by_clause[clause]
            print(f"== {clause}：{len(els)} 个流程元素，{len(scs)} 个场景")
            for e in sorted(els):
                print(f"   元素  {e}")
            for s in sorted(scs):
                print(f"   场景  {s}")

    steps = json.loads((ROOT / "tools" / "policy_steps.json").read_text(encoding="utf-8"))["steps"]
    missing = 0
    print("\n== 程序步骤检查")
    for step in steps:
        els = {c.where for c in elements if matches(c, step["clause"], step["keyword"])}
        scs = {c.where for c in scenarios if matches(c, step["clause"], step["keyword"])}
        ok = bool(els) and bool(scs)
        missing += not ok
        gaps = ("" if els else "，缺流程元素") + ("" if scs else "，缺场景")
        print(
            f"{'✓' if ok else '✗'} {step['clause']} {step['step']}：{len(els)} 个元素，{len(scs)} 个场景{gaps}"
        )
    print(f"\n{len(steps) - missing}/{len(steps)} 个程序步骤有流程元素和场景")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
