"""Moving running cases from one deployed version to another, where it is safe.

SpiffWorkflow's own diff (`SpiffWorkflow.bpmn.util.diff`) aligns the case's task specs with the
target's (by BPMN id, then by structure); `migrate_workflow` swaps them. A case may move when

- it is running (a case needing attention is retried or cancelled first),
- every task it has (done, open, waiting) still has an element in the target, and every
  subprocess it entered still exists there,
- each open user task is still a user task whose form accepts what the old one asked for: no
  field changes its type and no new field becomes required.

Open user tasks keep their id, claim and due time; a waiting timer keeps its due time (only READY
tasks are reset and re-predicted, never a WAITING timer or a running call activity). Each moved case
gets a `case_migrated` audit event on the target version (engine/studio/migration.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.orm import Session

from engine.workflow.context import CaseContext
from engine.workflow.runtime import script_engine
from engine.workflow.specs import SERIALIZER, LoadedSpecs

OPEN = TaskState.READY | TaskState.WAITING | TaskState.STARTED


@dataclass
class CasePlan:
    case_no: str
    status: str
    current_step: str | None
    reasons: list[str] = field(default_factory=list)  # why it may not move; empty when safe
    notes: list[str] = field(default_factory=list)  # what moving changes for it

    @property
    def safe(self) -> bool:
        return not self.reasons


@dataclass
class Target:
    """The target version, parsed once for a batch: its specs for SpiffWorkflow's diff."""

    loaded: LoadedSpecs
    spec: object
    dependencies: dict

    @classmethod
    def of(cls, loaded: LoadedSpecs) -> Target:
        parser = loaded.parser
        return cls(
            loaded, parser.get_spec(loaded.entry_process), parser.get_subprocess_specs(loaded.entry_process)
        )


def prepare(workflow, source: LoadedSpecs, target: Target) -> tuple[list[str], list[str], object]:
    """Reasons to refuse, notes, and the diffs to apply (None when refused)."""
    top, subs = diff_workflow(SERIALIZER.registry, workflow, target.spec, target.dependencies)
    reasons: list[str] = []
    notes: list[str] = []
    diffs = [(workflow, top)]
    for sp_id, diff in subs.items():
        sub = workflow.subprocesses[sp_id]
        if diff is None:
            reasons.append(f"子流程 {sub.spec.name} 在目标版本中不存在")
        else:
            diffs.append((sub, diff))
    for owner, diff in diffs:
        for task in diff.removed:
            what = _describe(task)
            if task.state & OPEN:
                reasons.append(f"当前环节“{what}”在目标版本中已删除")
            elif task.state & TaskState.FINISHED_MASK:
                reasons.append(f"已办环节“{what}”在目标版本中已删除，办理记录无法对应")
        for task, new_spec in diff.alignment.items():
            if task.state == TaskState.READY and task.task_spec.manual:
                _check_user_task(task, new_spec, source, target.loaded, reasons, notes)
            elif task.state == TaskState.WAITING and _is_timer(task) and new_spec is not None:
                notes.append(f"定时“{_describe(task)}”保持原到期时间")
    return reasons, notes, (diffs if not reasons else None)


def _check_user_task(
    task, new_spec, source: LoadedSpecs, target: LoadedSpecs, reasons: list, notes: list
) -> None:
    old = source.task_info(task.workflow.spec.name, task.task_spec.bpmn_id)
    new = target.task_info(task.workflow.spec.name, new_spec.bpmn_id)
    name = _describe(task)
    if old is None:
        return
    if new is None:
        reasons.append(f"待办“{name}”在目标版本中不再是用户任务")
        return
    if old.name != new.name:
        notes.append(f"待办“{old.name}”改名为“{new.name}”")
    if old.role != new.role:
        notes.append(f"待办“{new.name}”改由 {new.lane} 办理")
    if old.form and new.form:
        problems = form_problems(source.form(old.form), target.form(new.form))
        if problems:
            reasons.append(f"待办“{name}”的表单不兼容：" + "；".join(problems))
        elif source.files.files.get(f"forms/{old.form}") != target.files.files.get(f"forms/{new.form}"):
            notes.append(f"待办“{new.name}”使用新版表单 {new.form}")


def form_problems(old: dict, new: dict, prefix: str = "") -> list[str]:
    """Why a form that asked `old` cannot take its place as `new` (nothing: compatible)."""
    if old == new:
        return []
    problems = []
    old_props, new_props = old.get("properties") or {}, new.get("properties") or {}
    for key in new.get("required") or []:
        if key not in old_props:
            problems.append(f"新增必填字段 {prefix}{key}")
    for key, before in old_props.items():
        after = new_props.get(key)
        if not isinstance(before, dict) or not isinstance(after, dict):
            continue
        if before.get("type") != after.get("type"):
            problems.append(f"字段 {prefix}{key} 的类型由 {before.get('type')} 改为 {after.get('type')}")
        elif before.get("type") == "object":
            problems += form_problems(before, after, f"{prefix}{key}.")
    return problems


def _is_timer(task) -> bool:
    from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

    return isinstance(getattr(task.task_spec, "event_definition", None), TimerEventDefinition)


def _describe(task) -> str:
    spec = task.task_spec
    return getattr(spec, "bpmn_name", None) or getattr(spec, "bpmn_id", None) or spec.name


def apply(diffs, target: Target) -> None:
    for owner, diff in diffs:
        spec = target.spec if owner is diffs[0][0] else target.dependencies[owner.spec.name]
        # READY tasks are re-predicted from the new spec; WAITING timers and running call activities
        # keep their state (and so a timer its due time).
        migrate_workflow(diff, owner, spec, reset_mask=TaskState.READY)
    diffs[0][0].subprocess_specs = target.dependencies


def plan_case(
    session: Session,
    clock,
    case,
    workflow_text: str | None,
    source: LoadedSpecs,
    target: Target,
    workflow=None,
) -> tuple[CasePlan, object, object]:
    """What moving the case would do; `workflow`: the case's workflow already loaded on `source` (it
    is then changed in place), else it is loaded from `workflow_text`."""
    plan = CasePlan(case.case_no, case.status, case.current_step)
    if case.status != "running":
        plan.reasons.append(
            "案件需关注，请先重试或撤销" if case.status == "needs_attention" else "案件已结束"
        )
        return plan, None, None
    if workflow is None:
        assert workflow_text is not None
        workflow = source.load_workflow(workflow_text, script_engine(CaseContext(session, case, clock)))
    reasons, notes, diffs = prepare(workflow, source, target)
    plan.reasons += reasons
    plan.notes += notes
    if diffs is not None:
        apply(diffs, target)
        try:  # the moved case must load on the target exactly as a later step will load it
            text = target.loaded.dump_workflow(workflow)
            target.loaded.load_workflow(text, workflow.script_engine)
        except Exception as err:  # noqa: BLE001 - any failure to restore means: do not move it
            plan.reasons.append(f"迁移后无法在目标版本上恢复：{err}")
            return plan, None, None
        return plan, workflow, text
    return plan, None, None
