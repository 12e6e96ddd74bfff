"""Support hours, on-call hours, bank holidays, and time arithmetic over them.

The rules, for the default UK government policy (:meth:`BusinessCalendar.default_uk`):

* support hours: Monday to Friday 09:00-16:00, except bank holidays;
* on-call hours: working days 07:00-09:00 and 16:00-22:00, weekends and bank
  holidays 07:00-22:00;
* no cover at any other time;
* all hours are local wall-clock times in Europe/London, so they move with the
  clock changes.

Nothing here reads the clock: every moment is passed in. Moments must be
timezone-aware; results are aware datetimes in the calendar's timezone. Internally
all arithmetic and comparison happens in UTC, because Python compares and subtracts
two datetimes that share a tzinfo by their wall-clock reading, which is wrong across
a clock change.

The hours themselves (`TimeRange`, `DaySchedule`, `Cover`) are in `dutydesk.time.schedule`
and the bank holidays in `dutydesk.time.bank_holidays`; both are importable from here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo

from dutydesk.time.bank_holidays import UK_REGIONS, BankHolidays
from dutydesk.time.durations import Clock, Duration
from dutydesk.time.schedule import MIDNIGHT, Cover, DaySchedule, TimeRange

__all__ = [
    "UK_REGIONS",
    "BankHolidays",
    "BusinessCalendar",
    "Cover",
    "DaySchedule",
    "TimeRange",
]

_ONE_DAY = timedelta(days=1)
#: How far ahead :meth:`BusinessCalendar.next_change` looks before giving up.
_NEXT_CHANGE_HORIZON = timedelta(days=400)


@dataclass(frozen=True, slots=True)
class _Segment:
    """A stretch of time, in UTC, with one kind of cover throughout."""

    start: datetime
    end: datetime
    cover: Cover


class BusinessCalendar:
    """Support and on-call hours in one timezone, with bank holidays.

    ``workdays`` holds weekday numbers as in :meth:`date.weekday`: 0 is Monday, 6 is
    Sunday. Where support and on-call ranges overlap, support wins.
    """

    def __init__(
        self,
        tz: ZoneInfo,
        workdays: frozenset[int],
        support: DaySchedule,
        on_call: DaySchedule,
        holidays: BankHolidays,
    ) -> None:
        if not workdays <= frozenset(range(7)):
            raise ValueError(f"workdays must be weekday numbers 0 (Monday) to 6, not {workdays}")
        self.tz = tz
        self.workdays = frozenset(workdays)
        self.support = support
        self.on_call = on_call
        self.holidays = holidays
        self._day_segments = lru_cache(maxsize=2048)(self._compute_day_segments)

    @classmethod
    def default_uk(cls) -> BusinessCalendar:
        """The UK government default: support Mon-Fri 09:00-16:00, on-call 07:00-22:00
        around it, England and Wales bank holidays, Europe/London."""
        return cls(
            tz=ZoneInfo("Europe/London"),
            workdays=frozenset(range(5)),
            support=DaySchedule.parse(["09:00-16:00"]),
            on_call=DaySchedule.parse(["07:00-09:00", "16:00-22:00"], ["07:00-22:00"]),
            holidays=BankHolidays.uk("england-and-wales"),
        )

    def __repr__(self) -> str:
        return (
            f"BusinessCalendar(tz={self.tz}, workdays={sorted(self.workdays)}, "
            f"support={self.support}, on_call={self.on_call}, holidays={self.holidays})"
        )

    # --- days and cover ---

    def is_working_day(self, d: date) -> bool:
        """A working day is one of ``workdays`` that is not a bank holiday."""
        return d.weekday() in self.workdays and not self.holidays.is_holiday(d)

    def cover_at(self, moment: datetime) -> Cover:
        """The cover at ``moment``: support if in support hours, else on-call, else none."""
        return next(self._segments_from(_to_utc(moment))).cover

    def in_support_hours(self, moment: datetime) -> bool:
        """Whether ``moment`` is inside support hours."""
        return self.cover_at(moment) is Cover.SUPPORT

    def support_day_length(self) -> timedelta:
        """How long support runs on one working day, by the clock on the wall (7 hours
        for 09:00-16:00). One business day is this much office time."""
        return _union_length(self.support.working_days)

    # --- adding durations ---

    def add(self, start: datetime, duration: Duration) -> datetime:
        """``start`` plus ``duration``, measured by the duration's own clock."""
        if duration.clock is Clock.WALL:
            return self.add_wall(start, duration.amount)
        if duration.clock is Clock.OFFICE:
            return self.add_office(start, duration.amount)
        return self.add_business_days(start, duration.days)

    def add_wall(self, start: datetime, td: timedelta) -> datetime:
        """Real elapsed time: 10:00 BST plus 24 hours across the autumn clock change is
        09:00 GMT the next day."""
        return (_to_utc(start) + td).astimezone(self.tz)

    def add_office(self, start: datetime, td: timedelta) -> datetime:
        """Count ``td`` of support-hours time from ``start``.

        Time outside support hours does not count, so if ``start`` is outside them the
        count begins at the next support period. The result is the moment the count
        runs out, which may be the very end of a support period (16:00). A zero
        duration gives ``start`` itself.
        """
        utc = _to_utc(start)
        if td < timedelta(0):
            raise ValueError(f"cannot add negative office time ({td})")
        if td == timedelta(0):
            return utc.astimezone(self.tz)
        self._require_support_hours()
        remaining = td
        for segment in self._segments_from(utc):
            if segment.cover is not Cover.SUPPORT:
                continue
            available = segment.end - segment.start
            if remaining <= available:
                return (segment.start + remaining).astimezone(self.tz)
            remaining -= available
        raise AssertionError("unreachable: segments never run out")  # pragma: no cover

    def add_business_days(self, start: datetime, n: int) -> datetime:
        """``n`` business days of office time: ``n`` times :meth:`support_day_length`.

        So 1 business day from Thursday 12:00 is Friday 12:00, skipping any bank
        holidays and weekends between.
        """
        if n < 0:
            raise ValueError(f"cannot add a negative number of business days ({n})")
        if n > 0 and self.support_day_length() == timedelta(0):
            raise ValueError("business days cannot be counted: working days have no support")
        return self.add_office(start, n * self.support_day_length())

    # --- measuring ---

    def office_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Support-hours time within ``[a, b)``; zero if ``b`` is not after ``a``."""
        periods = self.periods(a, b, Cover.SUPPORT)
        return sum((end - start for start, end in periods), timedelta(0))

    def periods(
        self, start: datetime, end: datetime, cover: Cover
    ) -> list[tuple[datetime, datetime]]:
        """The longest stretches of ``[start, end)`` with ``cover``, in order, in the
        calendar's timezone. Empty if ``end`` is not after ``start``."""
        start_utc, end_utc = _to_utc(start), _to_utc(end)
        found: list[tuple[datetime, datetime]] = []
        for segment in self._segments_from(start_utc):
            if segment.start >= end_utc:
                break
            if segment.cover is not cover:
                continue
            stop = min(segment.end, end_utc)
            if found and found[-1][1] == segment.start:
                found[-1] = (found[-1][0], stop)
            else:
                found.append((segment.start, stop))
        return [(a.astimezone(self.tz), b.astimezone(self.tz)) for a, b in found]

    def next_change(self, moment: datetime) -> datetime | None:
        """The first moment after ``moment`` when the cover changes, or None if it does
        not change within about a year."""
        utc = _to_utc(moment)
        segments = self._segments_from(utc)
        current = next(segments).cover
        for segment in segments:
            if segment.start - utc > _NEXT_CHANGE_HORIZON:
                return None
            if segment.cover is not current:
                return segment.start.astimezone(self.tz)
        return None  # pragma: no cover

    # --- internals ---

    def _require_support_hours(self) -> None:
        has_support = bool(self.support.other_days) or (
            bool(self.workdays) and bool(self.support.working_days)
        )
        if not has_support:
            raise ValueError("office time cannot be counted: the calendar has no support hours")

    def _segments_from(self, utc: datetime) -> Iterator[_Segment]:
        """Every segment from ``utc`` onwards, the first cut to start at ``utc``."""
        day = utc.astimezone(self.tz).date() - _ONE_DAY
        while True:
            for segment in self._day_segments(day):
                if segment.end <= utc:
                    continue
                if segment.start < utc:
                    segment = _Segment(utc, segment.end, segment.cover)
                yield segment
            day += _ONE_DAY

    def _compute_day_segments(self, d: date) -> tuple[_Segment, ...]:
        """Split local day ``d`` (midnight to midnight) into stretches of one cover."""
        day_start, day_end = self._utc(d, MIDNIGHT), self._utc(d + _ONE_DAY, MIDNIGHT)
        support = self._utc_ranges(d, self.support, day_start, day_end)
        on_call = self._utc_ranges(d, self.on_call, day_start, day_end)
        cuts = sorted({day_start, day_end, *(t for r in support + on_call for t in r)})
        segments: list[_Segment] = []
        for a, b in pairwise(cuts):
            cover = _cover_of(a, support, on_call)
            if segments and segments[-1].cover is cover:
                segments[-1] = _Segment(segments[-1].start, b, cover)
            else:
                segments.append(_Segment(a, b, cover))
        return tuple(segments)

    def _utc_ranges(
        self, d: date, schedule: DaySchedule, day_start: datetime, day_end: datetime
    ) -> list[tuple[datetime, datetime]]:
        """The schedule's ranges for day ``d`` as UTC instants, kept within the day."""
        ranges = schedule.working_days if self.is_working_day(d) else schedule.other_days
        found = []
        for r in ranges:
            end_day = d + _ONE_DAY if r.end == MIDNIGHT else d
            start = max(self._utc(d, r.start), day_start)
            end = min(self._utc(end_day, r.end), day_end)
            if start < end:
                found.append((start, end))
        return found

    def _utc(self, d: date, t: time) -> datetime:
        """The UTC instant when local clocks read ``t`` on ``d``.

        A time skipped by the spring change counts by the offset before it; a time
        repeated in autumn means its first occurrence.
        """
        return datetime.combine(d, t, tzinfo=self.tz).astimezone(UTC)


def _cover_of(
    utc: datetime,
    support: list[tuple[datetime, datetime]],
    on_call: list[tuple[datetime, datetime]],
) -> Cover:
    if any(start <= utc < end for start, end in support):
        return Cover.SUPPORT
    if any(start <= utc < end for start, end in on_call):
        return Cover.ON_CALL
    return Cover.NONE


def _union_length(ranges: Iterable[TimeRange]) -> timedelta:
    """Total nominal length of some ranges, counting overlaps once."""
    total = 0
    reached = 0
    for r in sorted(ranges, key=lambda r: r.start_seconds):
        start = max(r.start_seconds, reached)
        if r.end_seconds > start:
            total += r.end_seconds - start
        reached = max(reached, r.end_seconds)
    return timedelta(seconds=total)


def _to_utc(moment: datetime) -> datetime:
    """``moment`` as a UTC datetime; naive datetimes are refused."""
    if not isinstance(moment, datetime):
        raise TypeError(f"expected a datetime, not {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment.isoformat()} has no timezone: pass an aware datetime")
    return moment.astimezone(UTC)
