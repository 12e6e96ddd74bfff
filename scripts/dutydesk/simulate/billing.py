"""What a simulated scenario costs in Actions minutes, and how late its timed actions were.

Every job the workflows would run is a `JobRun`: the events workflow's job for each event a
person's step sends, its waiting job, each scheduled run (the sweep, the runbooks, the timers).
GitHub bills a job on a private repository from its start to its end, rounded up to a whole
minute, set-up included (public repositories pay nothing): `SETUP` stands for checkout,
setup-python and the hash-pinned install, and the rest is the time the job spends waiting.

A timed action (an escalation, an update reminder, a change's prompt) names the moment it was
due in its key (`incident.escalation:P1:2026-11-23T10:22:00Z`); its lateness is the time from
then to the run that posted it.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from dutydesk.actions import Action
from dutydesk.rules.ids import Rule

#: A job's set-up before it does anything: a fresh virtual environment and the hash-pinned
#: install from a warm pip cache took 13.6/14.4/16.2 s (min/median/max of 3) on this project's
#: 2-core test machine; checkout and setup-python from the runner's tool cache add a few
#: seconds. Any job of under a minute bills one minute whatever this is.
SETUP = timedelta(seconds=20)

#: The actions posted because a time came (each names in its key the moment it was due).
TIMED = frozenset(
    {Rule.INCIDENT_ESCALATION, Rule.INCIDENT_UPDATE_REMINDER, Rule.CHANGE_PRE, Rule.CHANGE_POST}
)

#: The moment a timed action was due, at the end of its key.
_DUE = re.compile(r":(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)$")


@dataclass(frozen=True)
class JobRun:
    """One job GitHub would run: of which workflow, what kind, from when to when."""

    workflow: str  # events, sweep, runbooks, timers
    kind: str  # event, wait, sweep, runbooks, timer
    start: datetime
    end: datetime
    issue: int | None = None

    @property
    def billed_minutes(self) -> int:
        """GitHub's bill: the job's time with its set-up, rounded up to a whole minute."""
        seconds = (self.end - self.start + SETUP).total_seconds()
        return max(1, math.ceil(seconds / 60))


def bill(jobs: Iterable[JobRun]) -> dict[str, Any]:
    """Jobs and billed minutes, in all and by kind of job."""
    runs = list(jobs)
    kinds = sorted({j.kind for j in runs})
    return {
        "jobs": len(runs),
        "billed_minutes": sum(j.billed_minutes for j in runs),
        "jobs_by_kind": {k: sum(1 for j in runs if j.kind == k) for k in kinds},
        "minutes_by_kind": {k: sum(j.billed_minutes for j in runs if j.kind == k) for k in kinds},
    }


def due_of(action: Action) -> datetime | None:
    """When a timed action was due, from its key (None: not a timed action)."""
    match = _DUE.search(action.key or "")
    if match is None:
        return None
    return datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def late_seconds(posted: Iterable[tuple[datetime, Action]]) -> dict[str, list[float]]:
    """For each rule with timed actions, how late each was posted, in seconds. A comment
    edited in place is not a new action."""
    late: dict[str, list[float]] = {}
    for at, action in posted:
        due = due_of(action) if action.rule in TIMED else None
        if due is None or action.comment_id is not None:
            continue
        late.setdefault(action.rule, []).append(max(0.0, (at - due).total_seconds()))
    return dict(sorted(late.items()))


def lateness(posted: Iterable[tuple[datetime, Action]]) -> dict[str, dict[str, Any]]:
    """For each rule with timed actions: how many, and their lateness in seconds (median,
    95th percentile, maximum)."""
    return {rule: _figures(values) for rule, values in late_seconds(posted).items()}


def _figures(values: list[float]) -> dict[str, Any]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]
    return {
        "count": len(ordered),
        "median_s": statistics.median(ordered),
        "p95_s": p95,
        "max_s": ordered[-1],
    }


def summary_text(figures: Mapping[str, Any]) -> list[str]:
    """The bill and the lateness, for people."""
    kinds = ", ".join(
        f"{figures['jobs_by_kind'][k]} {k} ({figures['minutes_by_kind'][k]} min)"
        for k in figures["jobs_by_kind"]
    )
    lines = [
        f"Actions: {figures['jobs']} jobs, {figures['billed_minutes']} billed minutes on a "
        f"private repository (each job rounded up to a minute, {SETUP.seconds} s of set-up "
        f"included): {kinds or 'none'}"
    ]
    for rule, f in figures["lateness"].items():
        lines.append(
            f"{rule}: {f['count']} posted, late by median {_human(f['median_s'])}, 95th "
            f"percentile {_human(f['p95_s'])}, at most {_human(f['max_s'])}"
        )
    return lines


def _human(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s" if minutes else f"{rest} s"
