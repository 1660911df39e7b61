"""Writing one step in the caller's transaction: the workflow state, the inbox rows, the timers, the
queued effects (ledger entries, notices, outcome, public notice), the case summary and the audit
event, so they commit together or not at all."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from sqlalchemy import (
    Select,
    bindparam,
    delete,
    exists,
    insert,
    literal,
    null,
    select,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from engine import logs, metrics, privacy
from engine.areas import township_of
from engine.services import reserve
from engine.store import report_durations
from engine.store import report_facts as facts
from engine.store.db import DEFERRED
from engine.store.models import (
    AuditEvent,
    CaseState,
    FormDraft,
    LedgerEntry,
    Notice,
    OpenTask,
    PublicNotice,
    PublicResult,
    RosterEntry,
    Timer,
    WatchEntry,
)
from engine.store.rows import save_case
from engine.vocabulary import LOCAL_TZ, PAID_WAYS
from engine.workflow.context import MAX_AMOUNT, CaseContext
from engine.workflow.runtime import Incident, OpenWork, Trace, incident_from, latest_data
from engine.workflow.specs import LoadedSpecs

log = logging.getLogger(__name__)

AUDIT, INBOX, STATES, TIMERS = (
    AuditEvent.__table__,
    OpenTask.__table__,
    CaseState.__table__,
    Timer.__table__,
)
# Built once: constructing SQLAlchemy statements costs more than running them on the hot path.
_SAVE_STATE = (
    update(STATES)
    .where(STATES.c.case_id == bindparam("b_case_id"))
    .values(workflow=bindparam("b_workflow"), reached=bindparam("b_reached"), data=bindparam("b_data"))
    .execution_options(**DEFERRED)
)
DRAFTS = FormDraft.__table__
_DATETIME = TIMERS.c.due_at.type
# What the case has open as stored — its inbox rows (each saying whether a clerk keeps a draft of it: a
# draft dies with its task) and its pending timers — in one round trip; with, when the step needs them,
# what the duration histograms counted for the case before (its completed tasks when its category
# changes, its first payment when the step pays), so report_durations.record reads nothing itself.
_OPEN_TASKS = select(
    literal("task").label("kind"),
    INBOX.c.task_id,
    INBOX.c.name,
    INBOX.c.element_id,
    INBOX.c.role,
    INBOX.c.category,
    exists().where(DRAFTS.c.task_id == INBOX.c.task_id).label("has_draft"),
    type_coerce(null(), TIMERS.c.id.type).label("timer_id"),  # the union's result types are these
    type_coerce(null(), _DATETIME).label("due_at"),
    # typed in SQL too: PostgreSQL resolves a union pairwise, and NULL ∪ NULL would become text
    sql_cast(null(), _DATETIME).label("since"),
).where(INBOX.c.case_id == bindparam("case_id"))
_PENDING_TIMERS = select(
    literal("timer"),
    TIMERS.c.task_id,
    null(),
    null(),
    null(),
    null(),
    literal(False),
    TIMERS.c.id,
    TIMERS.c.due_at,
    null(),
).where(TIMERS.c.case_id == bindparam("case_id"), TIMERS.c.status == "pending")


def _counted(query) -> Select:
    """A report_durations (kind, label, since, until) query as rows of the union: label → name,
    until → due_at."""
    sub = query.subquery()
    return select(
        sub.c.kind,
        null(),
        sub.c.label,
        null(),
        null(),
        null(),
        literal(False),
        null(),
        sub.c.until,
        sub.c.since,
    )


_COUNTED_STEPS = _counted(report_durations.counted_steps(bindparam("case_id")))
_FIRST_PAYMENT = _counted(report_durations.first_payment(bindparam("case_id")))
# Built once, one per (histogram steps needed, first payment needed).
_OPEN_OF_CASE = {
    (steps, paid): union_all(
        _OPEN_TASKS,
        _PENDING_TIMERS,
        *([_COUNTED_STEPS] if steps else []),
        *([_FIRST_PAYMENT] if steps or paid else []),
    )
    for steps in (False, True)
    for paid in (False, True)
}
# The step's writes whose answers nobody reads: pipelined on PostgreSQL (Database.pipelined).
_INSERT_AUDIT = insert(AUDIT).inline().execution_options(**DEFERRED)  # inline: no RETURNING id
_INSERT_INBOX = insert(INBOX).execution_options(**DEFERRED)
_INSERT_TIMER = insert(TIMERS)
_DELETE_INBOX = (
    delete(INBOX).where(INBOX.c.task_id.in_(bindparam("ids", expanding=True))).execution_options(**DEFERRED)
)
_DELETE_DRAFTS = (
    delete(DRAFTS).where(DRAFTS.c.task_id.in_(bindparam("ids", expanding=True))).execution_options(**DEFERRED)
)


def persist(
    session: Session,
    ctx: CaseContext,
    loaded: LoadedSpecs,
    workflow,
    *,
    actor: str,
    action: str,
    now: datetime,
    trace: Trace,
    incident: Incident | None = None,
    task=None,
    data: dict | None = None,
    previous_reached: dict | None = None,
    opened_at: datetime | None = None,
) -> list[dict]:
    """Write the step: workflow, inbox, timers, effects, case summary and the audit event.

    Returns the case's open task rows after the step."""
    case = ctx.case
    before = None if action == "case_started" else (case.category, case.outcome)  # for the report facts
    work = OpenWork.of(workflow)
    case_data = latest_data(workflow, work)
    _update_summary(case, case_data, ctx.effects.flags)
    session.execute(
        _SAVE_STATE,
        {
            "b_case_id": case.id,
            "b_workflow": loaded.dump_workflow(workflow),
            "b_reached": _merge_reached(previous_reached, trace),
            "b_data": _jsonable(case_data),
        },
    )
    moving = before is not None and report_durations.moves(before[0], case.category, False)
    paid_at = now if any(p["way"] in PAID_WAYS for p in ctx.effects.payments) else None
    stored = _StoredOpenWork.of(session, case.id, moving, paid_at is not None)
    open_rows = _sync_inbox(session, ctx, loaded, work, now, stored.tasks)
    _sync_timers(session, case, work, stored.timers)
    _apply_effects(session, ctx, case_data, actor, now)
    _update_paid(case, ctx)
    facts.record(session, case, before, ctx.effects.payments, now)
    report_durations.record(
        session,
        case,
        before[0] if before else None,
        before is None,
        (getattr(getattr(task, "task_spec", None), "bpmn_name", None), opened_at, now)
        if action == "task_completed"
        else None,
        paid_at,
        stored.counted,
    )
    case.current_step = "、".join(sorted({row["name"] for row in open_rows})) or None
    _set_status(case, workflow, incident, ctx.effects.flags, now)
    case.updated_at = now
    save_case(session, case)
    audit(session, ctx, actor=actor, action=action, now=now, task=task, data=data, opened_at=opened_at)
    for message in ctx.effects.remarks:
        audit(session, ctx, actor="system", action="remark", now=now, data={"message": message})
    if incident is not None:
        audit(
            session,
            ctx,
            actor="system",
            action="incident",
            now=now,
            data={"error": incident.message, "element_id": incident.element_id},
        )
        metrics.instruments().incidents.inc()
        logs.event(
            log,
            "incident",
            logging.WARNING,
            f"case {case.case_no} needs attention: {incident.message}",
            case_no=case.case_no,
            element_id=incident.element_id,
            actor=actor,
        )
    return open_rows


def _update_paid(case, ctx: CaseContext) -> None:
    """What the case has paid so far, with this step's payments in money or goods (as paid_so_far
    counts them); left unknown (None) when it was and no script asked the ledger."""
    before = case.paid if case.paid is not None else ctx.recorded_paid
    if before is not None:
        case.paid = int(before) + sum(
            int(p["amount"]) for p in ctx.effects.payments if p["way"] != "referral"
        )


def _set_status(case, workflow, incident: Incident | None, flags: list[str], now: datetime) -> None:
    if incident is not None:
        case.status = "needs_attention"
        case.attention = {
            "element_id": incident.element_id,
            "element_name": incident.element_name,
            "error": incident.message,
            "at": now.isoformat(),
        }
    elif flags:
        case.status = "needs_attention"
        case.attention = {
            "element_id": None,
            "element_name": None,
            "error": "；".join(flags),
            "at": now.isoformat(),
        }
    elif workflow.is_completed():
        case.status, case.closed_at, case.attention = "completed", now, None
    else:
        case.status, case.attention = "running", None


def audit(
    session: Session,
    ctx: CaseContext,
    *,
    actor: str,
    action: str,
    now: datetime,
    task=None,
    data: dict | None = None,
    opened_at: datetime | None = None,
) -> None:
    spec = task.task_spec if task is not None else None
    session.execute(
        _INSERT_AUDIT,
        {
            "at": now,
            "actor": actor,
            "action": action,
            "case_id": ctx.case.id,
            "task_id": str(task.id) if task is not None else None,
            "element_id": getattr(spec, "bpmn_id", None),
            "element_name": getattr(spec, "bpmn_name", None),
            "data": _jsonable(data) if data is not None else None,
            "spec_version_id": ctx.case.spec_version_id,
            "parameter_version": ctx.parameter_version,
            "opened_at": opened_at,
        },
    )


def _merge_reached(previous: dict | None, trace: Trace) -> dict:
    reached = {
        "nodes": list((previous or {}).get("nodes", [])),
        "flows": list((previous or {}).get("flows", [])),
    }
    for key, items in (("nodes", trace.nodes), ("flows", trace.flows)):
        for item in items:
            if item not in reached[key]:
                reached[key].append(item)
    return reached


def _update_summary(case, data: dict, flags: list[str]) -> None:
    """The case row's category and amount from the case data; a value the columns cannot hold is
    left out and the case flagged, instead of failing the save."""
    category = data.get("category")
    if isinstance(category, str) and category:
        if len(category) <= 20:
            case.category = category
        else:
            flags.append(f"救助类别取值过长：{category[:20]}…")
    amount = data.get("amount")
    if isinstance(amount, int) and not isinstance(amount, bool):
        if 0 <= amount <= MAX_AMOUNT:
            case.amount = amount
        else:
            flags.append(f"救助金额超出范围（0–{MAX_AMOUNT} 元）")


@dataclass
class _PendingTimer:
    id: int
    due_at: datetime


@dataclass
class _StoredOpenWork:
    tasks: dict[str, dict]  # task id → the inbox row's task_id, name, element_id, role, category, has_draft
    timers: dict[str, _PendingTimer]  # task id → the pending timer row
    counted: report_durations.Counted  # what the histograms counted for the case before this step

    @classmethod
    def of(cls, session: Session, case_id: int, steps: bool, paid: bool) -> _StoredOpenWork:
        """The stored rows; `steps`, `paid`: the histograms' counts are needed (else left empty)."""
        tasks, timers = {}, {}
        counted = []
        for row in session.execute(_OPEN_OF_CASE[(steps, paid)], {"case_id": case_id}):
            if row.kind not in ("task", "timer"):
                counted.append((row.kind, row.name, row.since, row.due_at))
            elif row.kind == "task":
                tasks[row.task_id] = {
                    "task_id": row.task_id,
                    "name": row.name,
                    "element_id": row.element_id,
                    "role": row.role,
                    "category": row.category,
                    "has_draft": bool(row.has_draft),
                }
            else:
                timers[row.task_id] = _PendingTimer(row.timer_id, row.due_at)
        return cls(tasks, timers, report_durations.counted_of(counted))


def _sync_inbox(
    session: Session, ctx: CaseContext, loaded: LoadedSpecs, work: OpenWork, now: datetime, stored: dict
) -> list[dict]:
    case = ctx.case
    existing = stored
    ready = {str(task.id): task for task in work.user_tasks}
    gone = [task_id for task_id in existing if task_id not in ready]
    if gone:
        session.execute(_DELETE_INBOX, {"ids": gone})
        drafted = [task_id for task_id in gone if existing[task_id]["has_draft"]]
        if drafted:
            session.execute(_DELETE_DRAFTS, {"ids": drafted})
    new_rows = [
        _inbox_row(ctx, loaded, task, now) for task_id, task in ready.items() if task_id not in existing
    ]
    if new_rows:
        session.execute(_INSERT_INBOX, new_rows)
    kept = [
        {k: v for k, v in row.items() if k != "has_draft"}
        for task_id, row in existing.items()
        if task_id in ready
    ]
    if any(row["category"] != case.category for row in kept):
        session.execute(update(INBOX).where(INBOX.c.case_id == case.id).values(category=case.category))
    return kept + [{k: r[k] for k in ("task_id", "name", "element_id", "role", "category")} for r in new_rows]


def _inbox_row(ctx: CaseContext, loaded: LoadedSpecs, task, now: datetime) -> dict:
    case = ctx.case
    process_id = task.workflow.spec.name
    info = loaded.task_info(process_id, task.task_spec.bpmn_id)
    due = None
    if info is not None and info.due_expression:
        try:
            due = _evaluate_due(task, info.due_expression)
        except Exception as err:  # noqa: BLE001 - the task opens without a due time, the case needs attention
            reason = incident_from(task.workflow, err).message
            ctx.effects.flags.append(
                f"“{task.task_spec.bpmn_name or task.task_spec.bpmn_id}”的办理时限无法计算：{reason}"
            )
    return {
        "task_id": str(task.id),
        "case_id": case.id,
        "case_no": case.case_no,
        "element_id": task.task_spec.bpmn_id,
        "name": task.task_spec.bpmn_name or task.task_spec.bpmn_id,
        "process_id": process_id,
        "lane": task.task_spec.lane,
        "role": info.role if info else "township",
        "area_code": case.area_code,
        "category": case.category,
        "applicant_name": case.applicant_name,
        "form": info.form if info else None,
        "ui_form": info.ui_form if info else None,
        "created_at": now,
        "due_at": due,
        "claimed_by": None,
    }


def _evaluate_due(task, expression: str) -> datetime | None:
    value = task.workflow.script_engine.evaluate(task, expression)
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        return TimerEventDefinition.get_datetime(value)
    if value is not None:
        raise ValueError(f"办理时限应为日期时间，得到 {type(value).__name__}")
    return None


def _sync_timers(session: Session, case, work: OpenWork, pending: dict) -> None:
    waiting = {str(task.id): (task, due) for task, due in work.timers}
    gone = [row.id for task_id, row in pending.items() if task_id not in waiting]
    if gone:
        session.execute(update(TIMERS).where(TIMERS.c.id.in_(gone)).values(status="cancelled"))
    new = [
        {
            "case_id": case.id,
            "task_id": task_id,
            "element_id": task.task_spec.bpmn_id,
            "due_at": due,
            "status": "pending",
        }
        for task_id, (task, due) in waiting.items()
        if task_id not in pending
    ]
    if new:
        session.execute(_INSERT_TIMER, new)
    for task_id, (_task, due) in waiting.items():
        row = pending.get(task_id)
        if row is not None and row.due_at != due:
            session.execute(update(TIMERS).where(TIMERS.c.id == row.id).values(due_at=due))


def _apply_effects(session: Session, ctx: CaseContext, data: dict, actor: str, now: datetime) -> None:
    case, effects = ctx.case, ctx.effects
    if effects.payments:
        session.execute(
            insert(LedgerEntry.__table__),
            [
                {
                    "case_id": case.id,
                    "case_no": case.case_no,
                    "area_code": case.area_code,
                    "county_code": case.county_code,
                    "category": case.category,
                    "applicant_name": case.applicant_name,
                    "amount": p["amount"],
                    "way": p["way"],
                    "stage": p["stage"],
                    "note": p["note"],
                    "approver": actor,
                    "recorded_at": now,
                }
                for p in effects.payments
            ],
        )
    if effects.notices:
        session.execute(
            insert(Notice.__table__),
            [
                {
                    "case_id": case.id,
                    "kind": n["kind"],
                    "fields": _jsonable(n["fields"]),
                    "issued_at": now,
                    "issued_by": actor,
                }
                for n in effects.notices
            ],
        )
    if effects.outcome is not None:
        case.outcome, case.outcome_reason = effects.outcome
    if effects.publish_until is not None:
        _publish(session, case, data, effects.publish_until, effects.publish_amount, now)
    drawn = [p for p in effects.payments if p.get("fund") == "township_reserve" and p["amount"] > 0]
    if drawn:
        reserve.draw(session, township_of(case.area_code) or case.area_code, case.case_no, drawn, actor, now)
    if effects.results:
        _publish_results(session, case, effects.results, now)
    if (
        effects.watch is not None
        and session.scalar(select(WatchEntry.id).where(WatchEntry.case_id == case.id)) is None
    ):
        session.add(
            WatchEntry(
                case_id=case.id,
                case_no=case.case_no,
                county_code=case.county_code,
                area_code=case.area_code,
                applicant_name=case.applicant_name,
                applicant_id_number=case.applicant_id_number,
                registered_at=now,
                **effects.watch,
            )
        )
    for entry in effects.low_income:
        _register_low_income(session, case, entry, actor, now)
    if effects.withdraw:
        session.execute(
            update(PublicNotice.__table__)
            .where(PublicNotice.__table__.c.case_id == case.id)
            .values(status="withdrawn")
        )


def _register_low_income(session: Session, case, entry: dict, actor: str, now: datetime) -> None:
    """The household recognised as 低保边缘 / 支出型困难家庭 goes on the county's roster, one row a
    person, pre-filled from the application; a person already on that roster keeps their row."""
    listed = set(
        session.scalars(
            select(RosterEntry.id_number).where(
                RosterEntry.county_code == case.county_code,
                RosterEntry.roster == entry["roster"],
                RosterEntry.id_number.in_([id_number for id_number, _name in entry["people"]]),
            )
        )
    )
    for id_number, name in entry["people"]:
        if id_number in listed:
            continue
        listed.add(id_number)
        session.add(
            RosterEntry(
                county_code=case.county_code,
                roster=entry["roster"],
                id_number=id_number,
                name=name[:100],
                listed_on=now.astimezone(LOCAL_TZ).date().isoformat(),
                valid_until=None,
                source=f"临时救助案件 {case.case_no} 一次申请、分类审核认定",
                income_per_capita=entry["income_per_capita"],
                imported_at=now,
                imported_by=actor[:64],
            )
        )


def _publish(session: Session, case, data: dict, until: str, amount: int | None, now: datetime) -> None:
    household = data.get("household")
    size = data.get("household_size")
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= 1000:
        size = len(household) if isinstance(household, list) and 0 < len(household) <= 1000 else 1
    table = PublicNotice.__table__
    values = {
        "case_no": case.case_no,
        "township_code": township_of(case.area_code) or case.area_code,
        "masked_name": privacy.mask_name(case.applicant_name),
        "masked_id_number": privacy.mask_id_number(case.applicant_id_number),
        "household_size": int(size),
        "category": case.category,
        "amount": amount if amount is not None else case.amount,
        "published_at": now,
        "until": datetime.fromisoformat(until) if until else None,
        "status": "open",
    }
    updated = cast(
        CursorResult, session.execute(update(table).where(table.c.case_id == case.id).values(**values))
    )
    if updated.rowcount == 0:
        session.execute(insert(table).values(case_id=case.id, **values))


def _publish_results(session: Session, case, results: list[dict], now: datetime) -> None:
    session.execute(
        insert(PublicResult.__table__),
        [
            {
                "case_id": case.id,
                "case_no": case.case_no,
                "township_code": township_of(case.area_code) or case.area_code,
                "masked_name": privacy.mask_name(case.applicant_name),
                "masked_id_number": privacy.mask_id_number(case.applicant_id_number),
                "category": case.category,
                "amount": r["amount"],
                "way": r["way"],
                "stage": r["stage"],
                "paid_at": now,
                "publish_by": r["publish_by"],
                "published_at": now,
            }
            for r in results
        ],
    )


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def delete_open_rows(session: Session, case_id: int) -> None:
    session.execute(delete(INBOX).where(INBOX.c.case_id == case_id))
    session.execute(delete(DRAFTS).where(DRAFTS.c.case_id == case_id))
