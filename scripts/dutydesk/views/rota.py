"""The on-call rota as code: who is on call at a moment, and what is wrong with the rota.

Each entry of ``policy.rota`` runs from its ``from`` date (a local date in the policy's
timezone) until the next entry's date; the last runs on. Pure functions: the CLI passes the
moment and today's date.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise

from dutydesk.policy import Policy, RotaEntry
from dutydesk.templating import render
from dutydesk.time.calendar import Cover

__all__ = ["Handover", "format_rota", "next_handover", "on_call", "rota_problems"]


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


def rota_problems(policy: Policy, today: date | None = None) -> list[str]:
    """Everything wrong with the rota, one sentence each.

    * entries out of date order;
    * two entries from the same date (they overlap: only one can be in force);
    * one person both primary and secondary;
    * a gap: an entry lasting longer than the rota's usual turn (when most entries hand
      over every N days), which usually means an entry is missing or mistyped;
    * with ``today``: the rota has run out (its last entry has lasted a whole usual turn
      and nobody follows). A rota that starts after today is fine.
    """
    problems: list[str] = []
    entries = list(policy.rota)
    for index, (first, second) in enumerate(pairwise(entries)):
        if second.start < first.start:
            problems.append(
                f"rota[{index + 1}] (from {second.start}) is listed after rota[{index}] "
                f"(from {first.start}), which starts later: list the entries in date order"
            )
    seen: dict[date, int] = {}
    for index, entry in enumerate(entries):
        if entry.start in seen:
            problems.append(
                f"rota[{seen[entry.start]}] and rota[{index}] both start on {entry.start}: "
                "they overlap and only one can be in force; keep one"
            )
        else:
            seen[entry.start] = index
        if entry.primary.lower() == entry.secondary.lower():
            problems.append(
                f"rota[{index}] (from {entry.start}): {entry.primary} is both primary and "
                "secondary; name two different people"
            )
    ordered = sorted(seen.items())
    turn = _usual_turn([b - a for (a, _), (b, _) in pairwise(ordered)])
    if turn is not None:
        for (start, index), (after, _) in pairwise(ordered):
            days = (after - start).days
            if days > turn:
                problems.append(
                    f"rota[{index}] (from {start}) lasts {days} days, until {after}, where the "
                    f"rota otherwise hands over every {turn} days: is an entry missing?"
                )
    if today is not None and turn is not None and ordered:
        last, index = ordered[-1]
        due = date.fromordinal(last.toordinal() + turn)
        if today >= due:
            problems.append(
                f"the rota runs out: rota[{index}] (from {last}) was due to hand over on {due} "
                "and no entry follows; add the coming turns"
            )
    return problems


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
    ran_out = [p for p in rota_problems(policy, today=today) if "runs out" in p]
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
