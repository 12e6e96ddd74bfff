"""Punctual timers: the escalations and update reminders of the priorities in
`incidents.punctual` (P1 and P2 by default) are posted on time, not at the next sweep.

GitHub's scheduled runs start late at busy times (often by many minutes), so no schedule alone
is punctual, and a job that waits is billed for every minute it waits. The timers workflow
(dutydesk-timers.yml) therefore runs every `incidents.timers_every` (10 minutes), and only while
a punctual incident is open: the event job and the sweep enable it when they see one, and a
timer run that finds none disables it. A run reconciles the punctual open incidents (posting
anything now due), then waits for the next thing due among them only if that falls before the
next run can be relied on to start: within the cadence plus `LATE_ALLOWANCE` (15 minutes) of
now. It checks again at each due moment and stops as soon as nothing falls due that soon.

So a punctual timer is late only when GitHub starts a scheduled run more than 15 minutes late
(or drops one and the next as well); P3, P4 and change requests keep to the sweep, whose
lateness is its schedule's (up to an hour) plus GitHub's.

Pure: which issues are punctual, when a run checks next, whether the workflow is wanted.

Emits: nothing (when the timers workflow's job waits, and whether it runs)
Reads: incidents.punctual, incidents.timers_every
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta

from dutydesk.actions import Kind
from dutydesk.engine import Decision
from dutydesk.model import Issue
from dutydesk.policy import Policy

__all__ = [
    "LATE_ALLOWANCE",
    "horizon",
    "is_punctual",
    "next_wait",
    "punctual_after",
    "punctual_labels",
]

#: How late a scheduled run may start and still be relied on: GitHub's lateness is often
#: several minutes at busy times and sometimes more; past this, the sweep is the backstop.
LATE_ALLOWANCE = timedelta(minutes=15)


def punctual_labels(policy: Policy) -> list[str]:
    """The priority labels of the punctual priorities (what a timer run lists)."""
    return [policy.label(pid) for pid in policy.incidents.punctual]


def is_punctual(issue: Issue, policy: Policy) -> bool:
    """An open incident carrying the label of a punctual priority."""
    labels = {label.lower() for label in issue.labels}
    wanted = {label.lower() for label in punctual_labels(policy)}
    return issue.is_open and policy.label("incident").lower() in labels and bool(labels & wanted)


def punctual_after(issue: Issue, decision: Decision, policy: Policy) -> bool:
    """Is the incident punctual once its plan is applied (the plan may give it its priority
    label: a P1 just filed is punctual before GitHub has its label)?"""
    labels = set(issue.labels)
    for action in decision.actions:
        if action.issue != issue.number:
            continue
        if action.kind is Kind.ADD_LABELS:
            labels |= set(action.labels)
        elif action.kind is Kind.REMOVE_LABELS:
            labels -= set(action.labels)
        elif action.kind is Kind.CLOSE:
            return False
    return is_punctual(replace(issue, labels=frozenset(labels)), policy)


def horizon(policy: Policy) -> timedelta:
    """How far ahead a timer run waits: until the next run can be relied on to start."""
    return policy.incidents.timers_every + LATE_ALLOWANCE


def next_wait(dues: Iterable[datetime | None], now: datetime, policy: Policy) -> datetime | None:
    """When a timer run at `now` checks next: the first due moment after `now` within the
    horizon; None: it stops (a later run, or the sweep, will see the rest)."""
    upcoming = [due for due in dues if due is not None and due > now]
    first = min(upcoming, default=None)
    return first if first is not None and first <= now + horizon(policy) else None
