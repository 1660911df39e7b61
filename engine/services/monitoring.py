"""Warnings from the 低收入人口动态监测平台 (001; 004 §二(四)): each record starts a case.

The platform exports CSV or JSON. A record becomes an application submitted by the monitoring
platform (`channel="warning"`), so the first task is the village's on-site check (主动发现). A record
already imported (same 预警编号) is skipped, so importing the same file twice starts nothing twice.
Bad records are reported with their row and field errors; the good ones still start.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from engine import textfiles
from engine.errors import DomainError, FieldError, ValidationFailed
from engine.services import cases
from engine.unit_of_work import UnitOfWork

# CSV columns (the platform's export, one household per row). Lists are separated by ';'.
CSV_COLUMNS = (
    "warning_id",
    "warning_type",
    "pushed_on",
    "area_code",
    "name",
    "id_number",
    "phone",
    "reason",
    "description",
    "needed_amount",
    "household_categories",
    "emergency_date",
    "emergency_place",
)
_INTEGER_COLUMNS = ("needed_amount",)


@dataclass
class ImportResult:
    started: list[str] = field(default_factory=list)  # case numbers
    skipped: list[str] = field(default_factory=list)  # warning ids already imported
    errors: list[dict] = field(default_factory=list)  # {"record": n, "warning_id", "errors": [...]}


def parse(text: str, fmt: str) -> list[dict]:
    """Records as dicts; raises ValidationFailed when the file itself cannot be read."""
    return textfiles.records(
        text, fmt, ("warning_id", "area_code", "name", "id_number"), "预警记录", _from_csv_row
    )


def _from_csv_row(row: dict) -> dict:
    record = {k: (v or "").strip() for k, v in row.items() if k}
    for column in _INTEGER_COLUMNS:
        value = record.get(column)
        if value and re.fullmatch(r"-?[0-9]{1,15}", value):  # else left as text: the form names the field
            record[column] = int(value)
    record["household_categories"] = [c for c in record.get("household_categories", "").split(";") if c]
    return record


def to_application(record: dict) -> tuple[str, dict]:
    """(area code, application) for one record; a JSON record may already carry a full application."""
    if isinstance(record.get("application"), dict):
        return str(record.get("area_code", "")), record["application"]
    applicant = {
        "name": record.get("name", ""),
        "id_number": str(record.get("id_number", "")).upper(),
        "hukou_local": True,
    }
    if record.get("phone"):
        applicant["phone"] = record["phone"]
    application = {
        "applicant": applicant,
        "household_members": [],
        "household_categories": record.get("household_categories") or [],
        "reason": record.get("reason") or "other_hardship",
        "description": record.get("description") or "监测平台预警",
        "emergency_date": record.get("emergency_date") or record.get("pushed_on", ""),
        "emergency_place": record.get("emergency_place") or "",
        "needed_amount": record.get("needed_amount", 0),
        "applying_dibao_tekun": False,
        "submitted_by": "monitoring_platform",
        "warning": {
            "warning_id": record.get("warning_id", ""),
            "warning_type": record.get("warning_type", ""),
            "pushed_on": record.get("pushed_on", ""),
        },
    }
    return str(record.get("area_code", "")), application


def import_warnings(uow: UnitOfWork, text: str | bytes, fmt: str, by: str | None = None) -> ImportResult:
    """`text` may be the file's bytes: the encoding is detected (engine.textfiles). Each record starts
    its case in a unit of work of its own, derived from `uow`: a bad record leaves the others."""
    if isinstance(text, bytes):
        text = textfiles.decode(text)
    result = ImportResult()
    for number, record in enumerate(parse(text, fmt), start=1):
        area_code, application = to_application(record)
        warning = application.get("warning")
        warning_id = str(warning.get("warning_id") or "") if isinstance(warning, dict) else ""
        if not warning_id:
            result.errors.append(
                {
                    "record": number,
                    "warning_id": "",
                    "errors": [FieldError("warning_id", "预警编号：必填").as_dict()],
                }
            )
            continue
        try:
            ref = cases.start_case(
                uow.writing(),
                application,
                area_code,
                by,
                channel="warning",
                dedupe_key=f"warning:{warning_id}",
            )
        except ValidationFailed as err:
            result.errors.append(
                {"record": number, "warning_id": warning_id, "errors": [e.as_dict() for e in err.errors]}
            )
            continue
        except DomainError as err:
            result.errors.append(
                {"record": number, "warning_id": warning_id, "errors": [{"path": "", "message": err.message}]}
            )
            continue
        except RecursionError:  # a record nested too deep for the form check
            message = "记录嵌套层数过深"
            result.errors.append(
                {"record": number, "warning_id": warning_id, "errors": [{"path": "", "message": message}]}
            )
            continue
        (result.started if ref.created else result.skipped).append(ref.case_no if ref.created else warning_id)
    return result
