"""Calendar periods as runbooks and the policy write them: ``6 months``, ``3 weeks``, ``1 year``.

The GOV.UK tech-docs gem reads ``review_in`` with the Ruby `chronic` gem, which also takes
number words and "a": ``six months``, ``a year``, ``1 fortnight``, ``twenty one days``. Those
are read here too. A period is at most 100 years, so that every date it gives fits in a
calendar (the largest is 31 December 9999).

Emits: nothing (period arithmetic)
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

_PERIOD = re.compile(r"^\s*(.+?)\s+(day|week|fortnight|month|year)s?\s*$", re.IGNORECASE)
_ALLOWED = "write e.g. '6 months', '3 weeks', '1 year' (or 'six months', 'a year')"
_UNITS = {"fortnight": ("day", 14), "week": ("day", 7), "day": ("day", 1)}
_UNITS |= {"month": ("month", 1), "year": ("month", 12)}
#: The longest period, in days and in months: 100 years.
_LONGEST = {"day": 36525, "month": 1200}

_ONES: tuple[str, ...] = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
)
_ONES += ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen")
_ONES += ("seventeen", "eighteen", "nineteen")
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70}
_TENS |= {"eighty": 80, "ninety": 90}
_WORDS = {word: value for value, word in enumerate(_ONES)} | _TENS | {"a": 1}


def _amount(text: str) -> int | None:
    """``6``, ``six``, ``a``, ``twenty one`` or ``twenty-one`` as a number; else None."""
    if text.isdigit():
        return int(text)
    words = text.lower().replace("-", " ").split()
    if len(words) == 1:
        return _WORDS.get(words[0])
    if len(words) == 2 and words[0] in _TENS and _WORDS.get(words[1], 10) < 10:
        return _TENS[words[0]] + _WORDS[words[1]]
    return None


def parse_period(text: str) -> tuple[int, str]:
    """``"6 months"`` -> ``(6, "month")``, ``"a fortnight"`` -> ``(14, "day")``: an amount of
    days or of months. Raises ValueError naming what is allowed."""
    match = _PERIOD.match(str(text))
    amount = _amount(match.group(1).strip()) if match else None
    if match is None or amount is None:
        raise ValueError(f"{text!r} is not a period; {_ALLOWED}")
    unit, size = _UNITS[match.group(2).lower()]
    if amount * size > _LONGEST[unit]:
        raise ValueError(f"{text!r} is longer than 100 years; {_ALLOWED}")
    return amount * size, unit


def add_period(start: date, period: str, sign: int = 1) -> date:
    """``start`` plus (or, with ``sign=-1``, minus) a calendar period.

    Months and years keep the day of the month, clamped to the month's last day, as chronic
    does: 31 August plus 6 months is 28 February (29 in a leap year); 29 February plus 1 year
    is 28 February. Raises ValueError when the date is before year 1 or after year 9999.
    """
    amount, unit = parse_period(period)
    amount *= sign
    try:
        if unit == "day":
            return start + timedelta(days=amount)
        index = start.year * 12 + (start.month - 1) + amount
        year, month = divmod(index, 12)
        month += 1
        day = min(start.day, calendar.monthrange(year, month)[1])
        return date(year, month, day)
    except (OverflowError, ValueError, calendar.IllegalMonthError) as exc:
        word = "plus" if sign > 0 else "minus"
        raise ValueError(
            f"{start.isoformat()} {word} {period} is not a date between years 1 and 9999"
        ) from exc
