"""Running one step of a case on SpiffWorkflow: the sandboxed script engine, the automatic steps, the
trace of what was reached, and what the case waits for afterwards (engine/workflow/persist.py writes
it). A script that raises does not lose the clerk's work: the completed user
task is kept and the case is put into "needs attention" with the error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.inclusive_gateway import InclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.parallel_gateway import ParallelGateway
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.exc import SQLAlchemyError

from engine.workflow.context import CaseContext, HelperError
from engine.workflow.sandbox import SandboxScriptEngine, SandboxViolation, ScriptError


@dataclass
class Trace:
    """Elements and flows a step reached, for the case diagram and process coverage."""

    nodes: list[list[str]] = field(default_factory=list)
    flows: list[list[str]] = field(default_factory=list)

    def record(self, task) -> None:
        spec = task.task_spec
        if not getattr(spec, "bpmn_id", None):
            return
        process = task.workflow.spec.name
        self.nodes.append([process, spec.bpmn_id])
        if isinstance(spec, (ParallelGateway, InclusiveGateway)) and len(spec.inputs) > 1:
            # A join's task-tree parent is one branch; every branch that completed came in.
            for source in spec.inputs:
                if (
                    getattr(source, "bpmn_id", None)
                    and task.workflow.get_next_task(spec_name=source.name, state=TaskState.COMPLETED)
                    is not None
                ):
                    self.flows.append([process, source.bpmn_id, spec.bpmn_id])
            return
        parent = task.parent
        while parent is not None and not getattr(parent.task_spec, "bpmn_id", None):
            parent = parent.parent
        if parent is not None and parent.workflow is task.workflow:
            self.flows.append([process, parent.task_spec.bpmn_id, spec.bpmn_id])


@dataclass
class Incident:
    element_id: str | None
    element_name: str | None
    message: str


def script_engine(ctx: CaseContext) -> SandboxScriptEngine:
    return SandboxScriptEngine(ctx.helpers())


def run_engine_steps(workflow, trace: Trace) -> Incident | None:
    """Let SpiffWorkflow run everything automatic; an error becomes an incident, not an exception.
    (The sandbox turns whatever diagram code raises into an Exception; see engine/workflow/sandbox.py.)"""
    try:
        workflow.refresh_timers()
        workflow.do_engine_steps(did_complete_task=trace.record)
    except Exception as err:  # noqa: BLE001 - the step boundary; the database's own errors pass on
        return incident_from(workflow, err)
    return None


def _causes(err: BaseException | None):
    seen = set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        yield err
        err = err.__cause__ or err.__context__


def incident_from(workflow, err: Exception) -> Incident:
    """The incident a failed step leaves on the case. A database error is not the diagram's fault:
    it is raised again, so the unit of work rolls back and the caller sees it."""
    for cause in _causes(err):
        if isinstance(cause, SQLAlchemyError):
            raise cause
    failed = workflow.get_next_task(state=TaskState.ERROR)
    task = getattr(err, "task", None) or failed
    spec = task.task_spec if task is not None else None
    message = str(err).strip() or err.__class__.__name__
    for cause in _causes(err):
        if isinstance(cause, ScriptError):
            message = f"流程代码被沙箱中止：{cause}"
            break
        if isinstance(cause, (HelperError, SandboxViolation)):
            message = str(cause)
            break
    return Incident(getattr(spec, "bpmn_id", None), getattr(spec, "bpmn_name", None), message)


@dataclass
class OpenWork:
    """What a case waits for after a step: READY user tasks and WAITING timers (one tree walk)."""

    user_tasks: list
    timers: list[tuple[Any, datetime]]
    waiting: list

    @classmethod
    def of(cls, workflow) -> OpenWork:
        user_tasks, timers, waiting = [], [], []
        for task in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING):
            if task.state == TaskState.READY:
                if task.task_spec.manual:
                    user_tasks.append(task)
                continue
            waiting.append(task)
            definition = _timer_of(getattr(task.task_spec, "event_definition", None))
            if definition is not None:
                value = definition.details(task).value
                if isinstance(value, dict):  # cycle timers keep {'next': iso, ...}
                    value = value.get("next")
                if value:
                    timers.append((task, TimerEventDefinition.get_datetime(value)))
        return cls(user_tasks, timers, waiting)


def _timer_of(definition) -> TimerEventDefinition | None:
    """The timer a waiting task waits for: its own, or the one of an event-based gateway's events
    (a message racing a timer, as in 信息公示)."""
    if isinstance(definition, TimerEventDefinition):
        return definition
    if isinstance(definition, MultipleEventDefinition):
        return next((d for d in definition.event_definitions if isinstance(d, TimerEventDefinition)), None)
    return None


def latest_data(workflow, work: OpenWork | None = None) -> dict:
    """The case data as its current tasks see it (parallel branches merged, the most recently
    changed last), or as the last completed task left it."""
    work = work or OpenWork.of(workflow)
    current = work.user_tasks + work.waiting
    if len(current) == 1:
        return current[0].data
    if current:
        merged: dict = {}
        for task in sorted(current, key=lambda t: t.last_state_change):
            merged.update(task.data)
        return merged
    latest = None
    for task in workflow.get_tasks(state=TaskState.COMPLETED):
        if latest is None or task.last_state_change >= latest.last_state_change:
            latest = task
    return latest.data if latest is not None else workflow.data
