"""公民身份号码 (GB 11643-1999): what the standard fixes, checked without any region table.

The number is 6 digits of region, 8 of birth date, 3 of sequence and an ISO 7064 MOD 11-2 check
character. The region is information only: codes are retired and reassigned over the years, and a
resident registered under a code since retired (西宁 630102, born 1970) or under a code the table
does not know (the demo county 639001) is still a resident. We do not call python-stdnum's
`cn.ric.validate` for this reason: its birth-place lookup raises KeyError on unknown codes and
refuses retired ones.
"""

from __future__ import annotations

from datetime import date

LENGTH = 18
EARLIEST_BIRTH_YEAR = 1850
# ISO 7064 MOD 11-2: position i (from the left, 0-based) weighs 2^(17-i) mod 11.
WEIGHTS = tuple(pow(2, LENGTH - 1 - i, 11) for i in range(LENGTH - 1))
CHECK_CHARACTERS = "10X98765432"


def compact(value: str) -> str:
    """The number as written on the card: spaces and hyphens dropped, a lower-case x raised."""
    return value.replace(" ", "").replace("-", "").strip().upper()


def check_character(first17: str) -> str:
    """The 18th character for 17 ASCII digits."""
    return CHECK_CHARACTERS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def birth_date(value: str) -> date | None:
    """The birth date the number states, or None when it states no real date."""
    digits = compact(value)[6:14]
    if len(digits) != 8 or not (digits.isascii() and digits.isdigit()):
        return None
    try:
        born = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None
    return born if EARLIEST_BIRTH_YEAR <= born.year and born <= date.today() else None


def problem(value: str) -> str | None:
    """None when `value` is a valid 18-character ID number, else the reason in Chinese."""
    number = compact(value)
    if len(number) != LENGTH:
        return "应为18位"
    body, last = number[:-1], number[-1]
    if not (body.isascii() and body.isdigit()) or last not in "0123456789X":
        return "格式不正确（前17位应为数字，末位为数字或X）"
    if birth_date(number) is None:
        return "出生日期不正确"
    if check_character(body) != last:
        return "校验位不正确"
    return None
