"""The deploy lint: every reason to refuse a set of bpmn/ + forms/ files (parse errors, missing forms,
lanes without a role, code the sandbox refuses), and warnings (missing policy sources, literal
numbers that belong in the county parameters)."""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

from engine import forms as form_checks
from engine.workflow import sandbox
from engine.workflow.specs import (
    BPMN_NS,
    DUE_PROPERTY,
    ENTRY_PROCESS,
    FORM_PROPERTY,
    LoadedSpecs,
    SpecFiles,
    describe,
    parse,
)

SOURCE_PATTERN = re.compile(r"来源[:：]")


@dataclass(frozen=True)
class LintProblem:
    file: str
    element_id: str | None
    message: str
    severity: str = "error"  # error refuses the deploy; warning is reported only

    def __str__(self) -> str:
        where = f"{self.file}#{self.element_id}" if self.element_id else self.file
        return f"{where}：{self.message}"

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "element_id": self.element_id,
            "message": self.message,
            "severity": self.severity,
        }


RESERVED_IDS = ("Start", "End", "Root")  # names of SpiffWorkflow's own internal task specs


def lint(files: SpecFiles, entry_process: str = ENTRY_PROCESS) -> list[LintProblem]:
    """Every reason to refuse these files, and warnings (missing policy sources)."""
    problems: list[LintProblem] = []
    for name, text in files.bpmn().items():
        for reserved in RESERVED_IDS:
            if f'id="{reserved}"' in text:
                problems.append(LintProblem(name, reserved, f"元素标识 {reserved} 为引擎保留，请改名"))
    problems += _lint_forms(files)
    problems += _lint_code(files)
    try:
        parser = parse(files)
        if entry_process not in parser.get_process_ids():
            problems.append(LintProblem("bpmn", None, f"缺少入口流程 {entry_process}"))
            return problems
        parser.get_subprocess_specs(entry_process)
        for process_id in parser.get_process_ids():
            parser.get_spec(process_id)
    except ValidationException as err:
        problems.append(
            LintProblem(getattr(err, "file_name", "") or "bpmn", getattr(err, "id", None), str(err))
        )
        return problems
    except (etree.XMLSyntaxError, Exception) as err:  # noqa: BLE001 - any parse failure refuses the deploy
        problems.append(LintProblem("bpmn", None, f"无法解析：{err}"))
        return problems
    tasks, start_form = describe(parser, files)
    problems += _lint_user_tasks(tasks, files, parser)
    if start_form and files.form(start_form) is None:
        problems.append(LintProblem("bpmn", None, f"开始事件引用的表单 {start_form} 不存在"))
    problems += _lint_sources(files)
    return problems


def _lint_forms(files: SpecFiles) -> list[LintProblem]:
    problems = []
    for name, text in files.files.items():
        if not name.startswith("forms/"):
            continue
        try:
            schema = json.loads(text)
        except json.JSONDecodeError as err:
            problems.append(LintProblem(name, None, f"不是有效的 JSON：{err}"))
            continue
        if name.endswith(".schema.json"):
            problems += [LintProblem(name, None, p) for p in form_checks.schema_problems(schema)]
    return problems


def _lint_user_tasks(tasks, files: SpecFiles, parser) -> list[LintProblem]:
    problems = []
    file_of = _element_files(files)
    for (process_id, element_id), info in tasks.items():
        where = file_of.get(element_id, process_id)
        if not info.form:
            problems.append(
                LintProblem(where, element_id, f"用户任务“{info.name}”未指定表单（{FORM_PROPERTY}）")
            )
        elif files.form(info.form) is None:
            problems.append(LintProblem(where, element_id, f"表单 {info.form} 不存在"))
        if info.ui_form and files.form(info.ui_form) is None:
            problems.append(LintProblem(where, element_id, f"界面表单 {info.ui_form} 不存在"))
        if info.role is None:
            problems.append(LintProblem(where, element_id, f"泳道“{info.lane or '无'}”不对应任何角色"))
    return problems


def _element_files(files: SpecFiles) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, text in files.bpmn().items():
        for element_id in re.findall(r'\sid="([^"]+)"', text):
            found.setdefault(element_id, name)
    return found


def code_fragments(files: SpecFiles) -> list[tuple[str, str | None, str, str]]:
    """Every piece of code in the diagrams: (file, element id, source, mode)."""
    fragments = []
    for name, text in files.bpmn().items():
        root = etree.fromstring(text.encode("utf-8"))
        for node in root.iter():
            if not isinstance(node.tag, str):
                continue
            local = etree.QName(node).localname
            owner = _owner_id(node)
            if local == "conditionExpression" and (node.text or "").strip():
                fragments.append((name, owner, node.text.strip(), "eval"))
            elif local in ("script", "preScript", "postScript") and (node.text or "").strip():
                fragments.append((name, owner, node.text, "exec"))
            elif local in ("timeDuration", "timeDate", "timeCycle") and (node.text or "").strip():
                fragments.append((name, owner, node.text.strip(), "eval"))
            elif local == "property" and node.get("name") == DUE_PROPERTY and node.get("value"):
                fragments.append((name, owner, node.get("value"), "eval"))
    for name, text in files.dmn().items():
        root = etree.fromstring(text.encode("utf-8"))
        for node in root.iter():
            if not isinstance(node.tag, str):
                continue
            local = etree.QName(node).localname
            text_node = node.find("{*}text")
            body = (text_node.text or "").strip() if text_node is not None else ""
            if not body or body == "-":
                continue
            if local in ("inputExpression", "outputEntry"):
                fragments.append((name, _owner_id(node), body, "eval"))
            elif local == "inputEntry":
                fragments.append((name, _owner_id(node), body, "dmn-entry"))
    return fragments


def _owner_id(node) -> str | None:
    while node is not None:
        if node.get("id"):
            return node.get("id")
        node = node.getparent()
    return None


def _lint_code(files: SpecFiles) -> list[LintProblem]:
    problems = []
    for name, owner, source, mode in code_fragments(files):
        if mode == "dmn-entry":
            # Spiff turns "< 5" into "value < 5" and "'a', 'b'" into "value in ('a', 'b')"; a "?"
            # outside quotes stands for the value ("? in ('a', 'b')", "4 < ? < 6").
            candidates = [
                f"dmninputexpr {source}",
                f"dmninputexpr == ({source})",
                f"dmninputexpr in ({source},)",
                re.sub(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)", "dmninputexpr", source),
            ]
            if all(sandbox.check(c, "eval") for c in candidates):
                problems.append(LintProblem(name, owner, f"表达式不被沙箱接受：{source}"))
            continue
        reasons = sandbox.check(source, mode)
        for reason in reasons:
            problems.append(LintProblem(name, owner, f"脚本不被沙箱接受：{reason}"))
        if not reasons:
            problems += [
                LintProblem(name, owner, message, "warning") for message in _literal_numbers(source, mode)
            ]
    return problems


ISO_DURATION = re.compile(r"^P(?:\d+[YMWD])*(?:T(?:\d+(?:\.\d+)?[HMS])+)?$")
LITERAL_LIMIT = 100  # percentages and small counts are fine; money, days and limits are parameters


def _literal_numbers(source: str, mode: str) -> list[str]:
    """County numbers belong in the parameters (param('…')), not as constants in a diagram."""
    found = []
    for node in ast.walk(ast.parse(source, mode=mode)):
        if not isinstance(node, ast.Constant) or isinstance(node.value, bool):
            continue
        if isinstance(node.value, (int, float)) and abs(node.value) > LITERAL_LIMIT:
            found.append(f"常数 {node.value} 疑似县级参数，请改用 param('…')")
        elif isinstance(node.value, str) and len(node.value) > 1 and ISO_DURATION.match(node.value):
            found.append(f"时长常数 {node.value!r} 疑似县级参数，请改用 days(param('…')) 等")
    return found


def _lint_sources(files: SpecFiles) -> list[LintProblem]:
    """Warn for flow nodes that cite no policy source (the traceability matrix fails on them)."""
    problems = []
    kinds = {
        "userTask",
        "scriptTask",
        "businessRuleTask",
        "exclusiveGateway",
        "callActivity",
        "intermediateCatchEvent",
        "boundaryEvent",
        "serviceTask",
        "manualTask",
    }
    for name, text in files.bpmn().items():
        root = etree.fromstring(text.encode("utf-8"))
        for node in root.iter(*[f"{{{BPMN_NS}}}{k}" for k in kinds]):
            doc = node.find(f"{{{BPMN_NS}}}documentation")
            if doc is None or not SOURCE_PATTERN.search(doc.text or ""):
                problems.append(LintProblem(name, node.get("id"), "未注明政策来源（来源：…）", "warning"))
    return problems


def manifest(loaded: LoadedSpecs, problems: list[LintProblem]) -> dict[str, Any]:
    return {
        "entry_process": loaded.entry_process,
        "processes": sorted(loaded.parser.get_process_ids()),
        "start_form": loaded.start_form,
        "user_tasks": [info.as_dict() for info in loaded.user_tasks.values()],
        "warnings": [p.as_dict() for p in problems if p.severity == "warning"],
    }
