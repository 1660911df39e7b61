"""Who may see what. Opening a case's personal data is audited (who, what, when, from where), and so
is every refused attempt; a case outside the user's area answers "not found", never "forbidden", so
its existence is not disclosed."""

from __future__ import annotations

from sqlalchemy import select

from engine.errors import Conflict, NotFound, NotPermitted
from engine.permissions import may_act_on, may_read_case
from engine.services import people
from engine.store.models import AuditEvent, Case, OpenTask, User
from engine.unit_of_work import UnitOfWork
from engine.views.inbox import InboxRow, row_of, with_holders

VIEWED = "personal_data_viewed"
DENIED = "access_denied"


class TaskDone(Conflict):
    """The task was completed already (a back button, a second tab); the case can still be read."""

    def __init__(self, case_no: str):
        super().__init__("该待办已办结，不能再次办理")
        self.case_no = case_no


def record(
    uow: UnitOfWork,
    username: str,
    action: str,
    case_id: int | None,
    what: str,
    remote_addr: str | None,
    **extra,
) -> AuditEvent:
    """Audit a view or a refused attempt in its own small transaction; returns the event written."""
    with uow.writing() as writing:
        event = audit_event(writing, username, action, case_id, what, remote_addr, **extra)
        writing.session.add(event)
        writing.commit()
    return event


def audit_event(
    uow: UnitOfWork,
    username: str,
    action: str,
    case_id: int | None,
    what: str,
    remote_addr: str | None,
    **extra,
) -> AuditEvent:
    """The audit row of a view or a refused attempt (`what`, from `remote_addr`)."""
    return AuditEvent(
        at=uow.now(),
        actor=username,
        action=action,
        case_id=case_id,
        data={"what": what, "from": remote_addr, **extra},
    )


def readable_case(
    uow: UnitOfWork, username: str, case_no: str, what: str, remote_addr: str | None
) -> tuple[User, Case]:
    """Inside an entered unit of work: the user and the case they may read. A refused attempt is
    audited apart (this unit's reads are rolled back) and NotFound raised. The view itself is
    audited by the caller once the page was read (engine/views/case_view.py `audit_view`)."""
    session = uow.session
    user = people.get_user(session, username)
    case = session.scalar(select(Case).where(Case.case_no == case_no))
    if case is None or not may_read_case(user, case):
        uow.audit_apart(
            audit_event(uow, username, DENIED, case.id if case else None, what, remote_addr, case_no=case_no)
        )
        raise NotFound(f"案件 {case_no} 不存在")
    return user, case


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
        _user, case = readable_case(reading, username, case_no, what, remote_addr)
        case_id = case.id
    if audit_view:
        record(uow, username, VIEWED, case_id, what, remote_addr)


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
        _user, row, case = actionable_task(reading, username, task_id, what, remote_addr)
        found, case_id = with_holders(reading.session, [row_of(row, reading.now())])[0], case.id
    if audit_view:
        record(uow, username, VIEWED, case_id, what, remote_addr, task_id=task_id)
    return found


def task_access_in(
    uow: UnitOfWork, username: str, task_id: str, what: str, remote_addr: str | None
) -> InboxRow:
    """`task_access` in the caller's unit of work (entered, able to write), for an action that changes
    the task's case: the check and the change see one snapshot. A refusal is audited apart, and what
    the caller did in its transaction rolled back."""
    _user, row, _case = actionable_task(uow, username, task_id, what, remote_addr)
    return with_holders(uow.session, [row_of(row, uow.now())])[0]


def actionable_task(
    uow: UnitOfWork, username: str, task_id: str, what: str, remote_addr: str | None
) -> tuple[User, OpenTask, Case]:
    """Inside an entered unit of work: the user, the open task they may act on and its case. A
    refused attempt is audited apart (this unit's reads are rolled back) and raised, as
    `task_access` says."""
    session = uow.session
    user = people.get_user(session, username)
    row = session.get(OpenTask, task_id)
    refused: NotFound | NotPermitted | None = None
    if row is None:
        case = _case_of_finished_task(session, task_id)
        if case is not None and may_read_case(user, case):
            raise TaskDone(case.case_no)
        refused = NotFound("待办不存在")
    else:
        case = session.get_one(Case, row.case_id)
        if not may_read_case(user, case):
            refused = NotFound("待办不存在")
        elif not may_act_on(user, row.role, row.area_code):
            refused = NotPermitted("无权办理该待办：不属于您的岗位")
    if refused is not None:
        case_id = case.id if case else None
        uow.audit_apart(audit_event(uow, username, DENIED, case_id, what, remote_addr, task_id=task_id))
        raise refused
    assert row is not None and case is not None  # a missing task was refused above
    return user, row, case


def _case_of_finished_task(session, task_id: str) -> Case | None:
    case_id = session.scalar(select(AuditEvent.case_id).where(AuditEvent.task_id == task_id).limit(1))
    return session.get(Case, case_id) if case_id is not None else None
