"""Case services (案件): start, claim, complete, retry, cancel — one unit of work each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine import forms as form_checks
from engine import parameters
from engine.areas import county_of
from engine.errors import Conflict, FieldError, NotFound, NotPermitted, ValidationFailed
from engine.permissions import may_act_on, may_work_in
from engine.services import people
from engine.store.models import Area, AuditEvent, Case, CaseCounter, CaseState, IdempotencyKey, Timer, User
from engine.store.rows import insert_case, load_case, load_case_with_state, save_case
from engine.vocabulary import CASE_WORKER_ROLES, CHANNELS, Role
from engine.workflow.context import CaseContext
from engine.workflow.persist import INBOX, STATES, audit, delete_open_rows, persist
from engine.workflow.runtime import Trace, incident_from, run_engine_steps, script_engine

if TYPE_CHECKING:
    from engine.facade import Engine

RESERVED_KEYS = ("case_no", "area_code", "county_code", "channel", "started_by_role")

# Built once: constructing SQLAlchemy statements costs more than running them on the hot path.
_USERS, _KEYS, _EVENTS = User.__table__, IdempotencyKey.__table__, AuditEvent.__table__
_OPEN_ROW = select(INBOX).where(INBOX.c.task_id == bindparam("task_id"))
_ACTOR_AND_TASK = (
    select(_USERS.c.role.label("user_role"), _USERS.c.area_code.label("user_area"), _USERS.c.active, *INBOX.c)
    .select_from(_USERS.outerjoin(INBOX, INBOX.c.task_id == bindparam("task_id")))
    .where(_USERS.c.username == bindparam("username"))
)
_STATE = select(STATES.c.workflow, STATES.c.reached).where(STATES.c.case_id == bindparam("case_id"))
_REPLAY = select(_KEYS.c.result).where(_KEYS.c.key == bindparam("key"))
_WAS_OPEN = select(_EVENTS.c.id).where(_EVENTS.c.task_id == bindparam("task_id")).limit(1)


@dataclass(frozen=True)
class CaseRef:
    id: int
    case_no: str
    status: str
    created: bool = True  # False when an idempotent retry returned the case started earlier


def start_case(
    eng: Engine,
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
    with eng.db.write() as session:
        if key and (earlier := _stored_result(session, key)) is not None:
            return CaseRef(**{**earlier, "created": False})
        now = eng.now()
        area = session.get(Area, area_code)
        if area is None:
            raise NotFound(f"区划 {area_code} 不存在")
        started_by_role = None
        if by is not None:
            user = people.get_user(session, by)
            if Role(user.role) not in CASE_WORKER_ROLES or not may_work_in(user, area_code):
                raise NotPermitted("无权在该区划受理申请")
            started_by_role = user.role
        version, loaded = eng.specs.current(session)
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
        ctx = CaseContext(session, case, eng.now, application=application)
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


def claim(eng: Engine, username: str, task_id: str) -> None:
    with eng.db.write() as session:
        row = _open_task_for(session, username, task_id)
        if row.claimed_by and row.claimed_by != username:
            raise Conflict(f"该待办已由 {row.claimed_by} 认领")
        _set_claim(session, row, username)
        _audit_simple(eng, session, row, username, "task_claimed")


def unclaim(eng: Engine, username: str, task_id: str) -> None:
    with eng.db.write() as session:
        row = _open_task_for(session, username, task_id)
        if row.claimed_by != username:
            raise Conflict("只能退回自己认领的待办")
        _set_claim(session, row, None)
        _audit_simple(eng, session, row, username, "task_unclaimed")


def _set_claim(session: Session, row, username: str | None) -> None:
    session.execute(update(INBOX).where(INBOX.c.task_id == row.task_id).values(claimed_by=username))


def _audit_simple(eng: Engine, session: Session, row, username: str, action: str) -> None:
    case = load_case(session, case_id=row.case_id)
    ctx = CaseContext(session, case, eng.now)
    case.updated_at = eng.now()
    save_case(session, case)  # bumps the version: a claim races a completion like any change
    audit(
        session,
        ctx,
        actor=username,
        action=action,
        now=eng.now(),
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


def complete(
    eng: Engine, username: str, task_id: str, data: dict, idempotency_key: str | None = None
) -> dict:
    """Validate, run, persist, audit: all in one transaction, or nothing."""
    try:
        with eng.db.write() as session:
            if idempotency_key and (earlier := _replayed(session, username, idempotency_key)) is not None:
                return {**earlier, "replayed": True}
            result = _complete_in(eng, session, username, task_id, data)
            if idempotency_key:
                session.execute(
                    insert(_KEYS),
                    {
                        "key": f"{username}:{idempotency_key}",
                        "actor": username,
                        "result": result,
                        "created_at": eng.now(),
                    },
                )
            return {**result, "replayed": False}
    except (IntegrityError, Conflict) as err:
        # A racing request with the same key may have committed while this one waited for the lock.
        if idempotency_key:
            with eng.db.read() as session:
                if (earlier := _replayed(session, username, idempotency_key)) is not None:
                    return {**earlier, "replayed": True}
        if isinstance(err, Conflict):
            raise
        raise Conflict("该待办刚被他人办理，请刷新后重试") from err


def _complete_in(eng: Engine, session: Session, username: str, task_id: str, data: dict) -> dict:
    user, row = _actor_and_task(session, username, task_id)
    if row is None:
        if _was_open(session, task_id):
            raise Conflict("该待办已被办理，不能重复提交")
        raise NotFound("待办不存在")
    if not may_act_on(user, row.role, row.area_code):
        raise NotPermitted("无权办理该待办")
    if row.claimed_by and row.claimed_by != username:
        raise Conflict(f"该待办已由 {row.claimed_by} 认领")
    _check_county_numbers(eng, session, row, data)
    return run_open_task(eng, session, row, data, actor=username)


def _check_county_numbers(eng: Engine, session: Session, row, data: dict) -> None:
    """A form bound to the county's numbers (`x-min-items-param`: 入户调查's staff) is checked
    against them; most forms are not, and cost one primary-key read."""
    if not row.form:
        return
    version, county_code = session.execute(
        select(Case.spec_version_id, Case.county_code).where(Case.id == row.case_id)
    ).one()
    schema = eng.specs.for_version(session, version).form(row.form)
    if form_checks.parameter_names(schema):
        values = parameters.in_force(session, county_code, eng.now()).values
        form_checks.validate(form_checks.bind_parameters(schema, values), data)


def run_open_task(eng: Engine, session: Session, row, data: dict, actor: str) -> dict:
    """Complete an open task whose permission the caller has settled (a clerk's own task, or the
    system on behalf of a resident), inside the caller's unit of work."""
    task_id = row.task_id
    case, serialized, reached = load_case_with_state(session, row.case_id)
    loaded = eng.specs.for_version(session, case.spec_version_id)
    now = eng.now()
    ctx = CaseContext(session, case, eng.now)
    workflow = loaded.load_workflow(serialized, script_engine(ctx))
    task = workflow.get_task_from_id(_uuid(task_id))
    if task is None or task.state != TaskState.READY:
        raise Conflict("该待办已被办理，不能重复提交")
    if row.form:  # bound to the task's data: an amount within the clerk's authority, a reason …
        loaded.validate(row.form, data, case_data=task.data)
    trace = Trace()
    task.data.update(data)
    try:
        task.run()
        trace.record(task)
        incident = run_engine_steps(workflow, trace)
    except Exception as err:  # noqa: BLE001 - recorded as an incident, the clerk's data kept
        incident = incident_from(workflow, err)
    open_rows = persist(
        session,
        ctx,
        loaded,
        workflow,
        actor=actor,
        action="task_completed",
        now=now,
        trace=trace,
        incident=incident,
        task=task,
        data=data,
        previous_reached=reached,
        opened_at=row.created_at,
    )
    return {
        "case_no": case.case_no,
        "status": case.status,
        "completed_task": task_id,
        "completed_element": row.element_id,
        "open_tasks": [
            {"task_id": r["task_id"], "name": r["name"], "element_id": r["element_id"], "role": r["role"]}
            for r in open_rows
        ],
        "attention": case.attention,
    }


@dataclass(frozen=True)
class _Actor:
    role: str
    area_code: str


def _actor_and_task(session: Session, username: str, task_id: str):
    """The acting user and the open task, in one round trip (the task part is None when gone)."""
    row = session.execute(_ACTOR_AND_TASK, {"username": username, "task_id": task_id}).first()
    if row is None or not row.active:
        raise NotPermitted("用户不存在或已停用")
    return _Actor(row.user_role, row.user_area), (row if row.task_id is not None else None)


def _open_row(session: Session, task_id: str):
    return session.execute(_OPEN_ROW, {"task_id": task_id}).first()


def _state(session: Session, case_id: int):
    return session.execute(_STATE, {"case_id": case_id}).one()


def _was_open(session: Session, task_id: str) -> bool:
    return session.execute(_WAS_OPEN, {"task_id": task_id}).first() is not None


def submission_seen(eng: Engine, username: str, idempotency_key: str) -> bool:
    """True when this user's request with this key was taken already (its first result is kept)."""
    with eng.db.read() as session:
        return _replayed(session, username, idempotency_key) is not None


def _replayed(session: Session, actor: str, key: str) -> dict | None:
    return _stored_result(session, f"{actor}:{key}")


def _stored_result(session: Session, key: str) -> dict | None:
    result = session.execute(_REPLAY, {"key": key}).scalar()
    return dict(result) if result is not None else None


def _uuid(task_id: str):
    try:
        return UUID(task_id)
    except ValueError:
        raise NotFound("待办不存在") from None


def retry(eng: Engine, case_no: str, by: str, data: dict | None = None) -> dict:
    """Run a case needing attention again from its failed task (like resolving an incident); `data`
    corrects the case data first, and is audited with the retry."""
    with eng.db.write() as session:
        case = load_case(session, case_no=case_no)
        if case.status != "needs_attention":
            raise Conflict("该案件不需要处理")
        loaded = eng.specs.for_version(session, case.spec_version_id)
        ctx = CaseContext(session, case, eng.now)
        state = _state(session, case.id)
        workflow = loaded.load_workflow(state.workflow, script_engine(ctx))
        for failed in workflow.get_tasks(state=TaskState.ERROR):
            workflow.reset_from_task_id(failed.id)  # data copied again from the parent task
            if data:
                workflow.get_task_from_id(failed.id).data.update(data)
        trace = Trace()
        incident = run_engine_steps(workflow, trace)
        persist(
            session,
            ctx,
            loaded,
            workflow,
            actor=by,
            action="case_retried",
            now=eng.now(),
            trace=trace,
            incident=incident,
            data={"previous_error": (case.attention or {}).get("error"), "corrected": data or {}},
            previous_reached=state.reached,
        )
        return {"case_no": case.case_no, "status": case.status, "attention": case.attention}


def cancel(eng: Engine, case_no: str, by: str, reason: str) -> dict:
    if not reason or not reason.strip():
        raise ValidationFailed([FieldError("reason", "撤销原因：必填")])
    with eng.db.write() as session:
        case = load_case(session, case_no=case_no)
        if case.status in ("completed", "cancelled"):
            raise Conflict("案件已结束")
        delete_open_rows(session, case.id)
        session.execute(
            update(Timer.__table__)
            .where(Timer.__table__.c.case_id == case.id, Timer.__table__.c.status == "pending")
            .values(status="cancelled")
        )
        now = eng.now()
        case.status, case.closed_at, case.updated_at, case.current_step = "cancelled", now, now, None
        save_case(session, case)
        audit(
            session,
            CaseContext(session, case, eng.now),
            actor=by,
            action="case_cancelled",
            now=now,
            data={"reason": reason},
        )
        return {"case_no": case.case_no, "status": case.status}
