"""Residents' services, no login: apply online (一网办、掌上办, 001), look up a case's status by case
number plus the applicant's ID number, and object to a case under public notice (公示异议)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO

from sqlalchemy import select

from engine import forms, id_numbers
from engine.areas import area_level
from engine.errors import FieldError, NotFound, ValidationFailed
from engine.services import cases, intake, messages, throttle
from engine.services.attachments import APPLICANT, AttachmentStore, ReceivedFile
from engine.services.cases import CaseRef
from engine.services.idempotency import replay_after_race
from engine.store.models import Area, AuditEvent, Case, OpenTask, PublicNotice
from engine.store.web_models import PublicObjection
from engine.unit_of_work import UnitOfWork
from engine.vocabulary import LOCAL_TZ, OUTCOMES, PUBLIC_STATUSES, ROLE_LABELS

# Who may apply online: the applicant, or someone the applicant authorised (002 §三 申请受理).
ONLINE_SUBMITTERS = ("self", "agent")
# What a resident may send with an online application (a subset of the clerks' attachment kinds),
# and how many files: the request is capped in size anyway (web/settings.py MAX_CONTENT_LENGTH).
ONLINE_KINDS = ("id_document", "bill", "residence_statement", "other")
MAX_ONLINE_FILES = 8
# The step the attachment list names for them.
ONLINE_STEP = "网上申请"
Upload = tuple[str, str, BinaryIO]  # (kind, file name, stream)
# A resident's objection (公示异议) is a message to the case's 信息公示 (bpmn/publicity.bpmn): this
# form checks it, the message name is the diagram's, and the township's 核实公示异议 task takes it.
OBJECTION_FORM = "objection.schema.json"
OBJECTION_MESSAGE = "公示异议"
REVIEW_FORM = "objection-review.schema.json"


def apply_online(
    uow: UnitOfWork,
    application: dict,
    area_code: str,
    idempotency_key: str | None = None,
    uploads: Sequence[Upload] = (),
    store: AttachmentStore | None = None,
    remote_addr: str | None = None,
) -> CaseRef:
    """An application from a resident's phone; it lands as an intake task at the township window.
    The documents sent with it (`uploads`, checked like a clerk's attachments) are kept with the case
    in the same transaction: a refused application keeps nothing. Throttled per address and per
    applicant's ID number (engine.services.throttle): a script cannot fill the township's inbox.
    A throttled sender is refused first, in a read (no upload read, no writer's lock taken); the
    uploads are then read outside any transaction, and the checks (the throttle again) and the case
    are one unit of work."""
    keys = {"address": remote_addr or "unknown", "id_number": _applicant_id_number(application)}
    with uow.reading() as reading:
        throttle.check(reading.session, "application", keys, reading.now())
    received: list[ReceivedFile] = []
    if idempotency_key:  # every resident is the same anonymous actor: a key is theirs with their ID number
        idempotency_key = f"{keys['id_number']}:{idempotency_key}"
    checked = False
    try:
        upload_errors = _receive(uploads, store, received)

        @replay_after_race  # the same key sent twice at once: the loser replays the winner's case
        def store_application() -> CaseRef:
            nonlocal checked
            with uow:
                if not checked:  # a replay was checked the first time
                    _check_online(uow, application, area_code, keys, upload_errors)
                    checked = True
                key = f"system:online:{idempotency_key}" if idempotency_key else None
                ref = cases.start_in(uow, application, area_code, None, "online", key)
                if ref.created:  # counted once the case exists: a mistyped form or a replay costs nothing
                    if received:
                        assert store is not None
                        store.keep(uow.session, ref.id, ref.case_no, received, APPLICANT, ONLINE_STEP)
                    throttle.record(uow.session, "application", keys, uow.now())
                uow.commit()
            return ref

        ref = store_application()
    finally:
        if store is not None:
            store.discard(received)  # what was kept has moved; a replay or a refusal leaves the rest
    return ref


def _check_online(
    uow: UnitOfWork, application: dict, area_code: str, keys: dict, upload_errors: list[FieldError]
) -> None:
    """Refuse a throttled sender, or an application with any error (all of them listed at once)."""
    session = uow.session
    throttle.check(session, "application", keys, uow.now())
    errors = []
    if application.get("submitted_by") not in ONLINE_SUBMITTERS:
        errors.append(FieldError("submitted_by", "申请方式：网上申请请选择本人申请或委托他人代为申请"))
    area = session.get(Area, area_code or "")
    if area is None or area_level(area.code) != "village":
        errors.append(FieldError("area_code", "所在村（社区）：请选择"))
    errors += upload_errors
    if errors:
        raise ValidationFailed(errors + intake.application_errors(uow, application))


def _applicant_id_number(application: dict) -> str | None:
    applicant = application.get("applicant") if isinstance(application, dict) else None
    value = applicant.get("id_number") if isinstance(applicant, dict) else None
    return id_numbers.compact(value) if isinstance(value, str) and value.strip() else None


def _receive(
    uploads: Sequence[Upload], store: AttachmentStore | None, received: list[ReceivedFile]
) -> list[FieldError]:
    """Read each upload (kind, file name, stream) into `received` with the attachments' checks; the
    errors name the upload's field `file_<kind>`."""
    if not uploads:
        return []
    if store is None:
        raise ValueError("uploads need an attachment store")
    if len(uploads) > MAX_ONLINE_FILES:
        return [FieldError("file_other", f"材料：网上申请最多上传 {MAX_ONLINE_FILES} 个文件")]
    errors = []
    for kind, filename, stream in uploads:
        if kind not in ONLINE_KINDS:
            errors.append(FieldError("file_other", "材料类别：取值不在可选范围内"))
            continue
        try:
            received.append(store.receive(kind, filename, stream, field=f"file_{kind}"))
        except ValidationFailed as err:
            errors.extend(err.errors)
    return errors


@dataclass(frozen=True)
class PublicStatus:
    case_no: str
    status: str
    status_title: str
    current_step: str | None
    outcome_title: str | None
    started_at: datetime
    closed_at: datetime | None
    done: list[dict] = field(default_factory=list)  # [{"step", "at"}]: each step finished, in order
    next_steps: list[dict] = field(default_factory=list)  # [{"step", "who", "due_at"}]: what happens now


def status(uow: UnitOfWork, case_no: str, id_number: str, remote_addr: str | None = None) -> PublicStatus:
    """The progress of a case for whoever knows its number and the applicant's ID number. Wrong
    guesses count like failed sign-ins, so the ID number cannot be found by trying."""
    case_no, now = (case_no or "").strip()[:64], uow.now()
    keys = {"address": remote_addr or "unknown", "case_no": case_no}
    with uow:
        session = uow.session
        throttle.check(session, "status", keys, now)
        case = session.scalar(select(Case).where(Case.case_no == case_no))
        if case is None or case.applicant_id_number != id_numbers.compact(id_number or ""):
            throttle.record(session, "status", keys, now)
            session.add(  # who tried which case number from where; never the ID number they tried
                AuditEvent(
                    at=now,
                    actor="public",
                    action="status_lookup_failed",
                    case_id=case.id if case is not None else None,
                    data={"case_no": case_no, "from": remote_addr},
                )
            )
            found = None
        else:
            found = PublicStatus(
                case.case_no,
                case.status,
                PUBLIC_STATUSES.get(case.status, case.status),
                case.current_step,
                OUTCOMES.get(case.outcome or "", None),
                case.started_at,
                case.closed_at,
                _done_steps(session, case.id),
                _next_steps(session, case.id),
            )
        uow.commit()
    if found is None:
        raise NotFound("未查到：请核对案件编号和身份证号")
    return found


def _done_steps(session, case_id: int) -> list[dict]:
    rows = session.execute(
        select(AuditEvent.element_name, AuditEvent.at)
        .where(AuditEvent.case_id == case_id, AuditEvent.action == "task_completed")
        .order_by(AuditEvent.id)
    ).all()
    return [{"step": name, "at": at} for name, at in rows if name]


def _next_steps(session, case_id: int) -> list[dict]:
    rows = session.scalars(select(OpenTask).where(OpenTask.case_id == case_id).order_by(OpenTask.created_at))
    return [{"step": t.name, "who": ROLE_LABELS.get(t.role, t.role), "due_at": t.due_at} for t in rows]


def objection_schema(uow: UnitOfWork, case_no: str) -> dict:
    """The form a resident fills to object to a case under public notice (`uow` may be read-only)."""
    with uow:
        case = _under_notice(uow.session, case_no, uow.now(), lock=False)
        return uow.specs.for_version(uow.session, case.spec_version_id).form(OBJECTION_FORM)


def submit_objection(uow: UnitOfWork, case_no: str, data: dict, remote_addr: str | None = None) -> int:
    """A resident's objection to a case under public notice (002 §三 信息公示) is recorded, audited and
    sent to the case as the message its 信息公示 waits for: the township then has a 核实公示异议 task,
    and the case stays on the notice until a clerk registers or dismisses the objection. An
    objection arriving while an earlier one is being checked is added to that task. One transaction."""
    now = uow.now()
    data = dict(data, received_on=now.astimezone(LOCAL_TZ).date().isoformat())
    keys = {"address": remote_addr or "unknown"}
    with uow:
        session = uow.session
        throttle.check(session, "objection", keys, now)
        case = _under_notice(session, case_no, now)
        loaded = uow.specs.for_version(session, case.spec_version_id)
        forms.validate(loaded.form(OBJECTION_FORM), data)
        row = PublicObjection(
            case_id=case.id,
            case_no=case.case_no,
            data=data,
            content=str(data.get("objection_content", "")),
            received_at=now,
            status="received",
        )
        session.add(row)
        throttle.record(session, "objection", keys, now)
        session.flush()
        messages.deliver(
            uow,
            case.id,
            OBJECTION_MESSAGE,
            data,
            actor="public",
            action="objection_received",
            audit_data={"objection": data, "from": remote_addr},
            open_task_takes=lambda form, task_data: form == REVIEW_FORM and _add_to_review(task_data, data),
            refused="该案件当前不受理异议",
        )
        uow.commit()
        return row.id


def _add_to_review(task_data: dict, objection: dict) -> bool:
    """A further objection while the township checks one: shown on the same 核实公示异议 task."""
    task_data["objection_text"] = (
        f"{task_data['objection_text']}\n居民异议（{objection.get('received_on', '')}）："
        f"{objection.get('objection_content', '')}"
    )
    return True


def _under_notice(session, case_no: str, now: datetime, lock: bool = True) -> Case:
    # Locked before the objection row is written: that row's foreign key takes a share lock on the
    # case, and two objections each holding one while asking for the step's lock deadlocked. The
    # form alone (lock=False) only reads.
    query = select(Case).where(Case.case_no == case_no)
    case = session.scalar(query.with_for_update() if lock else query)
    notice = session.get(PublicNotice, case.id) if case is not None else None
    if notice is None or notice.status != "open" or (notice.until is not None and notice.until < now):
        raise NotFound("该案件不在公示期内")
    return case
