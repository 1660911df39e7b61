"""The monthly comparison's 台账 through HTTP (003 §二(一)一是): the county clerk sees who no roll
covers, records the follow-up, exports it with names a spreadsheet would run made plain text; a
township clerk sees none of it."""

from __future__ import annotations

import csv
import io
import json

from tests.web.conftest import visible_text

COUNTY = "639001"
MONTH = "2026-11"


def _compared(eng):
    listed = [
        {"area_code": "639001001001", "id_number": "630122198505051004", "name": "=HYPERLINK(1)"},
        {
            "area_code": "639001001001",
            "id_number": "630122199009091001",
            "name": "赵永福",
            "income_per_capita": 400,
        },
        {"area_code": "639001001001", "id_number": "630122198001011009", "name": "李建国"},
    ]
    eng.import_roster(json.dumps(listed), "json", roster="bianyuan", by="county_mz")
    eng.import_roster(json.dumps(listed[2:]), "json", roster="dibao", by="county_mz")
    return eng.compare_rosters(MONTH, by="county_mz")


def test_the_county_follows_up_and_exports_the_ledger(visitor, eng):
    assert _compared(eng).added == 2
    county = visitor("county_mz")
    page = visible_text(county.get(f"/reports/coverage?month={MONTH}").get_data(as_text=True))
    assert "赵永福" in page and "不高于低保标准" in page and "李建国" not in page
    entry = next(r for r in eng.coverage_ledger(MONTH, username="county_mz") if r.name == "赵永福")
    county.post(
        f"/reports/coverage/{entry.id}",
        data={"month": MONTH, "follow_up": "applied", "note": "已提交低保申请"},
    )
    refused = county.post(f"/reports/coverage/{entry.id}", data={"month": MONTH, "follow_up": "not_needed"})
    assert "须写明理由" in visible_text(county.get(refused.headers["Location"]).get_data(as_text=True))
    exported = county.client.get(f"/reports/coverage.csv?month={MONTH}").get_data(as_text=True)
    rows = {r["公民身份号码"]: r for r in csv.DictReader(io.StringIO(exported.lstrip("\ufeff")))}
    assert rows["630122199009091001"]["跟进状态"] == "已申请"
    assert rows["630122199009091001"]["跟进说明"] == "已提交低保申请"
    assert rows["630122198505051004"]["姓名"] == "'=HYPERLINK(1)"


def test_a_township_clerk_cannot_read_or_change_the_county_ledger(visitor, eng):
    _compared(eng)
    entry = eng.coverage_ledger(MONTH, county=COUNTY)[0]
    town = visitor("town_chengguan")
    assert town.get(f"/reports/coverage?month={MONTH}").status_code == 403
    assert (
        town.post(f"/reports/coverage/{entry.id}", data={"follow_up": "not_needed", "note": "x"}).status_code
        == 403
    )
    assert town.client.get(f"/reports/coverage.csv?month={MONTH}").status_code == 403
    assert eng.coverage_ledger(MONTH, county=COUNTY)[0].follow_up == "pending"
