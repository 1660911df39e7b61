"""待办表单: what a clerk sees when opening a task — its JSON Schema, the case, earlier steps' data —
and whether a submission was already taken (double click, back button, second tab)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from engine import forms as form_checks
from engine.services import access, attachments, comments, form_drafts
from engine.services.attachments import AttachmentInfo
from engine.services.comments import Comment
from engine.services.form_drafts import Draft
from engine.store.models import Case
from engine.views.case_view import CaseView, Reader, audit_view, case_view, open_rows, view_of
from engine.views.inbox import InboxRow

if TYPE_CHECKING:
    from engine.unit_of_work import UnitOfWork


@dataclass
class Step:
    """An earlier step of the case with the data entered there, shown read-only beside the form."""

    name: str
    actor: str
    at: datetime
    data: dict
    schema: dict | None


@dataclass
class TaskPage:
    task: InboxRow
    schema: dict
    ui_schema: dict | None
    case: CaseView
    application: dict
    application_schema: dict | None
    steps: list[Step]
    draft: Draft | None = None  # the clerk's 草稿 of this form
    files: list[AttachmentInfo] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)


TASK_PAGE = "办理待办"


def task_page(uow: UnitOfWork, username: str, task_id: str, remote_addr: str | None = None) -> TaskPage:
    """The task form page, read in one read-only unit of work; opening it is an audited view of the
    case's personal data (one small write after the read; a refused attempt is audited instead)."""
    with uow:
        session = uow.session
        user, open_row, found = access.actionable_task(uow, username, task_id, TASK_PAGE, remote_addr)
        reader = Reader.of(user)
        case = view_of(uow, found, open_rows(session, found))
        task = next(t for t in case.open_tasks if t.task_id == task_id)
        loaded = uow.specs.for_version(session, case.spec_version_id)
        schema = (
            loaded.bound_form(task.form, case.data) if task.form else {"type": "object", "properties": {}}
        )
        ui_schema = loaded.form(open_row.ui_form) if open_row.ui_form else None
        form_of = {info.element_id: info.form for info in loaded.user_tasks.values() if info.form}
        steps = [
            Step(
                e["element_name"] or e["element_id"] or "",
                e["actor"],
                e["at"],
                e["data"] or {},
                loaded.form(form_of[e["element_id"]]) if form_of.get(e["element_id"]) else None,
            )
            for e in case.events
            if e["action"] == "task_completed"
        ]
        started = next((e for e in case.events if e["action"] == "case_started"), None)
        application = ((started or {}).get("data") or {}).get("application") or {}
        application_schema = loaded.form(loaded.start_form) if loaded.start_form else None
        schema = _with_county_numbers(session, schema, case.county_code, uow.now())
        page = TaskPage(
            task,
            schema,
            ui_schema,
            case,
            application,
            application_schema,
            steps,
            form_drafts.draft_of(session, username, task_id),
            attachments.listed(session, case.case_no),
            comments.listed(session, case.case_no),
        )
    audit_view(uow, case, reader, TASK_PAGE, remote_addr, task_id=task_id)
    return page


def _with_county_numbers(session, schema: dict, county_code: str, now: datetime) -> dict:
    """The form saying the county's numbers where it is bound to them (本县规定：不少于 2 人)."""
    from engine import forms, parameters

    if not forms.parameter_names(schema):
        return schema
    units = {k: v.get("unit", "") for k, v in parameters.catalogue().items()}
    return forms.bind_parameters(schema, parameters.in_force(session, county_code, now).values, units)


def task_form(
    uow: UnitOfWork, username: str, task_id: str, remote_addr: str | None = None
) -> tuple[InboxRow, dict]:
    """The open task and its form's schema, for reading a submission (no view is audited)."""
    task = access.task_access(uow, username, task_id, "提交待办", remote_addr)
    with uow:
        session = uow.session
        case_version = session.execute(
            select(Case.spec_version_id).where(Case.case_no == task.case_no)
        ).scalar_one()
        loaded = uow.specs.for_version(session, case_version)
        if not task.form:
            return task, {"type": "object", "properties": {}}
        schema = loaded.form(task.form)
    if form_checks.binds(schema):
        schema = loaded.bound_form(task.form, case_view(uow, task.case_no).data)
    return task, schema
