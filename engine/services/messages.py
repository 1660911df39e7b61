"""Messages from outside a case to the event it waits for (a resident's 公示异议 to 信息公示).

A diagram waits for a message with a message catch event (behind an event-based gateway, racing a
timer); delivering the message runs the case on from there inside the caller's unit of work, so
the message, its record and the step are saved together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.orm import Session

from engine.errors import Conflict
from engine.store.rows import load_case_with_state
from engine.workflow.context import CaseContext
from engine.workflow.persist import persist
from engine.workflow.runtime import Trace, incident_from, run_engine_steps, script_engine

if TYPE_CHECKING:
    from engine.facade import Engine

# Given a clerk's open task (its form and data), take the message into that task; True if taken.
TaskTakes = Callable[[str | None, dict], bool]


def deliver(
    eng: Engine,
    session: Session,
    case_id: int,
    name: str,
    payload: dict,
    *,
    actor: str,
    action: str,
    audit_data: dict,
    open_task_takes: TaskTakes | None = None,
    refused: str = "该案件当前不接收此消息",
) -> None:
    """Deliver the message `name` to the case. When the case does not wait for it, a clerk's open
    task may take it instead (`open_task_takes`: a second objection while the first is checked);
    otherwise Conflict and nothing changes."""
    case, serialized, reached = load_case_with_state(session, case_id)
    loaded = eng.specs.for_version(session, case.spec_version_id)
    ctx = CaseContext(session, case, eng.now)
    workflow = loaded.load_workflow(serialized, script_engine(ctx))
    trace = Trace()
    incident = None
    waiting = [
        found
        for t in workflow.get_tasks(state=TaskState.WAITING)
        if (found := _message_of(getattr(t.task_spec, "event_definition", None), name)) is not None
    ]
    if waiting:
        try:
            workflow.catch(BpmnEvent(waiting[0], payload))
            incident = run_engine_steps(workflow, trace)
        except Exception as err:  # noqa: BLE001 - the step boundary, as for a completed task
            incident = incident_from(workflow, err)
    elif not _taken_by_open_task(loaded, workflow, open_task_takes):
        raise Conflict(refused)
    persist(
        session,
        ctx,
        loaded,
        workflow,
        actor=actor,
        action=action,
        now=eng.now(),
        trace=trace,
        incident=incident,
        data=audit_data,
        previous_reached=reached,
    )


def _message_of(definition, name: str) -> MessageEventDefinition | None:
    """The message `name` a waiting task catches: its own, or one of an event-based gateway's."""
    if isinstance(definition, MultipleEventDefinition):
        return next((d for d in definition.event_definitions if _message_of(d, name) is not None), None)
    if isinstance(definition, MessageEventDefinition) and definition.name == name:
        return definition
    return None


def _taken_by_open_task(loaded, workflow, takes: TaskTakes | None) -> bool:
    if takes is None:
        return False
    for task in workflow.get_tasks(state=TaskState.READY):
        if not task.task_spec.manual:
            continue
        info = loaded.task_info(task.workflow.spec.name, task.task_spec.bpmn_id)
        if takes(info.form if info is not None else None, task.data):
            return True
    return False
