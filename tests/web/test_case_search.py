"""查找案件: by name, ID number (whole or last digits), case number, category, status, step and period,
only among the cases the user may read; the same through the API, paged, with problem+json for a bad
filter."""

from __future__ import annotations

import pytest

from engine.vocabulary import LOCAL_TZ
from tests.web.conftest import visible_text
from tests.web.journeys import NAN, advance, application, id_number, start


@pytest.fixture
def cases(eng):
    """王火生 (东村, past 受理审查), 张秀英 (东村, waiting at 受理审查), 李四 (青山乡 南村)."""
    fire = start(eng, application(name="王火生", serial=11))
    advance(eng, fire, "补办手续")
    waiting = start(eng, application(name="张秀英", serial=12))
    elsewhere = start(eng, application(name="李四", serial=13), area=NAN, by="town_qingshan")
    return {"fire": fire, "waiting": waiting, "elsewhere": elsewhere}


@pytest.fixture
def api(app, eng):
    client, tokens = app.test_client(), {}

    def get(url, user="town_chengguan"):
        if user not in tokens:
            tokens[user] = eng.issue_api_token(user)
        return client.get(url, headers={"Authorization": f"Bearer {tokens[user]}"})

    return get


def found(api, query: str, user="town_chengguan") -> list[str]:
    response = api(f"/api/v1/cases?{query}", user)
    assert response.status_code == 200, response.json
    return [item["case_no"] for item in response.json["items"]]


def test_by_name_id_number_its_last_digits_and_case_number(api, cases):
    assert found(api, "q=王火生") == [cases["fire"]]
    assert found(api, "q=王") == [cases["fire"]]  # the start of a name
    assert found(api, f"q={id_number(12)}") == [cases["waiting"]]
    assert found(api, f"q={id_number(11)[-4:]}") == [cases["fire"]]
    assert found(api, f"q={cases['waiting']}") == [cases["waiting"]]
    year_and_number = cases["fire"].split("-", 1)[1]  # 2026-000001 within one's own county
    assert found(api, f"q={year_and_number}") == [cases["fire"]]
    assert found(api, "q=赵") == []


def test_only_the_cases_of_ones_area(api, cases):
    assert found(api, "q=李四") == []  # 青山乡's case is not 城关镇's
    assert found(api, "q=李四", user="town_qingshan") == [cases["elsewhere"]]
    assert set(found(api, "", user="county_mz")) == set(cases.values())
    assert set(found(api, "", user="auditor")) == set(cases.values())
    assert found(api, "", user="village_nan") == [cases["elsewhere"]]
    assert found(api, "", user="village_dong") == [cases["waiting"], cases["fire"]]  # newest first


def test_by_status_step_category_and_period(api, cases, eng):
    assert found(api, "step=受理审查", user="county_mz") == [cases["elsewhere"], cases["waiting"]]
    assert found(api, "step=补办手续", user="county_mz") == [cases["fire"]]
    assert found(api, "status=running&category=emergency", user="county_mz") == [cases["fire"]]
    today = eng.now().astimezone(LOCAL_TZ).date().isoformat()  # the period is in China time
    assert len(found(api, f"from={today}&to={today}", user="county_mz")) == 3
    assert found(api, "from=2020-01-01&to=2020-12-31", user="county_mz") == []


def test_paged_with_the_total(api, cases):
    first = api("/api/v1/cases?limit=2", "county_mz").json
    second = api("/api/v1/cases?limit=2&offset=2", "county_mz").json
    assert first["total"] == second["total"] == 3
    assert len(first["items"]) == 2 and len(second["items"]) == 1
    assert {i["case_no"] for i in first["items"] + second["items"]} == set(cases.values())
    assert "*" in first["items"][0]["id_number"]  # masked in a list


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=open", "status"),
        ("category=big", "category"),
        ("from=2026-13-01", "from"),
        ("from=2026-03-02&to=2026-03-01", "to"),
        ("limit=0", "limit"),
        ("sort=name", "sort"),
    ],
)
def test_a_bad_filter_is_a_problem_naming_the_field(api, cases, query, field):
    response = api(f"/api/v1/cases?{query}")
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert [e["path"] for e in response.json["errors"]] == [field]


def test_report_only_roles_find_no_case(api, cases):
    assert api("/api/v1/cases", "city_mz").status_code == 403


def test_the_search_page(visitor, cases):
    county = visitor("county_mz")
    page = visible_text(county.get("/cases?q=王火生").get_data(as_text=True))
    assert cases["fire"] in page and "共 1 件" in page and "补办手续" in page
    bad = county.get("/cases?from=2026-3-1")
    text = visible_text(bad.get_data(as_text=True))
    assert bad.status_code == 422 and "申请起始日期：格式应为 年-月-日" in text and cases["fire"] not in text
    assert (
        county.get(f"/cases?case_no={cases['fire']}").headers["Location"].endswith(f"/cases/{cases['fire']}")
    )
