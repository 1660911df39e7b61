"""案件 as its page shows it: the case row with its data, open tasks, history, payments, notices,
timers and diagrams; and the applicant index (every case of an ID number)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.permissions import may_read_case
from engine.services import access, people
from engine.store.models import AuditEvent, Case, CaseState, LedgerEntry, Notice, OpenTask, Timer, User
from engine.store.rows import CaseRecord
from engine.views.inbox import InboxRow, row_of, with_holders
from engine.workflow import diagrams
from engine.workflow.context import CaseContext
from engine.workflow.runtime import latest_data, script_engine

if TYPE_CHECKING:
    from engine.unit_of_work import UnitOfWork


@dataclass
class CaseView(CaseRecord):
    """The case row with what its page shows: data, open tasks, history, payments, notices, timers."""

    data: dict
    open_tasks: list[InboxRow]
    events: list[dict]
    reached: dict
    payments: list[dict]
    notices: list[dict]
    timers: list[dict]
    names: dict[str, str]  # username -> the person's name, for everyone in the history

    @property
    def reached_elements(self) -> list[str]:
        return [element for _process, element in self.reached.get("nodes", [])]

    @property
    def category_results(self) -> list[dict]:
        """一次申请、分类审核认定 (004 §二(一)): each category the application was assessed against,
        what the standard gave and what the county decided (empty when the case was not assessed)."""
        return category_results(self.data)


DECISIONS = {"recognize": "认定", "not_recognize": "不认定"}


def category_results(data: dict) -> list[dict]:
    assessed = data.get("category_assessment")
    if not isinstance(assessed, list):
        return []
    decided = {d.get("category"): d for d in data.get("category_decisions") or [] if isinstance(d, dict)}
    rows = []
    for a in assessed:
        if not isinstance(a, dict):
            continue
        d = decided.get(a.get("category")) or {}
        rows.append(
            {
                "title": str(a.get("title") or a.get("category") or ""),
                "meets": "符合" if a.get("meets") else "不符合",
                "finding": str(a.get("finding") or ""),
                "decision": DECISIONS.get(str(d.get("decision")), "不另行认定"),
                "reason": str(d.get("reason") or ""),
            }
        )
    return rows


def case_view(uow: UnitOfWork, case_no: str, username: str | None = None) -> CaseView:
    """A case with its history; `username` None is the system view (tests, CLI)."""
    with uow:
        session = uow.session
        case = session.scalars(select(Case).where(Case.case_no == case_no)).first()
        if case is None:
            raise NotFound(f"案件 {case_no} 不存在")
        if username is not None:
            user = people.get_user(session, username)
            if not may_read_case(user, case):
                raise NotFound(f"案件 {case_no} 不存在")  # no hint that it exists elsewhere
        return view_of(uow, case, open_rows(session, case))


def open_rows(session: Session, case: Case) -> list[OpenTask]:
    """The case's open task rows (its page, its diagrams and its task controls all read them)."""
    return list(session.scalars(select(OpenTask).where(OpenTask.case_id == case.id)))


def view_of(uow: UnitOfWork, case: Case, open_rows: list[OpenTask]) -> CaseView:
    """Inside an entered unit of work: the case as its page shows it (read access already checked)."""
    session = uow.session
    state = session.get_one(CaseState, case.id)
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == case.id).order_by(AuditEvent.id)
    ).all()
    actors = {e.actor for e in events} | {case.started_by} - {None}
    names = dict(
        session.execute(select(User.username, User.display_name).where(User.username.in_(actors))).all()
    )
    now = uow.now()
    return CaseView(
        **{f.name: getattr(case, f.name) for f in fields(CaseRecord)},
        data=_case_data(session, uow, case, state),
        open_tasks=with_holders(session, [row_of(r, now) for r in open_rows]),
        events=[_event(e) for e in events],
        reached=state.reached or {"nodes": [], "flows": []},
        payments=[
            _payment(p)
            for p in session.scalars(
                select(LedgerEntry).where(LedgerEntry.case_id == case.id).order_by(LedgerEntry.id)
            )
        ],
        notices=[
            {"kind": n.kind, "fields": n.fields, "issued_at": n.issued_at, "issued_by": n.issued_by}
            for n in session.scalars(select(Notice).where(Notice.case_id == case.id).order_by(Notice.id))
        ],
        timers=[
            {"element_id": t.element_id, "due_at": t.due_at, "status": t.status, "fired_at": t.fired_at}
            for t in session.scalars(select(Timer).where(Timer.case_id == case.id).order_by(Timer.id))
        ],
        names=names,
    )


def audit_view(
    uow: UnitOfWork, view: CaseView, reader: Reader, what: str, remote_addr: str | None, **extra
) -> None:
    """The view of the case's personal data, audited in its own small transaction once the page was
    read; `view`'s history then holds it too, as a read after the write would (the page counts it)."""
    event = access.record(uow, reader.username, access.VIEWED, view.id, what, remote_addr, **extra)
    view.events.append(_event(event))
    view.names[reader.username] = reader.display_name


@dataclass(frozen=True)
class Reader:
    """Who reads a page: kept from the user row while its unit of work is open."""

    username: str
    display_name: str

    @classmethod
    def of(cls, user: User) -> Reader:
        return cls(user.username, user.display_name)


def _case_data(session: Session, uow: UnitOfWork, case: Case, state: CaseState) -> dict:
    if state.data is not None:
        return dict(state.data)
    return _restored_data(session, uow, case, state)


def _restored_data(session: Session, uow: UnitOfWork, case: Case, state: CaseState) -> dict:
    """Cases from before the data snapshot existed: read the data from the workflow itself."""
    loaded = uow.specs.for_version(session, case.spec_version_id)
    workflow = loaded.load_workflow(state.workflow, script_engine(CaseContext(session, case, uow.clock)))
    return latest_data(workflow)


def _event(e: AuditEvent) -> dict:
    return {
        "id": e.id,
        "at": e.at,
        "actor": e.actor,
        "action": e.action,
        "task_id": e.task_id,
        "element_id": e.element_id,
        "element_name": e.element_name,
        "data": e.data,
        "spec_version_id": e.spec_version_id,
        "parameter_version": e.parameter_version,
        "opened_at": e.opened_at,
    }


def _payment(p: LedgerEntry) -> dict:
    return {
        "amount": p.amount,
        "way": p.way,
        "stage": p.stage,
        "note": p.note,
        "approver": p.approver,
        "recorded_at": p.recorded_at,
    }


def prior_cases(uow: UnitOfWork, id_number: str) -> list[dict]:
    """Applicant index: every case of an ID number with its reason and outcome."""
    with uow:
        session = uow.session
        rows = session.scalars(
            select(Case).where(Case.applicant_id_number == id_number.upper()).order_by(Case.started_at)
        )
        return [
            {
                "case_no": c.case_no,
                "reason": c.reason,
                "outcome": c.outcome,
                "status": c.status,
                "started_at": c.started_at,
                "closed_at": c.closed_at,
            }
            for c in rows
        ]


def case_diagrams(uow: UnitOfWork, case_no: str) -> list[diagrams.CaseDiagram]:
    """The case's diagrams with what it reached; call after the reader's access was checked."""
    with uow:
        session = uow.session
        case = session.scalar(select(Case).where(Case.case_no == case_no))
        if case is None:
            raise NotFound(f"案件 {case_no} 不存在")
        state = session.get_one(CaseState, case.id)
        return diagrams_of(uow, case, state.reached, open_rows(session, case))


def diagrams_of(
    uow: UnitOfWork, case: Case, reached: dict | None, open_rows: list[OpenTask]
) -> list[diagrams.CaseDiagram]:
    """Inside an entered unit of work: the case's diagrams (while its rows are loaded)."""
    loaded = uow.specs.for_version(uow.session, case.spec_version_id)
    return diagrams.case_diagrams(loaded, reached, open_rows)
