"""Durations written in policy.yaml: "20 minutes", "2 office hours", "1 business day".

A duration says how much time and which clock measures it:

* wall clock (``Clock.WALL``): real elapsed time, whatever the hour or day;
* office time (``Clock.OFFICE``): only time inside support hours counts;
* business days (``Clock.BUSINESS_DAYS``): whole support days, each as long as one
  working day's support hours.

Rules for the text:

* a whole number followed by a unit, case-insensitive, singular or plural;
  several parts may be combined ("1 hour 30 minutes", "1 hour and 30 minutes");
* wall-clock units: minute/min, hour/hr, day, week;
* office units: "office", "support", "business" or "working" before minute or hour;
  if any part is office time the whole duration is ("1 office hour 30 minutes");
* business days: "business day" or "working day", on their own;
* months and years are calendar periods (runbook reviews), not durations here.

Parsing never raises anything except :class:`DurationError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

__all__ = [
    "MAX_BUSINESS_DAYS",
    "MAX_SPAN",
    "Clock",
    "Duration",
    "DurationError",
    "format_timedelta",
    "parse_duration",
]


class Clock(StrEnum):
    """Which clock measures a duration."""

    WALL = "wall"
    OFFICE = "office"
    BUSINESS_DAYS = "business-days"


#: The longest duration accepted (about ten years); longer is certainly a typo.
MAX_SPAN = timedelta(days=3660)
#: The most business days accepted.
MAX_BUSINESS_DAYS = 3660

_EXAMPLES = "for example '20 minutes', '2 hours', '2 office hours' or '1 business day'"
_SHOWN_TEXT_LIMIT = 60
_MAX_DIGITS = 9


class DurationError(ValueError):
    """A duration could not be parsed or is not valid; the message says why."""


@dataclass(frozen=True)
class Duration:
    """An amount of time and the clock that measures it.

    ``amount`` is used for wall-clock and office durations, ``days`` for business days
    (whose ``amount`` is always zero).
    """

    clock: Clock
    amount: timedelta
    days: int = 0

    def __post_init__(self) -> None:
        if self.amount < timedelta(0) or self.days < 0:
            raise DurationError("a duration cannot be negative")
        if self.clock is Clock.BUSINESS_DAYS and self.amount != timedelta(0):
            raise DurationError("a business-days duration counts days, not an amount of time")
        if self.clock is not Clock.BUSINESS_DAYS and self.days != 0:
            raise DurationError(f"a {self.clock} duration has an amount of time, not days")

    @classmethod
    def wall(cls, amount: timedelta) -> Duration:
        """A wall-clock duration."""
        return cls(Clock.WALL, amount)

    @classmethod
    def office(cls, amount: timedelta) -> Duration:
        """A duration counted only inside support hours."""
        return cls(Clock.OFFICE, amount)

    @classmethod
    def business_days(cls, days: int) -> Duration:
        """A number of business days."""
        return cls(Clock.BUSINESS_DAYS, timedelta(0), days)

    def __str__(self) -> str:
        """Human text that :func:`parse_duration` reads back to an equal duration.

        Wall-clock time uses weeks or days when it is a whole number of them (days only
        from 3 days up, so "48 hours" stays in hours); otherwise hours and minutes.
        """
        if self.clock is Clock.BUSINESS_DAYS:
            return _plural(self.days, "business day")
        if self.clock is Clock.OFFICE:
            parts = _hms_parts(self.amount)
            parts[0] = parts[0].replace(" ", " office ", 1)
            return " ".join(parts)
        return _format_wall(self.amount)


def _plural(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def _hms_parts(td: timedelta) -> list[str]:
    """Hours, minutes and seconds (hours not rolled up into days); "0 minutes" if none."""
    total = int(td.total_seconds())
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [
        _plural(value, unit)
        for value, unit in ((hours, "hour"), (minutes, "minute"), (seconds, "second"))
        if value
    ]
    return parts or ["0 minutes"]


def _format_wall(td: timedelta) -> str:
    if td > timedelta(0) and td.seconds == 0 and td.microseconds == 0:
        if td.days % 7 == 0:
            return _plural(td.days // 7, "week")
        if td.days >= 3:
            return _plural(td.days, "day")
    return " ".join(_hms_parts(td))


def format_timedelta(td: timedelta) -> str:
    """Elapsed time for people, e.g. "2 hours 5 minutes", "3 days 4 hours", "45 seconds".

    Days, hours and minutes are shown when not zero; seconds only under an hour;
    microseconds never. Negative values get a leading "-".
    """
    if td < timedelta(0):
        return "-" + format_timedelta(-td)
    total = int(td.total_seconds())
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    values = [(days, "day"), (hours, "hour"), (minutes, "minute")]
    if total < 3600:
        values.append((seconds, "second"))
    parts = [_plural(value, unit) for value, unit in values if value]
    return " ".join(parts) or "0 seconds"


# --- parsing -------------------------------------------------------------------------

_UNIT_NAMES: dict[str, tuple[str, ...]] = {
    "minute": ("minute", "minutes", "min", "mins"),
    "hour": ("hour", "hours", "hr", "hrs"),
    "day": ("day", "days"),
    "week": ("week", "weeks"),
}
_UNIT_STEPS = {
    "minute": timedelta(minutes=1),
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
    "week": timedelta(weeks=1),
}
#: Every spelling of a wall-clock unit -> its canonical name.
_WALL_UNITS = {spelling: unit for unit, names in _UNIT_NAMES.items() for spelling in names}
_OFFICE_QUALIFIERS = frozenset({"office", "support", "business", "working"})
_BUSINESS_DAY_QUALIFIERS = frozenset({"business", "working"})
_OFFICE_UNITS = frozenset({"minute", "hour"})
_PERIOD_UNITS = frozenset({"month", "months", "year", "years", "yr", "yrs"})

_TOKEN = re.compile(r"[0-9]+(?:\.[0-9]*)?|[a-z]+|\S", re.ASCII)
_DIGITS = re.compile(r"[0-9]+", re.ASCII)


@dataclass(frozen=True)
class _Part:
    """One "number unit" part of the text."""

    clock: Clock
    unit: str  # canonical unit name, to spot repeats
    amount: timedelta
    days: int


def parse_duration(text: str) -> Duration:
    """Read a duration such as "20 minutes", "2 office hours" or "1 business day".

    Raises :class:`DurationError` (and nothing else) for text that is not a duration.
    """
    if not isinstance(text, str):
        raise DurationError(f"{text!r} is not a duration: expected text, {_EXAMPLES}")
    shown = _shown(text)
    tokens = _TOKEN.findall(text.strip().lower())
    if not tokens:
        raise DurationError(f"an empty value is not a duration: {_EXAMPLES}")
    parts = _read_parts(tokens, shown)
    return _combine(parts, shown)


def _shown(text: str) -> str:
    """The text as quoted in error messages: stripped, and cut short if long."""
    stripped = text.strip()
    if len(stripped) > _SHOWN_TEXT_LIMIT:
        stripped = stripped[: _SHOWN_TEXT_LIMIT - 3] + "..."
    return repr(stripped)


def _not_a_duration(shown: str) -> DurationError:
    return DurationError(f"{shown} is not a duration: write a whole number and a unit, {_EXAMPLES}")


def _read_parts(tokens: list[str], shown: str) -> list[_Part]:
    """Split the tokens into "number [qualifier] unit" parts, joined by "and" or ","."""
    parts: list[_Part] = []
    i = 0
    while i < len(tokens):
        if parts and tokens[i] in {"and", ","}:
            i += 1
            if i == len(tokens):
                raise _not_a_duration(shown)
        number = _read_number(tokens[i], shown)
        i += 1
        qualifier = tokens[i] if i < len(tokens) and tokens[i] in _OFFICE_QUALIFIERS else None
        if qualifier is not None:
            i += 1
        if i == len(tokens):
            raise _not_a_duration(shown)
        parts.append(_make_part(number, qualifier, tokens[i], shown))
        i += 1
    return parts


def _read_number(token: str, shown: str) -> int:
    if token == "-":
        raise DurationError(f"{shown} is not a duration: a duration cannot be negative")
    if "." in token:
        raise DurationError(
            f"{shown} is not a duration: use whole numbers only, "
            "for example '1 hour 30 minutes' rather than '1.5 hours'"
        )
    if not _DIGITS.fullmatch(token):
        raise _not_a_duration(shown)
    if len(token.lstrip("0")) > _MAX_DIGITS:
        raise _too_long(shown)
    return int(token)


def _make_part(number: int, qualifier: str | None, word: str, shown: str) -> _Part:
    if word in _PERIOD_UNITS:
        raise DurationError(
            f"{shown} is not a duration: months and years are calendar periods "
            "(used for runbook reviews), not durations; write days or weeks instead"
        )
    unit = _WALL_UNITS.get(word)
    if unit is None:
        raise _not_a_duration(shown)
    if qualifier in _BUSINESS_DAY_QUALIFIERS and unit == "day":
        return _Part(Clock.BUSINESS_DAYS, "business day", timedelta(0), number)
    if qualifier is not None and unit not in _OFFICE_UNITS:
        raise _not_a_duration(shown)
    step = _UNIT_STEPS[unit]
    if number > MAX_SPAN // step:
        raise _too_long(shown)
    clock = Clock.WALL if qualifier is None else Clock.OFFICE
    return _Part(clock, unit, number * step, 0)


def _combine(parts: list[_Part], shown: str) -> Duration:
    """Join the parts into one duration; office time wins over wall-clock parts."""
    units = [part.unit for part in parts]
    if len(set(units)) != len(units):
        raise DurationError(f"{shown} is not a duration: it gives the same unit twice")
    clocks = {part.clock for part in parts}
    if Clock.BUSINESS_DAYS in clocks:
        if len(parts) != 1:
            raise DurationError(
                f"{shown} is not a duration: business days cannot be combined with other "
                "units; write office hours instead, for example '9 office hours'"
            )
        days = parts[0].days
        if days > MAX_BUSINESS_DAYS:
            raise _too_long(shown)
        return Duration.business_days(days)
    clock = Clock.OFFICE if Clock.OFFICE in clocks else Clock.WALL
    if clock is Clock.OFFICE and any(part.unit in {"day", "week"} for part in parts):
        raise _not_a_duration(shown)
    total = sum((part.amount for part in parts), timedelta(0))
    if total > MAX_SPAN:
        raise _too_long(shown)
    return Duration(clock, total)


def _too_long(shown: str) -> DurationError:
    return DurationError(
        f"{shown} is too long: a duration can be at most {MAX_SPAN.days} days "
        f"or {MAX_BUSINESS_DAYS} business days"
    )
