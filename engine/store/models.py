"""SQLAlchemy 2 models. One table per thing the domain talks about; the inbox and timers are
indexed tables of their own so lists never deserialize workflows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, returns aware UTC: SQLite keeps no zone and comparisons must agree."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return value.replace(tzinfo=UTC) if value is not None else None


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict: JSON, list: JSON}  # noqa: RUF012 (SQLAlchemy reads it)
    if TYPE_CHECKING:  # every model is mapped to a Table, which Core statements (insert, update) take
        __table__: ClassVar[Table]


class Area(Base):
    """行政区划: county ⊃ township ⊃ village; the code is a prefix of its children's codes."""

    __tablename__ = "areas"
    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(10))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("areas.code"))


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    area_code: Mapped[str] = mapped_column(ForeignKey("areas.code"))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    api_token_hash: Mapped[str | None] = mapped_column(String(128), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]


class SpecVersion(Base):
    """An immutable deployment of bpmn/ + forms/, keyed by the hash of their content."""

    __tablename__ = "spec_versions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    files: Mapped[dict]  # relative path -> text
    manifest: Mapped[dict]  # processes, user tasks and their forms, lint summary
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)


class ParameterSet(Base):
    """A county's named numbers, versioned; a version is in force from its effective date."""

    __tablename__ = "parameter_sets"
    __table_args__ = (UniqueConstraint("county_code", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    version: Mapped[int]
    values: Mapped[dict]
    effective_from: Mapped[datetime]
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)


class CaseCounter(Base):
    """Next sequence number of a county's cases in a year (human-readable case numbers)."""

    __tablename__ = "case_counters"
    county_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


def _reversed_id_number(context) -> str:
    return str(context.get_current_parameters().get("applicant_id_number") or "")[::-1]


class Case(Base):
    """案件. `version` is the optimistic-lock counter bumped by every state change."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_area_status", "area_code", "status"),
        Index("ix_cases_status", "status"),
        # Case search (engine/views/case_search.py): a county's newest first, a name, the last digits of an ID.
        Index("ix_cases_county_started", "county_code", "started_at"),
        Index("ix_cases_applicant_name", "applicant_name"),
        Index("ix_cases_id_reversed", "applicant_id_reversed"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_no: Mapped[str] = mapped_column(String(32), unique=True)
    spec_version_id: Mapped[int] = mapped_column(ForeignKey("spec_versions.id"))
    process_id: Mapped[str] = mapped_column(String(100))
    area_code: Mapped[str] = mapped_column(String(12))
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))  # running / completed / needs_attention / cancelled
    category: Mapped[str | None] = mapped_column(String(20))
    applicant_name: Mapped[str] = mapped_column(String(100))
    applicant_id_number: Mapped[str] = mapped_column(String(18), index=True)
    # The ID number backwards: "the last digits" become a prefix, which an index can find.
    applicant_id_reversed: Mapped[str | None] = mapped_column(String(18), default=_reversed_id_number)
    reason: Mapped[str | None] = mapped_column(String(50))
    outcome: Mapped[str | None] = mapped_column(String(20))
    outcome_reason: Mapped[str | None] = mapped_column(Text)
    amount: Mapped[int | None]
    # Paid so far in money or goods (the 台账 without referrals), kept by every step (engine/workflow/
    # persist.py) so `paid_so_far()` reads it with the locked case; NULL: not known (a row loaded in
    # bulk), the ledger is summed instead.
    paid: Mapped[int | None]
    current_step: Mapped[str | None] = mapped_column(String(200))
    attention: Mapped[dict | None]
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    started_by: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)  # optimistic lock, see engine/store/rows.py


class CaseState(Base):
    """The serialized SpiffWorkflow workflow, kept apart so listing cases never loads it."""

    __tablename__ = "case_states"
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    workflow: Mapped[str] = mapped_column(Text)
    # nodes and flows reached, in order (process coverage, case diagram); JSON null before the first step
    reached: Mapped[dict | None] = mapped_column(nullable=False)
    data: Mapped[dict | None]  # the case data after the last step, so reads need not deserialize


class OpenTask(Base):
    """待办: one row per READY user task; the inbox reads only this table."""

    __tablename__ = "open_tasks"
    __table_args__ = (
        Index("ix_open_tasks_role_area_due", "role", "area_code", "due_at"),
        Index("ix_open_tasks_case", "case_id"),
    )
    task_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    case_no: Mapped[str] = mapped_column(String(32))
    element_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    process_id: Mapped[str] = mapped_column(String(100))
    lane: Mapped[str | None] = mapped_column(String(50))
    role: Mapped[str] = mapped_column(String(20))
    area_code: Mapped[str] = mapped_column(String(12))
    category: Mapped[str | None] = mapped_column(String(20))
    applicant_name: Mapped[str] = mapped_column(String(100))
    form: Mapped[str | None] = mapped_column(String(200))
    ui_form: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    due_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(64))


class Timer(Base):
    """A pending timer event with its due time; workers fire what is due, each exactly once."""

    __tablename__ = "timers"
    __table_args__ = (
        Index("ix_timers_status_due", "status", "due_at"),
        Index("ix_timers_case_status", "case_id", "status"),  # a step's own pending timers
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    task_id: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str] = mapped_column(String(100))
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(12))  # pending / fired / cancelled / error
    fired_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)


class AuditEvent(Base):
    """Append-only: the migrations install triggers that refuse UPDATE and DELETE."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_case", "case_id", "id"),
        Index("ix_audit_task", "task_id"),
        Index("ix_audit_action_case", "action", "case_id"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    task_id: Mapped[str | None] = mapped_column(String(36))
    element_id: Mapped[str | None] = mapped_column(String(100))
    element_name: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[dict | None]
    spec_version_id: Mapped[int | None]
    parameter_version: Mapped[int | None]
    opened_at: Mapped[datetime | None]  # task_completed: when that task became ready (its inbox row)


class CaseComment(Base):
    """留言: a note on a case, or on one of its tasks, by a person who works it (who, when, where)."""

    __tablename__ = "case_comments"
    __table_args__ = (Index("ix_case_comments_case", "case_id", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    task_id: Mapped[str | None] = mapped_column(String(36))
    step_name: Mapped[str | None] = mapped_column(String(200))
    author: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]


class FormDraft(Base):
    """草稿: what a clerk typed into a task's form and saved without submitting; gone with the task."""

    __tablename__ = "form_drafts"
    task_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    data: Mapped[dict]
    saved_at: Mapped[datetime]


class IdempotencyKey(Base):
    """First result of a request, returned again to any retry with the same key."""

    __tablename__ = "idempotency_keys"
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    actor: Mapped[str] = mapped_column(String(64))
    result: Mapped[dict]
    created_at: Mapped[datetime]


class LedgerEntry(Base):
    """台账: every payment in cash or in kind, and every referral (002 §五 注重阳光操作)."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        Index("ix_ledger_county_at", "county_code", "recorded_at"),
        Index("ix_ledger_case", "case_id", "id"),  # a case's payments (case page, first payment)
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    case_no: Mapped[str] = mapped_column(String(32))
    area_code: Mapped[str] = mapped_column(String(12))
    county_code: Mapped[str] = mapped_column(String(6))
    category: Mapped[str | None] = mapped_column(String(20))
    applicant_name: Mapped[str] = mapped_column(String(100))
    amount: Mapped[int]
    way: Mapped[str] = mapped_column(String(20))
    stage: Mapped[int] = mapped_column(Integer, default=1)
    note: Mapped[str | None] = mapped_column(Text)
    approver: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime]


class RosterEntry(Base):
    """One person on a roster the county holds (低保, 特困, 建档立卡, and the 返贫 list the
    poverty-alleviation department supplies): what confirms a household's status, where the
    application only declares it (000 §二(一), 002 §二(二))."""

    __tablename__ = "roster_entries"
    __table_args__ = (UniqueConstraint("county_code", "roster", "id_number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    county_code: Mapped[str] = mapped_column(String(6))
    roster: Mapped[str] = mapped_column(String(12))
    id_number: Mapped[str] = mapped_column(String(18), index=True)
    name: Mapped[str] = mapped_column(String(100))
    listed_on: Mapped[str | None] = mapped_column(String(10))  # ISO date the person was listed
    valid_until: Mapped[str | None] = mapped_column(String(10))  # ISO date; None: until removed
    source: Mapped[str] = mapped_column(String(200))
    # 家庭人均月收入（元） where the list carries it: what places a household below the county's
    # low-income line in the monitoring register (001 ¶3).
    income_per_capita: Mapped[int | None]
    imported_at: Mapped[datetime]
    imported_by: Mapped[str] = mapped_column(String(64))


class CoverageEntry(Base):
    """One line of the monthly comparison's 台账: a person of a monitored population (未脱贫, 返贫风险,
    边缘) whom neither the 低保 / 特困 rolls nor a 临时救助 case covers that month, with the risk found
    and the follow-up a clerk records (003 §二(一)一是, §三(一))."""

    __tablename__ = "coverage_entries"
    __table_args__ = (UniqueConstraint("county_code", "month", "id_number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    county_code: Mapped[str] = mapped_column(String(6))
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    id_number: Mapped[str] = mapped_column(String(18))
    name: Mapped[str] = mapped_column(String(100))
    groups: Mapped[str] = mapped_column(String(100))  # the compared rosters listing the person
    risk: Mapped[str] = mapped_column(Text)
    follow_up: Mapped[str] = mapped_column(String(20))
    follow_up_note: Mapped[str | None] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Notice(Base):
    """A written notice issued on a case (refusal with its reason, approval, payment)."""

    __tablename__ = "notices"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    fields: Mapped[dict]
    issued_at: Mapped[datetime]
    issued_by: Mapped[str] = mapped_column(String(64))


class PublicNotice(Base):
    """信息公示 entry: only masked, non-sensitive fields are ever stored here."""

    __tablename__ = "public_notices"
    __table_args__ = (Index("ix_public_notices_township", "township_code", "status"),)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    case_no: Mapped[str] = mapped_column(String(32))
    township_code: Mapped[str] = mapped_column(String(9))
    masked_name: Mapped[str] = mapped_column(String(100))
    masked_id_number: Mapped[str] = mapped_column(String(18))
    household_size: Mapped[int]
    category: Mapped[str | None] = mapped_column(String(20))
    amount: Mapped[int | None]
    published_at: Mapped[datetime]
    until: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(12))  # open / withdrawn


class ReserveMovement(Base):
    """乡镇临时救助备用金: the county's top-ups (+) and the township's pay-first payments (−); the
    balance is their sum (002 §七(三))."""

    __tablename__ = "reserve_movements"
    __table_args__ = (Index("ix_reserve_movements_township", "township_code", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    township_code: Mapped[str] = mapped_column(String(9))
    amount: Mapped[int]  # 元; a top-up is positive, a payment negative
    kind: Mapped[str] = mapped_column(String(12))  # top_up / payment
    case_no: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]


class WatchEntry(Base):
    """备案管理: a household refused after the economic check or the democratic review that may still
    be in difficulty, kept on the county's watch list for re-assessment and warnings (003 §二(一))."""

    __tablename__ = "watch_entries"
    __table_args__ = (Index("ix_watch_entries_county", "county_code", "registered_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    case_no: Mapped[str] = mapped_column(String(32))
    county_code: Mapped[str] = mapped_column(String(6))
    area_code: Mapped[str] = mapped_column(String(12))
    applicant_name: Mapped[str] = mapped_column(String(100))
    applicant_id_number: Mapped[str] = mapped_column(String(18))
    reason_code: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text)
    registered_at: Mapped[datetime]


class PublicResult(Base):
    """救助结果公开: one published payment (cash, goods or bank), masked like the 公示 (002 §五)."""

    __tablename__ = "public_results"
    __table_args__ = (
        Index("ix_public_results_township", "township_code", "published_at"),
        Index("ix_public_results_case", "case_id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    case_no: Mapped[str] = mapped_column(String(32))
    township_code: Mapped[str] = mapped_column(String(9))
    masked_name: Mapped[str] = mapped_column(String(100))
    masked_id_number: Mapped[str] = mapped_column(String(18))
    category: Mapped[str | None] = mapped_column(String(20))
    amount: Mapped[int]
    way: Mapped[str] = mapped_column(String(20))
    stage: Mapped[int]
    paid_at: Mapped[datetime]
    publish_by: Mapped[datetime | None]
    published_at: Mapped[datetime]


class Job(Base):
    """Long work done by `jiuzhu worker`, not by a web worker: scenario runs, ledger exports, case
    migrations. Claimed like timers (PostgreSQL: FOR UPDATE SKIP LOCKED); the claim is a lease the
    worker renews while it reports progress, so a job whose worker died is taken up again."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_id", "status", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    params: Mapped[dict]
    status: Mapped[str] = mapped_column(String(12))  # queued / running / done / failed
    progress: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int | None]
    message: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict | None]
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class ReportFact(Base):
    """Per township, China-time day and category: the applications, approvals and refusals of the
    cases started that day, and the payments recorded that day. Kept current in the transaction of
    every step (engine/views/reports/facts.py), so dashboards above the township sum these rows
    instead of scanning every case and ledger row."""

    __tablename__ = "report_facts"
    __table_args__ = (Index("ix_report_facts_county_day", "county_code", "day"),)
    township_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # YYYY-MM-DD, China time
    category: Mapped[str] = mapped_column(String(20), primary_key=True)  # '' while unclassified
    county_code: Mapped[str] = mapped_column(String(6))
    applications: Mapped[int] = mapped_column(Integer, default=0)
    approvals: Mapped[int] = mapped_column(Integer, default=0)
    refusals: Mapped[int] = mapped_column(Integer, default=0)
    payments: Mapped[int] = mapped_column(Integer, default=0)
    amount: Mapped[int] = mapped_column(BigInteger, default=0)


class ReportDuration(Base):
    """Histograms of how long things took, per county, China-time month the case started, category
    and measure: `payment` (application to first payment) or `step` (a user task from ready to
    completed, `label` its name). `bucket` is the lower bound of an hour range
    (engine/store/report_durations.py). Kept current in the transaction of every step, so the
    dashboards of a county, a city and a province read medians from these rows instead of scanning
    every audit event."""

    __tablename__ = "report_durations"
    county_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM, China time
    category: Mapped[str] = mapped_column(String(20), primary_key=True)  # '' while unclassified
    measure: Mapped[str] = mapped_column(String(8), primary_key=True)
    label: Mapped[str] = mapped_column(String(200), primary_key=True)  # '' for `payment`
    bucket: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    hours: Mapped[float] = mapped_column(Float, default=0.0)  # the sum of the values counted
