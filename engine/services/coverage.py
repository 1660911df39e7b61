"""The monthly comparison (每月一比对, 003 §二(一)一是, §三(一); 000 §三(三)): the county's
未脱贫, 返贫风险监测 and 边缘 populations against the 低保 and 特困 rolls and the 临时救助 cases; whoever
none of them covers goes into the county's 台账 for that month (the rule is the DMN decision
`coverage_comparison`, bpmn/coverage_comparison.dmn), with the risk found and a follow-up
status the clerk keeps up to date (待跟进 → 已转介 / 已申请 / 已纳入救助 / 无需救助).

Who is on a list, and who is covered, is read on the month's last day (today, for the running
month). A 临时救助 case covers its applicant while it runs and for a year after it closed with aid or
a referral; a refused, withdrawn or cancelled case covers no one. Household members of a case are not
counted as covered: the case keeps them only inside its application.

Running the comparison again for the same county and month adds whoever is newly uncovered and leaves
the lines already there, with their follow-up, as they are. One run is one unit of work, audited; so
is each change of follow-up.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, or_, select

from engine import parameters
from engine.errors import FieldError, NotFound, NotPermitted, ValidationFailed
from engine.services import people
from engine.store.models import AuditEvent, Case, CoverageEntry, RosterEntry
from engine.unit_of_work import UnitOfWork
from engine.vocabulary import COMPARED_ROSTERS, COVERING_ROSTERS, FOLLOW_UP, LOCAL_TZ, ROSTERS, Role
from engine.workflow.decisions import Decision

DECISION = "coverage_comparison"  # bpmn/coverage_comparison.dmn: who goes into the 台账
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
# How long after it closed a 临时救助 case still counts as covering its applicant.
CASE_COVERS_FOR = timedelta(days=365)
NOT_COVERING_OUTCOMES = ("refused", "withdrawn")


@dataclass
class ComparisonResult:
    county: str
    month: str
    compared: int = 0  # persons on the monitored lists that day
    uncovered: int = 0  # of them, covered by none of the rolls
    added: int = 0  # new lines in the 台账 (the rest were there from an earlier run)


def month_bounds(month: str) -> tuple[date, date]:
    found = MONTH.match(month or "")
    if not found or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 2000:
        raise ValidationFailed([FieldError("month", "月份：应为 年-月（如 2026-11）")])
    year, number = int(found.group(1)), int(found.group(2))
    return date(year, number, 1), date(year, number, calendar.monthrange(year, number)[1])


def county_of_clerk(session, by: str | None, county: str | None) -> str:
    """The county a clerk of the county civil affairs (县级民政部门) works for; the command line,
    acting as the system, names it."""
    if by is not None:
        user = people.get_user(session, by)
        if Role(user.role) != Role.COUNTY or (county is not None and user.area_code != county):
            raise NotPermitted("只有本县民政部门可以开展本县的比对和跟进")
        county = user.area_code
    if not county or len(county) != 6 or not county.isdigit():
        raise ValidationFailed([FieldError("county", "县级区划代码：必填，6 位数字")])
    return county


def _listed(county: str, rosters: tuple[str, ...], day: date):
    iso = day.isoformat()
    return select(RosterEntry).where(
        RosterEntry.county_code == county,
        RosterEntry.roster.in_(rosters),
        or_(RosterEntry.listed_on.is_(None), RosterEntry.listed_on <= iso),
        or_(RosterEntry.valid_until.is_(None), RosterEntry.valid_until >= iso),
    )


def _with_aid(session, county: str, day: date) -> set[str]:
    """The applicants a 临时救助 case covers on `day`."""
    end = datetime.combine(day + timedelta(days=1), time(), LOCAL_TZ)
    rows = session.scalars(
        select(Case.applicant_id_number).where(
            Case.county_code == county,
            Case.started_at < end,
            Case.status != "cancelled",
            or_(Case.outcome.is_(None), Case.outcome.not_in(NOT_COVERING_OUTCOMES)),
            or_(Case.closed_at.is_(None), Case.closed_at >= end - CASE_COVERS_FOR),
        )
    )
    return {number.upper() for number in rows}


def risk_of(groups: list[str], income: int | None, dibao_standard: int) -> str:
    """What the 台账 says about a person's risk (深入分析返贫致贫风险): the lists that name them and
    how their household's income stands against the 低保 standard, where a list carries it."""
    parts = ["、".join(ROSTERS[g] for g in groups) + "，未纳入低保、特困供养，无临时救助"]
    if income is None:
        parts.append("名册未载家庭人均收入，须入户核实")
    elif income <= dibao_standard:
        parts.append(f"家庭人均月收入 {income} 元，不高于低保标准 {dibao_standard} 元，可能符合低保条件")
    else:
        parts.append(f"家庭人均月收入 {income} 元，高于低保标准 {dibao_standard} 元")
    if "fanpin_risk" in groups:
        parts.append("返贫风险较高")
    return "；".join(parts)


def compare(uow: UnitOfWork, county: str | None, month: str, by: str | None = None) -> ComparisonResult:
    """Compare the county's monitored populations with its rolls for `month` and write the 台账."""
    first, last = month_bounds(month)
    with uow:
        session = uow.session
        county = county_of_clerk(session, by, county)
        now = uow.now()
        day = min(last, now.astimezone(LOCAL_TZ).date())
        if day < first:
            raise ValidationFailed([FieldError("month", "月份：不能比对尚未开始的月份")])
        monitored: dict[str, list[RosterEntry]] = {}
        for entry in session.scalars(_listed(county, COMPARED_ROSTERS, day)):
            monitored.setdefault(entry.id_number, []).append(entry)
        on_rolls: dict[str, set[str]] = {}
        for entry in session.scalars(_listed(county, COVERING_ROSTERS, day)):
            on_rolls.setdefault(entry.id_number, set()).add(entry.roster)
        with_aid = _with_aid(session, county, day)
        decide = Decision(uow, DECISION, county, "每月比对：未纳入救助的监测人口")
        already = set(
            session.scalars(
                select(CoverageEntry.id_number).where(
                    CoverageEntry.county_code == county, CoverageEntry.month == month
                )
            )
        )
        dibao_standard = parameters.in_force(session, county, now).get("dibao_standard_monthly")
        result = ComparisonResult(county, month, compared=len(monitored))
        for id_number in sorted(monitored):
            entries = monitored[id_number]
            groups = [g for g in COMPARED_ROSTERS if any(e.roster == g for e in entries)]
            found = decide(
                groups=groups + sorted(on_rolls.get(id_number, ())),
                temporary_assistance=id_number in with_aid,
            )
            if not found.get("uncovered"):
                continue
            result.uncovered += 1
            if id_number in already:
                continue
            incomes = [e.income_per_capita for e in entries if e.income_per_capita is not None]
            session.add(
                CoverageEntry(
                    county_code=county,
                    month=month,
                    id_number=id_number,
                    name=entries[0].name,
                    groups=",".join(groups),
                    risk=risk_of(groups, min(incomes) if incomes else None, int(dibao_standard)),
                    follow_up="pending",
                    updated_by=by or "system",
                    created_at=now,
                    updated_at=now,
                )
            )
            result.added += 1
        session.add(
            AuditEvent(
                at=now,
                actor=by or "system",
                action="rosters_compared",
                data={
                    "county": county,
                    "month": month,
                    "on": day.isoformat(),
                    "compared": result.compared,
                    "uncovered": result.uncovered,
                    "added": result.added,
                },
            )
        )
        uow.commit()
    return result


def ledger(uow: UnitOfWork, username: str | None, county: str | None, month: str) -> list[CoverageEntry]:
    """The 台账 of one county and month, in the order of ID number."""
    month_bounds(month)
    with uow:
        county = county_of_clerk(uow.session, username, county)
        rows = uow.session.scalars(
            select(CoverageEntry)
            .where(CoverageEntry.county_code == county, CoverageEntry.month == month)
            .order_by(CoverageEntry.id_number)
        ).all()
        uow.session.expunge_all()
        return list(rows)


def months(uow: UnitOfWork, username: str) -> list[str]:
    """The months the clerk's county has a 台账 for, newest first."""
    with uow:
        county = county_of_clerk(uow.session, username, None)
        return list(
            uow.session.scalars(
                select(CoverageEntry.month)
                .where(CoverageEntry.county_code == county)
                .group_by(CoverageEntry.month)
                .order_by(func.max(CoverageEntry.month).desc())
            )
        )


def set_follow_up(uow: UnitOfWork, entry_id: int, follow_up: str, note: str | None, by: str) -> CoverageEntry:
    """Record how a person in the 台账 was followed up. 无需救助 needs the reason."""
    note = (note or "").strip()
    errors = []
    if follow_up not in FOLLOW_UP:
        errors.append(FieldError("follow_up", f"跟进状态：应为 {'、'.join(FOLLOW_UP.values())} 之一"))
    if follow_up == "not_needed" and not note:
        errors.append(FieldError("note", "说明：认定无需救助的，须写明理由"))
    if len(note) > 1000:
        errors.append(FieldError("note", "说明：不超过 1000 字"))
    if errors:
        raise ValidationFailed(errors)
    with uow:
        session = uow.session
        county = county_of_clerk(session, by, None)
        entry = session.get(CoverageEntry, entry_id)
        if entry is None or entry.county_code != county:
            raise NotFound("台账中没有这一条")
        before = entry.follow_up
        entry.follow_up, entry.follow_up_note = follow_up, note or None
        entry.updated_by, entry.updated_at = by, uow.now()
        session.add(
            AuditEvent(
                at=entry.updated_at,
                actor=by,
                action="coverage_follow_up",
                data={
                    "county": county,
                    "month": entry.month,
                    "id_number": entry.id_number,
                    "from": before,
                    "to": follow_up,
                    "note": note or None,
                },
            )
        )
        uow.commit()
        session.expunge(entry)
        return entry


LEDGER_HEADERS = (
    "姓名",
    "公民身份号码",
    "监测类别",
    "风险分析",
    "跟进状态",
    "跟进说明",
    "记录人",
    "更新时间",
)


def export_rows(uow: UnitOfWork, username: str, month: str, remote_addr: str | None = None) -> list[list]:
    """The 台账's rows for a spreadsheet, the export audited (who took which county's month, from where)."""
    month_bounds(month)
    with uow:
        session = uow.session
        county = county_of_clerk(session, username, None)
        rows = [
            [
                r.name,
                r.id_number,
                "、".join(ROSTERS[g] for g in r.groups.split(",")),
                r.risk,
                FOLLOW_UP[r.follow_up],
                r.follow_up_note or "",
                r.updated_by,
                r.updated_at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M"),
            ]
            for r in session.scalars(
                select(CoverageEntry)
                .where(CoverageEntry.county_code == county, CoverageEntry.month == month)
                .order_by(CoverageEntry.id_number)
            )
        ]
        session.add(
            AuditEvent(
                at=uow.now(),
                actor=username,
                action="coverage_exported",
                data={"county": county, "month": month, "rows": len(rows), "from": remote_addr},
            )
        )
        uow.commit()
    return rows
