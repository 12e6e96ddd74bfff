"""The on-call rota as code: who is on call at a moment, and what is wrong with the rota.

Each entry of ``policy.rota`` runs from its ``from`` date (a local date in the policy's
timezone) until the next entry's date; the last runs on. With a PagerDuty rota
(``rota.pagerduty``) the shifts the CLI read (``policy.shifts``) say who is on call, the
handovers and the gaps in cover, to the minute. Pure functions: the CLI passes the moment and
today's date.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from itertools import pairwise
from typing import Any

from dutydesk.policy import Policy, RotaEntry
from dutydesk.templating import render
from dutydesk.time import shifts as model
from dutydesk.time.calendar import Cover
from dutydesk.time.shifts import Level, Person, Shifts, handovers

__all__ = [
    "Handover",
    "ProblemKind",
    "RotaProblem",
    "format_pagerduty_rota",
    "format_rota",
    "next_handover",
    "on_call",
    "rota_problems",
]


@dataclass(frozen=True)
class Handover:
    """The next change of rota after a moment."""

    on: date
    entry: RotaEntry


def on_call(policy: Policy, moment: datetime) -> RotaEntry | None:
    """The rota entry in force at ``moment``, or None before the rota starts (or without one)."""
    return policy.rota_at(moment)


def next_handover(policy: Policy, moment: datetime) -> Handover | None:
    """The first rota entry that starts after the local date of ``moment``."""
    day = policy.local(moment).date()
    later = sorted((e for e in policy.rota if e.start > day), key=lambda e: e.start)
    return Handover(later[0].start, later[0]) if later else None


class ProblemKind(StrEnum):
    """What is wrong with the rota."""

    OUT_OF_ORDER = "out-of-order"  # an entry listed after one that starts later
    OVERLAP = "overlap"  # two entries from the same date
    SAME_PERSON = "same-person"  # one person both primary and secondary
    GAP = "gap"  # an entry lasting longer than the usual turn
    RAN_OUT = "ran-out"  # the last entry has lasted a whole turn and nobody follows


@dataclass(frozen=True)
class RotaProblem:
    kind: ProblemKind
    message: str  # one sentence, naming the entries

    def __str__(self) -> str:
        return self.message


def rota_problems(policy: Policy, today: date | None = None) -> list[RotaProblem]:
    """Everything wrong with the rota, one problem each, in this order:

    * entries out of date order;
    * two entries from the same date (they overlap: only one can be in force);
    * one person both primary and secondary;
    * a gap: an entry lasting longer than the rota's usual turn (when most entries hand
      over every N days), which usually means an entry is missing or mistyped;
    * with ``today``: the rota has run out (its last entry has lasted a whole usual turn
      and nobody follows). A rota that starts after today is fine.
    """
    entries = list(policy.rota)
    starts = _first_of_each_date(entries)
    turn = _usual_turn([b - a for (a, _), (b, _) in pairwise(starts)])
    return [
        *_out_of_order(entries),
        *_entry_problems(entries),
        *_gaps(starts, turn),
        *_ran_out(starts, turn, today),
    ]


def _first_of_each_date(entries: list[RotaEntry]) -> list[tuple[date, int]]:
    """(start date, index of the first entry from it), in date order."""
    seen: dict[date, int] = {}
    for index, entry in enumerate(entries):
        seen.setdefault(entry.start, index)
    return sorted(seen.items())


def _out_of_order(entries: list[RotaEntry]) -> Iterator[RotaProblem]:
    for index, (first, second) in enumerate(pairwise(entries)):
        if second.start < first.start:
            yield RotaProblem(
                ProblemKind.OUT_OF_ORDER,
                f"rota[{index + 1}] (from {second.start}) is listed after rota[{index}] "
                f"(from {first.start}), which starts later: list the entries in date order",
            )


def _entry_problems(entries: list[RotaEntry]) -> Iterator[RotaProblem]:
    """Per entry, in order: does it overlap an earlier one; are its two people one."""
    seen: dict[date, int] = {}
    for index, entry in enumerate(entries):
        if entry.start in seen:
            yield RotaProblem(
                ProblemKind.OVERLAP,
                f"rota[{seen[entry.start]}] and rota[{index}] both start on {entry.start}: "
                "they overlap and only one can be in force; keep one",
            )
        seen.setdefault(entry.start, index)
        if entry.primary.lower() == entry.secondary.lower():
            yield RotaProblem(
                ProblemKind.SAME_PERSON,
                f"rota[{index}] (from {entry.start}): {entry.primary} is both primary and "
                "secondary; name two different people",
            )


def _gaps(starts: list[tuple[date, int]], turn: int | None) -> Iterator[RotaProblem]:
    if turn is None:
        return
    for (start, index), (after, _) in pairwise(starts):
        days = (after - start).days
        if days > turn:
            yield RotaProblem(
                ProblemKind.GAP,
                f"rota[{index}] (from {start}) lasts {days} days, until {after}, where the "
                f"rota otherwise hands over every {turn} days: is an entry missing?",
            )


def _ran_out(
    starts: list[tuple[date, int]], turn: int | None, today: date | None
) -> Iterator[RotaProblem]:
    if today is None or turn is None or not starts:
        return
    last, index = starts[-1]
    due = date.fromordinal(last.toordinal() + turn)
    if today >= due:
        yield RotaProblem(
            ProblemKind.RAN_OUT,
            f"the rota runs out: rota[{index}] (from {last}) was due to hand over on {due} "
            "and no entry follows; add the coming turns",
        )


def _usual_turn(gaps: list[timedelta]) -> int | None:
    """The number of days most entries last, if more than half of them agree."""
    days = [gap.days for gap in gaps]
    if len(days) < 2:
        return None
    turn, count = Counter(days).most_common(1)[0]
    return turn if turn > 0 and count * 2 > len(days) else None


def format_rota(entry: RotaEntry | None, moment: datetime, policy: Policy) -> str:
    """Who is on call at ``moment``, the cover then, and the next handover, for people."""
    calendar = policy.calendar
    cover = calendar.cover_at(moment)
    first = min((e.start for e in policy.rota), default=None)
    resumes = None
    if cover is Cover.NONE:
        following = calendar.next_change(moment)
        resumes = policy.local(following) if following is not None else None
    today = policy.local(moment).date()
    problems = rota_problems(policy, today=today)
    ran_out = [p.message for p in problems if p.kind is ProblemKind.RAN_OUT]
    return render(
        "change_rota.md.j2",
        entry=entry,
        moment=policy.local(moment),
        cover=str(cover),
        support=cover is Cover.SUPPORT,
        on_call=cover is Cover.ON_CALL,
        resumes=resumes,
        handover=next_handover(policy, moment),
        first=first,
        empty=not policy.rota,
        source=policy.source,
        ran_out=ran_out,
    )


# -- the rota from PagerDuty ------------------------------------------------------------


def person_text(person: Person) -> str:
    """A person on call as `dutydesk rota` shows them."""
    if person.login is None:
        return f"{person.name} (no GitHub login in rota.pagerduty.users)"
    return person.login if person.name == person.login else f"{person.login} ({person.name})"


def _place(policy: Policy, shifts: Shifts, level: Level, moment: datetime) -> dict[str, Any]:
    """Who holds a level at a moment, and until when."""
    holding = [s for s in shifts.shifts if s.level is level and s.holds(moment)]
    ends = [s.end for s in holding if s.end is not None]
    people = ", ".join(person_text(p) for p in model.on_call(holding, level, moment))
    return {
        "level": f"{level}:",
        "people": people or "nobody (a gap in cover)",
        "until": policy.local(min(ends)) if people and ends else None,
    }


def format_pagerduty_rota(policy: Policy, moment: datetime, until: datetime | None = None) -> str:
    """Who PagerDuty has on call at ``moment``; with ``until``, the handovers and the gaps in
    cover (within on-call hours) from ``moment`` to ``until``. RotaUnavailable when the shifts
    read do not span them."""
    shifts = policy.read_shifts(moment, until)
    cover = policy.calendar.cover_at(moment)
    window = None
    if until is not None:
        window = {
            "end": policy.local(until),
            "handovers": [
                (policy.local(h.at), str(h.level), _names(h.before), _names(h.after))
                for h in handovers(shifts.shifts, shifts.levels, moment, until)
            ],
            "gaps": [
                (str(g.level), policy.local(g.start), policy.local(g.end))
                for g in policy.cover_gaps(moment, until)
            ],
        }
    return render(
        "rota_pagerduty.md.j2",
        moment=policy.local(moment),
        cover=str(cover),
        places=[_place(policy, shifts, level, moment) for level in shifts.levels],
        window=window,
    )


def _names(people: tuple[Person, ...]) -> str:
    return ", ".join(str(p) for p in people)
