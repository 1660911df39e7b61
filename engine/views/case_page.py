"""案件页: everything the case page shows — the case with its history, its diagrams, attachments,
comments and what the reader may do to its open tasks — read in one read-only unit of work. Opening
it is an audited view of the case's personal data: one small write after the read (a refused attempt
is audited instead, and nothing more is read)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.services import access, attachments, comments, handover
from engine.services.attachments import AttachmentInfo
from engine.services.comments import Comment
from engine.services.handover import TaskControls
from engine.views.case_view import CaseView, Reader, audit_view, diagrams_of, open_rows, view_of
from engine.workflow.diagrams import CaseDiagram

if TYPE_CHECKING:
    from engine.unit_of_work import UnitOfWork

CASE_PAGE = "案件页"


@dataclass
class CasePage:
    case: CaseView
    diagrams: list[CaseDiagram]
    files: list[AttachmentInfo]
    controls: dict[str, TaskControls]
    comments: list[Comment]


def case_page(uow: UnitOfWork, username: str, case_no: str, remote_addr: str | None = None) -> CasePage:
    """The case page for `username` (NotFound, audited, when they may not read the case)."""
    with uow:
        session = uow.session
        user, case = access.readable_case(uow, username, case_no, CASE_PAGE, remote_addr)
        reader, rows = Reader.of(user), open_rows(session, case)
        view = view_of(uow, case, rows)
        page = CasePage(
            view,
            diagrams_of(uow, case, view.reached, rows),
            attachments.listed(session, case_no),
            handover.controls_of(session, user, rows),
            comments.listed(session, case_no),
        )
    audit_view(uow, page.case, reader, CASE_PAGE, remote_addr)
    return page


def viewed_case(
    uow: UnitOfWork, username: str, case_no: str, what: str, remote_addr: str | None = None
) -> CaseView:
    """The case alone as its page shows it (the API's case), read and audited as the page is."""
    with uow:
        user, case = access.readable_case(uow, username, case_no, what, remote_addr)
        reader, view = Reader.of(user), view_of(uow, case, open_rows(uow.session, case))
    audit_view(uow, view, reader, what, remote_addr)
    return view
