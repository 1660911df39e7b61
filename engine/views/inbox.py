"""待办 (the inbox): the READY user tasks a clerk may act on, read from their own indexed rows."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from engine.areas import within
from engine.services import people
from engine.store.models import AuditEvent, OpenTask, User

if TYPE_CHECKING:
    from engine.unit_of_work import UnitOfWork

DUE_SOON = timedelta(days=1)


@dataclass(frozen=True)
class InboxRow:
    task_id: str
    case_no: str
    applicant_name: str
    category: str | None
    name: str
    element_id: str
    role: str
    area_code: str
    created_at: datetime
    due_at: datetime | None
    claimed_by: str | None
    form: str | None
    overdue: bool = False
    due_soon: bool = False
    holder_name: str | None = None  # the name of whoever claimed it
    reminded_at: datetime | None = None  # the last 催办


REMINDED = "task_reminded"


@dataclass
class InboxPage:
    rows: list[InboxRow]
    total: int
    counts_by_task: dict[str, int] = field(default_factory=dict)


def row_of(r: OpenTask, now: datetime) -> InboxRow:
    overdue = r.due_at is not None and r.due_at < now
    return InboxRow(
        r.task_id,
        r.case_no,
        r.applicant_name,
        r.category,
        r.name,
        r.element_id,
        r.role,
        r.area_code,
        r.created_at,
        r.due_at,
        r.claimed_by,
        r.form,
        overdue,
        r.due_at is not None and not overdue and r.due_at - now < DUE_SOON,
    )


def inbox(
    uow: UnitOfWork,
    username: str,
    *,
    category: str | None = None,
    task_name: str | None = None,
    overdue: bool | None = None,
    claimed: str | None = None,
    latest_due_first: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> InboxPage:
    """The READY user tasks a user may act on: their role's lane, cases within their area."""
    now = uow.now()
    with uow:
        session = uow.session
        user = people.get_user(session, username)
        base = select(OpenTask).where(OpenTask.role == user.role, *within(OpenTask.area_code, user.area_code))
        filtered = base
        if category:
            filtered = filtered.where(OpenTask.category == category)
        if task_name:
            filtered = filtered.where(OpenTask.name == task_name)
        if overdue:
            filtered = filtered.where(OpenTask.due_at < now)
        if claimed == "mine":
            filtered = filtered.where(OpenTask.claimed_by == username)
        elif claimed == "unclaimed":
            filtered = filtered.where(OpenTask.claimed_by.is_(None))
        total = session.execute(select(func.count()).select_from(filtered.subquery())).scalar_one()
        rows = session.scalars(
            filtered.order_by(
                OpenTask.due_at.is_(None),
                OpenTask.due_at.desc() if latest_due_first else OpenTask.due_at,
                OpenTask.created_at,
            )
            .limit(limit)
            .offset(offset)
        ).all()
        counts = dict(
            session.execute(
                select(OpenTask.name, func.count())
                .where(OpenTask.role == user.role, *within(OpenTask.area_code, user.area_code))
                .group_by(OpenTask.name)
            ).all()
        )
        return InboxPage(with_holders(session, [row_of(r, now) for r in rows]), total, counts)


def with_holders(session, rows: list[InboxRow]) -> list[InboxRow]:
    """The rows with their holders' names and their last reminder (two small indexed reads)."""
    holders = {r.claimed_by for r in rows if r.claimed_by}
    names = (
        dict(
            session.execute(select(User.username, User.display_name).where(User.username.in_(holders))).all()
        )
        if holders
        else {}
    )
    task_ids = [r.task_id for r in rows]
    reminded = (
        dict(
            session.execute(
                select(AuditEvent.task_id, func.max(AuditEvent.at))
                .where(AuditEvent.task_id.in_(task_ids), AuditEvent.action == REMINDED)
                .group_by(AuditEvent.task_id)
            ).all()
        )
        if task_ids
        else {}
    )
    return [
        replace(r, holder_name=names.get(r.claimed_by, r.claimed_by), reminded_at=reminded.get(r.task_id))
        for r in rows
    ]


def open_tasks(uow: UnitOfWork, case_no: str) -> list[InboxRow]:
    """System view of a case's open tasks (no permission check: for tests, CLI and the engine)."""
    now = uow.now()
    with uow:
        session = uow.session
        rows = session.scalars(
            select(OpenTask).where(OpenTask.case_no == case_no).order_by(OpenTask.created_at)
        )
        return with_holders(session, [row_of(r, now) for r in rows])
