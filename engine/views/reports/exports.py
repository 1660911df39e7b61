"""The 台账 exported as CSV or XLSX: audited (who exported which area and filters, from where) in
its own transaction before the first row is read, then streamed from the database in batches."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from engine.services import jobs
from engine.store.models import AuditEvent
from engine.unit_of_work import UnitOfWork
from engine.views.reports.ledger import LEDGER_HEADERS, LedgerRow, ledger_conditions, stream
from engine.views.reports.scope import LedgerFilter, scope, validate

# A spreadsheet reads a cell that starts with one of these as a formula (tab and CR too, because some
# programs strip them first): OWASP's CSV injection advice is to prefix such text with a quote.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cells: list) -> list:
    """The row's cells with any text a spreadsheet would run as a formula turned into plain text
    (an applicant named =HYPERLINK(…) stays a name); numbers and dates are left as they are."""
    return ["'" + c if isinstance(c, str) and c.startswith(FORMULA_TRIGGERS) else c for c in cells]


def ledger_rows(
    uow: UnitOfWork, username: str, filters: LedgerFilter, export_format: str, remote_addr: str | None = None
) -> Iterator[LedgerRow]:
    """Audit the export, then every row of the filtered ledger, oldest first."""
    validate(filters)
    with uow:
        area = scope(uow.session, username, filters.area_code)
        uow.session.add(
            AuditEvent(
                at=uow.now(),
                actor=username,
                action="ledger_exported",
                data={
                    "format": export_format,
                    "scope": area,
                    "filters": filters.as_dict(),
                    "from": remote_addr,
                },
            )
        )
        uow.commit()
    return stream(uow, area, filters)


def export_csv(
    uow: UnitOfWork, username: str, filters: LedgerFilter, remote_addr: str | None = None
) -> Iterator[str]:
    """CSV text in chunks, with a byte order mark so spreadsheet programs read the Chinese."""
    rows = ledger_rows(uow, username, filters, "csv", remote_addr)

    def chunks() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")
        writer.writerow(LEDGER_HEADERS)
        for number, row in enumerate(rows, start=1):
            writer.writerow(spreadsheet_safe(row.cells()))
            if number % 1000 == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return chunks()


def export_xlsx(
    uow: UnitOfWork, username: str, filters: LedgerFilter, target, remote_addr: str | None = None
) -> int:
    """Write the ledger as an XLSX workbook to `target` (a path or a binary file); returns the row count."""
    from openpyxl import Workbook  # only exports need it

    rows = ledger_rows(uow, username, filters, "xlsx", remote_addr)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("台账")
    sheet.append(LEDGER_HEADERS)
    count = 0
    for row in rows:
        sheet.append(spreadsheet_safe(row.cells()))
        count += 1
    sheet.append([])
    sheet.append(["合计", "", "", "", "", "", "", f"=SUM(H2:H{count + 1})"])
    book.save(target)
    return count


# -- exports as jobs of `jiuzhu worker`: a whole county's workbook is written with progress --------
def start_export(
    uow: UnitOfWork, username: str, filters: LedgerFilter, export_format: str, remote_addr: str | None = None
) -> int:
    """Queue an export of the filtered ledger (checked and audited now, written by the worker);
    returns the job id, whose page shows the progress and then the file."""
    validate(filters)
    if export_format not in ("xlsx", "csv"):
        raise ValueError(export_format)
    with uow:
        area = scope(uow.session, username, filters.area_code)
        total = uow.session.scalar(select(func.count()).where(*ledger_conditions(area, filters)))
        job_id = jobs.enqueue(
            uow.session,
            "ledger_export",
            {"username": username, "area": area, "filters": filters.as_dict(), "format": export_format},
            username,
            uow.now(),
            total=total,
        )
        uow.session.add(
            AuditEvent(
                at=uow.now(),
                actor=username,
                action="ledger_exported",
                data={
                    "format": export_format,
                    "scope": area,
                    "filters": filters.as_dict(),
                    "from": remote_addr,
                    "job_id": job_id,
                },
            )
        )
        uow.commit()
    return job_id


def _filters(saved: dict) -> LedgerFilter:
    values = dict(saved)
    for key in ("date_from", "date_to"):
        if values.get(key):
            values[key] = date.fromisoformat(values[key])
    return LedgerFilter(**values)


def export_file(job_id: int, export_format: str) -> Path:
    return exports_dir() / f"ledger-{job_id}.{export_format}"


def run_export(uow: UnitOfWork, job) -> dict:
    """The worker's side: write every row to the exports folder (a temporary name, renamed when
    complete), reporting rows written as progress."""
    params = job.params
    filters, export_format, area = _filters(params["filters"]), params["format"], params["area"]
    target = export_file(job.id, export_format)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    with uow.reading() as reader:
        total = reader.session.scalar(select(func.count()).where(*ledger_conditions(area, filters)))
    job.progress(0, total, force=True)
    count = 0
    if export_format == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet("台账")
        sheet.append(LEDGER_HEADERS)
        for row in stream(uow, area, filters):
            sheet.append(spreadsheet_safe(row.cells()))
            count += 1
            if count % 500 == 0:
                job.progress(count, total)
        sheet.append([])
        sheet.append(["合计", "", "", "", "", "", "", f"=SUM(H2:H{count + 1})"])
        job.progress(count, total, "正在保存文件", force=True)
        book.save(partial)
    else:
        with open(partial, "w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            out.write("\ufeff")
            writer.writerow(LEDGER_HEADERS)
            for row in stream(uow, area, filters):
                writer.writerow(spreadsheet_safe(row.cells()))
                count += 1
                if count % 1000 == 0:
                    job.progress(count, total)
    os.replace(partial, target)
    job.progress(count, count, force=True)
    return {"file": target.name, "rows": count, "format": export_format, "bytes": target.stat().st_size}


@jobs.handler("ledger_export")
def _export_job(uow: UnitOfWork, job: jobs.JobContext) -> dict:
    return run_export(uow.reading(), job)


def exports_dir() -> Path:
    from engine import paths

    return paths.exports_dir()
