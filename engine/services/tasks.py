"""办理待办: completing a task is one unit of work — replay check, access check, form validation, the
step run and saved (inbox rows, timers, effects, audit event), the idempotency key remembered — in
one write transaction. The HTML form and the JSON API both call `complete_task`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, NoReturn
from uuid import UUID

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError

from engine import forms as form_checks
from engine import parameters
from engine.areas import county_of
from engine.errors import Conflict, NotFound, NotPermitted
from engine.permissions import may_act_on, may_read_case
from engine.services.access import DENIED, TaskDone
from engine.store.db import DEFERRED
from engine.store.models import AuditEvent, Case, CaseState, IdempotencyKey, User
from engine.store.rows import CASES, STEP_COLUMNS, StepRows, step_of
from engine.unit_of_work import UnitOfWork
from engine.workflow.persist import INBOX
from engine.workflow.step import CaseStep

_USERS, _KEYS, _EVENTS = User.__table__, IdempotencyKey.__table__, AuditEvent.__table__
_STATES = CaseState.__table__
# Built once: the acting user, the open task (None when gone) and an earlier result under the same
# idempotency key, in one round trip.
_REPLAY = select(_KEYS.c.result).where(_KEYS.c.key == bindparam("key")).scalar_subquery()
_ACTOR_TASK_COLUMNS = (
    _USERS.c.role.label("user_role"),
    _USERS.c.area_code.label("user_area"),
    _USERS.c.active,
    _REPLAY.label("replay"),
    *INBOX.c,
)
_ACTOR_TASK_REPLAY = (
    select(*_ACTOR_TASK_COLUMNS)
    .select_from(_USERS.outerjoin(INBOX, INBOX.c.task_id == bindparam("task_id")))
    .where(_USERS.c.username == bindparam("username"))
)
# The same with the case locked for the step (engine/store/rows.py STEP_COLUMNS): one round trip before
# the step runs when the task is open. No row (the task is gone, the user unknown): ask _ACTOR_TASK_REPLAY.
# The open task row is read as before, before any lock is waited for; the case row and its workflow are
# locked, so a step that waited runs on what the other committed.
_ACTOR_TASK_CASE = (
    select(*_ACTOR_TASK_COLUMNS, *STEP_COLUMNS)
    .select_from(
        _USERS.join(INBOX, INBOX.c.task_id == bindparam("task_id"))
        .join(CASES, CASES.c.id == INBOX.c.case_id)
        .join(_STATES, _STATES.c.case_id == CASES.c.id)
    )
    .where(_USERS.c.username == bindparam("username"))
    .with_for_update(of=[CASES, _STATES])
)
_STORED = select(_KEYS.c.result).where(_KEYS.c.key == bindparam("key"))
_CASE_OF_EVENT = select(_EVENTS.c.case_id).where(_EVENTS.c.task_id == bindparam("task_id")).limit(1)
NO_FORM: dict = {"type": "object", "properties": {}}


@dataclass(frozen=True)
class Caller:
    """Who acts. `remote_addr` is set for a request from the web or the API: a refused attempt is then
    audited, and a task of a case the user may not read is "not found" (its existence not disclosed)."""

    username: str
    remote_addr: str | None = None

    @property
    def from_outside(self) -> bool:
        return self.remote_addr is not None


@dataclass(frozen=True)
class NextTask:
    task_id: str
    name: str
    element_id: str
    role: str


@dataclass(frozen=True)
class Completion:
    case_no: str
    status: str
    completed_task: str
    completed_element: str
    open_tasks: list[NextTask]
    attention: dict | None
    completed_name: str = ""
    replayed: bool = False

    @classmethod
    def from_stored(cls, stored: dict) -> Completion:
        """An earlier completion kept under its idempotency key, returned again as a replay."""
        known = {k: v for k, v in stored.items() if k in cls.__dataclass_fields__}
        known["open_tasks"] = [NextTask(**t) for t in stored.get("open_tasks", [])]
        return cls(**{**known, "replayed": True})

    def as_dict(self) -> dict:
        return asdict(self)

    def stored(self) -> dict:
        return {k: v for k, v in self.as_dict().items() if k != "replayed"}


# What the form's submission holds: the data, or (the HTML form) a parser given the form's schema as
# the clerk saw it on this case.
Submission = dict | Callable[[dict], dict]


_REMEMBER = insert(_KEYS).execution_options(**DEFERRED)


def complete_task(
    uow: UnitOfWork,
    caller: Caller,
    task_id: str,
    data: Submission,
    idempotency_key: str | None = None,
) -> Completion:
    """Validate, run, persist, audit and remember the key: one transaction, or nothing. The same key
    sent again by the same user returns the first completion (`replayed`)."""
    key = f"{caller.username}:{idempotency_key}" if idempotency_key else None
    try:
        with uow:
            asked = {"username": caller.username, "task_id": task_id, "key": key, "at": uow.now()}
            found: Any = uow.session.execute(_ACTOR_TASK_CASE, asked).first()
            opened = step_of(found) if found is not None else None
            if found is None:
                found = uow.session.execute(_ACTOR_TASK_REPLAY, asked).first()
            if found is not None and found.replay is not None:
                return Completion.from_stored(dict(found.replay))
            row = _permitted_task(uow, caller, task_id, found)
            uow.pipeline()  # on PostgreSQL the step's writes travel together, not one by one
            completion = complete_open_task(uow, row, data, actor=caller.username, opened=opened)
            if key:
                uow.session.execute(
                    _REMEMBER,
                    {
                        "key": key,
                        "actor": caller.username,
                        "result": completion.stored(),
                        "created_at": uow.now(),
                    },
                )
            uow.commit()
            return completion
    except (IntegrityError, Conflict) as err:
        # A racing request with the same key may have committed while this one waited for the lock.
        if key:
            with uow.reading() as reading:
                stored = reading.session.execute(_STORED, {"key": key}).scalar()
            if stored is not None:
                return Completion.from_stored(dict(stored))
        if isinstance(err, Conflict):
            raise
        raise Conflict("该待办刚被他人办理，请刷新后重试") from err


@dataclass(frozen=True)
class _Place:
    """What `may_read_case` looks at, known from the open task row without reading the case."""

    area_code: str
    county_code: str


def _permitted_task(uow: UnitOfWork, caller: Caller, task_id: str, found):
    """The open task if the caller may act on it. Outside the caller's area: NotFound (from outside)
    or NotPermitted; another role's lane: NotPermitted; claimed by a colleague: Conflict; completed
    already: TaskDone. Refusals of outside requests are audited in their own transaction."""
    if found is None or not found.active:
        raise NotPermitted("用户不存在或已停用")
    user = _Actor(found.user_role, found.user_area)
    if found.task_id is None:
        case_id = uow.session.execute(_CASE_OF_EVENT, {"task_id": task_id}).scalar()
        case = uow.session.get(Case, case_id) if case_id is not None else None
        if case is not None and may_read_case(user, case):
            raise TaskDone(case.case_no)
        _refuse(uow, caller, task_id, case_id, NotFound("待办不存在"))
    readable = may_read_case(user, _Place(found.area_code, county_of(found.area_code)))
    if not readable and caller.from_outside:
        _refuse(uow, caller, task_id, found.case_id, NotFound("待办不存在"))
    if not may_act_on(user, found.role, found.area_code):
        _refuse(uow, caller, task_id, found.case_id, NotPermitted("无权办理该待办：不属于您的岗位"))
    if found.claimed_by and found.claimed_by != caller.username:
        raise Conflict(f"该待办已由 {found.claimed_by} 认领")
    return found


@dataclass(frozen=True)
class _Actor:
    role: str
    area_code: str


def _refuse(uow: UnitOfWork, caller: Caller, task_id: str, case_id: int | None, error: Exception) -> NoReturn:
    if caller.from_outside:
        uow.audit_apart(
            AuditEvent(
                at=uow.now(),
                actor=caller.username,
                action=DENIED,
                case_id=case_id,
                data={"what": "提交待办", "from": caller.remote_addr, "task_id": task_id},
            )
        )
    raise error


def complete_open_task(
    uow: UnitOfWork, row, submission: Submission, actor: str, opened: StepRows | None = None
) -> Completion:
    """Complete an open task whose permission the caller has settled (a clerk's own task, or the
    system on behalf of a resident), in the caller's unit of work. `opened`: the case as already read
    for the step (locked), else it is read here."""
    step = CaseStep(uow, *opened) if opened is not None else CaseStep.open(uow, row.case_id)
    task = step.workflow.get_task_from_id(_uuid(row.task_id))
    if task is None or task.state != TaskState.READY:
        raise Conflict("该待办已被办理，不能重复提交")
    data = (
        submission(step.loaded.bound_form(row.form, task.data) if row.form else NO_FORM)
        if callable(submission)
        else submission
    )
    if row.form:  # bound to the task's data: an amount within the clerk's authority, a reason …
        _check_county_numbers(step, row.form, data)
        step.loaded.validate(row.form, data, case_data=task.data)
    step.run_task(task, data)
    open_rows = step.save(
        actor=actor, action="task_completed", task=task, data=data, opened_at=row.created_at
    )
    return Completion(
        case_no=step.case.case_no,
        status=step.case.status,
        completed_task=row.task_id,
        completed_element=row.element_id,
        open_tasks=[NextTask(r["task_id"], r["name"], r["element_id"], r["role"]) for r in open_rows],
        attention=step.case.attention,
        completed_name=row.name,
    )


def _check_county_numbers(step: CaseStep, form: str, data: dict) -> None:
    """A form bound to the county's numbers (`x-min-items-param`: 入户调查's staff) is checked against
    the numbers in force (read with the case row)."""
    schema = step.loaded.form(form)
    if form_checks.parameter_names(schema):
        ctx = step.ctx
        in_force = ctx.prefetched or parameters.in_force(ctx.session, step.case.county_code, ctx.now())
        form_checks.validate(form_checks.bind_parameters(schema, in_force.values), data)


def _uuid(task_id: str) -> UUID:
    try:
        return UUID(task_id)
    except ValueError:
        raise NotFound("待办不存在") from None
