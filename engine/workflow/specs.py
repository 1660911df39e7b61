"""Process specifications: read bpmn/ + forms/ and parse them for execution.

A version is the set of files keyed by the SHA-256 of their content; deploying the same files twice
returns the existing version. Cases keep the version they started with, so a running case is never
affected by a later deploy.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask as UserTaskMixin
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from engine import forms as form_checks
from engine.vocabulary import role_for_lane

ENTRY_PROCESS = "temporary_assistance"
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
FORM_PROPERTY = "formJsonSchemaFilename"
UI_FORM_PROPERTY = "formUiSchemaFilename"
DUE_PROPERTY = "dueExpression"

SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))


class _SpecRef:
    """Stands for a parsed process spec in a serialized case. Specs belong to an immutable version,
    so every case restores the same parsed objects instead of rebuilding them from JSON each step."""


_PARSED_SPECS: dict[str, Any] = {}
SERIALIZER.registry.register(
    _SpecRef, lambda obj: {}, lambda dct: _PARSED_SPECS[dct["key"]], typename="JiuzhuSpecRef"
)


@dataclass
class SpecFiles:
    """The deployable files: relative path ('bpmn/x.bpmn', 'forms/y.schema.json') -> text."""

    files: dict[str, str]

    @classmethod
    def from_dirs(cls, bpmn_dir: str | Path, forms_dir: str | Path) -> SpecFiles:
        files: dict[str, str] = {}
        for folder, prefix, patterns in (
            (bpmn_dir, "bpmn", ("*.bpmn", "*.dmn")),
            (forms_dir, "forms", ("*.json",)),
        ):
            for pattern in patterns:
                for path in sorted(Path(folder).glob(pattern)):
                    files[f"{prefix}/{path.name}"] = path.read_text(encoding="utf-8")
        return cls(files)

    @property
    def content_hash(self) -> str:
        digest = hashlib.sha256()
        for name in sorted(self.files):
            digest.update(name.encode() + b"\0" + self.files[name].encode("utf-8") + b"\0")
        return digest.hexdigest()

    def bpmn(self) -> dict[str, str]:
        return {k: v for k, v in self.files.items() if k.endswith(".bpmn")}

    def dmn(self) -> dict[str, str]:
        return {k: v for k, v in self.files.items() if k.endswith(".dmn")}

    def form(self, filename: str) -> dict | None:
        text = self.files.get(f"forms/{filename}")
        return json.loads(text) if text is not None else None


@dataclass
class UserTaskInfo:
    process_id: str
    element_id: str
    name: str
    lane: str | None
    role: str | None
    form: str | None
    ui_form: str | None
    due_expression: str | None
    documentation: str | None

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class LoadedSpecs:
    """A parsed version, ready to start and restore workflows."""

    files: SpecFiles
    parser: SpiffBpmnParser
    entry_process: str
    user_tasks: dict[tuple[str, str], UserTaskInfo]
    start_form: str | None
    spec_ref: dict = field(default_factory=dict)
    subprocess_refs: dict = field(default_factory=dict)
    _forms: dict[str, dict] = field(default_factory=dict)

    def form(self, filename: str) -> dict:
        if filename not in self._forms:
            found = self.files.form(filename)
            if found is None:
                raise KeyError(filename)
            self._forms[filename] = found
        return self._forms[filename]

    def new_workflow(self, script_engine):
        from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

        spec = _PARSED_SPECS[self.spec_ref["key"]]
        subprocesses = {name: _PARSED_SPECS[ref["key"]] for name, ref in self.subprocess_refs.items()}
        return BpmnWorkflow(spec, subprocesses, script_engine=script_engine)

    def validate(self, filename: str, data, case_data: dict | None = None) -> None:
        """Validate against a form of this version (the compiled validator is cached per form); a
        form with `x-bind` keywords is first bound to the case data (engine.forms.bind)."""
        schema = self.form(filename)
        if case_data is not None and form_checks.binds(schema):
            form_checks.validate(form_checks.bind(schema, case_data), data, cache_key=False)
            return
        form_checks.validate(schema, data, cache_key=(self.files.content_hash, filename))

    def bound_form(self, filename: str, case_data: dict) -> dict:
        """The form as the clerk sees it on this case (`x-bind` keywords taken from the case data)."""
        schema = self.form(filename)
        return form_checks.bind(schema, case_data) if form_checks.binds(schema) else schema

    def task_info(self, process_id: str, element_id: str) -> UserTaskInfo | None:
        return self.user_tasks.get((process_id, element_id))

    def dump_workflow(self, workflow) -> str:
        """Serialize without the specs: they belong to the version, not to each case."""
        dct = SERIALIZER.to_dict(workflow)
        dct.pop("spec", None)
        dct.pop("subprocess_specs", None)
        return json.dumps(dct, separators=(",", ":"), ensure_ascii=False)

    def load_workflow(self, text: str, script_engine):
        dct = json.loads(text)
        dct["spec"] = dict(self.spec_ref)
        dct["subprocess_specs"] = {name: dict(ref) for name, ref in self.subprocess_refs.items()}
        workflow = SERIALIZER.from_dict(dct)
        workflow.script_engine = script_engine
        return workflow


def parse(files: SpecFiles) -> SpiffBpmnParser:
    parser = SpiffBpmnParser()
    for name, text in files.bpmn().items():
        parser.add_bpmn_xml(etree.fromstring(text.encode("utf-8")), filename=name)
    for name, text in files.dmn().items():
        parser.add_dmn_xml(etree.fromstring(text.encode("utf-8")), filename=name)
    return parser


def load(files: SpecFiles, entry_process: str = ENTRY_PROCESS) -> LoadedSpecs:
    """Parse a version for execution (the files are assumed to have passed lint at deploy)."""
    parser = parse(files)
    tasks, start_form = describe(parser, files)
    loaded = LoadedSpecs(files, parser, entry_process, tasks, start_form)
    prefix = files.content_hash
    _PARSED_SPECS[f"{prefix}:{entry_process}"] = parser.get_spec(entry_process)
    loaded.spec_ref = {"typename": "JiuzhuSpecRef", "key": f"{prefix}:{entry_process}"}
    for name, spec in parser.get_subprocess_specs(entry_process).items():
        _PARSED_SPECS[f"{prefix}:{name}"] = spec
        loaded.subprocess_refs[name] = {"typename": "JiuzhuSpecRef", "key": f"{prefix}:{name}"}
    return loaded


def describe(parser: SpiffBpmnParser, files: SpecFiles) -> tuple[dict, str | None]:
    tasks: dict[tuple[str, str], UserTaskInfo] = {}
    start_form = None
    for process_id in parser.get_process_ids():
        spec = parser.get_spec(process_id, required=False)
        if spec is None:
            continue
        for task_spec in spec.task_specs.values():
            props = (getattr(task_spec, "extensions", None) or {}).get("properties", {})
            if isinstance(task_spec, UserTaskMixin):
                tasks[(process_id, task_spec.bpmn_id)] = UserTaskInfo(
                    process_id=process_id,
                    element_id=task_spec.bpmn_id,
                    name=task_spec.bpmn_name or task_spec.bpmn_id,
                    lane=task_spec.lane,
                    role=(role := role_for_lane(task_spec.lane)) and role.value,
                    form=props.get(FORM_PROPERTY),
                    ui_form=props.get(UI_FORM_PROPERTY),
                    due_expression=props.get(DUE_PROPERTY),
                    documentation=task_spec.documentation,
                )
            elif (
                process_id == ENTRY_PROCESS
                and type(task_spec).__name__ == "StartEvent"
                and props.get(FORM_PROPERTY)
            ):
                start_form = props[FORM_PROPERTY]
    return tasks, start_form
