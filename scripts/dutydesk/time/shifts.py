"""On-call shifts with exact times: who is on call at a moment, the handovers within a window
and the gaps in cover over it.

A shift is one person holding one level (primary or secondary) from `start` until `end`, as
PagerDuty's `/oncalls` answers it; `start` None means since before anyone asked and `end` None
means for good (a permanent on-call). Everything here works in UTC, so a handover at a clock
change is only a moment like any other: a shift from 09:00 local on the Saturday to 09:00 local
on the Sunday of a UK clock change lasts 23 or 25 hours and leaves no gap. Times are shown in
the policy's timezone by the callers. Pure functions, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from dutydesk.errors import DutydeskError

__all__ = [
    "Gap",
    "Handover",
    "Level",
    "Person",
    "RotaBeyondReach",
    "RotaUnavailable",
    "Shift",
    "Shifts",
    "gaps",
    "handovers",
    "on_call",
]


class RotaUnavailable(DutydeskError):
    """The rota comes from PagerDuty and it was not read for the moment asked about: nobody
    can say who is on call, so nothing that depends on it is decided this run (exit 1: the
    next run tries again). The message never holds the token."""

    exit_code = 1


class RotaBeyondReach(RotaUnavailable):
    """PagerDuty was read, but the moment asked about lies past what it answers (90 days
    ahead): not an outage, and no later run of today will know either. A change approved
    for such a window goes ahead; its support people are named when the window comes near."""


class Level(StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"


@dataclass(frozen=True)
class Person:
    """Someone on call: their name as PagerDuty shows it, and their GitHub login when the
    policy maps them (`rota.pagerduty.users`); an unmapped person is never @-mentioned."""

    name: str
    login: str | None = None
    id: str = ""

    def __str__(self) -> str:
        return self.login or self.name


@dataclass(frozen=True)
class Shift:
    level: Level
    person: Person
    start: datetime | None  # None: on call since before the span asked about
    end: datetime | None  # None: does not go off call

    def holds(self, moment: datetime) -> bool:
        """On call at `moment` (a shift holds from its start, up to but not at its end)."""
        return (self.start is None or self.start <= moment) and (
            self.end is None or moment < self.end
        )

    def held_before(self, moment: datetime) -> bool:
        """On call just before `moment`."""
        return (self.start is None or self.start < moment) and (
            self.end is None or moment <= self.end
        )


@dataclass(frozen=True)
class Shifts:
    """The shifts read for the span [since, until), and the levels the rota has."""

    since: datetime
    until: datetime
    shifts: tuple[Shift, ...]
    levels: tuple[Level, ...] = (Level.PRIMARY, Level.SECONDARY)

    def spans(self, start: datetime, end: datetime | None = None) -> bool:
        """Were [start, end] (or the moment `start`) inside the span read?"""
        last = end if end is not None else start
        return _utc(self.since) <= _utc(start) and _utc(last) <= _utc(self.until)


@dataclass(frozen=True)
class Handover:
    """At `at`, who holds `level` changes from `before` to `after` (both someone)."""

    at: datetime
    level: Level
    before: tuple[Person, ...]
    after: tuple[Person, ...]


@dataclass(frozen=True)
class Gap:
    """Nobody holds `level` in [start, end)."""

    level: Level
    start: datetime
    end: datetime


_EARLIEST = datetime.min.replace(tzinfo=UTC)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _people(shifts: Iterable[Shift]) -> tuple[Person, ...]:
    """Each person once, in the order of their shifts' starts (then by name)."""
    ordered = sorted(shifts, key=lambda s: (s.start or _EARLIEST, s.person.name))
    return tuple(dict.fromkeys(s.person for s in ordered))


def on_call(shifts: Iterable[Shift], level: Level, moment: datetime) -> tuple[Person, ...]:
    """Who holds `level` at `moment` (usually one person; nobody in a gap)."""
    return _people(s for s in shifts if s.level is level and s.holds(moment))


def _boundaries(
    shifts: Iterable[Shift], level: Level, start: datetime, end: datetime
) -> list[datetime]:
    """The starts and ends of the level's shifts strictly inside (start, end), in order."""
    found = {
        _utc(t)
        for s in shifts
        if s.level is level
        for t in (s.start, s.end)
        if t is not None and start < t < end
    }
    return sorted(found)


def handovers(
    shifts: Iterable[Shift], levels: Iterable[Level], start: datetime, end: datetime
) -> list[Handover]:
    """Every moment in (start, end) when who holds a level changes from someone to someone
    else, in time order (primary first at the same moment). A change to or from nobody is a
    gap (`gaps`), not a handover."""
    every = tuple(shifts)
    out = []
    for level in levels:
        for moment in _boundaries(every, level, start, end):
            before = _people(s for s in every if s.level is level and s.held_before(moment))
            after = on_call(every, level, moment)
            if before and after and set(before) != set(after):
                out.append(Handover(moment, level, before, after))
    order = {level: i for i, level in enumerate(Level)}
    return sorted(out, key=lambda h: (h.at, order[h.level]))


def _held(
    shifts: Iterable[Shift], level: Level, start: datetime, end: datetime
) -> Iterator[tuple[datetime, datetime]]:
    """The level's shifts clipped to [start, end), as UTC (from, to) pairs."""
    for shift in shifts:
        if shift.level is not level:
            continue
        a = max(_utc(shift.start), start) if shift.start is not None else start
        b = min(_utc(shift.end), end) if shift.end is not None else end
        if a < b:
            yield a, b


def gaps(
    shifts: Iterable[Shift], levels: Iterable[Level], start: datetime, end: datetime
) -> list[Gap]:
    """The stretches of [start, end) in which nobody holds a level, in time order (primary
    first at the same moment). Times are UTC."""
    every = tuple(shifts)
    start, end = _utc(start), _utc(end)
    out = []
    for level in levels:
        reached = start
        for a, b in sorted(_held(every, level, start, end)):
            if a > reached:
                out.append(Gap(level, reached, a))
            reached = max(reached, b)
        if reached < end:
            out.append(Gap(level, reached, end))
    order = {level: i for i, level in enumerate(Level)}
    return sorted(out, key=lambda g: (g.start, order[g.level]))
