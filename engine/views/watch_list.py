"""备案管理: the county's watch list of households refused after the economic check or the
democratic review that may still be in difficulty (003 §二(一)三是), for re-assessment and warnings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from engine.errors import NotPermitted
from engine.permissions import may_work_in
from engine.services import people
from engine.store.models import WatchEntry
from engine.vocabulary import Role

if TYPE_CHECKING:
    from engine.unit_of_work import UnitOfWork

READERS = (Role.TOWNSHIP, Role.COUNTY, Role.AUDITOR)


def watch_list(uow: UnitOfWork, username: str, limit: int = 500) -> list[dict]:
    """The entries within the user's area (a township its own, the county and its auditor all)."""
    with uow:
        session = uow.session
        user = people.get_user(session, username)
        if Role(user.role) not in READERS:
            raise NotPermitted("您的岗位不查看备案名单")
        county = user.area_code[:6]
        rows = session.scalars(
            select(WatchEntry)
            .where(WatchEntry.county_code == county)
            .order_by(WatchEntry.registered_at.desc(), WatchEntry.id.desc())
            .limit(limit)
        )
        return [
            {
                "case_no": r.case_no,
                "area_code": r.area_code,
                "name": r.applicant_name,
                "id_number": r.applicant_id_number,
                "reason_code": r.reason_code,
                "reason": r.reason,
                "registered_at": r.registered_at,
            }
            for r in rows
            if Role(user.role) == Role.AUDITOR or may_work_in(user, r.area_code)
        ]
