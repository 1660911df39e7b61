"""What residents read without signing in: 信息公示 and 救助结果公开 of a township (masked)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from engine.store.models import PublicNotice, PublicResult

if TYPE_CHECKING:
    from engine.unit_of_work import UnitOfWork


def public_notices(uow: UnitOfWork, township_code: str) -> list[dict]:
    """信息公示 of a township: masked name and ID number, household size, category, amount."""
    now = uow.now()
    with uow:
        session = uow.session
        rows = session.scalars(
            select(PublicNotice)
            .where(PublicNotice.township_code == township_code, PublicNotice.status == "open")
            .order_by(PublicNotice.published_at)
        )
        return [
            {
                "case_no": r.case_no,
                "name": r.masked_name,
                "id_number": r.masked_id_number,
                "household_size": r.household_size,
                "category": r.category,
                "amount": r.amount,
                "published_at": r.published_at,
                "until": r.until,
            }
            for r in rows
            if r.until is None or r.until >= now
        ]


def public_results(uow: UnitOfWork, township_code: str, limit: int = 200) -> list[dict]:
    """救助结果公开 of a township, the latest `limit` first: every payment in money, goods or to a bank account,
    with the name and ID number partly masked (002 §五)."""
    with uow:
        session = uow.session
        rows = session.scalars(
            select(PublicResult)
            .where(PublicResult.township_code == township_code)
            .order_by(PublicResult.id.desc())  # in the order published
            .limit(limit)
        )
        return [
            {
                "case_no": r.case_no,
                "name": r.masked_name,
                "id_number": r.masked_id_number,
                "category": r.category,
                "amount": r.amount,
                "way": r.way,
                "stage": r.stage,
                "paid_at": r.paid_at,
                "published_at": r.published_at,
            }
            for r in rows
        ]
