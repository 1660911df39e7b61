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

from engine.errors import Conflict
from engine.workflow.runtime import incident_from
from engine.workflow.step import CaseStep

if TYPE_CHECKING:
    from engine.unit_of_work import UnitOfWork

# Given a clerk's open task (its form and data), take the message into that task; True if taken.
TaskTakes = Callable[[str | None, dict], bool]


def deliver(
    uow: UnitOfWork,
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
    """Deliver the message `name` to the case in the caller's unit of work. When the case does not
    wait for it, a clerk's open task may take it instead (`open_task_takes`: a second objection while
    the first is checked); otherwise Conflict and nothing changes."""
    step = CaseStep.open(uow, case_id)
    waiting = [
        found
        for t in step.workflow.get_tasks(state=TaskState.WAITING)
        if (found := _message_of(getattr(t.task_spec, "event_definition", None), name)) is not None
    ]
    if waiting:
        try:
            step.workflow.catch(BpmnEvent(waiting[0], payload))
            step.run_engine()
        except Exception as err:  # noqa: BLE001 - the step boundary, as for a completed task
            step.incident = incident_from(step.workflow, err)
    elif not _taken_by_open_task(step.loaded, step.workflow, open_task_takes):
        raise Conflict(refused)
    step.save(actor=actor, action=action, data=audit_data)


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
