"""One deployment for a province: 省 ⊃ 市 ⊃ 县 ⊃ 乡镇 ⊃ 村. City and province civil affairs read the
ledger, the dashboard and the overdue tasks of their counties — each county with its own parameters —
and nothing else: no case file, no task, no studio."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from engine.errors import NotPermitted, ValidationFailed
from engine.views.reports import LedgerFilter
from tests.engine import reports_seed
from tests.web.conftest import visible_text
from tests.web.journeys import start

YEAR = LedgerFilter(date_from=date(2026, 1, 1), date_to=date(2026, 12, 31))


@pytest.fixture
def province(eng):
    """示范县 639001 and 北县 639002 in 示范市 6390; 东市 6391 with 东县 639101; a year of cases in each."""
    eng.add_area("639002", "北县")
    eng.add_area("639002001", "北镇")
    eng.add_area("639002001001", "北村")
    eng.add_area("6391", "东市")
    eng.add_area("639101", "东县")
    eng.add_area("639101001", "东镇")
    eng.add_area("639101001001", "东村")
    seeded = {}
    for county, village in (
        ("639001", "639001001001"),
        ("639002", "639002001001"),
        ("639101", "639101001001"),
    ):
        seeded[county] = reports_seed.seed(
            eng, [village], 120, datetime(2026, 1, 1, tzinfo=UTC), 300, prefix=f"P{county[-3:]}"
        )
    return seeded


def test_areas_nest_from_the_province_down(eng, province):
    names = {p.code: (p.level, p.parent_code) for p in eng.places(within="63")}
    assert names["63"] == ("province", None) and names["6390"] == ("city", "63")
    assert names["639001"] == ("county", "6390") and names["639002"] == ("county", "6390")
    assert names["639101"] == ("county", "6391") and names["639101001001"] == ("village", "639101001")
    with pytest.raises(ValidationFailed) as refused:
        eng.add_area("639", "三位")
    assert "省2位、市4位、县6位" in refused.value.errors[0].message


def test_the_city_and_the_province_read_the_reports_of_their_counties(eng, province):
    reports = eng.reports()
    county = {c: reports.dashboard("auditor", YEAR).total("applications") for c in ("639001",)}
    city = reports.dashboard("city_mz", YEAR)
    whole = reports.dashboard("province_mz", YEAR)
    assert county["639001"] == province["639001"].cases
    assert city.total("applications") == province["639001"].cases + province["639002"].cases
    assert whole.total("applications") == sum(s.cases for s in province.values())
    assert [row["area_code"] for row in city.by_area] == ["639001", "639002"]
    assert [row["area_code"] for row in whole.by_area] == ["6390", "6391"]
    assert whole.total("amounts") == sum(s.amount for s in province.values())
    assert city.overdue_total > 0 and {t["area"] for t in city.overdue_oldest} <= {
        "北村",
        "东村",
        "南村",
        "西村",
    }

    ledger = reports.ledger("city_mz", LedgerFilter())
    assert ledger.total == province["639001"].payments + province["639002"].payments
    assert {row.area_code[:6] for row in ledger.rows} <= {"639001", "639002"}
    one = reports.ledger("province_mz", LedgerFilter(area_code="639101"))
    assert one.total == province["639101"].payments
    with pytest.raises(NotPermitted):
        reports.ledger("city_mz", LedgerFilter(area_code="639101"))  # another city's county


def test_each_county_keeps_its_own_parameters(eng, province):
    eng.set_parameters("639002", {"township_pay_first_limit": 2000}, by="process_owner", reason="北县文件")
    assert eng.parameters("639002").get("township_pay_first_limit") == 2000
    assert eng.parameters("639001").get("township_pay_first_limit") != 2000


def test_city_and_province_pages_show_reports_and_no_case(eng, province, visitor):
    case_no = start(eng)
    for user in ("city_mz", "province_mz"):
        reader = visitor(user)
        home = reader.get("/")
        assert home.status_code == 302 and home.headers["Location"].endswith("/reports/dashboard")
        board = visible_text(reader.get("/reports/dashboard").get_data(as_text=True))
        assert "北县" in board if user == "city_mz" else "东市" in board
        assert reader.get("/reports/ledger").status_code == 200
        assert reader.get(f"/cases/{case_no}").status_code == 404
        assert reader.get("/studio/").status_code in (403, 404)
        assert reader.get("/operations/").status_code in (403, 404)
        exported = reader.get("/reports/ledger.csv").get_data(as_text=True)
        assert "639002" in exported and ("639101" in exported) == (user == "province_mz")
