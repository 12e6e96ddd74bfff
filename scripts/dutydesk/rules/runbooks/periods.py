"""Calendar periods as runbooks and the policy write them: ``6 months``, ``3 weeks``, ``1 year``.

Emits: nothing (period arithmetic)
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

_PERIOD = re.compile(r"^\s*(\d+)\s+(day|week|month|year)s?\s*$", re.IGNORECASE)


def parse_period(text: str) -> tuple[int, str]:
    """``"6 months"`` -> ``(6, "month")``; raises ValueError naming what is allowed."""
    match = _PERIOD.match(str(text))
    if not match:
        raise ValueError(f"{text!r} is not a period; write e.g. '6 months', '3 weeks', '1 year'")
    return int(match.group(1)), match.group(2).lower()


def add_period(start: date, period: str, sign: int = 1) -> date:
    """``start`` plus (or, with ``sign=-1``, minus) a calendar period.

    Months and years keep the day of the month, clamped to the month's last day:
    31 August plus 6 months is 28 February (29 in a leap year); 29 February plus 1 year is
    28 February.
    """
    amount, unit = parse_period(period)
    amount *= sign
    if unit == "day":
        return start + timedelta(days=amount)
    if unit == "week":
        return start + timedelta(weeks=amount)
    months = amount * 12 if unit == "year" else amount
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)
