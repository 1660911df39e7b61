"""The low-income monitoring register (低收入人口动态监测名册, 001 ¶3): the people from whom warnings
are raised. Whether a person belongs is the DMN decision `monitoring_register`
(bpmn/monitoring_register.dmn, deployed with the diagrams so the process owner tunes it): the groups
the county's rosters list the person in (低保, 特困, 未脱贫, 返贫 and 返贫风险, 边缘, 刚性支出较大或收入
大幅缩减), or a household per-capita income below the county's low-income line (当地低保标准 ×
low_income_line_multiplier). Income counts only where a list the county imported carries it; a
person with no group and no income on file is not in the register.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select

from engine.services.coverage import county_of_clerk
from engine.store.models import RosterEntry
from engine.unit_of_work import UnitOfWork
from engine.vocabulary import LOCAL_TZ
from engine.workflow.decisions import Decision

DECISION = "monitoring_register"


@dataclass(frozen=True)
class RegisterEntry:
    id_number: str
    name: str
    groups: tuple[str, ...]  # the rosters listing the person that day
    income_per_capita: int | None  # the lowest figure a list carries, 元/人·月
    basis: str  # the rule that placed the person in the register (纳入依据)


def register(
    uow: UnitOfWork, county: str | None = None, on: date | None = None, username: str | None = None
) -> list[RegisterEntry]:
    """Who is in the county's monitoring register on the day `on` (today by default)."""
    with uow:
        session = uow.session
        county = county_of_clerk(session, username, county)
        now = uow.now()
        day = (on or now.astimezone(LOCAL_TZ).date()).isoformat()
        decide = Decision(uow, DECISION, county, "低收入人口动态监测范围")
        people: dict[str, list[RosterEntry]] = {}
        for entry in session.scalars(
            select(RosterEntry)
            .where(
                RosterEntry.county_code == county,
                or_(RosterEntry.listed_on.is_(None), RosterEntry.listed_on <= day),
                or_(RosterEntry.valid_until.is_(None), RosterEntry.valid_until >= day),
            )
            .order_by(RosterEntry.id_number, RosterEntry.roster)
        ):
            people.setdefault(entry.id_number, []).append(entry)
        found = []
        for id_number, entries in people.items():
            groups = tuple(sorted({e.roster for e in entries}))
            incomes = [e.income_per_capita for e in entries if e.income_per_capita is not None]
            income = min(incomes) if incomes else None
            result = decide(groups=list(groups), income_per_capita=income)
            if result.get("monitored"):
                found.append(
                    RegisterEntry(id_number, entries[0].name, groups, income, result["monitoring_basis"])
                )
        return found
