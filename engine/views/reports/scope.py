"""What a report covers: the area a user may report on, the filters of a report, and the SQL
conditions they make. Dates and months are China time: a day starts at 00:00 in UTC+8."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from engine.areas import within
from engine.errors import FieldError, NotPermitted, ValidationFailed
from engine.services import people
from engine.vocabulary import CATEGORIES_WITH_UNCLASSIFIED, LOCAL_TZ, PAYMENT_WAYS, UNCLASSIFIED, Role

COUNTY_READERS = (Role.COUNTY, Role.COUNTY_GOV, Role.COORDINATION, Role.AUDITOR, Role.PROCESS_OWNER)
# Read-only civil affairs above the county: the reports of every county within their city or province.
ABOVE_COUNTY_READERS = (Role.CITY, Role.PROVINCE)


@dataclass(frozen=True)
class LedgerFilter:
    area_code: str | None = None
    date_from: date | None = None
    date_to: date | None = None  # inclusive
    category: str | None = None
    way: str | None = None

    def as_dict(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in self.__dict__.items() if v}


def scope(session: Session, username: str, area_code: str | None) -> str:
    """The area the user may report on, narrowed to `area_code` when it lies within it."""
    user = people.get_user(session, username)
    role = Role(user.role)
    if role in COUNTY_READERS:
        allowed = user.area_code[:6]
    elif role in ABOVE_COUNTY_READERS or role == Role.TOWNSHIP:
        allowed = user.area_code
    else:
        raise NotPermitted("无权查看统计报表")
    if not area_code:
        return allowed
    if not area_code.startswith(allowed) or not area_code.isdigit():
        raise NotPermitted("只能查看本辖区的报表")
    return area_code


def validate(filters: LedgerFilter) -> None:
    errors = []
    if filters.category and filters.category not in CATEGORIES_WITH_UNCLASSIFIED:
        errors.append(FieldError("category", "救助类别：取值不在可选范围内"))
    if filters.way and filters.way not in PAYMENT_WAYS:
        errors.append(FieldError("way", "救助方式：取值不在可选范围内"))
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        errors.append(FieldError("date_to", "截止日期：不能早于起始日期"))
    if errors:
        raise ValidationFailed(errors, "；".join(e.message for e in errors))


def local_text(moment: datetime | None) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M") if moment else ""


def local_start(day: date) -> datetime:
    return datetime.combine(day, time(0), LOCAL_TZ).astimezone(UTC)


def conditions(scope: str, filters: LedgerFilter, county, area, moment, category) -> list:
    """The area, period (China time, `date_to` inclusive) and category of a report, on these columns.
    A city or province is the counties whose codes it prefixes."""
    if len(scope) < 6:
        found = list(within(county, scope))
    else:
        found = [county == scope[:6]]
    if len(scope) > 6:
        found += list(within(area, scope))
    if filters.date_from:
        found.append(moment >= local_start(filters.date_from))
    if filters.date_to:
        found.append(moment < local_start(filters.date_to + timedelta(days=1)))
    if filters.category == UNCLASSIFIED:
        found.append(category.is_(None))
    elif filters.category:
        found.append(category == filters.category)
    return found
