"""GB 11643 ID numbers: what the standard fixes is checked; the region code never refuses anyone."""

from __future__ import annotations

import pytest

from engine import id_numbers
from engine.forms import id_number_problem


def number(first17: str) -> str:
    return first17 + id_numbers.check_character(first17)


def test_the_demo_county_and_a_retired_region_code_are_valid():
    # 639001 is in no region table; 630102 (西宁城东区) was renamed, and people born in 1970 keep it
    assert id_number_problem(number("63900119850315001")) is None
    assert id_number_problem(number("63010219700101123")) is None
    assert id_number_problem(number("99999919850315001")) is None


def test_the_check_character_follows_iso_7064_mod_11_2():
    # the example number printed in GB 11643-1999 itself
    assert id_numbers.check_character("11010519491231002") == "X"
    assert id_number_problem("11010519491231002X") is None
    assert id_number_problem("11010519491231002x") is None  # written with a lower-case x


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("11010519491231002", "应为18位"),
        ("11010519491231002X1", "应为18位"),
        ("", "应为18位"),
        ("1101051949123100²X", "格式不正确（前17位应为数字，末位为数字或X）"),
        ("11010519491231002Y", "格式不正确（前17位应为数字，末位为数字或X）"),
        ("１１０１０５１９４９１２３１００２X", "格式不正确（前17位应为数字，末位为数字或X）"),
        (number("11010519490231002"), "出生日期不正确"),  # 31 February
        (number("11010518000101002"), "出生日期不正确"),
        (number("11010599991231002"), "出生日期不正确"),  # born in the future
        ("110105194912310021", "校验位不正确"),
    ],
)
def test_what_is_wrong_is_named(value, reason):
    assert id_number_problem(value) == reason
