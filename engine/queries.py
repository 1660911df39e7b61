"""Read side: the inbox (from its own indexed rows), the case view, the public notice, the index."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import people
from engine.errors import NotFound, NotPermitted
from engine.roles import Role
from engine.store.models import (
    AuditEvent,
    Case,
    CaseState,
    LedgerEntry,
    Notice,
    OpenTask,
    PublicNotice,
    Timer,
    User,
)
from engine.store.rows import CaseRecord

if TYPE_CHECKING:
    from engine.service import Engine

DUE_SOON = timedelta(days=1)


def within(column, area_code: str) -> tuple:
    """Area codes are digit strings nested by prefix; a range keeps the index usable on every
    database (LIKE 'x%' is not index-friendly in SQLite)."""
    return column >= area_code, column < area_code + ":"
READ_ALL_ROLES = (Role.AUDITOR, Role.PROCESS_OWNER)


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


@dataclass
class InboxPage:
    rows: list[InboxRow]
    total: int
    counts_by_task: dict[str, int] = field(default_factory=dict)


def _row(r: OpenTask, now: datetime) -> InboxRow:
    overdue = r.due_at is not None and r.due_at < now
    return InboxRow(r.task_id, r.case_no, r.applicant_name, r.category, r.name, r.element_id, r.role,
                    r.area_code, r.created_at, r.due_at, r.claimed_by, r.form, overdue,
                    r.due_at is not None and not overdue and r.due_at - now < DUE_SOON)


def inbox(eng: Engine, username: str, *, category: str | None = None, task_name: str | None = None,
          overdue: bool | None = None, claimed: str | None = None, latest_due_first: bool = False,
          limit: int = 50, offset: int = 0) -> InboxPage:
    """The READY user tasks a user may act on: their role's lane, cases within their area."""
    now = eng.now()
    with eng.db.read() as session:
        user = people.get_user(session, username)
        base = select(OpenTask).where(OpenTask.role == user.role,
                                      *within(OpenTask.area_code, user.area_code))
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
        total = session.scalar(select(func.count()).select_from(filtered.subquery()))
        rows = session.scalars(
            filtered.order_by(OpenTask.due_at.is_(None),
                              OpenTask.due_at.desc() if latest_due_first else OpenTask.due_at, OpenTask.created_at)
            .limit(limit).offset(offset)).all()
        counts = dict(session.execute(
            select(OpenTask.name, func.count()).where(OpenTask.role == user.role,
                                                      *within(OpenTask.area_code, user.area_code))
            .group_by(OpenTask.name)).all())
        return InboxPage([_row(r, now) for r in rows], total, counts)


def open_tasks(eng: Engine, case_no: str) -> list[InboxRow]:
    """System view of a case's open tasks (no permission check: for tests, CLI and the engine)."""
    now = eng.now()
    with eng.db.read() as session:
        rows = session.scalars(select(OpenTask).where(OpenTask.case_no == case_no).order_by(OpenTask.created_at))
        return [_row(r, now) for r in rows]


def may_read_case(user: User, case: Case) -> bool:
    """Auditors and process owners read their county; case workers every case of their area,
    whoever holds the current task."""
    if Role(user.role) in READ_ALL_ROLES:
        return case.county_code == user.area_code[:6]
    return people.may_work_in(user, case.area_code)


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

    @property
    def reached_elements(self) -> list[str]:
        return [element for _process, element in self.reached.get("nodes", [])]


def case_view(eng: Engine, case_no: str, username: str | None = None) -> CaseView:
    """A case with its history; `username` None is the system view (tests, CLI)."""
    now = eng.now()
    with eng.db.read() as session:
        case = session.scalars(select(Case).where(Case.case_no == case_no)).first()
        if case is None:
            raise NotFound(f"案件 {case_no} 不存在")
        if username is not None:
            user = people.get_user(session, username)
            if not may_read_case(user, case):
                raise NotFound(f"案件 {case_no} 不存在")  # no hint that it exists elsewhere
        state = session.get(CaseState, case.id)
        events = session.scalars(select(AuditEvent).where(AuditEvent.case_id == case.id).order_by(AuditEvent.id))
        return CaseView(
            **{f.name: getattr(case, f.name) for f in fields(CaseRecord)},
            data=_case_data(session, eng, case, state),
            open_tasks=[_row(r, now) for r in session.scalars(select(OpenTask).where(OpenTask.case_id == case.id))],
            events=[_event(e) for e in events],
            reached=state.reached or {"nodes": [], "flows": []},
            payments=[_payment(p) for p in session.scalars(
                select(LedgerEntry).where(LedgerEntry.case_id == case.id).order_by(LedgerEntry.id))],
            notices=[{"kind": n.kind, "fields": n.fields, "issued_at": n.issued_at, "issued_by": n.issued_by}
                     for n in session.scalars(select(Notice).where(Notice.case_id == case.id).order_by(Notice.id))],
            timers=[{"element_id": t.element_id, "due_at": t.due_at, "status": t.status, "fired_at": t.fired_at}
                    for t in session.scalars(select(Timer).where(Timer.case_id == case.id).order_by(Timer.id))],
        )


def _case_data(session: Session, eng: Engine, case: Case, state: CaseState) -> dict:
    if state.data is not None:
        return dict(state.data)
    return _restored_data(session, eng, case, state)


def _restored_data(session: Session, eng: Engine, case: Case, state: CaseState) -> dict:
    """Cases from before the data snapshot existed: read the data from the workflow itself."""
    from engine.context import CaseContext
    from engine.runtime import _latest_data, script_engine

    loaded = eng.specs.for_version(session, case.spec_version_id)
    workflow = loaded.load_workflow(state.workflow, script_engine(CaseContext(session, case, eng.now)))
    return _latest_data(workflow)


def _event(e: AuditEvent) -> dict:
    return {"id": e.id, "at": e.at, "actor": e.actor, "action": e.action, "task_id": e.task_id, "element_id": e.element_id,
            "element_name": e.element_name, "data": e.data, "spec_version_id": e.spec_version_id,
            "parameter_version": e.parameter_version, "opened_at": e.opened_at}


def _payment(p: LedgerEntry) -> dict:
    return {"amount": p.amount, "way": p.way, "stage": p.stage, "note": p.note, "approver": p.approver,
            "recorded_at": p.recorded_at}


def public_notices(eng: Engine, township_code: str) -> list[dict]:
    """信息公示 of a township: masked name and ID number, household size, category, amount."""
    now = eng.now()
    with eng.db.read() as session:
        rows = session.scalars(select(PublicNotice).where(
            PublicNotice.township_code == township_code, PublicNotice.status == "open").order_by(PublicNotice.published_at))
        return [{"case_no": r.case_no, "name": r.masked_name, "id_number": r.masked_id_number,
                 "household_size": r.household_size, "category": r.category, "amount": r.amount,
                 "published_at": r.published_at, "until": r.until}
                for r in rows if r.until is None or r.until >= now]


def prior_cases(eng: Engine, id_number: str) -> list[dict]:
    """Applicant index: every case of an ID number with its reason and outcome."""
    with eng.db.read() as session:
        rows = session.scalars(select(Case).where(Case.applicant_id_number == id_number.upper())
                               .order_by(Case.started_at))
        return [{"case_no": c.case_no, "reason": c.reason, "outcome": c.outcome, "status": c.status,
                 "started_at": c.started_at, "closed_at": c.closed_at} for c in rows]


def cases_needing_attention(eng: Engine, username: str) -> list[dict]:
    with eng.db.read() as session:
        user = people.get_user(session, username)
        if Role(user.role) not in (Role.COUNTY, Role.PROCESS_OWNER, Role.AUDITOR):
            raise NotPermitted("无权查看")
        rows = session.scalars(select(Case).where(Case.status == "needs_attention",
                                                  Case.county_code == user.area_code[:6]))
        return [{"case_no": c.case_no, "attention": c.attention, "updated_at": c.updated_at} for c in rows]
