"""The write budget: at most so many writes a run, the most urgent first.

GitHub limits content creation for one token (about 80 requests a minute and 500 an hour), and
a first sweep over a busy repository plans thousands of writes. A sweep therefore plans every
item, then applies whole items, most urgent first, while they fit in the budget; the others
wait for the next run, which plans them again from the state it reads (every plan is a
reconcile, so nothing is lost and nothing is done twice).

An item's writes are applied all together or not at all: its plan is ordered so that what
marks it done (a comment's marker) comes after what it needs (labels, assignees), and cutting
it in the middle could leave a marker that hides a missing label from the next run. An item
that alone needs more than the whole budget is applied when it comes first, so that nothing
waits for ever.

Urgency, by the most urgent rule of an item's plan:

0. people summoned or reminded: escalations, update reminders, security, pre- and post-change
   prompts, notifications outside GitHub;
1. decisions and replies: priority, approvals, refusals, invalid and notice comments, leads;
2. status cards;
3. anything else (label housekeeping).

The budget is the policy's `max_writes_per_run`; the command line's `--max-writes` overrides it.

Reads: max_writes_per_run
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from dutydesk.actions import Action, Kind
from dutydesk.engine import Decision
from dutydesk.rules.ids import Rule

T = TypeVar("T")

URGENCY: dict[str, int] = {
    Rule.INCIDENT_ESCALATION: 0,
    Rule.INCIDENT_UPDATE_REMINDER: 0,
    Rule.INCIDENT_SECURITY: 0,
    Rule.CHANGE_PRE: 0,
    Rule.CHANGE_POST: 0,
    Rule.NOTIFY: 0,
    Rule.INCIDENT_PRIORITY: 1,
    Rule.INCIDENT_INVALID: 1,
    Rule.INCIDENT_LEAD: 1,
    Rule.INCIDENT_REFUSED: 1,
    Rule.INCIDENT_REVIEW: 1,
    Rule.CHANGE_INVALID: 1,
    Rule.CHANGE_NOTICE: 1,
    Rule.CHANGE_HOURS: 1,
    Rule.CHANGE_APPROVAL: 1,
    Rule.CHANGE_REFUSED: 1,
    Rule.CHANGE_WITHDRAWN: 1,
    Rule.MAINTENANCE_INVALID: 1,
    Rule.MAINTENANCE_NOTICE: 1,
    Rule.INCIDENT_STATUS: 2,
}
LEAST_URGENT = 3


def writes(action: Action) -> int:
    """The requests an action makes on GitHub (a label removal is one per label; a notification
    outside GitHub none: the comment recording its delivery is the write)."""
    if action.kind is Kind.NOTIFY:
        return 0
    if action.kind is Kind.REMOVE_LABELS:
        return len(action.labels)
    return 1


def urgency(decision: Decision) -> int:
    """The urgency of a plan: that of its most urgent action (lower is more urgent)."""
    return min((URGENCY.get(a.rule, LEAST_URGENT) for a in decision.actions), default=LEAST_URGENT)


@dataclass(frozen=True)
class Planned(Generic[T]):
    """One item and its plan, in the order the sweep read it."""

    item: T
    decision: Decision
    position: int

    @property
    def writes(self) -> int:
        return sum(writes(a) for a in self.decision.actions)


@dataclass(frozen=True)
class Cut(Generic[T]):
    """What a run applies now, in order, and what it leaves for the next run."""

    now: tuple[Planned[T], ...]
    later: tuple[Planned[T], ...]

    @property
    def deferred_writes(self) -> int:
        return sum(p.writes for p in self.later)


@dataclass(frozen=True)
class Deferred:
    """The items whose writes a sweep left for the next run (its write budget was spent)."""

    items: tuple[int, ...] = ()
    writes: int = 0

    def sentence(self) -> str:
        shown = ", ".join(f"#{n}" for n in self.items[:20])
        more = f" and {len(self.items) - 20} more" if len(self.items) > 20 else ""
        return (
            f"{self.writes} write(s) on {len(self.items)} item(s) left for the next run "
            f"(the write budget was spent, most urgent first): {shown}{more}"
        )


def planned(items: Iterable[tuple[T, Decision]]) -> list[Planned[T]]:
    return [Planned(item, decision, n) for n, (item, decision) in enumerate(items)]


def within(plans: Sequence[Planned[T]], budget: int | None) -> Cut[T]:
    """The plans to apply now, most urgent first, whole items only, within `budget` writes
    (None: no limit); the rest in the same order."""
    ordered = sorted(plans, key=lambda p: (urgency(p.decision), p.position))
    now: list[Planned[T]] = []
    later: list[Planned[T]] = []
    spent = 0
    for plan in ordered:
        if plan.writes == 0:
            continue
        fits = budget is None or spent + plan.writes <= budget or (not now and not later)
        (now if fits else later).append(plan)
        spent += plan.writes if fits else 0
    return Cut(tuple(now), tuple(later))
