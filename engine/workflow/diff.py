"""What changed between two sets of deployable files: diagram elements, sequence flows, DMN rules and
form fields, each added, changed or removed, with the attributes that differ.

Elements are matched by their id (the bpmn-js modeler keeps ids when an element is renamed or
moved), form fields by their dotted path in the schema. Diagram layout (BPMNDI) is not compared: a
moved shape changes nothing a case does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from lxml import etree

from engine.workflow.specs import BPMN_NS, SPIFF_NS, SpecFiles

DMN_RULE = "rule"
KINDS = ("file", "element", "flow", "rule", "field")
KIND_TITLES = {
    "file": "文件",
    "element": "流程元素",
    "flow": "顺序流",
    "rule": "决策规则",
    "field": "表单字段",
}
ATTRIBUTE_TITLES = {
    "type": "类型",
    "name": "名称",
    "lane": "泳道",
    "documentation": "说明（政策来源）",
    "form": "表单",
    "ui_form": "界面表单",
    "due": "办理期限",
    "script": "脚本",
    "timer": "定时",
    "called": "调用流程",
    "decision": "决策表",
    "default": "默认流向",
    "source": "起点",
    "target": "终点",
    "condition": "条件",
    "inputs": "输入",
    "outputs": "输出",
    "description": "注释",
    "schema": "定义",
    "required": "必填",
    "properties": "扩展属性",
    "process": "所属流程",
    "content": "内容",
}
_SKIP = {
    "definitions",
    "collaboration",
    "participant",
    "laneSet",
    "lane",
    "incoming",
    "outgoing",
    "flowNodeRef",
    "documentation",
    "extensionElements",
    "script",
    "conditionExpression",
    "sequenceFlow",
    "timeDuration",
    "timeDate",
    "timeCycle",
    "text",
    "messageFlow",
}


@dataclass
class Change:
    kind: str  # file / element / flow / rule / field
    key: str
    status: str  # added / changed / removed
    label: str
    file: str
    details: list[tuple[str, str, str]] = field(default_factory=list)  # (attribute title, before, after)

    @property
    def kind_title(self) -> str:
        return KIND_TITLES[self.kind]


@dataclass
class VersionDiff:
    changes: list[Change]

    def of_kind(self, kind: str) -> list[Change]:
        return [c for c in self.changes if c.kind == kind]

    def counts(self) -> dict[str, dict[str, int]]:
        result = {kind: {"added": 0, "changed": 0, "removed": 0} for kind in KINDS}
        for change in self.changes:
            result[change.kind][change.status] += 1
        return result

    @property
    def empty(self) -> bool:
        return not self.changes


def diff_files(old: SpecFiles, new: SpecFiles) -> VersionDiff:
    changes: list[Change] = []
    for name in sorted(set(old.files) | set(new.files)):
        if name not in new.files:
            changes.append(Change("file", name, "removed", name, name))
        elif name not in old.files:
            changes.append(Change("file", name, "added", name, name))
        elif old.files[name] != new.files[name]:
            changes.append(Change("file", name, "changed", name, name))
    old_elements, old_flows = bpmn_items(old)
    new_elements, new_flows = bpmn_items(new)
    changes += _compare("element", old_elements, new_elements)
    changes += _compare("flow", old_flows, new_flows)
    changes += _compare("rule", dmn_rules(old), dmn_rules(new))
    changes += _compare("field", form_fields(old), form_fields(new))
    return VersionDiff(changes)


def _compare(kind: str, old: dict[str, dict], new: dict[str, dict]) -> list[Change]:
    found = []
    for key in sorted(set(old) | set(new)):
        before, after = old.get(key), new.get(key)
        item = new[key] if key in new else old[key]
        label, file = item.get("label", key), item["file"]
        if before is None:
            found.append(Change(kind, key, "added", label, file))
        elif after is None:
            found.append(Change(kind, key, "removed", label, file))
        else:
            details = [
                (ATTRIBUTE_TITLES.get(attr, attr), _text(before.get(attr)), _text(after.get(attr)))
                for attr in sorted(set(before) | set(after))
                if attr not in ("file", "label") and before.get(attr) != after.get(attr)
            ]
            if details:
                found.append(Change(kind, key, "changed", label, file, details))
    return found


def _text(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


# -- diagrams ------------------------------------------------------------------------------------
def bpmn_items(files: SpecFiles) -> tuple[dict[str, dict], dict[str, dict]]:
    """Flow elements (tasks, events, gateways, call activities) and sequence flows of every diagram."""
    elements: dict[str, dict] = {}
    flows: dict[str, dict] = {}
    for name, text in files.bpmn().items():
        try:
            root = etree.fromstring(text.encode("utf-8"))
        except etree.XMLSyntaxError:
            continue
        for process in root.iter(f"{{{BPMN_NS}}}process"):
            lanes = _lanes(process)
            for node in process.iter():
                if not isinstance(node.tag, str) or etree.QName(node).namespace != BPMN_NS:
                    continue
                local, element_id = etree.QName(node).localname, node.get("id")
                if not element_id or node is process:
                    continue
                if local == "sequenceFlow":
                    flows[element_id] = _flow(node, name, process.get("id"))
                elif local not in _SKIP and _is_flow_element(node):
                    elements[element_id] = _element(
                        node, local, name, process.get("id"), lanes.get(element_id)
                    )
    return elements, flows


def _is_flow_element(node) -> bool:
    parent = node.getparent()
    return parent is not None and etree.QName(parent).localname in ("process", "subProcess")


def _lanes(process) -> dict[str, str]:
    lanes = {}
    for lane in process.iter(f"{{{BPMN_NS}}}lane"):
        for ref in lane.findall(f"{{{BPMN_NS}}}flowNodeRef"):
            lanes[(ref.text or "").strip()] = lane.get("name") or lane.get("id")
    return lanes


def _child_text(node, local: str) -> str | None:
    found = node.find(f"{{{BPMN_NS}}}{local}")
    return (found.text or "").strip() if found is not None else None


def _element(node, local: str, file: str, process_id: str, lane: str | None) -> dict:
    name = node.get("name")
    item = {
        "file": file,
        "label": f"{name or node.get('id')}（{node.get('id')}）",
        "type": local,
        "name": name,
        "process": process_id,
        "lane": lane,
        "documentation": _child_text(node, "documentation"),
    }
    properties = {p.get("name"): p.get("value") for p in node.iter(f"{{{SPIFF_NS}}}property")}
    if properties:
        item["properties"] = properties
    script = node.find(f"{{{BPMN_NS}}}script")
    if script is not None:
        item["script"] = (script.text or "").strip()
    for spiff_script in ("preScript", "postScript"):
        found = node.find(f".//{{{SPIFF_NS}}}{spiff_script}")
        if found is not None and (found.text or "").strip():
            item[spiff_script] = found.text.strip()
    for timer in ("timeDuration", "timeDate", "timeCycle"):
        found = node.find(f".//{{{BPMN_NS}}}{timer}")
        if found is not None:
            item["timer"] = f"{timer}: {(found.text or '').strip()}"
    if node.get("calledElement"):
        item["called"] = node.get("calledElement")
    decision = node.find(f".//{{{SPIFF_NS}}}calledDecisionId")
    if decision is not None:
        item["decision"] = (decision.text or "").strip()
    if node.get("default"):
        item["default"] = node.get("default")
    if node.get("attachedToRef"):
        item["attached_to"] = node.get("attachedToRef")
    return {k: v for k, v in item.items() if v is not None}


def _flow(node, file: str, process_id: str) -> dict:
    condition = node.find(f"{{{BPMN_NS}}}conditionExpression")
    name = node.get("name")
    label = f"{node.get('sourceRef')} → {node.get('targetRef')}" + (f"（{name}）" if name else "")
    item = {
        "file": file,
        "label": label,
        "process": process_id,
        "name": name,
        "source": node.get("sourceRef"),
        "target": node.get("targetRef"),
        "condition": (condition.text or "").strip() if condition is not None else None,
    }
    return {k: v for k, v in item.items() if v is not None}


# -- decision tables -----------------------------------------------------------------------------
def dmn_rules(files: SpecFiles) -> dict[str, dict]:
    rules: dict[str, dict] = {}
    for name, text in files.dmn().items():
        try:
            root = etree.fromstring(text.encode("utf-8"))
        except etree.XMLSyntaxError:
            continue
        for decision in root.iter("{*}decision"):
            table = decision.find("{*}decisionTable")
            if table is None:
                continue
            input_labels = [i.get("label") or i.get("id") for i in table.findall("{*}input")]
            output_labels = [
                o.get("label") or o.get("name") or o.get("id") for o in table.findall("{*}output")
            ]
            for number, rule in enumerate(table.findall("{*}rule"), start=1):
                inputs = [(e.findtext("{*}text") or "").strip() for e in rule.findall("{*}inputEntry")]
                outputs = [(e.findtext("{*}text") or "").strip() for e in rule.findall("{*}outputEntry")]
                rules[rule.get("id") or f"{decision.get('id')}#{number}"] = {
                    "file": name,
                    "label": f"{decision.get('name') or decision.get('id')} 第{number}条（{rule.get('id')}）",
                    "inputs": dict(zip(input_labels, inputs)),
                    "outputs": dict(zip(output_labels, outputs)),
                    "description": (rule.findtext("{*}description") or "").strip() or None,
                }
    return rules


# -- forms ---------------------------------------------------------------------------------------
def form_fields(files: SpecFiles) -> dict[str, dict]:
    """Every field of every form schema by '<file>:<dotted path>' (array items as 'path[]')."""
    fields: dict[str, dict] = {}
    for name, text in files.files.items():
        if not name.startswith("forms/") or not name.endswith(".schema.json"):
            continue
        try:
            schema = json.loads(text)
        except json.JSONDecodeError:
            continue
        if isinstance(schema, dict):
            _walk_fields(schema, "", name, fields)
    return fields


def _walk_fields(schema: dict, prefix: str, file: str, out: dict[str, dict]) -> None:
    required = set(schema.get("required") or [])
    for key, sub in (schema.get("properties") or {}).items():
        if not isinstance(sub, dict):
            continue
        path = f"{prefix}.{key}" if prefix else key
        own = {k: v for k, v in sub.items() if k not in ("properties", "items", "required")}
        out[f"{file.removeprefix('forms/')}:{path}"] = {
            "file": file,
            "label": f"{file.removeprefix('forms/')} · {sub.get('title') or key}（{path}）",
            "schema": own,
            "required": key in required,
        }
        if sub.get("type") == "object" or "properties" in sub:
            _walk_fields(sub, path, file, out)
        items = sub.get("items")
        if isinstance(items, dict) and (items.get("type") == "object" or "properties" in items):
            _walk_fields(items, f"{path}[]", file, out)
