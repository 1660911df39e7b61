"""草稿: a clerk saves a task's form half-filled and comes back to it (the task page loads it again).
Nothing is validated or run: the draft is what was typed, kept for that clerk and that task until the
task is done (engine/workflow/persist.py deletes it with the task) or the clerk discards it. Saving
and discarding are audited on the case; the draft's content is not (it is not a decision)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete
from sqlalchemy.orm import Session

from engine.errors import Conflict, NotFound, NotPermitted
from engine.permissions import may_act_on
from engine.services import people
from engine.store.models import AuditEvent, FormDraft, OpenTask
from engine.unit_of_work import UnitOfWork

SAVED, DISCARDED = "form_draft_saved", "form_draft_discarded"


@dataclass(frozen=True)
class Draft:
    data: dict
    saved_at: datetime


def save(uow: UnitOfWork, username: str, task_id: str, data: dict) -> datetime:
    with uow:
        task = _own_task(uow, username, task_id)
        uow.session.execute(
            delete(FormDraft).where(FormDraft.task_id == task_id, FormDraft.username == username)
        )
        uow.session.add(
            FormDraft(task_id=task_id, username=username, case_id=task.case_id, data=data, saved_at=uow.now())
        )
        _audit(uow, username, SAVED, task)
        uow.commit()
        return uow.now()


def load(uow: UnitOfWork, username: str, task_id: str) -> Draft | None:
    with uow:
        return draft_of(uow.session, username, task_id)


def draft_of(session: Session, username: str, task_id: str) -> Draft | None:
    """`load` on an open session."""
    row = session.get(FormDraft, (task_id, username))
    return Draft(dict(row.data), row.saved_at) if row is not None else None


def discard(uow: UnitOfWork, username: str, task_id: str) -> bool:
    """Remove the clerk's draft of the task; False when there was none."""
    with uow:
        task = _own_task(uow, username, task_id)
        gone = cast(  # a DELETE's result is a CursorResult; Session.execute is typed as Result
            CursorResult[Any],
            uow.session.execute(
                delete(FormDraft).where(FormDraft.task_id == task_id, FormDraft.username == username)
            ),
        ).rowcount
        if gone:
            _audit(uow, username, DISCARDED, task)
        uow.commit()
        return bool(gone)


def _own_task(uow: UnitOfWork, username: str, task_id: str) -> OpenTask:
    user = people.get_user(uow.session, username)
    task = uow.session.get(OpenTask, task_id)
    if task is None:
        raise NotFound("待办不存在或已办结")
    if not may_act_on(user, task.role, task.area_code):
        raise NotPermitted("无权办理该待办")
    if task.claimed_by and task.claimed_by != username:
        raise Conflict("该待办已由同事认领，不能保存草稿")
    return task


def _audit(uow: UnitOfWork, username: str, action: str, task: OpenTask) -> None:
    uow.session.add(
        AuditEvent(
            at=uow.now(),
            actor=username,
            action=action,
            case_id=task.case_id,
            task_id=task.task_id,
            element_id=task.element_id,
            element_name=task.name,
            data={"task_id": task.task_id},
        )
    )
