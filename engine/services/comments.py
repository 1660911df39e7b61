"""留言: comments on a case and on one of its open tasks. Whoever may read the case reads them; the
people who work cases (村、乡镇、县) write them — an auditor or a process owner reads and does not
write. Each comment is audited on the case in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import FieldError, NotFound, NotPermitted, ValidationFailed
from engine.permissions import may_read_case
from engine.services import access, people
from engine.store.models import AuditEvent, Case, CaseComment, OpenTask, User
from engine.unit_of_work import UnitOfWork
from engine.vocabulary import CASE_WORKER_ROLES, Role

BODY_LIMIT = 2000


@dataclass(frozen=True)
class Comment:
    id: int
    author: str
    author_name: str
    body: str
    at: datetime
    task_id: str | None
    step_name: str | None


def add(uow: UnitOfWork, username: str, case_no: str, body: str, task_id: str | None = None) -> Comment:
    body = (body or "").strip()
    if not body or len(body) > BODY_LIMIT:
        message = "留言：必填" if not body else f"留言：不超过 {BODY_LIMIT} 个字"
        raise ValidationFailed([FieldError("body", message)], message)
    with uow:
        session = uow.session
        user = people.get_user(session, username)
        case = session.scalar(select(Case).where(Case.case_no == case_no))
        refused: NotFound | NotPermitted | None = None
        if case is None or not may_read_case(user, case):
            refused = NotFound(f"案件 {case_no} 不存在")
        elif Role(user.role) not in CASE_WORKER_ROLES:
            refused = NotPermitted("您的岗位只查看案件，不留言")
        if refused is not None:
            uow.audit_apart(
                AuditEvent(
                    at=uow.now(),
                    actor=username,
                    action="access_denied",
                    case_id=case.id if case is not None else None,
                    data={"what": "留言", "case_no": case_no},
                )
            )
            raise refused
        assert case is not None  # a missing case was refused above
        step_name = None
        if task_id:
            task = session.get(OpenTask, task_id)
            if task is None or task.case_id != case.id:
                raise ValidationFailed([FieldError("task_id", "环节：该待办不在本案件或已办结")])
            step_name = task.name
        comment = CaseComment(
            case_id=case.id,
            task_id=task_id or None,
            step_name=step_name,
            author=username,
            body=body,
            at=uow.now(),
        )
        session.add(comment)
        session.flush()
        session.add(
            AuditEvent(
                at=uow.now(),
                actor=username,
                action="comment_added",
                case_id=case.id,
                task_id=task_id or None,
                element_name=step_name,
                data={"comment_id": comment.id, "body": body},
                spec_version_id=case.spec_version_id,
            )
        )
        found = _comment(comment, user.display_name)
        uow.commit()
        return found


def for_case(uow: UnitOfWork, case_no: str) -> list[Comment]:
    """A case's comments, oldest first; call after the reader's access was checked."""
    with uow:
        return listed(uow.session, case_no)


def readable(
    uow: UnitOfWork, username: str, case_no: str, what: str, remote_addr: str | None
) -> list[Comment]:
    """The comments of a case `username` may read, with the access check, in one read (a refusal is
    audited apart and NotFound raised)."""
    with uow:
        access.readable_case(uow, username, case_no, what, remote_addr)
        return listed(uow.session, case_no)


def listed(session: Session, case_no: str) -> list[Comment]:
    """`for_case` on an open session."""
    rows = session.execute(
        select(CaseComment, User.display_name)
        .join(Case, Case.id == CaseComment.case_id)
        .outerjoin(User, User.username == CaseComment.author)
        .where(Case.case_no == case_no)
        .order_by(CaseComment.id)
    ).all()
    return [_comment(c, name or c.author) for c, name in rows]


def _comment(c: CaseComment, name: str) -> Comment:
    return Comment(c.id, c.author, name, c.body, c.at, c.task_id, c.step_name)
