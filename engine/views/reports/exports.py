"""The 台账 exported as CSV or XLSX: audited (who exported which area and filters, from where) in
its own transaction before the first row is read, then streamed from the database in batches."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from engine.store.models import AuditEvent
from engine.unit_of_work import UnitOfWork
from engine.views.reports.ledger import LEDGER_HEADERS, LedgerRow, stream
from engine.views.reports.scope import LedgerFilter, scope, validate


def ledger_rows(uow: UnitOfWork, username: str, filters: LedgerFilter, export_format: str,
                remote_addr: str | None = None) -> Iterator[LedgerRow]:
    """Audit the export, then every row of the filtered ledger, oldest first."""
    validate(filters)
    with uow:
        area = scope(uow.session, username, filters.area_code)
        uow.session.add(
            AuditEvent(
                at=uow.now(),
                actor=username,
                action="ledger_exported",
                data={"format": export_format, "scope": area, "filters": filters.as_dict(), "from": remote_addr},
            )
        )
        uow.commit()
    return stream(uow, area, filters)


def export_csv(uow: UnitOfWork, username: str, filters: LedgerFilter, remote_addr: str | None = None) -> Iterator[str]:
    """CSV text in chunks, with a byte order mark so spreadsheet programs read the Chinese."""
    rows = ledger_rows(uow, username, filters, "csv", remote_addr)

    def chunks() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")
        writer.writerow(LEDGER_HEADERS)
        for number, row in enumerate(rows, start=1):
            writer.writerow(row.cells())
            if number % 1000 == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return chunks()


def export_xlsx(uow: UnitOfWork, username: str, filters: LedgerFilter, target, remote_addr: str | None = None) -> int:
    """Write the ledger as an XLSX workbook to `target` (a path or a binary file); returns the row count."""
    from openpyxl import Workbook  # only exports need it

    rows = ledger_rows(uow, username, filters, "xlsx", remote_addr)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("台账")
    sheet.append(LEDGER_HEADERS)
    count = 0
    for row in rows:
        sheet.append(row.cells())
        count += 1
    sheet.append([])
    sheet.append(["合计", "", "", "", "", "", "", f"=SUM(H2:H{count + 1})"])
    book.save(target)
    return count
