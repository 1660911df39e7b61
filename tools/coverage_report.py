"""Process coverage: which flow nodes and sequence flows of each diagram the scenarios reached.

Reads the reached elements that features/conftest.py collects from the engine
(test-artifacts/coverage/reached.json), writes one HTML page per diagram with the diagram in the
bpmn-js viewer and the reached elements coloured, plus an index; exits 1 when a diagram or the total
is below the thresholds in tools/coverage.json (like process-test-coverage for other BPM engines).

    python tools/coverage_report.py [--reached FILE] [--out DIR]

The engine records consecutive reached nodes, so a sequence flow counts as reached when its source
and target were reached one after the other in the same case.
"""

from __future__ import annotations

import argparse
import html
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
FLOW_NODES = (
    "startEvent",
    "endEvent",
    "userTask",
    "scriptTask",
    "businessRuleTask",
    "serviceTask",
    "manualTask",
    "task",
    "callActivity",
    "subProcess",
    "exclusiveGateway",
    "parallelGateway",
    "inclusiveGateway",
    "eventBasedGateway",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "boundaryEvent",
)
VENDOR = "../web/static/vendor/bpmn-js"  # the bpmn-js dist/ folder, vendored by the web layer


@dataclass
class Diagram:
    process_id: str
    name: str
    file: Path
    nodes: dict[str, str]  # id -> name
    flows: dict[str, tuple[str, str]]  # id -> (source, target)
    reached_nodes: set[str] = field(default_factory=set)
    reached_flows: set[str] = field(default_factory=set)

    @property
    def node_percent(self) -> float:
        return 100.0 * len(self.reached_nodes & self.nodes.keys()) / max(1, len(self.nodes))

    @property
    def flow_percent(self) -> float:
        return 100.0 * len(self.reached_flows & self.flows.keys()) / max(1, len(self.flows))


def load_diagrams(bpmn_dir: Path) -> dict[str, Diagram]:
    diagrams = {}
    for path in sorted(bpmn_dir.glob("*.bpmn")):
        root = etree.parse(str(path)).getroot()
        for process in root.iter(f"{{{BPMN_NS}}}process"):
            nodes = {
                n.get("id"): n.get("name") or n.get("id")
                for kind in FLOW_NODES
                for n in process.iter(f"{{{BPMN_NS}}}{kind}")
            }
            flows = {
                f.get("id"): (f.get("sourceRef"), f.get("targetRef"))
                for f in process.iter(f"{{{BPMN_NS}}}sequenceFlow")
            }
            diagrams[process.get("id")] = Diagram(
                process.get("id"), process.get("name") or process.get("id"), path, nodes, flows
            )
    return diagrams


def apply_reached(diagrams: dict[str, Diagram], cases: list[dict]) -> None:
    for case in cases:
        for process_id, element_id in case.get("nodes", []):
            if process_id in diagrams:
                diagrams[process_id].reached_nodes.add(element_id)
        pairs = {(p, s, t) for p, s, t in case.get("flows", [])}
        for diagram in diagrams.values():
            for flow_id, (source, target) in diagram.flows.items():
                if (diagram.process_id, source, target) in pairs:
                    diagram.reached_flows.add(flow_id)


def page(diagram: Diagram) -> str:
    xml = diagram.file.read_text(encoding="utf-8")
    reached = sorted(
        (diagram.reached_nodes & diagram.nodes.keys()) | (diagram.reached_flows & diagram.flows.keys())
    )
    missing_nodes = [
        f"{html.escape(diagram.nodes[i])}（{i}）"
        for i in sorted(diagram.nodes.keys() - diagram.reached_nodes)
    ]
    missing_flows = [
        f"{i}：{html.escape(diagram.nodes.get(s, s))} → {html.escape(diagram.nodes.get(t, t))}"
        for i, (s, t) in sorted(diagram.flows.items())
        if i not in diagram.reached_flows
    ]
    items = "".join(f"<li>{m}</li>" for m in missing_nodes + missing_flows) or "<li>无</li>"
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>流程覆盖：{html.escape(diagram.name)}</title>
<link rel="stylesheet" href="{VENDOR}/assets/diagram-js.css">
<link rel="stylesheet" href="{VENDOR}/assets/bpmn-js.css">
<style>
 body {{ font-family: sans-serif; margin: 1em; }}
 #canvas {{ height: 70vh; border: 1px solid #ccc; }}
 .reached:not(.djs-connection) .djs-visual > :nth-child(1) {{ fill: #c8e6c9 !important; stroke: #2e7d32 !important; }}
 .reached.djs-connection .djs-visual > path {{ stroke: #2e7d32 !important; stroke-width: 3px !important; }}
</style></head><body>
<p><a href="index.html">全部流程</a></p>
<h1>{html.escape(diagram.name)}（{diagram.process_id}）</h1>
<p>流程节点覆盖 {diagram.node_percent:.1f}%（{len(diagram.reached_nodes & diagram.nodes.keys())}/{len(diagram.nodes)}），
顺序流覆盖 {diagram.flow_percent:.1f}%（{len(diagram.reached_flows & diagram.flows.keys())}/{len(diagram.flows)}）。绿色为场景到达的元素。</p>
<div id="canvas"></div>
<h2>未到达的元素</h2><ul>{items}</ul>
<script src="{VENDOR}/bpmn-viewer.production.min.js"></script>
<script>
const xml = {json.dumps(xml, ensure_ascii=False)};
const reached = {json.dumps(reached)};
const viewer = new BpmnJS({{ container: '#canvas' }});
viewer.importXML(xml).then(() => {{
  const canvas = viewer.get('canvas');
  canvas.zoom('fit-viewport');
  const registry = viewer.get('elementRegistry');
  reached.forEach(id => {{ if (registry.get(id)) canvas.addMarker(id, 'reached'); }});
}}).catch(err => {{ document.getElementById('canvas').textContent = '无法显示流程图：' + err; }});
</script></body></html>
"""


def index(diagrams: list[Diagram], total_nodes: float, total_flows: float) -> str:
    rows = "".join(
        f"<tr><td><a href='{d.process_id}.html'>{html.escape(d.name)}</a></td><td>{d.process_id}</td>"
        f"<td>{d.node_percent:.1f}%</td><td>{d.flow_percent:.1f}%</td></tr>"
        for d in diagrams
    )
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>流程覆盖</title></head><body>
<h1>流程覆盖</h1><p>全部流程：流程节点 {total_nodes:.1f}%，顺序流 {total_flows:.1f}%。</p>
<table border="1" cellpadding="4"><tr><th>流程</th><th>标识</th><th>流程节点</th><th>顺序流</th></tr>{rows}</table>
</body></html>
"""


def thresholds() -> dict:
    return json.loads((ROOT / "tools" / "coverage.json").read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reached", type=Path, default=ROOT / "test-artifacts" / "coverage" / "reached.json")
    parser.add_argument("--bpmn", type=Path, default=ROOT / "bpmn")
    parser.add_argument("--out", type=Path, default=ROOT / "coverage-report")
    args = parser.parse_args(argv)
    if not args.reached.exists():
        print(f"没有找到 {args.reached}：请先运行场景（pytest features）", file=sys.stderr)
        return 2
    diagrams = load_diagrams(args.bpmn)
    apply_reached(diagrams, json.loads(args.reached.read_text(encoding="utf-8"))["cases"])
    args.out.mkdir(parents=True, exist_ok=True)
    ordered = list(diagrams.values())
    for d in ordered:
        (args.out / f"{d.process_id}.html").write_text(page(d), encoding="utf-8")
    n_all = sum(len(d.nodes) for d in ordered)
    f_all = sum(len(d.flows) for d in ordered)
    total_nodes = 100.0 * sum(len(d.reached_nodes & d.nodes.keys()) for d in ordered) / max(1, n_all)
    total_flows = 100.0 * sum(len(d.reached_flows & d.flows.keys()) for d in ordered) / max(1, f_all)
    (args.out / "index.html").write_text(index(ordered, total_nodes, total_flows), encoding="utf-8")
    limit = thresholds()
    failed = False
    for d in ordered:
        low = (
            d.node_percent < limit["flow_node_threshold"] or d.flow_percent < limit["sequence_flow_threshold"]
        )
        failed |= low
        print(
            f"{'✗' if low else '✓'} {d.process_id:22} 节点 {d.node_percent:5.1f}%  顺序流 {d.flow_percent:5.1f}%"
        )
        for element_id in sorted(d.nodes.keys() - d.reached_nodes):
            print(f"    未到达节点 {element_id}（{d.nodes[element_id]}）")
        for flow_id in sorted(d.flows.keys() - d.reached_flows):
            print(f"    未到达顺序流 {flow_id}")
    print(f"合计：节点 {total_nodes:.1f}%，顺序流 {total_flows:.1f}%；报告：{args.out / 'index.html'}")
    print(f"阈值：节点 {limit['flow_node_threshold']}%，顺序流 {limit['sequence_flow_threshold']}%")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
