"""Cover as policy.yaml writes it: ranges of wall-clock time in a day, and a schedule of them
for working days and other days."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import time, timedelta
from enum import StrEnum

__all__ = ["Cover", "DaySchedule", "TimeRange"]

MIDNIGHT = time(0)
_SECONDS_PER_DAY = 86400

_TIME_RANGE = re.compile(
    r"\s*([0-9]{1,2}):([0-9]{2})\s*[-–—]\s*([0-9]{1,2}):([0-9]{2})\s*", re.ASCII
)


@dataclass(frozen=True)
class TimeRange:
    """A range of local wall-clock time within one day, from ``start`` up to ``end``.

    The range is half-open: ``start`` is inside, ``end`` is not. ``end`` is strictly
    after ``start``, except that ``end == time(0)`` means midnight at the end of the
    day (written "24:00"), so "00:00-24:00" is the whole day.
    """

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("a time range holds local wall-clock times, without a timezone")
        if self.end_seconds <= self.start_seconds:
            raise ValueError(
                f"{self} is not a time range: the end must be after the start on the same "
                "day; split a range that crosses midnight into two, e.g. 22:00-24:00 and "
                "00:00-07:00"
            )

    @classmethod
    def parse(cls, text: str) -> TimeRange:
        """Read "09:00-16:00" (also with an en dash or spaces, "9:00 - 16:00", "24:00")."""
        match = _TIME_RANGE.fullmatch(text) if isinstance(text, str) else None
        if match is None:
            raise ValueError(
                f"{text!r} is not a time range: write two 24-hour times, for example '09:00-16:00'"
            )
        start_h, start_m, end_h, end_m = (int(group) for group in match.groups())
        start = _parse_time(start_h, start_m, text, allow_24=False)
        end = _parse_time(end_h, end_m, text, allow_24=True)
        if end != MIDNIGHT and end <= start:
            raise ValueError(
                f"{text!r} is not a time range: it ends before it starts; a range must end "
                "later on the same day (split a range that crosses midnight into two)"
            )
        return cls(start, end)

    @property
    def start_seconds(self) -> int:
        """Seconds from midnight to the start."""
        return _seconds_of_day(self.start)

    @property
    def end_seconds(self) -> int:
        """Seconds from midnight to the end (86400 for "24:00")."""
        return _SECONDS_PER_DAY if self.end == MIDNIGHT else _seconds_of_day(self.end)

    @property
    def length(self) -> timedelta:
        """The nominal length, by the clock on the wall (ignores clock changes)."""
        return timedelta(seconds=self.end_seconds - self.start_seconds)

    def __str__(self) -> str:
        end = "24:00" if self.end == MIDNIGHT else _format_time(self.end)
        return f"{_format_time(self.start)}-{end}"


def _parse_time(hour: int, minute: int, text: str, *, allow_24: bool) -> time:
    if allow_24 and (hour, minute) == (24, 0):
        return MIDNIGHT
    if hour > 23 or minute > 59:
        raise ValueError(f"{text!r} is not a time range: {hour}:{minute:02d} is not a time")
    return time(hour, minute)


def _seconds_of_day(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def _format_time(t: time) -> str:
    return t.strftime("%H:%M:%S" if t.second else "%H:%M")


@dataclass(frozen=True)
class DaySchedule:
    """When a kind of cover runs: its ranges on working days and on other days.

    A working day is a weekday in the calendar's ``workdays`` that is not a bank
    holiday; other days are the remaining weekdays (weekends) and bank holidays.
    """

    working_days: tuple[TimeRange, ...]
    other_days: tuple[TimeRange, ...] = ()

    @classmethod
    def parse(cls, working_days: Iterable[str], other_days: Iterable[str] = ()) -> DaySchedule:
        """Build a schedule from range texts such as "07:00-09:00"."""
        return cls(
            tuple(TimeRange.parse(text) for text in working_days),
            tuple(TimeRange.parse(text) for text in other_days),
        )


class Cover(StrEnum):
    """Who is covering at a moment."""

    SUPPORT = "support"
    ON_CALL = "on-call"
    NONE = "none"
