"""转交、催办、延期: moving open work between people of an area.

- 转交 (hand over): a lead gives a task to a named colleague of the task's role whose area holds the
  case; a clerk who may act on a task may hand it to such a colleague too (delegation).
- 催办 (remind): a lead reminds whoever holds a task, or its role when nobody has claimed it; the
  reminder shows on the task's row in the inbox.
- 延期 (extend the deadline): a lead moves a task's due date later, with a reason. Only the inbox
  deadline moves: a timer the diagram sets from policy runs as the policy says.

Leads: 乡镇(街道) for the village and township tasks of their township; 县级民政部门 and 流程管理员 for
every task of their county. Each action is one unit of work, audited on the case with the task.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.errors import Conflict, FieldError, NotFound, NotPermitted, ValidationFailed
from engine.permissions import may_act_on, may_read_case, may_work_in
from engine.services import people
from engine.store.models import AuditEvent, Case, OpenTask, User
from engine.store.rows import load_case, save_case
from engine.unit_of_work import UnitOfWork
from engine.views.inbox import REMINDED
from engine.views.reports.scope import local_start
from engine.vocabulary import LOCAL_TZ, Role

TOWNSHIP_LEAD_OVER = (Role.VILLAGE, Role.TOWNSHIP)
COUNTY_LEADS = (Role.COUNTY, Role.PROCESS_OWNER)
REASON_LIMIT = 500
REASSIGNED, EXTENDED = "task_reassigned", "task_deadline_extended"


@dataclass(frozen=True)
class Colleague:
    username: str
    display_name: str


@dataclass(frozen=True)
class TaskControls:
    """What a user may do to one open task, and to whom they may hand it."""

    task_id: str
    may_hand_over: bool
    may_remind: bool
    may_extend: bool
    colleagues: list[Colleague]


def leads(user, task) -> bool:
    """A lead over the task: its township's 乡镇 clerk (village and township work), or the county."""
    role = Role(user.role)
    if role in COUNTY_LEADS:
        return task.area_code.startswith(user.area_code[:6])
    if role == Role.TOWNSHIP:
        return Role(task.role) in TOWNSHIP_LEAD_OVER and may_work_in(user, task.area_code)
    return False


def may_hand_over(user, task) -> bool:
    return leads(user, task) or may_act_on(user, task.role, task.area_code)


def colleagues(session: Session, task) -> list[Colleague]:
    """The active people of the task's role whose area holds the task's area."""
    rows = session.execute(
        select(User.username, User.display_name, User.area_code)
        .where(User.role == task.role, User.active.is_(True))
        .order_by(User.display_name)
    ).all()
    return [Colleague(r.username, r.display_name) for r in rows if task.area_code.startswith(r.area_code)]


def controls(uow: UnitOfWork, username: str, case_no: str) -> dict[str, TaskControls]:
    """For each open task of a case: what this user may do to it (empty when nothing)."""
    with uow:
        session = uow.session
        user = people.get_user(session, username)
        tasks = session.scalars(select(OpenTask).where(OpenTask.case_no == case_no)).all()
        return controls_of(session, user, tasks)


def controls_of(session: Session, user: User, tasks: Iterable[OpenTask]) -> dict[str, TaskControls]:
    """What `user` may do to each of the tasks (the open tasks of one case), read on `session`."""
    found = {}
    for task in tasks:
        hand_over, lead = may_hand_over(user, task), leads(user, task)
        if hand_over or lead:
            others = [c for c in colleagues(session, task) if c.username != task.claimed_by]
            found[task.task_id] = TaskControls(task.task_id, hand_over, lead, lead, others)
    return found


def reassign(uow: UnitOfWork, by: str, task_id: str, to: str, reason: str = "") -> str:
    """Hand the task to `to`; returns their name. The new holder finds it claimed in their inbox."""
    reason = _text(reason, "reason", "转交说明", required=False)
    with uow:
        session = uow.session
        _user, task = _task_for(uow, by, task_id, may_hand_over, "无权转交该待办")
        target = session.scalar(select(User).where(User.username == (to or "").strip()))
        if target is None or not target.active or target.role != task.role:
            raise ValidationFailed([FieldError("to", "转交给：请选择一位同岗位的同事")])
        if not task.area_code.startswith(target.area_code):
            raise ValidationFailed([FieldError("to", "转交给：该同事不负责本案件所在区划")])
        if task.claimed_by == target.username:
            raise Conflict(f"该待办已由 {target.display_name} 办理")
        before = task.claimed_by
        session.execute(
            update(OpenTask).where(OpenTask.task_id == task_id).values(claimed_by=target.username)
        )
        _audit(uow, by, REASSIGNED, task, {"from": before, "to": target.username, "reason": reason})
        uow.commit()
        return target.display_name


def remind(uow: UnitOfWork, by: str, task_id: str, note: str = "") -> None:
    note = _text(note, "note", "催办说明", required=False)
    with uow:
        _user, task = _task_for(uow, by, task_id, leads, "无权催办该待办")
        _audit(uow, by, REMINDED, task, {"to": task.claimed_by or task.role, "note": note})
        uow.commit()


def extend_deadline(
    uow: UnitOfWork, by: str, task_id: str, until: date | str | None, reason: str
) -> datetime:
    """Move the task's due time to the end of `until` (China time); returns the new due time."""
    errors = []
    day = _day(until)
    if day is None:
        errors.append(FieldError("until", "延至日期：必填，格式为 年-月-日，不晚于 2999 年"))
    try:
        reason = _text(reason, "reason", "延期理由", required=True)
    except ValidationFailed as failed:
        errors += failed.errors
    if errors or day is None:
        raise ValidationFailed(errors, "；".join(e.message for e in errors))
    due = local_start(day + timedelta(days=1)) - timedelta(seconds=1)
    with uow:
        session = uow.session
        _user, task = _task_for(uow, by, task_id, leads, "无权延长该待办的期限")
        if due <= uow.now() or (task.due_at is not None and due <= task.due_at):
            later_than = max(uow.now(), task.due_at or uow.now()).astimezone(LOCAL_TZ).date()
            raise ValidationFailed([FieldError("until", f"延至日期：应晚于 {later_than.isoformat()}")])
        before = task.due_at.isoformat() if task.due_at else None
        session.execute(update(OpenTask).where(OpenTask.task_id == task_id).values(due_at=due))
        _audit(
            uow,
            by,
            EXTENDED,
            task,
            {"from": before, "to": due.isoformat(), "reason": reason},
        )
        uow.commit()
        return due


def _task_for(uow: UnitOfWork, username: str, task_id: str, allowed, refusal: str):
    """The open task if the user may do this to it; a refusal is audited (apart: the rest rolls back)."""
    session = uow.session
    user = people.get_user(session, username)
    task = session.get(OpenTask, task_id, with_for_update=True)
    case = session.get(Case, task.case_id) if task is not None else None
    refused: NotFound | NotPermitted | None = None
    if task is None or not may_read_case(user, case):
        refused = NotFound("待办不存在或已办结")
    elif not allowed(user, task):
        refused = NotPermitted(refusal)
    if refused is not None:
        uow.audit_apart(
            AuditEvent(
                at=uow.now(),
                actor=username,
                action="access_denied",
                case_id=case.id if case is not None else None,
                data={"what": refusal, "task_id": task_id},
            )
        )
        raise refused
    return user, task


def _audit(uow: UnitOfWork, by: str, action: str, task: OpenTask, data: dict) -> None:
    session = uow.session
    case = load_case(session, case_id=task.case_id)
    case.updated_at = uow.now()
    save_case(session, case)  # bumps the version: a hand-over races a completion like any change
    session.add(
        AuditEvent(
            at=uow.now(),
            actor=by,
            action=action,
            case_id=task.case_id,
            task_id=task.task_id,
            element_id=task.element_id,
            element_name=task.name,
            data={"task_id": task.task_id, "name": task.name, **data},
            spec_version_id=case.spec_version_id,
        )
    )


def _day(value: date | str | None) -> date | None:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            return None
    return value if isinstance(value, date) and 2000 <= value.year <= 2999 else None


def _text(value: str | None, key: str, title: str, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed([FieldError(key, f"{title}：必填")], f"{title}：必填")
    if len(value) > REASON_LIMIT:
        message = f"{title}：不超过 {REASON_LIMIT} 个字"
        raise ValidationFailed([FieldError(key, message)], message)
    return value
