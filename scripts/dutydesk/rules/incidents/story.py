"""The incident's story, read once from the snapshot: who set which priority when, who
acknowledged it, the lead and comms lead, the updates, the refused commands and the time it
spent closed. Every rule decides from this reading (`Incident`), and so do the register and the
sweep summary.

* **Priority**: the latest change wins, by an edit of the form or a responder's `/priority`
  (form.py, commands.py). Each stretch with one priority is a `Period`.
* **Acknowledged** by the first counted `/ack` or `/lead`, or the first assignment made by a
  responder (triage-role users can assign on github.com; theirs acknowledges nothing). An
  acknowledgement is a fact about the incident: it also covers a later
  change of priority.
* **Response due** at the later of opening and the last priority change, plus the priority's
  response time, not counting time closed (clock.py).

Emits: nothing (the facts every incident rule reads)
Reads: priorities.<P>.response, bot, the calendar (timezone, workdays, support, on_call,
bank_holidays)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from dutydesk.engine import Context, Item
from dutydesk.model import EventKind, Issue
from dutydesk.policy import Policy, Priority
from dutydesk.rules.incidents.clock import Span, advance, closed_spans
from dutydesk.rules.incidents.commands import (
    Acknowledgement,
    Heard,
    LeadCommand,
    PriorityChange,
    Refused,
    Responders,
    Update,
    read_commands,
)
from dutydesk.rules.incidents.form import form_priorities, security_reasons
from dutydesk.rules.incidents.lead import Assignment, read_assignment

__all__ = [
    "Acknowledgement",
    "Incident",
    "LeadCommand",
    "Period",
    "PriorityChange",
    "Refused",
    "Update",
    "read",
]


@dataclass(frozen=True)
class Period:
    """A stretch with one priority: from a change to the next (or for ever)."""

    start: datetime
    end: datetime | None
    priority: Priority
    due: datetime | None  # response due; None while closed for good

    def missed(self, ack: Acknowledgement | None, now: datetime) -> bool:
        """Did this period's response target pass without an acknowledgement?"""
        if self.due is None or self.due > now:
            return False
        if self.end is not None and self.due >= self.end:
            return False
        return ack is None or ack.at > self.due


@dataclass(frozen=True)
class Incident:
    """The facts of one incident, read once: the item and context, and the incident's story."""

    item: Item
    ctx: Context
    opened: datetime
    changes: tuple[PriorityChange, ...]
    periods: tuple[Period, ...]
    ack: Acknowledgement | None
    lead: str | None
    comms: str | None
    updates: tuple[Update, ...]
    refused: tuple[Refused, ...]
    lead_command: LeadCommand | None
    assignment: Assignment
    closed: tuple[Span, ...]
    security: tuple[str, ...]  # why it is a security incident; empty if it is not

    @property
    def issue(self) -> Issue:
        return self.item.issue

    @property
    def priority(self) -> Priority | None:
        return self.periods[-1].priority if self.periods else None

    @property
    def period(self) -> Period | None:
        return self.periods[-1] if self.periods else None

    @property
    def is_open(self) -> bool:
        return self.issue.is_open

    @property
    def resolved(self) -> datetime | None:
        """When it was last closed, if it is closed now."""
        if self.is_open:
            return None
        return self.closed[-1][0] if self.closed else self.issue.closed_at

    def last_update(self) -> Update | None:
        return self.updates[-1] if self.updates else None

    def period_at(self, moment: datetime) -> Period | None:
        """The priority period in force at a moment (before the first, none)."""
        found: Period | None = None
        for period in self.periods:
            if period.start <= moment:
                found = period
        return found


def read(item: Item, ctx: Context) -> Incident:
    """The incident's story from the issue snapshot (pure)."""
    issue = item.issue
    spans = closed_spans(issue)
    heard = read_commands(item, ctx)
    changes = effective_changes(item, heard)
    return Incident(
        item=item,
        ctx=ctx,
        opened=issue.created_at,
        changes=changes,
        periods=periods(ctx.policy, changes, spans),
        ack=acknowledgement(ctx, issue, heard),
        lead=heard.lead.person if heard.lead else (issue.assignees[0] if issue.assignees else None),
        comms=heard.comms,
        updates=heard.updates,
        refused=heard.refused,
        lead_command=heard.lead,
        assignment=read_assignment(item, heard.lead),
        closed=spans,
        security=security_reasons(item),
    )


def effective_changes(item: Item, heard: Heard) -> tuple[PriorityChange, ...]:
    """The priority changes by the form and by `/priority`, in time order, each to a different
    priority than the one before (repeating the priority does not restart the clock)."""
    by_form = [
        PriorityChange(at, pid, by, "form")
        for at, pid, by in form_priorities(item.form, item.issue)
    ]
    effective: list[PriorityChange] = []
    for change in sorted([*by_form, *heard.priorities], key=lambda c: c.at):
        if not effective or effective[-1].priority != change.priority:
            effective.append(change)
    return tuple(effective)


def periods(
    policy: Policy, changes: Sequence[PriorityChange], spans: Sequence[Span]
) -> tuple[Period, ...]:
    """A period from each change to the next, with its response due time."""
    found: list[Period] = []
    for index, change in enumerate(changes):
        end = changes[index + 1].at if index + 1 < len(changes) else None
        prio = policy.priorities[change.priority]
        due = advance(policy.calendar, change.at, prio.response, spans)
        found.append(Period(change.at, end, prio, due))
    return tuple(found)


def _assignments(ctx: Context, issue: Issue) -> Iterable[Acknowledgement]:
    """Assignments a responder made (triage-role users can assign too, and their assignment
    acknowledges nothing); the bot's own assignment is the `/lead` that asked for it."""
    responders = Responders(ctx)
    for event in issue.events:
        if event.kind is not EventKind.ASSIGNED or ctx.is_bot(event.actor):
            continue
        if responders.check(event.actor) is True:
            yield Acknowledgement(event.at, event.actor, "assignment")


def acknowledgement(ctx: Context, issue: Issue, heard: Heard) -> Acknowledgement | None:
    """The first counted `/ack` or `/lead`, or assignment by a responder."""
    candidates = [*heard.acks, *_assignments(ctx, issue)]
    return min(candidates, key=lambda a: a.at) if candidates else None
