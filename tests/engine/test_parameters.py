"""County parameters: versioned, audited, read by diagrams; each decision records the version."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine import ValidationFailed
from tests.conftest import COUNTY, VILLAGE_A1


def _start_and_review(eng, applicant, amount):
    ref = eng.start_case({"applicant": applicant, "reason": "fire", "divisor": 1}, VILLAGE_A1, by="town_a")
    eng.complete("town_a", eng.open_tasks(ref.case_no)[0].task_id, {"amount": amount})
    return ref.case_no


def test_defaults_come_with_their_sources(mini_engine):
    from engine.parameters import catalogue

    params = mini_engine.parameters(COUNTY)
    assert params.version == 0 and params.get("township_pay_first_limit") == 1000
    assert "004" in catalogue()["township_pay_first_limit"]["source"]


def test_a_new_limit_changes_the_route_of_new_decisions(mini_engine, applicant):
    assert mini_engine.open_tasks(_start_and_review(mini_engine, applicant, 1200))[0].element_id == "Approve"
    version = mini_engine.set_parameters(
        COUNTY, {"township_pay_first_limit": 1500}, by="owner", reason="县政府文件"
    )
    case_no = _start_and_review(mini_engine, applicant, 1200)
    assert mini_engine.open_tasks(case_no) == []  # paid by the township at once
    completed = [e for e in mini_engine.case_view(case_no).events if e["action"] == "task_completed"]
    assert completed[0]["parameter_version"] == version == 1


def test_future_parameters_wait_for_their_start_date(mini_engine, applicant):
    mini_engine.set_parameters(
        COUNTY,
        {"township_pay_first_limit": 1500},
        by="owner",
        effective_from=mini_engine.now() + timedelta(days=30),
    )
    assert mini_engine.parameters(COUNTY).get("township_pay_first_limit") == 1000
    assert mini_engine.open_tasks(_start_and_review(mini_engine, applicant, 1200))[0].element_id == "Approve"


def test_bad_parameter_values_are_refused_field_by_field(mini_engine):
    with pytest.raises(ValidationFailed) as caught:
        mini_engine.set_parameters(COUNTY, {"township_pay_first_limit": -1, "nonsense": 3}, by="owner")
    assert {e.path for e in caught.value.errors} == {"township_pay_first_limit", "nonsense"}
    assert mini_engine.parameters(COUNTY).version == 0


def test_a_list_parameter_takes_texts_and_refuses_numbers_blanks_and_repeats(mini_engine):
    from engine.parameters import parse_entry

    assert parse_entry("other_hardship_types", "因灾返贫；因病致贫\n 因学 ") == [
        "因灾返贫",
        "因病致贫",
        "因学",
    ]
    assert parse_entry("medical_self_pay_threshold", "8000") == 8000
    with pytest.raises(ValidationFailed) as caught:
        mini_engine.set_parameters(COUNTY, {"other_hardship_types": 3}, by="owner")
    assert [e.message for e in caught.value.errors] == [
        "县人民政府规定的其他特殊困难类型（情形6）：应为一项或多项文字"
    ]
    with pytest.raises(ValidationFailed):
        mini_engine.set_parameters(COUNTY, {"other_hardship_types": ["因灾", " "]}, by="owner")
    with pytest.raises(ValidationFailed):
        mini_engine.set_parameters(COUNTY, {"other_hardship_types": ["因灾", "因灾"]}, by="owner")
    mini_engine.set_parameters(COUNTY, {"other_hardship_types": ["因灾返贫"]}, by="owner")
    assert mini_engine.parameters(COUNTY).get("other_hardship_types") == ["因灾返贫"]
