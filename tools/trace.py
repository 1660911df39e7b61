"""Traceability: each procedural clause of clauses.json → the elements that implement it → the checks.

Reads `../shared/policy/clauses.json` (the catalogue of the five texts' procedural clauses) and
prints one line per clause id: ✓ where at least one diagram element implements the clause and at
least one scenario or invariant checks its outcome, ✗ otherwise.

- An element implements a clause when its `来源：…` documentation names the clause id, e.g.
  `来源：002 §三 急难型救助审批程序（C-002-09）`. Counted: tasks, activities, diverging gateways,
  intermediate and boundary events, sequence flows with a condition or that are a decision's default
  branch, DMN rules. Not counted (they do nothing of their own): start and end events, joins and
  other gateways that do not diverge, unconditional flows, process roots, DMN decisions as a whole.
- A scenario checks a clause when a `# 来源：…` comment above it in features/*.feature names the id.
- An invariant of tools/explore.py checks the clauses it lists (tools/invariants.py), unless it is
  in the expected-failures list: an invariant the model is known to break checks nothing yet.

Exit status: 0 all ✓, 1 some ✗, 2 the catalogue cannot be read or a citation names an unknown id,
3 fewer ✓ than the committed floor (--floor FILE, e.g. tools/trace_floor.txt): trace only goes up.

    python tools/trace.py [--markdown] [--hints] [--clauses PATH] [--floor FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import invariants

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CLAUSE_ID = re.compile(r"C-\d{3}-\d{2}")
SOURCE = re.compile(r"来源[:：](.*)", re.DOTALL)
SCENARIO = re.compile(r"^\s*(场景大纲|场景|剧本大纲|剧本)[:：]\s*(.+)$")
NOT_IMPLEMENTING = {"startEvent": "开始事件", "endEvent": "结束事件"}
GATEWAYS = ("exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway")


@dataclass(frozen=True)
class Citation:
    clause: str
    where: str  # "emergency_aid#Task_PayFirst 先行救助决定", "emergency.feature「场景名」", "INV-02"
    counts: bool = True
    why_not: str = ""


def find_clauses(explicit: str | None) -> Path:
    """The catalogue: --clauses, $JIUZHU_POLICY_DIR, or shared/policy/ beside the repository or above it."""
    if explicit:
        return Path(explicit)
    if os.environ.get("JIUZHU_POLICY_DIR"):
        return Path(os.environ["JIUZHU_POLICY_DIR"]) / "clauses.json"
    for parent in ROOT.parents:
        candidate = parent / "shared" / "policy" / "clauses.json"
        if candidate.exists():
            return candidate
    return ROOT.parent / "shared" / "policy" / "clauses.json"


def cited_ids(text: str | None) -> list[str]:
    m = SOURCE.search(text or "")
    return CLAUSE_ID.findall(m.group(1)) if m else []


def diagram_citations(bpmn_dir: Path) -> list[Citation]:
    cites: list[Citation] = []
    for path in sorted(bpmn_dir.glob("*.bpmn")):
        root = etree.parse(str(path)).getroot()
        for process in root.iter(f"{{{BPMN}}}process"):
            pid = process.get("id")
            incoming, outgoing = defaultdict(int), defaultdict(int)
            for flow in process.iter(f"{{{BPMN}}}sequenceFlow"):
                outgoing[flow.get("sourceRef")] += 1
                incoming[flow.get("targetRef")] += 1
            # A gateway's or activity's default flow is the "otherwise" branch of its decision.
            defaults = {node.get("default") for node in process.iter() if isinstance(node.tag, str)} - {None}
            for node in process.iter():
                if not isinstance(node.tag, str) or node.get("id") is None:
                    continue
                doc = node.find(f"{{{BPMN}}}documentation")
                ids = cited_ids(doc.text if doc is not None else None)
                if not ids:
                    continue
                kind = etree.QName(node).localname
                name = node.get("name") or ""
                where = f"{pid}#{node.get('id')} {name}".strip()
                why_not = _not_implementing(node, kind, incoming, outgoing, defaults)
                cites += [Citation(c, where, not why_not, why_not) for c in ids]
    for path in sorted(bpmn_dir.glob("*.dmn")):
        root = etree.parse(str(path)).getroot()
        for node in root.iter():
            if not isinstance(node.tag, str) or etree.QName(node).localname != "description":
                continue
            owner = node.getparent()
            ids = cited_ids(node.text)
            if not ids or owner is None:
                continue
            kind = etree.QName(owner).localname
            decision = next(
                (a.get("id") for a in owner.iterancestors() if etree.QName(a).localname == "decision"),
                owner.get("id"),
            )
            where = f"{path.stem}#{owner.get('id')}" if kind == "rule" else f"{path.stem}#{decision}"
            why_not = "" if kind == "rule" else "决策表整体"
            cites += [Citation(c, where, not why_not, why_not) for c in ids]
    return cites


def _not_implementing(node, kind: str, incoming: dict, outgoing: dict, defaults: set[str]) -> str:
    node_id = node.get("id")
    if kind == "process":
        return "流程根"
    if kind in NOT_IMPLEMENTING:
        return NOT_IMPLEMENTING[kind]
    if kind in GATEWAYS and outgoing[node_id] <= 1:
        # Only a diverging gateway decides something; a join or a pass-through does nothing of its own.
        return "汇合网关" if incoming[node_id] > 1 else "不分支的网关"
    if kind == "sequenceFlow":
        has_condition = node.find(f"{{{BPMN}}}conditionExpression") is not None
        return "" if has_condition or node_id in defaults else "无条件的顺序流"
    if kind in ("lane", "laneSet", "participant", "collaboration", "documentation"):
        return "泳道"
    return ""


def scenario_citations(features_dir: Path) -> list[Citation]:
    """`# 来源：…` comments before a scenario belong to it; one between its steps, to that scenario."""
    cites: list[Citation] = []
    for path in sorted(features_dir.glob("*.feature")):
        pending: list[str] = []
        current: str | None = None
        for line in path.read_text(encoding="utf-8").splitlines():
            stripped = line.strip()
            m = SCENARIO.match(line)
            if m:
                current = f"{path.name}「{m.group(2).strip()}」"
                cites += [Citation(c, current) for comment in pending for c in cited_ids(comment)]
                pending = []
            elif stripped.startswith("#"):
                if "来源" in stripped:
                    pending.append(stripped.lstrip("#").strip())
            elif stripped.startswith("@"):
                continue  # tags sit between a scenario's comment and its title
            elif stripped:
                if current is not None:
                    cites += [Citation(c, current) for comment in pending for c in cited_ids(comment)]
                pending = []
                if stripped.startswith(("功能", "背景")):
                    current = None
    return cites


def invariant_citations() -> list[Citation]:
    cites = []
    for item in invariants.INVARIANTS:
        known = item.id in invariants.EXPECTED_FAILURES
        for clause in item.clauses:
            cites.append(Citation(clause, f"{item.id} {item.title}", not known, "已知失败" if known else ""))
    return cites


def source_hints(clause: dict, bpmn_dir: Path, features_dir: Path) -> list[str]:
    """Elements and scenarios that cite the clause's first source section without naming its id."""
    first = re.split(r"[;；]", clause.get("source", ""))[0].strip()
    section = " ".join(first.split()[:2])
    if not section:
        return []
    found = []
    for path in sorted(bpmn_dir.glob("*.bpmn")):
        for node in etree.parse(str(path)).getroot().iter(f"{{{BPMN}}}documentation"):
            text = node.text or ""
            owner = node.getparent()
            if section in text and not CLAUSE_ID.search(text) and owner is not None and owner.get("id"):
                found.append(f"{path.stem}#{owner.get('id')}")
    for path in sorted(features_dir.glob("*.feature")):
        if section in path.read_text(encoding="utf-8"):
            found.append(path.name)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clauses", help="path of clauses.json (default: ../shared/policy/clauses.json)")
    parser.add_argument("--markdown", action="store_true", help="print the matrix as a Markdown table")
    parser.add_argument(
        "--hints",
        action="store_true",
        help="for each ✗, the elements and scenarios citing its source without the id",
    )
    parser.add_argument("--floor", help="file holding the least number of ✓ clauses the build accepts")
    parser.add_argument("--bpmn", default=str(ROOT / "bpmn"))
    parser.add_argument("--features", default=str(ROOT / "features"))
    args = parser.parse_args(argv)

    floor = 0
    if args.floor:
        try:
            floor = int(Path(args.floor).read_text(encoding="utf-8").strip())
        except (OSError, ValueError) as err:
            print(f"无法读取追溯下限 {args.floor}：{err}", file=sys.stderr)
            return 2
    path = find_clauses(args.clauses)
    try:
        catalogue = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        print(f"无法读取条款目录 {path}：{err}", file=sys.stderr)
        return 2
    clauses = {c["id"]: c for c in catalogue}
    bpmn_dir, features_dir = Path(args.bpmn), Path(args.features)
    elements = diagram_citations(bpmn_dir)
    checks = scenario_citations(features_dir) + invariant_citations()

    unknown = sorted({f"{c.clause}（{c.where}）" for c in elements + checks if c.clause not in clauses})
    implementing: dict[str, list[Citation]] = defaultdict(list)
    checking: dict[str, list[Citation]] = defaultdict(list)
    for c in elements:
        implementing[c.clause].append(c)
    for c in checks:
        checking[c.clause].append(c)

    ok = 0
    if args.markdown:
        print("| | 条款 | 主题 | 实现的流程元素 | 检查的场景和不变式 |\n|---|---|---|---|---|")
    for cid, clause in clauses.items():
        els = sorted({c.where for c in implementing[cid] if c.counts})
        chk = sorted({c.where for c in checking[cid] if c.counts})
        passed = bool(els) and bool(chk)
        ok += passed
        mark = "✓" if passed else "✗"
        not_counted = sorted(
            {f"{c.where}（{c.why_not}，不计）" for c in implementing[cid] + checking[cid] if not c.counts}
        )
        if args.markdown:
            print(
                f"| {mark} | {cid} | {clause['topic']} | {'<br>'.join(els) or '—'} | "
                f"{'<br>'.join(chk) or '—'} |"
            )
            continue
        gaps = ("" if els else "缺实现元素") + ("" if els or chk else "、") + ("" if chk else "缺检查")
        line = f"{mark} {cid} {clause['topic']}｜元素 {len(els)}：{'；'.join(els) or '—'}｜检查 {len(chk)}：{'；'.join(chk) or '—'}"
        if not passed:
            line += f"｜{gaps}"
        if not_counted:
            line += f"｜{'；'.join(not_counted)}"
        print(line)
        if args.hints and not passed:
            hints = source_hints(clause, bpmn_dir, features_dir)
            if hints:
                print(
                    f"    引用了 {clause['source'].split(';')[0].strip()} 但未写条款编号：{'、'.join(hints)}"
                )
    print(f"\n{ok}/{len(clauses)} 条程序性条款既有实现元素又有检查（条款目录：{path}）")
    if unknown:
        print("引用了目录中没有的条款编号：" + "、".join(unknown))
        return 2
    if ok < floor:
        print(f"追溯倒退：✓ 条款 {ok} 条，少于已提交的下限 {floor} 条（{args.floor}）")
        return 3
    return 0 if ok == len(clauses) else 1


if __name__ == "__main__":
    sys.exit(main())
