"""The county's rosters: imported from CSV or JSON by the county clerk, each bad record reported,
nothing imported twice, and a status confirmed only while the entry is valid."""

from __future__ import annotations

import json
from datetime import date

import pytest

from engine.errors import NotPermitted, ValidationFailed
from engine.services.rosters import statuses
from engine.store.models import AuditEvent, RosterEntry
from tests.conftest import COUNTY, make_id_number

PERSON = make_id_number("63010219850315001")
OTHER = make_id_number("63010219850315003")


def test_csv_import_reports_bad_records_keeps_good_ones_and_reimport_updates(mini_engine):
    text = (
        "roster,area_code,id_number,name,listed_on,valid_until\n"
        f"dibao,{COUNTY}001001,{PERSON},张三,2025-01-01,\n"
        f"tekun,{COUNTY}001001,{PERSON[:-1]}0,李四,2025-01-01,\n"
        f"dibao,630101001001,{OTHER},王五,2025-01-01,\n"
        f"wubao,{COUNTY}001001,{OTHER},赵六,2025-13-01,\n"
    )
    result = mini_engine.import_roster(text, "csv", by="county")
    assert result.added == 1 and result.updated == 0
    paths = {p["record"]: [e["path"] for e in p["errors"]] for p in result.errors}
    assert paths == {2: ["id_number"], 3: ["area_code"], 4: ["roster", "listed_on"]}
    again = mini_engine.import_roster(text, "csv", by="county")
    assert (again.added, again.updated, len(again.errors)) == (0, 1, 3)
    assert [e.name for e in mini_engine.roster_entries(COUNTY)] == ["张三"]
    with mini_engine.db.read() as session:
        audited = session.query(AuditEvent).filter_by(action="roster_imported").all()
        assert [(a.actor, a.data["added"], a.data["updated"]) for a in audited] == [
            ("county", 1, 0),
            ("county", 0, 1),
        ]


def test_only_the_county_clerk_imports_and_a_bad_file_changes_nothing(mini_engine):
    record = json.dumps([{"area_code": COUNTY, "id_number": PERSON, "name": "张三"}])
    with pytest.raises(NotPermitted):
        mini_engine.import_roster(record, "json", roster="dibao", by="town_a")
    with pytest.raises(ValidationFailed) as err:
        mini_engine.import_roster("{not json", "json", roster="dibao", by="county")
    assert err.value.errors[0].path == "file"
    with pytest.raises(ValidationFailed) as err:
        mini_engine.import_roster("id_number,name\n", "csv", roster="dibao", by="county")
    assert "area_code" in err.value.errors[0].message
    with pytest.raises(ValidationFailed):
        mini_engine.import_roster(record, "json", roster="nope", by="county")
    with mini_engine.db.read() as session:
        assert session.query(RosterEntry).count() == 0


def test_a_status_is_confirmed_only_within_the_entry_dates_and_in_its_county(mini_engine):
    records = [
        {
            "roster": "dibao",
            "area_code": COUNTY,
            "id_number": PERSON,
            "name": "张三",
            "listed_on": "2025-01-01",
            "valid_until": "2025-12-31",
        },
        {"area_code": COUNTY, "id_number": PERSON, "name": "张三", "roster": "jiandang"},
    ]
    result = mini_engine.import_roster(json.dumps({"records": records}), "json", by="county")
    assert result.added == 2 and not result.errors
    with mini_engine.db.read() as session:
        assert statuses(session, COUNTY, [PERSON], date(2024, 12, 31)) == ["jiandang"]
        assert statuses(session, COUNTY, [PERSON, OTHER], date(2025, 6, 1)) == ["dibao", "jiandang"]
        assert statuses(session, COUNTY, [PERSON], date(2026, 1, 1)) == ["jiandang"]
        assert statuses(session, "639002", [PERSON], date(2025, 6, 1)) == []


def test_a_monitored_list_carries_per_capita_income_and_a_bad_figure_is_a_field_error(mini_engine):
    records = [
        {"area_code": f"{COUNTY}001001", "id_number": PERSON, "name": "张三", "income_per_capita": "650"},
        {"area_code": f"{COUNTY}001001", "id_number": OTHER, "name": "李四", "income_per_capita": "-5"},
    ]
    result = mini_engine.import_roster(json.dumps(records), "json", roster="bianyuan", by="county")
    assert result.added == 1
    assert [(p["record"], [e["path"] for e in p["errors"]]) for p in result.errors] == [
        (2, ["income_per_capita"])
    ]
    assert [(e.roster, e.income_per_capita) for e in mini_engine.roster_entries(COUNTY)] == [
        ("bianyuan", 650)
    ]
