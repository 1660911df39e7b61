"""The township reserve fund (备用金, 002 §七(三)): the county tops it up, each township reads its own."""

from __future__ import annotations

import pytest

from engine.errors import NotFound, NotPermitted, ValidationFailed
from tests.conftest import TOWN_A, TOWN_B


def test_the_county_tops_up_and_each_township_reads_only_its_own(mini_engine):
    assert mini_engine.top_up_reserve("county", TOWN_A, 3000, note="年初拨付") == 3000
    assert mini_engine.top_up_reserve("county", TOWN_A, 500) == 3500
    mine = mini_engine.reserve("town_a", TOWN_A)
    assert mine["balance"] == 3500 and [m["amount"] for m in mine["movements"]] == [500, 3000]
    assert mini_engine.reserve("county", TOWN_B)["balance"] == 0
    with pytest.raises(NotPermitted):
        mini_engine.reserve("town_b", TOWN_A)


def test_a_top_up_by_anyone_but_the_county_or_of_a_bad_amount_changes_nothing(mini_engine):
    with pytest.raises(NotPermitted):
        mini_engine.top_up_reserve("town_a", TOWN_A, 1000)
    for amount in (0, -5, 1.5, True, 10**12):
        with pytest.raises(ValidationFailed):
            mini_engine.top_up_reserve("county", TOWN_A, amount)
    with pytest.raises(NotFound):
        mini_engine.top_up_reserve("county", "639001999", 1000)
    assert mini_engine.reserve("county", TOWN_A)["balance"] == 0
