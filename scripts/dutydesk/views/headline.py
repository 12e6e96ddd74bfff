"""The register's figures: the headline (for the HTML report and the sweep's job summary)
and the figures per priority and per week that the report's charts draw (pure).

"Met" shares count only incidents whose answer is known: a response target still pending
counts for neither side.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import median

from dutydesk.policy import Policy
from dutydesk.time.durations import Clock, Duration, format_timedelta
from dutydesk.views.report import RegisterRow

NO_PRIORITY = "none"


@dataclass(frozen=True)
class Share:
    met: int
    known: int

    @property
    def percent(self) -> float | None:
        return 100 * self.met / self.known if self.known else None

    def __str__(self) -> str:
        if not self.known:
            return "—"
        return f"{self.met} of {self.known} ({self.percent:.0f}%)"


@dataclass(frozen=True)
class PriorityFigures:
    priority: str
    count: int
    target: Duration | None  # the response target
    acknowledge: tuple[timedelta, ...]  # each acknowledged incident's time to acknowledge
    resolve: tuple[timedelta, ...]
    response: Share
    updates: Share

    @property
    def wall_target(self) -> timedelta | None:
        """The target as wall-clock time, when it is one (office hours are not comparable)."""
        target = self.target
        return target.amount if target is not None and target.clock is Clock.WALL else None


def middle(values: Sequence[timedelta]) -> timedelta | None:
    """The median (of an even number, the mean of the middle two)."""
    if not values:
        return None
    return timedelta(seconds=median(v.total_seconds() for v in values))


def response_share(register: Sequence[RegisterRow]) -> Share:
    known = [r.response_met for r in register if r.response_met is not None]
    return Share(sum(known), len(known))


def updates_share(register: Sequence[RegisterRow]) -> Share:
    return Share(sum(r.updates_met for r in register), len(register))


def _span(value: timedelta | None) -> str:
    return format_timedelta(value) if value is not None else "—"


def headline(register: Sequence[RegisterRow]) -> list[tuple[str, str]]:
    """The headline figures as (what, value) for people."""
    acknowledge = [r.time_to_acknowledge for r in register if r.time_to_acknowledge is not None]
    resolve = [r.time_to_resolve for r in register if r.time_to_resolve is not None]
    still_open = sum(1 for r in register if r.state == "open")
    return [
        ("Incidents", f"{len(register)} ({still_open} open)"),
        ("Response target met", str(response_share(register))),
        ("Update frequency met", str(updates_share(register))),
        ("Median time to acknowledge", _span(middle(acknowledge))),
        ("Median time to resolve", _span(middle(resolve))),
    ]


def headline_markdown(register: Sequence[RegisterRow]) -> list[str]:
    """The headline figures as a small Markdown table."""
    lines = ["| Figure | Value |", "|---|---|"]
    return [*lines, *(f"| {what} | {value} |" for what, value in headline(register)), ""]


def by_priority(register: Sequence[RegisterRow], policy: Policy) -> list[PriorityFigures]:
    """The figures of each priority that has incidents, most urgent first."""
    found = []
    for pid, prio in policy.priorities.items():
        mine = [r for r in register if r.priority == pid]
        if not mine:
            continue
        found.append(
            PriorityFigures(
                priority=pid,
                count=len(mine),
                target=prio.response,
                acknowledge=tuple(
                    r.time_to_acknowledge for r in mine if r.time_to_acknowledge is not None
                ),
                resolve=tuple(r.time_to_resolve for r in mine if r.time_to_resolve is not None),
                response=response_share(mine),
                updates=updates_share(mine),
            )
        )
    return found


def weekly(register: Sequence[RegisterRow]) -> list[tuple[date, Mapping[str, int]]]:
    """Incidents opened each week (weeks start on Monday, in the policy's timezone), by
    priority; every week from the first to the last, empty ones included."""
    if not register:
        return []
    counts: dict[date, Counter[str]] = {}
    for row in register:
        day = row.opened.date()
        week = day - timedelta(days=day.weekday())
        counts.setdefault(week, Counter())[row.priority or NO_PRIORITY] += 1
    first, last = min(counts), max(counts)
    weeks = [first + timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]
    return [(week, dict(counts.get(week, Counter()))) for week in weeks]
