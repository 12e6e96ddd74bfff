"""The incident clocks: a duration added in its own clock (wall time, office hours, business
days), not counting the time the issue spent closed.

Every clock (response, reminders, time to acknowledge, time to resolve) pauses while the issue
is closed and resumes on reopening: a target due 10 minutes after the incident was closed falls
due 10 minutes after it is reopened. Nothing is due while closed.

Emits: nothing (the arithmetic the rules share)
Reads: the calendar (timezone, workdays, support, on_call, bank_holidays)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

from dutydesk.model import EventKind, Issue
from dutydesk.time.calendar import BusinessCalendar
from dutydesk.time.durations import Clock, Duration

Span = tuple[datetime, datetime | None]
"""A stretch of time the issue was closed: (closed at, reopened at or None if still closed)."""


def closed_spans(issue: Issue) -> tuple[Span, ...]:
    """The stretches the issue spent closed, from its close and reopen events."""
    spans: list[Span] = []
    start: datetime | None = None
    for event in sorted(issue.events, key=lambda e: e.at):
        if event.kind is EventKind.CLOSED and start is None:
            start = event.at
        elif event.kind is EventKind.REOPENED and start is not None:
            spans.append((start, event.at))
            start = None
    if not issue.is_open:
        spans.append((start or issue.closed_at or issue.updated_at, None))
    return tuple(spans)


def is_zero(duration: Duration) -> bool:
    return duration.amount <= timedelta(0) and duration.days <= 0


def _as_office(calendar: BusinessCalendar, duration: Duration) -> Duration:
    if duration.clock is Clock.BUSINESS_DAYS:
        return Duration.office(calendar.support_day_length() * duration.days)
    return duration


def _left(
    calendar: BusinessCalendar, duration: Duration, start: datetime, end: datetime
) -> Duration:
    """What is left of `duration` after counting it from `start` to `end`."""
    if duration.clock is Clock.WALL:
        return Duration(duration.clock, duration.amount - (end - start))
    return Duration(duration.clock, duration.amount - calendar.office_time_between(start, end))


def advance(
    calendar: BusinessCalendar, start: datetime, duration: Duration, closed: Sequence[Span]
) -> datetime | None:
    """`start` plus `duration` in its clock, not counting time closed; None if closed for good."""
    duration = _as_office(calendar, duration)
    moment = start
    for closed_at, reopened in closed:
        if reopened is not None and reopened <= moment:
            continue
        if closed_at <= moment:
            if reopened is None:
                return None
            moment = reopened
            continue
        end = calendar.add(moment, duration)
        if end <= closed_at:
            return end
        duration = _left(calendar, duration, moment, closed_at)
        if reopened is None:
            return None
        moment = reopened
    return calendar.add(moment, duration)


def open_time(start: datetime, end: datetime, closed: Sequence[Span]) -> timedelta:
    """Wall-clock time between two moments, not counting time closed."""
    total = end - start
    for closed_at, reopened in closed:
        a = max(closed_at, start)
        b = min(reopened or end, end)
        if b > a:
            total -= b - a
    return total


def dues(
    calendar: BusinessCalendar, anchor: datetime, every: Duration, closed: Sequence[Span]
) -> Iterator[datetime]:
    """Due times every interval after `anchor` (pausing while closed), for ever."""
    if is_zero(every):
        return
    due = advance(calendar, anchor, every, closed)
    while due is not None:
        yield due
        due = advance(calendar, due, every, closed)


def dues_around(
    calendar: BusinessCalendar,
    anchor: datetime,
    every: Duration,
    closed: Sequence[Span],
    now: datetime,
) -> tuple[datetime | None, datetime | None, datetime | None]:
    """Of `dues(calendar, anchor, every, closed)`: the first, the latest at or before `now`,
    and the first after `now` (each None if there is none), without walking the due times
    between. A wall-clock interval jumps straight to the latest due time before `now` (or
    before the next time the issue was closed, from which it walks on); the other clocks walk.
    """
    if is_zero(every):
        return None, None, None
    first = due = advance(calendar, anchor, every, closed)
    passed: datetime | None = None
    while due is not None and due <= now:
        passed = _jump(calendar, due, every, closed, now)
        due = advance(calendar, passed, every, closed)
    return first, passed, due


def count_dues(
    calendar: BusinessCalendar,
    anchor: datetime,
    every: Duration,
    closed: Sequence[Span],
    until: datetime,
    before: datetime | None = None,
) -> int:
    """How many of `dues(calendar, anchor, every, closed)` fall at or before `until` and
    before `before` (if given), each compared as walking them compares it; a run of wall-clock
    due times is counted in one step (`_steps`), not walked."""
    if is_zero(every):
        return 0
    count = 0
    due = advance(calendar, anchor, every, closed)
    while due is not None and due <= until and (before is None or due < before):
        steps = _steps(due, every, closed, until, before)
        if steps:
            due = calendar.add_wall(due, every.amount * steps)
        count += 1 + steps
        due = advance(calendar, due, every, closed)
    return count


def _steps(
    due: datetime,
    every: Duration,
    closed: Sequence[Span],
    until: datetime,
    before: datetime | None,
) -> int:
    """How many wall-clock intervals after `due` the due times still count: by `until`, before
    `before`, and by the next close (a due time at the very moment of closing counts). Zero
    (walk on) for other clocks, and when a moment compared shares the due time's timezone:
    two such datetimes compare by their local fields, not as instants, which the arithmetic
    here cannot follow through a repeated hour. Moments read from GitHub are UTC."""
    moments = [until, *([before] if before is not None else []), *(m for s in closed for m in s)]
    if every.clock is not Clock.WALL or any(
        m is not None and m.tzinfo is due.tzinfo for m in moments
    ):
        return 0
    limits = [until.astimezone(UTC)]
    if before is not None:
        limits.append(before.astimezone(UTC) - timedelta(microseconds=1))  # a datetime's tick
    limits += [closed_at.astimezone(UTC) for closed_at, _ in closed if closed_at >= due]
    return max(0, (min(limits) - due.astimezone(UTC)) // every.amount)


def _jump(
    calendar: BusinessCalendar,
    due: datetime,
    every: Duration,
    closed: Sequence[Span],
    now: datetime,
) -> datetime:
    """The latest due time at or before `now` that follows `due` by whole wall-clock intervals
    before the issue is next closed (`due` itself if that is not the next one, or the clock is
    not the wall's). Adding wall time is exact, so `k` steps are one addition of `k` intervals.
    """
    if every.clock is not Clock.WALL:
        return due
    limit = min([now, *(closed_at for closed_at, _ in closed if closed_at >= due)])
    steps = (limit - due) // every.amount
    return calendar.add_wall(due, every.amount * steps) if steps > 0 else due
