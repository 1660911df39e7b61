"""乡镇临时救助备用金 (002 §七(三); 001): each township holds a reserve from which it pays first in an
emergency, without waiting for county funds. The county tops it up; a pay-first payment the diagram
books to it (`record_payment(…, fund="township_reserve")`) draws it down in the same transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from engine.areas import county_of
from engine.errors import FieldError, NotFound, NotPermitted, ValidationFailed
from engine.services import people
from engine.store.models import Area, AuditEvent, ReserveMovement
from engine.unit_of_work import UnitOfWork
from engine.vocabulary import Role

MAX_TOP_UP = 100_000_000  # 元; the amount column is 32-bit


def balance(session: Session, township_code: str) -> int:
    total = session.scalar(
        select(func.coalesce(func.sum(ReserveMovement.amount), 0)).where(
            ReserveMovement.township_code == township_code
        )
    )
    return int(total or 0)


def draw(session: Session, township_code: str, case_no: str, payments: list[dict], actor: str, now: datetime):
    """Book pay-first payments against the township's reserve (called by the step that pays)."""
    session.execute(
        insert(ReserveMovement.__table__),
        [
            {
                "township_code": township_code,
                "amount": -p["amount"],
                "kind": "payment",
                "case_no": case_no,
                "note": f"第{p['stage']}期先行救助",
                "by": actor,
                "at": now,
            }
            for p in payments
        ],
    )


def top_up(uow: UnitOfWork, by: str, township_code: str, amount: int, note: str = "") -> int:
    """The county civil-affairs department tops up a township's reserve; returns the new balance."""
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_TOP_UP:
        raise ValidationFailed([FieldError("amount", f"补充金额：应为 1–{MAX_TOP_UP} 的整数（元）")])
    with uow:
        session = uow.session
        user = people.get_user(session, by)
        township = session.get(Area, township_code)
        if township is None or township.level != "township":
            raise NotFound(f"乡镇（街道）{township_code} 不存在")
        if Role(user.role) != Role.COUNTY or county_of(township_code) != user.area_code:
            raise NotPermitted("只有本县民政部门可以补充乡镇备用金")
        now = uow.now()
        session.add(
            ReserveMovement(
                township_code=township_code, amount=amount, kind="top_up", note=note or None, by=by, at=now
            )
        )
        session.add(
            AuditEvent(
                at=now,
                actor=by,
                action="reserve_topped_up",
                data={"township": township_code, "amount": amount, "note": note},
            )
        )
        session.flush()
        result = balance(session, township_code)
        uow.commit()
    return result


def reserve(uow: UnitOfWork, username: str, township_code: str, limit: int = 100) -> dict:
    """A township's reserve as its own clerks and the county see it: balance and latest movements."""
    with uow:
        session = uow.session
        user = people.get_user(session, username)
        readers = (Role.TOWNSHIP, Role.COUNTY, Role.AUDITOR)
        if Role(user.role) not in readers or not (
            township_code.startswith(user.area_code) or user.area_code.startswith(township_code)
        ):
            raise NotPermitted("无权查看该乡镇的备用金")
        rows = session.scalars(
            select(ReserveMovement)
            .where(ReserveMovement.township_code == township_code)
            .order_by(ReserveMovement.id.desc())
            .limit(limit)
        ).all()
        movements = [
            {"amount": r.amount, "kind": r.kind, "case_no": r.case_no, "note": r.note, "by": r.by, "at": r.at}
            for r in rows
        ]
        return {
            "township_code": township_code,
            "balance": balance(session, township_code),
            "movements": movements,
        }
