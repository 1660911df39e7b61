"""The county's rosters (名册): 低保, 特困 and 建档立卡 from the civil-affairs and rural-revitalisation
systems, and the 返贫 list the poverty-alleviation department supplies (000 §二(一), §二(三)); the
monitored populations (未脱贫, 返贫风险监测, 边缘) the monthly comparison checks (003 §二(一)) and the
further low-income groups of 001 ¶3, whose lists may carry a household's per-capita income.

A household's status counts only when a roster confirms it: the application's self-declared
status does not waive the income and property check (000 §二(一); 002 §二(二)). The rosters come as
CSV or JSON exports, like the monitoring warnings (engine/services/monitoring.py). Importing a
person already on the same roster updates the entry, so importing the same file twice changes
nothing twice; bad records are reported with their row and field errors and the good ones are kept.
One import is one unit of work, audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from engine import textfiles
from engine.areas import county_of
from engine.errors import FieldError, NotPermitted, ValidationFailed
from engine.forms import id_number_problem
from engine.services import people
from engine.store.models import AuditEvent, RosterEntry
from engine.unit_of_work import UnitOfWork
from engine.vocabulary import ROSTERS, Role

# CSV columns: one person a row; `roster` may be left out when the whole file is one roster.
CSV_COLUMNS = (
    "roster",
    "area_code",
    "id_number",
    "name",
    "listed_on",
    "valid_until",
    "source",
    "income_per_capita",  # 家庭人均月收入（元）, where the list carries it (001 ¶3)
)
REQUIRED_COLUMNS = ("area_code", "id_number", "name")
MAX_RECORDS = 100_000


@dataclass
class ImportResult:
    added: int = 0
    updated: int = 0
    errors: list[dict] = field(default_factory=list)  # {"record": n, "id_number", "errors": [...]}


def parse(text: str, fmt: str) -> list[dict]:
    """Records as dicts; raises ValidationFailed when the file itself cannot be read."""
    records = textfiles.records(text, fmt, REQUIRED_COLUMNS, "名册记录", _from_csv_row)
    if len(records) > MAX_RECORDS:
        raise ValidationFailed([FieldError("file", f"文件：记录过多（不超过 {MAX_RECORDS} 条）")])
    return records


def _from_csv_row(row: dict) -> dict:
    return {k: (v or "").strip() for k, v in row.items() if k}


def _date(record: dict, key: str, title: str, errors: list[FieldError]) -> str | None:
    value = str(record.get(key) or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        errors.append(FieldError(key, f"{title}：应为日期（如 2026-01-31）"))
        return None


def _income(record: dict, errors: list[FieldError]) -> int | None:
    value = record.get("income_per_capita")
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit() or int(text) > 10_000_000:
        errors.append(FieldError("income_per_capita", "家庭人均月收入：应为不小于 0 的整数（元）"))
        return None
    return int(text)


def _entry(record: dict, roster: str | None, county: str) -> tuple[dict, list[FieldError]]:
    """The fields of one roster entry, or the record's field errors."""
    errors: list[FieldError] = []
    which = str(record.get("roster") or roster or "").strip()
    if which not in ROSTERS:
        errors.append(FieldError("roster", f"名册：应为 {'、'.join(ROSTERS)} 之一"))
    area = str(record.get("county_code") or record.get("area_code") or "").strip()
    if not area.isdigit() or len(area) not in (6, 9, 12) or county_of(area) != county:
        errors.append(FieldError("area_code", f"行政区划代码：应为本县（{county}）的区划代码"))
    id_number = str(record.get("id_number") or "").strip().upper()
    problem = id_number_problem(id_number) if id_number else "必填"
    if problem:
        errors.append(FieldError("id_number", f"公民身份号码：{problem}"))
    name = str(record.get("name") or "").strip()
    if not name or len(name) > 100:
        errors.append(FieldError("name", "姓名：必填，不超过 100 个字"))
    listed_on = _date(record, "listed_on", "纳入日期", errors)
    valid_until = _date(record, "valid_until", "有效期至", errors)
    source = str(record.get("source") or "").strip()[:200]
    income = _income(record, errors)
    fields = {
        "roster": which,
        "id_number": id_number,
        "name": name,
        "listed_on": listed_on,
        "valid_until": valid_until,
        "source": source or f"{ROSTERS.get(which, which)}名册导入",
        "income_per_capita": income,
    }
    return fields, errors


def import_roster(
    uow: UnitOfWork,
    text: str,
    fmt: str,
    roster: str | None = None,
    by: str | None = None,
    county: str | None = None,
) -> ImportResult:
    """Add or update the county's roster entries from one file (CSV or JSON). The county is the
    importing clerk's (县级民政部门); the command line, importing as the system, names it."""
    if roster is not None and roster not in ROSTERS:
        raise ValidationFailed([FieldError("roster", f"名册：应为 {'、'.join(ROSTERS)} 之一")])
    records = parse(text, fmt)
    result = ImportResult()
    with uow:
        session = uow.session
        if by is not None:
            user = people.get_user(session, by)
            if Role(user.role) != Role.COUNTY or (county is not None and user.area_code != county):
                raise NotPermitted("只有本县民政部门可以导入本县名册")
            county = user.area_code
        if not county or len(county) != 6 or not county.isdigit():
            raise ValidationFailed([FieldError("county", "县级区划代码：必填，6 位数字")])
        now = uow.now()
        for number, record in enumerate(records, start=1):
            fields, errors = _entry(record, roster, county)
            if errors:
                result.errors.append(
                    {
                        "record": number,
                        "id_number": fields["id_number"],
                        "errors": [e.as_dict() for e in errors],
                    }
                )
                continue
            entry = session.scalar(
                select(RosterEntry).where(
                    RosterEntry.county_code == county,
                    RosterEntry.roster == fields["roster"],
                    RosterEntry.id_number == fields["id_number"],
                )
            )
            if entry is None:
                session.add(
                    RosterEntry(county_code=county, imported_at=now, imported_by=by or "system", **fields)
                )
                session.flush()
                result.added += 1
            else:
                for key, value in fields.items():
                    setattr(entry, key, value)
                entry.imported_at, entry.imported_by = now, by or "system"
                result.updated += 1
        session.add(
            AuditEvent(
                at=now,
                actor=by or "system",
                action="roster_imported",
                data={
                    "county": county,
                    "roster": roster,
                    "format": fmt,
                    "added": result.added,
                    "updated": result.updated,
                    "errors": len(result.errors),
                },
            )
        )
        uow.commit()
    return result


def statuses(session, county: str, id_numbers: list[str], on: date) -> list[str]:
    """The rosters of `county` that list any of `id_numbers` on the day `on` (sorted)."""
    rows = session.execute(
        select(RosterEntry.roster, RosterEntry.listed_on, RosterEntry.valid_until).where(
            RosterEntry.county_code == county, RosterEntry.id_number.in_(id_numbers)
        )
    ).all()
    day = on.isoformat()
    found = {
        r.roster
        for r in rows
        if (r.listed_on is None or r.listed_on <= day) and (r.valid_until is None or r.valid_until >= day)
    }
    return sorted(found)


def entries(uow: UnitOfWork, county: str, roster: str | None = None, limit: int = 200) -> list[RosterEntry]:
    with uow:
        query = select(RosterEntry).where(RosterEntry.county_code == county)
        if roster:
            query = query.where(RosterEntry.roster == roster)
        rows = uow.session.scalars(query.order_by(RosterEntry.roster, RosterEntry.id).limit(limit)).all()
        uow.session.expunge_all()
        return list(rows)
