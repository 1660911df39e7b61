"""The case row on the write path, read and written with SQLAlchemy Core.

Every action loads the case row (locked on PostgreSQL), changes a plain record, and writes it back
with `version = version + 1 WHERE version = <read version>`: optimistic locking that also holds
where row locks do not (SQLite), at a fraction of the ORM's per-statement cost on the hot path.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import cast

from sqlalchemy import CursorResult, bindparam, insert, select, update
from sqlalchemy.orm import Session

from engine import parameters
from engine.errors import Conflict, NotFound
from engine.store.db import DEFERRED, when_counted
from engine.store.models import Case, CaseState

CASES = Case.__table__


@dataclass
class CaseRecord:
    id: int
    case_no: str
    spec_version_id: int
    process_id: str
    area_code: str
    county_code: str
    channel: str
    status: str
    category: str | None
    applicant_name: str
    applicant_id_number: str
    reason: str | None
    outcome: str | None
    outcome_reason: str | None
    amount: int | None
    paid: int | None  # paid so far in money or goods; None: not known, sum the ledger
    current_step: str | None
    attention: dict | None
    started_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    started_by: str | None
    version: int


MUTABLE = (
    "status",
    "category",
    "outcome",
    "outcome_reason",
    "amount",
    "paid",
    "current_step",
    "attention",
    "updated_at",
    "closed_at",
)
_COLUMNS = [CASES.c[f.name] for f in fields(CaseRecord)]
# Built once: constructing SQLAlchemy statements costs more than running them on the hot path.
_BY_ID = select(*_COLUMNS).where(CASES.c.id == bindparam("key"))
_BY_NO = select(*_COLUMNS).where(CASES.c.case_no == bindparam("key"))
_LOCKED = {
    (False, False): _BY_ID,
    (False, True): _BY_ID.with_for_update(),
    (True, False): _BY_NO,
    (True, True): _BY_NO.with_for_update(),
}
_SAVE = (
    update(CASES)
    .where(CASES.c.id == bindparam("b_id"), CASES.c.version == bindparam("b_version"))
    .values(version=bindparam("b_new_version"), **{name: bindparam(f"b_{name}") for name in MUTABLE})
    .execution_options(**DEFERRED)  # its row count is checked through when_counted
)


def load_case(
    session: Session, *, case_id: int | None = None, case_no: str | None = None, lock: bool = True
) -> CaseRecord:
    by_no = case_id is None
    row = session.execute(_LOCKED[(by_no, lock)], {"key": case_no if by_no else case_id}).first()
    if row is None:
        raise NotFound(f"案件 {case_no or case_id} 不存在")
    return CaseRecord(**row._mapping)


_STATES = CaseState.__table__


# What a step reads of its case, in one round trip: the case row, its serialized workflow and the county
# parameters in force at `at`, labelled so they can join other tables' columns (engine/services/tasks.py
# reads them with the acting user and the open task).
_P = "case__"
STEP_COLUMNS = (
    *(column.label(_P + column.name) for column in _COLUMNS),
    _STATES.c.workflow.label(_P + "workflow"),
    _STATES.c.reached.label(_P + "reached"),
    *(
        c.element.label(_P + c.name)
        for c in parameters.in_force_columns(CASES.c.county_code, bindparam("at"))
    ),
)
# Both rows are locked on purpose: after waiting for a lock, PostgreSQL re-reads only the locked rows
# of a join; locking the state row too makes the workflow as fresh as the case row it belongs to.
_STEP_TABLES = CASES.join(_STATES, _STATES.c.case_id == CASES.c.id)
_STEP = select(*STEP_COLUMNS).select_from(_STEP_TABLES).with_for_update()
_FOR_STEP = {
    False: _STEP.where(CASES.c.id == bindparam("key")),
    True: _STEP.where(CASES.c.case_no == bindparam("key")),
}

StepRows = tuple[CaseRecord, str, dict | None, parameters.ParametersInForce]


def step_of(row) -> StepRows:
    """The case record, workflow, reached elements and parameters in force from a row with STEP_COLUMNS."""
    values = {key[len(_P) :]: value for key, value in row._mapping.items() if key.startswith(_P)}
    workflow, reached = values.pop("workflow"), values.pop("reached")
    in_force = parameters.of_version(
        values["county_code"], values.pop("parameter_version"), values.pop("parameter_values")
    )
    return CaseRecord(**values), workflow, reached, in_force


def load_case_for_step(
    session: Session, case_id: int | None, at: datetime, case_no: str | None = None
) -> StepRows:
    """The locked case row (by id, or by number) with its serialized workflow and the county
    parameters in force at `at`, in one round trip."""
    by_no = case_id is None
    row = session.execute(_FOR_STEP[by_no], {"key": case_no if by_no else case_id, "at": at}).first()
    if row is None:
        raise NotFound(f"案件 {case_no if by_no else case_id} 不存在")
    return step_of(row)


def insert_case(session: Session, **values) -> CaseRecord:
    values.setdefault("version", 1)
    values.setdefault("paid", 0)
    case_id = session.execute(insert(CASES).values(**values).returning(CASES.c.id)).scalar_one()
    return load_case(session, case_id=case_id, lock=False)


def save_case(session: Session, case: CaseRecord) -> None:
    """Write the mutable fields back; a concurrent change since the read is a conflict."""
    params = {f"b_{name}": getattr(case, name) for name in MUTABLE}
    params.update(b_id=case.id, b_version=case.version, b_new_version=case.version + 1)
    result = cast(CursorResult, session.execute(_SAVE, params))
    when_counted(session, result, _one_case_saved)
    case.version += 1


def _one_case_saved(count: int) -> None:
    if count != 1:
        raise Conflict("案件已被他人更新，请刷新后重试")
