"""Formula injection (OWASP "CSV injection"): text that a spreadsheet would run as a formula comes out
of every ledger export — CSV and XLSX, downloaded at once or written by the worker — as plain text."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from engine.store.models import User
from engine.views.reports import LedgerFilter
from engine.views.reports.exports import export_file
from tests.web.journeys import advance, application, form_data, start, task_named

NAME = '=HYPERLINK("http://x.test","p")'
HANDLER = "@SUM(1+1)*cmd|' /C calc'!A0"


@pytest.fixture
def injected(eng):
    """A paid case whose applicant and handler (the 经办人 column) are named like formulas."""
    with eng.db.write() as session:
        session.execute(update(User).where(User.username == "town_chengguan").values(display_name=HANDLER))
    case_no = start(eng, application(serial=21, name=NAME))
    advance(eng, case_no, "补办手续")
    eng.complete("town_chengguan", task_named(eng, case_no, "发放").task_id, form_data("payment.schema.json"))
    return case_no


def _check(cells: list) -> None:
    assert "'" + NAME in cells and "'" + HANDLER in cells
    assert not any(isinstance(c, str) and c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)
    assert 800 in cells or "800" in cells  # the amount stays a number


def test_the_csv_download_neutralises_formulas(visitor, injected):
    exported = visitor("county_mz").client.get("/reports/ledger.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(exported.lstrip("\ufeff"))))
    _check(rows[1])


def test_the_xlsx_download_has_no_formula_cell_but_the_total(visitor, injected):
    book = load_workbook(io.BytesIO(visitor("county_mz").client.get("/reports/ledger.xlsx").data))
    sheet = book.active
    _check([c.value for c in sheet[2]])
    formulas = [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == [f"H{sheet.max_row}"]  # only our own =SUM of the amounts


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_the_workers_export_files_neutralise_formulas(eng, injected, tmp_path, monkeypatch, export_format):
    monkeypatch.setenv("JIUZHU_EXPORTS_DIR", str(tmp_path))
    job_id = eng.reports().start_export("county_mz", LedgerFilter(), export_format)
    eng.run_job_now(job_id)
    path = export_file(job_id, export_format)
    if export_format == "csv":
        _check(list(csv.reader(io.StringIO(path.read_text("utf-8-sig"))))[1])
    else:
        sheet = load_workbook(path).active
        _check([c.value for c in sheet[2]])
        assert {c.row for row in sheet.iter_rows() for c in row if c.data_type == "f"} == {sheet.max_row}
