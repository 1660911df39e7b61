"""Running one step of a case and writing everything it changed in the caller's transaction.

A step restores the workflow, lets SpiffWorkflow run (a user task's completion, a timer, a retry),
and then `persist` writes the workflow state, the inbox rows, the timers, the queued effects and
the audit event together. A script that raises does not lose the clerk's work: the completed user
task is kept and the case is put into "needs attention" with the error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine import privacy
from engine.context import CaseContext, HelperError
from engine.roles import township_of
from engine.sandbox import SandboxScriptEngine, SandboxViolation
from engine.specs import LoadedSpecs
from engine.store.models import (
    AuditEvent, Case, CaseState, LedgerEntry, Notice, OpenTask, PublicNotice, Timer,
)

STEP_ERRORS = (SpiffWorkflowException, SandboxViolation, HelperError, ValueError, TypeError, KeyError,
               NameError, AttributeError, ZeroDivisionError, IndexError)


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
    """Let SpiffWorkflow run everything automatic; an error becomes an incident, not an exception."""
    try:
        workflow.refresh_timers()
        workflow.do_engine_steps(did_complete_task=trace.record)
    except STEP_ERRORS as err:
        return incident_from(workflow, err)
    return None


def incident_from(workflow, err: Exception) -> Incident:
    failed = workflow.get_next_task(state=TaskState.ERROR)
    task = getattr(err, "task", None) or failed
    spec = task.task_spec if task is not None else None
    message = str(err).strip() or err.__class__.__name__
    return Incident(getattr(spec, "bpmn_id", None), getattr(spec, "bpmn_name", None), message)


def ready_user_tasks(workflow) -> list:
    return workflow.get_tasks(state=TaskState.READY, manual=True)


def waiting_timers(workflow) -> list[tuple[Any, datetime]]:
    found = []
    for task in workflow.get_tasks(state=TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        if not isinstance(definition, TimerEventDefinition):
            continue
        value = definition.details(task).value
        if isinstance(value, dict):  # cycle timers keep {'next': iso, ...}
            value = value.get("next")
        if value:
            found.append((task, TimerEventDefinition.get_datetime(value)))
    return found


def persist(session: Session, ctx: CaseContext, loaded: LoadedSpecs, workflow, *, actor: str, action: str,
            now: datetime, trace: Trace, incident: Incident | None = None, task=None,
            data: dict | None = None) -> AuditEvent:
    """Write the step: workflow, inbox, timers, effects, case summary and the audit event."""
    case = ctx.case
    state = session.get(CaseState, case.id)
    state.workflow = loaded.dump_workflow(workflow)
    state.reached = _merge_reached(state.reached, trace)
    case_data = workflow.data if workflow.is_completed() else _latest_data(workflow)
    _update_summary(case, case_data, workflow, now)
    open_rows = _sync_inbox(session, ctx, loaded, workflow, now)
    _sync_timers(session, case, workflow)
    _apply_effects(session, ctx, case_data, actor, now)
    case.current_step = "、".join(sorted({row.name for row in open_rows})) or None
    if incident is not None:
        case.status = "needs_attention"
        case.attention = {"element_id": incident.element_id, "element_name": incident.element_name,
                          "error": incident.message, "at": now.isoformat()}
    elif ctx.effects.flags:
        case.status = "needs_attention"
        case.attention = {"element_id": None, "element_name": None, "error": "；".join(ctx.effects.flags),
                          "at": now.isoformat()}
    elif workflow.is_completed():
        case.status = "completed"
        case.closed_at = now
        case.attention = None
    else:
        case.status = "running"
        case.attention = None
    case.updated_at = now
    event = audit(session, ctx, actor=actor, action=action, now=now, task=task, data=data, incident=incident)
    if incident is not None:
        audit(session, ctx, actor="system", action="incident", now=now,
              data={"error": incident.message, "element_id": incident.element_id})
    return event


def audit(session: Session, ctx: CaseContext, *, actor: str, action: str, now: datetime, task=None,
          data: dict | None = None, incident: Incident | None = None) -> AuditEvent:
    spec = task.task_spec if task is not None else None
    event = AuditEvent(
        at=now, actor=actor, action=action, case_id=ctx.case.id,
        task_id=str(task.id) if task is not None else None,
        element_id=getattr(spec, "bpmn_id", None), element_name=getattr(spec, "bpmn_name", None),
        data=data, spec_version_id=ctx.case.spec_version_id, parameter_version=ctx.parameter_version,
    )
    session.add(event)
    return event


def _latest_data(workflow) -> dict:
    """The case data as the most recently completed task sees it (subprocesses included)."""
    latest = None
    for task in workflow.get_tasks(state=TaskState.COMPLETED):
        if latest is None or task.last_state_change >= latest.last_state_change:
            latest = task
    return dict(latest.data) if latest is not None else dict(workflow.data)


def _merge_reached(previous: list | None, trace: Trace) -> list:
    reached = {"nodes": [], "flows": []}
    if isinstance(previous, dict):
        reached = {"nodes": list(previous.get("nodes", [])), "flows": list(previous.get("flows", []))}
    for key, items in (("nodes", trace.nodes), ("flows", trace.flows)):
        for item in items:
            if item not in reached[key]:
                reached[key].append(item)
    return reached


def _update_summary(case: Case, data: dict, workflow, now: datetime) -> None:
    category = data.get("category")
    if isinstance(category, str) and category:
        case.category = category
    amount = data.get("amount")
    if isinstance(amount, int) and not isinstance(amount, bool):
        case.amount = amount


def _sync_inbox(session: Session, ctx: CaseContext, loaded: LoadedSpecs, workflow, now: datetime) -> list[OpenTask]:
    case = ctx.case
    existing = {row.task_id: row for row in session.scalars(select(OpenTask).where(OpenTask.case_id == case.id))}
    ready = {str(task.id): task for task in ready_user_tasks(workflow)}
    for task_id, row in existing.items():
        if task_id not in ready:
            session.delete(row)
    rows = []
    for task_id, task in ready.items():
        row = existing.get(task_id)
        if row is None:
            row = _inbox_row(ctx, loaded, task, now)
            session.add(row)
        else:
            row.category = case.category
        rows.append(row)
    return rows


def _inbox_row(ctx: CaseContext, loaded: LoadedSpecs, task, now: datetime) -> OpenTask:
    case = ctx.case
    process_id = task.workflow.spec.name
    info = loaded.task_info(process_id, task.task_spec.bpmn_id)
    due = None
    if info is not None and info.due_expression:
        due = _evaluate_due(task, info.due_expression)
    return OpenTask(
        task_id=str(task.id), case_id=case.id, case_no=case.case_no, element_id=task.task_spec.bpmn_id,
        name=task.task_spec.bpmn_name or task.task_spec.bpmn_id, process_id=process_id,
        lane=task.task_spec.lane, role=info.role if info else "township", area_code=case.area_code,
        category=case.category, applicant_name=case.applicant_name, form=info.form if info else None,
        ui_form=info.ui_form if info else None, created_at=now, due_at=due, claimed_by=None,
    )


def _evaluate_due(task, expression: str) -> datetime | None:
    value = task.workflow.script_engine.evaluate(task, expression)
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        return TimerEventDefinition.get_datetime(value)
    return None


def _sync_timers(session: Session, case: Case, workflow) -> None:
    pending = {row.task_id: row for row in session.scalars(
        select(Timer).where(Timer.case_id == case.id, Timer.status == "pending"))}
    waiting = {str(task.id): (task, due) for task, due in waiting_timers(workflow)}
    for task_id, row in pending.items():
        if task_id not in waiting:
            row.status = "cancelled"
    for task_id, (task, due) in waiting.items():
        row = pending.get(task_id)
        if row is None:
            session.add(Timer(case_id=case.id, task_id=task_id, element_id=task.task_spec.bpmn_id,
                              due_at=due, status="pending"))
        elif row.due_at != due:
            row.due_at = due


def _apply_effects(session: Session, ctx: CaseContext, data: dict, actor: str, now: datetime) -> None:
    case, effects = ctx.case, ctx.effects
    for payment in effects.payments:
        session.add(LedgerEntry(
            case_id=case.id, case_no=case.case_no, area_code=case.area_code, county_code=case.county_code,
            category=case.category, applicant_name=case.applicant_name, amount=payment["amount"],
            way=payment["way"], stage=payment["stage"], note=payment["note"], approver=actor, recorded_at=now))
    for notice in effects.notices:
        session.add(Notice(case_id=case.id, kind=notice["kind"], fields=_jsonable(notice["fields"]),
                           issued_at=now, issued_by=actor))
    if effects.outcome is not None:
        case.outcome, case.outcome_reason = effects.outcome
    if effects.publish_until is not None:
        _publish(session, case, data, effects.publish_until, now)
    if effects.withdraw:
        row = session.get(PublicNotice, case.id)
        if row is not None:
            row.status = "withdrawn"


def _publish(session: Session, case: Case, data: dict, until: str, now: datetime) -> None:
    household = data.get("household")
    size = data.get("household_size") or (len(household) if isinstance(household, list) and household else 1)
    row = session.get(PublicNotice, case.id) or PublicNotice(case_id=case.id)
    row.case_no = case.case_no
    row.township_code = township_of(case.area_code) or case.area_code
    row.masked_name = privacy.mask_name(case.applicant_name)
    row.masked_id_number = privacy.mask_id_number(case.applicant_id_number)
    row.household_size = int(size)
    row.category = case.category
    row.amount = case.amount
    row.published_at = now
    row.until = datetime.fromisoformat(until) if until else None
    row.status = "open"
    session.merge(row)


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def delete_open_rows(session: Session, case_id: int) -> None:
    session.execute(delete(OpenTask).where(OpenTask.case_id == case_id))
