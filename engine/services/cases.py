"""Case services (案件): start, claim, complete, retry, cancel — one unit of work each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engine import forms as form_checks
from engine import parameters
from engine.areas import county_of
from engine.errors import Conflict, FieldError, NotFound, NotPermitted, ValidationFailed
from engine.permissions import may_act_on, may_work_in
from engine.services import idempotency, people
from engine.store.models import Area, AuditEvent, Case, CaseCounter, CaseState, IdempotencyKey, Timer, User
from engine.store.rows import insert_case, load_case, save_case
from engine.vocabulary import CASE_WORKER_ROLES, CHANNELS, Role
from engine.workflow.context import CaseContext
from engine.workflow.persist import INBOX, audit, delete_open_rows, persist
from engine.workflow.runtime import Trace, run_engine_steps, script_engine
from engine.workflow.step import CaseStep

if TYPE_CHECKING:
    from engine.unit_of_work import UnitOfWork

RESERVED_KEYS = ("case_no", "area_code", "county_code", "channel", "started_by_role")

# Built once: constructing SQLAlchemy statements costs more than running them on the hot path.
_USERS, _KEYS, _EVENTS = User.__table__, IdempotencyKey.__table__, AuditEvent.__table__
_OPEN_ROW = select(INBOX).where(INBOX.c.task_id == bindparam("task_id"))
_REPLAY = select(_KEYS.c.result).where(_KEYS.c.key == bindparam("key"))


@dataclass(frozen=True)
class CaseRef:
    id: int
    case_no: str
    status: str
    created: bool = True  # False when an idempotent retry returned the case started earlier


@idempotency.replay_after_race  # the loser of a race on the same key replays the winner's case
def start_case(
    uow: UnitOfWork,
    application: dict,
    area_code: str,
    by: str | None,
    channel: str = "window",
    idempotency_key: str | None = None,
    dedupe_key: str | None = None,
) -> CaseRef:
    """Start a case from an application; `by` is None for a resident online or a system import.

    `idempotency_key` makes a retried request by the same actor return the first case;
    `dedupe_key` does so whoever asks (e.g. a monitoring warning's id)."""
    if channel not in CHANNELS:
        raise ValidationFailed([FieldError("channel", "申请渠道：取值不在可选范围内")])
    actor = by or f"system:{channel}"
    key = dedupe_key or (f"{actor}:{idempotency_key}" if idempotency_key else None)
    with uow:
        ref = start_in(uow, application, area_code, by, channel, key)
        uow.commit()
    return ref


def start_in(
    uow: UnitOfWork, application: dict, area_code: str, by: str | None, channel: str, key: str | None
) -> CaseRef:
    """Start a case in the caller's unit of work; `key` returns the case an earlier request with it
    started."""
    actor = by or f"system:{channel}"
    session = uow.session
    if key and (earlier := _stored_result(session, key)) is not None:
        return CaseRef(**{**earlier, "created": False})
    now = uow.now()
    area = session.get(Area, area_code)
    if area is None:
        raise NotFound(f"区划 {area_code} 不存在")
    started_by_role = None
    if by is not None:
        user = people.get_user(session, by)
        if Role(user.role) not in CASE_WORKER_ROLES or not may_work_in(user, area_code):
            raise NotPermitted("无权在该区划受理申请")
        started_by_role = user.role
    version, loaded = uow.specs.current(session)
    if loaded.start_form:
        _validate_application(session, loaded, application, county_of(area_code), now)
    applicant = application.get("applicant") or {}
    case = insert_case(
        session,
        case_no=_next_case_no(session, county_of(area_code), now),
        spec_version_id=version.id,
        process_id=loaded.entry_process,
        area_code=area_code,
        county_code=county_of(area_code),
        channel=channel,
        status="running",
        applicant_name=str(applicant.get("name", "")),
        applicant_id_number=str(applicant.get("id_number", "")).upper(),
        reason=application.get("reason"),
        started_at=now,
        updated_at=now,
        started_by=by,
    )
    ctx = CaseContext(session, case, uow.clock, application=application)
    workflow = loaded.new_workflow(script_engine(ctx))
    start = workflow.get_next_task(state=TaskState.READY)
    data = form_checks.top_level_defaults(loaded.form(loaded.start_form)) if loaded.start_form else {}
    data.update({k: v for k, v in application.items() if k not in RESERVED_KEYS})
    data.update(
        case_no=case.case_no,
        area_code=area_code,
        county_code=case.county_code,
        channel=channel,
        started_by_role=started_by_role,  # a county clerk may act directly (002 §三)
    )
    start.data.update(data)
    trace = Trace()
    incident = run_engine_steps(workflow, trace)
    session.execute(insert(CaseState.__table__).values(case_id=case.id, workflow="", reached=None))
    persist(
        session,
        ctx,
        loaded,
        workflow,
        actor=actor,
        action="case_started",
        now=now,
        trace=trace,
        incident=incident,
        data={"application": application, "channel": channel},
    )
    ref = CaseRef(case.id, case.case_no, case.status)
    if key:
        session.execute(
            insert(_KEYS), {"key": key, "actor": actor, "result": ref.__dict__, "created_at": now}
        )
    return ref


def _validate_application(session: Session, loaded, application: dict, county_code: str, now) -> None:
    """The application form, with the county's lists where a field is bound to one (情形6's types)."""
    schema = loaded.form(loaded.start_form)
    if form_checks.parameter_names(schema):
        values = parameters.in_force(session, county_code, now).values
        form_checks.validate(form_checks.bind_parameters(schema, values), application)
        return
    loaded.validate(loaded.start_form, application)


def _next_case_no(session: Session, county_code: str, now: datetime) -> str:
    """County code + year + sequence, e.g. 639001-2026-000042; the upsert locks the counter row."""
    year = now.year
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(CaseCounter).values(county_code=county_code, year=year, last=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=["county_code", "year"], set_={"last": CaseCounter.last + 1}
    )
    session.execute(stmt)
    last = session.scalar(
        select(CaseCounter.last).where(CaseCounter.county_code == county_code, CaseCounter.year == year)
    )
    return f"{county_code}-{year}-{last:06d}"


def claim(uow: UnitOfWork, username: str, task_id: str) -> None:
    """认领: the task is the user's until completed or given back."""
    with uow:
        row = _open_task_for(uow.session, username, task_id)
        if row.claimed_by and row.claimed_by != username:
            raise Conflict(f"该待办已由 {row.claimed_by} 认领")
        _set_claim(uow, row, username, username, "task_claimed")
        uow.commit()


def unclaim(uow: UnitOfWork, username: str, task_id: str) -> None:
    with uow:
        row = _open_task_for(uow.session, username, task_id)
        if row.claimed_by != username:
            raise Conflict("只能退回自己认领的待办")
        _set_claim(uow, row, None, username, "task_unclaimed")
        uow.commit()


def _set_claim(uow: UnitOfWork, row, holder: str | None, by: str, action: str) -> None:
    session, now = uow.session, uow.now()
    session.execute(update(INBOX).where(INBOX.c.task_id == row.task_id).values(claimed_by=holder))
    case = load_case(session, case_id=row.case_id)
    case.updated_at = now
    save_case(session, case)  # bumps the version: a claim races a completion like any change
    audit(
        session,
        CaseContext(session, case, uow.clock),
        actor=by,
        action=action,
        now=now,
        data={"task_id": row.task_id, "element_id": row.element_id, "name": row.name},
    )


def _open_task_for(session: Session, username: str, task_id: str):
    user = people.actor(session, username)
    row = _open_row(session, task_id)
    if row is None:
        raise NotFound("待办不存在或已办结")
    if not may_act_on(user, row.role, row.area_code):
        raise NotPermitted("无权办理该待办")
    return row


def _open_row(session: Session, task_id: str):
    return session.execute(_OPEN_ROW, {"task_id": task_id}).first()


def _stored_result(session: Session, key: str) -> dict | None:
    result = session.execute(_REPLAY, {"key": key}).scalar()
    return dict(result) if result is not None else None


def _uuid(task_id: str):
    try:
        return UUID(task_id)
    except ValueError:
        raise NotFound("待办不存在") from None


@dataclass(frozen=True)
class Retried:
    case_id: int
    case_no: str
    status: str
    attention: dict | None

    def as_dict(self) -> dict:
        return {"case_no": self.case_no, "status": self.status, "attention": self.attention}


def retry(uow: UnitOfWork, case_no: str, by: str, data: dict | None = None) -> Retried:
    with uow:
        retried = retry_in(uow, case_no, by, data)
        uow.commit()
    return retried


def retry_in(
    uow: UnitOfWork, case_no: str, by: str, data: dict | None = None, county_code: str | None = None
) -> Retried:
    """Run a case needing attention again from its failed task (like resolving an incident), in the
    caller's unit of work; `data` corrects the case data first, and is audited with the retry. With
    `county_code`, a case of another county is "not found"."""
    case_id = uow.session.scalar(select(Case.id).where(Case.case_no == case_no))
    if case_id is None:
        raise NotFound(f"案件 {case_no} 不存在")
    step = CaseStep.open(uow, case_id)
    case = step.case
    if county_code is not None and case.county_code != county_code:
        raise NotFound(f"案件 {case_no} 不存在")
    if case.status != "needs_attention":
        raise Conflict("该案件不需要处理")
    for failed in step.workflow.get_tasks(state=TaskState.ERROR):
        step.workflow.reset_from_task_id(failed.id)  # data copied again from the parent task
        if data:
            step.workflow.get_task_from_id(failed.id).data.update(data)
    step.run_engine()
    previous_error = (case.attention or {}).get("error")
    step.save(
        actor=by, action="case_retried", data={"previous_error": previous_error, "corrected": data or {}}
    )
    return Retried(case.id, case.case_no, case.status, case.attention)


def cancel(uow: UnitOfWork, case_no: str, by: str, reason: str) -> dict:
    _require_reason(reason)
    with uow:
        cancelled = cancel_in(uow, case_no, by, reason)
        uow.commit()
    return cancelled


def cancel_in(uow: UnitOfWork, case_no: str, by: str, reason: str, county_code: str | None = None) -> dict:
    """撤销: the case ends without a decision; its open tasks and pending timers go, in the caller's unit
    of work. With `county_code`, a case of another county is "not found"."""
    session = uow.session
    case = load_case(session, case_no=case_no)
    if county_code is not None and case.county_code != county_code:
        raise NotFound(f"案件 {case_no} 不存在")
    _require_reason(reason)
    if case.status in ("completed", "cancelled"):
        raise Conflict("案件已结束")
    delete_open_rows(session, case.id)
    session.execute(
        update(Timer.__table__)
        .where(Timer.__table__.c.case_id == case.id, Timer.__table__.c.status == "pending")
        .values(status="cancelled")
    )
    now = uow.now()
    case.status, case.closed_at, case.updated_at, case.current_step = "cancelled", now, now, None
    save_case(session, case)
    audit(
        session,
        CaseContext(session, case, uow.clock),
        actor=by,
        action="case_cancelled",
        now=now,
        data={"reason": reason},
    )
    return {"case_no": case.case_no, "status": case.status}


def _require_reason(reason: str) -> None:
    if not reason or not reason.strip():
        raise ValidationFailed([FieldError("reason", "撤销原因：必填")])
