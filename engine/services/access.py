"""Who may see what. Opening a case's personal data is audited (who, what, when, from where), and so
is every refused attempt; a case outside the user's area answers "not found", never "forbidden", so
its existence is not disclosed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from engine.errors import Conflict, NotFound, NotPermitted
from engine.permissions import may_act_on, may_read_case
from engine.services import people
from engine.store.models import AuditEvent, Case, OpenTask
from engine.unit_of_work import UnitOfWork
from engine.views.inbox import InboxRow, row_of, with_holders

VIEWED = "personal_data_viewed"
DENIED = "access_denied"


class TaskDone(Conflict):
    """The task was completed already (a back button, a second tab); the case can still be read."""

    def __init__(self, case_no: str):
        super().__init__("该待办已办结，不能再次办理")
        self.case_no = case_no


@dataclass(frozen=True)
class _Verdict:
    case_id: int | None
    allowed: bool


def record(
    uow: UnitOfWork,
    username: str,
    action: str,
    case_id: int | None,
    what: str,
    remote_addr: str | None,
    **extra,
) -> None:
    """Audit a view or a refused attempt in its own small transaction."""
    with uow.writing() as writing:
        writing.session.add(audit_event(writing.now(), username, action, case_id, what, remote_addr, **extra))
        writing.commit()


def audit_event(
    at: datetime, username: str, action: str, case_id: int | None, what: str, remote_addr: str | None, **extra
) -> AuditEvent:
    """The audit row of a view or a refused attempt, for a caller that writes it in its own transaction."""
    return AuditEvent(
        at=at,
        actor=username,
        action=action,
        case_id=case_id,
        data={"what": what, "from": remote_addr, **extra},
    )


def case_access(
    uow: UnitOfWork,
    username: str,
    case_no: str,
    what: str,
    remote_addr: str | None = None,
    audit_view: bool = True,
) -> None:
    """Raise NotFound unless the user may read the case; audit the view, or the refused attempt."""
    with uow.reading() as reading:
        session = reading.session
        user = people.get_user(session, username)
        case = session.scalar(select(Case).where(Case.case_no == case_no))
        verdict = _Verdict(case.id if case else None, case is not None and may_read_case(user, case))
    if not verdict.allowed:
        record(uow, username, DENIED, verdict.case_id, what, remote_addr, case_no=case_no)
        raise NotFound(f"案件 {case_no} 不存在")
    if audit_view:
        record(uow, username, VIEWED, verdict.case_id, what, remote_addr)


def task_access(
    uow: UnitOfWork,
    username: str,
    task_id: str,
    what: str,
    remote_addr: str | None = None,
    audit_view: bool = False,
) -> InboxRow:
    """The open task if the user may act on it, as the inbox shows it. Outside the user's area:
    NotFound (audited); inside it but another role's lane: NotPermitted (audited); completed already:
    TaskDone."""
    with uow.reading() as reading:
        found, refused, case_id = _task_verdict(reading, username, task_id)
    if refused is not None:
        record(uow, username, DENIED, case_id, what, remote_addr, task_id=task_id)
        raise refused
    assert found is not None  # a missing task was refused above
    if audit_view:
        record(uow, username, VIEWED, case_id, what, remote_addr, task_id=task_id)
    return found


def task_access_in(
    uow: UnitOfWork, username: str, task_id: str, what: str, remote_addr: str | None
) -> InboxRow:
    """`task_access` in the caller's unit of work (entered, able to write), for an action that changes
    the task's case: the check and the change see one snapshot. A refusal is audited apart, and what
    the caller did in its transaction rolled back."""
    found, refused, case_id = _task_verdict(uow, username, task_id)
    if refused is not None:
        uow.audit_apart(audit_event(uow.now(), username, DENIED, case_id, what, remote_addr, task_id=task_id))
        raise refused
    assert found is not None  # a missing task was refused above
    return found


def _task_verdict(
    uow: UnitOfWork, username: str, task_id: str
) -> tuple[InboxRow | None, NotFound | NotPermitted | None, int | None]:
    """(the task as the inbox shows it, or why it is refused; the case's id) in an entered unit of
    work; TaskDone when the user may read the case of a task completed already."""
    session = uow.session
    user = people.get_user(session, username)
    row = session.get(OpenTask, task_id)
    if row is None:
        case = _case_of_finished_task(session, task_id)
        if case is not None and may_read_case(user, case):
            raise TaskDone(case.case_no)
        return None, NotFound("待办不存在"), case.id if case else None
    case = session.get_one(Case, row.case_id)
    if not may_read_case(user, case):
        return None, NotFound("待办不存在"), case.id
    if not may_act_on(user, row.role, row.area_code):
        return None, NotPermitted("无权办理该待办：不属于您的岗位"), case.id
    return with_holders(session, [row_of(row, uow.now())])[0], None, case.id


def _case_of_finished_task(session, task_id: str) -> Case | None:
    case_id = session.scalar(select(AuditEvent.case_id).where(AuditEvent.task_id == task_id).limit(1))
    return session.get(Case, case_id) if case_id is not None else None
