"""乡镇临时救助备用金 (002 §七(三) 推动在苏木乡镇建立临时救助备用金制度; 001 用足用好乡镇临时救助
备用金制度): the county tops up each township's reserve, and the township's pay-first payments are
drawn from it in the payment's own transaction (engine/workflow/persist.py), so pay-first aid
does not wait for county funds."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from engine.errors import FieldError, NotFound, NotPermitted, ValidationFailed
from engine.permissions import may_work_in
from engine.services import people
from engine.store.models import Area, AuditEvent, ReserveEntry
from engine.vocabulary import CASE_WORKER_ROLES, Role

if TYPE_CHECKING:
    from engine.facade import Engine

MAX_TOP_UP = 100_000_000  # 元; the amount column is 32-bit
_ENTRIES = ReserveEntry.__table__


def balance(session: Session, township_code: str) -> int:
    total = session.scalar(
        select(func.coalesce(func.sum(_ENTRIES.c.amount), 0)).where(_ENTRIES.c.township_code == township_code)
    )
    return int(total or 0)


def draw(session: Session, township_code: str, amount: int, case_no: str, note: str, by: str, now) -> None:
    """Book a pay-first payment against the township's reserve (inside the step's transaction)."""
    session.execute(
        insert(_ENTRIES),
        {
            "township_code": township_code,
            "amount": -amount,
            "kind": "payment",
            "case_no": case_no,
            "note": note,
            "recorded_by": by,
            "recorded_at": now,
        },
    )


def _township(session: Session, user, township_code: str) -> None:
    area = session.get(Area, township_code)
    if area is None or len(township_code) != 9:
        raise NotFound(f"乡镇（街道）{township_code} 不存在")
    if Role(user.role) not in CASE_WORKER_ROLES or not may_work_in(user, township_code):
        raise NotPermitted("无权查看或管理该乡镇的备用金")


def top_up(eng: Engine, username: str, township_code: str, amount, note: str = "") -> int:
    """The county civil affairs adds to a township's reserve; returns the new balance."""
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_TOP_UP:
        raise ValidationFailed([FieldError("amount", f"补充金额：应为 1–{MAX_TOP_UP} 的整数（元）")])
    with eng.db.write() as session:
        user = people.get_user(session, username)
        _township(session, user, township_code)
        if user.role != Role.COUNTY.value:
            raise NotPermitted("备用金由县级民政部门补充")
        now = eng.now()
        session.execute(
            insert(_ENTRIES),
            {
                "township_code": township_code,
                "amount": amount,
                "kind": "top_up",
                "case_no": None,
                "note": note or None,
                "recorded_by": username,
                "recorded_at": now,
            },
        )
        session.add(
            AuditEvent(
                at=now,
                actor=username,
                action="reserve_topped_up",
                data={"township_code": township_code, "amount": amount, "note": note},
            )
        )
        return balance(session, township_code)


def reserve(eng: Engine, username: str, township_code: str) -> dict:
    """A township's reserve as its clerks and the county see it: balance and entries, newest first."""
    with eng.db.read() as session:
        _township(session, people.get_user(session, username), township_code)
        rows = session.execute(
            select(_ENTRIES).where(_ENTRIES.c.township_code == township_code).order_by(_ENTRIES.c.id.desc())
        ).all()
        return {
            "township_code": township_code,
            "balance": balance(session, township_code),
            "entries": [
                {
                    "amount": r.amount,
                    "kind": r.kind,
                    "case_no": r.case_no,
                    "note": r.note,
                    "recorded_by": r.recorded_by,
                    "recorded_at": r.recorded_at,
                }
                for r in rows
            ],
        }
