"""The incident's story, read once from the snapshot: who set which priority when, who
acknowledged it, the lead and comms lead, the updates, the refused commands and the time it
spent closed. Every rule decides from this reading (`Incident`), and so do the register and the
sweep summary.

* **Priority**: the latest statement wins: the form's answer as opened or as its author (or a
  responder) edited it (form.py), a responder's `/priority` (commands.py), or a responder's
  priority label (below). Each stretch with one priority is a `Period`.
* **Priority labels are state.** A responder who adds a priority label (or swaps one for
  another) sets that priority from that moment, exactly as `/priority` does; on an untriaged
  incident that is its first priority. Two priority labels added at once: the more urgent.
  The bot's own label changes are nobody's statement. A change by anyone else (not a
  responder, or who the responders are could not be read) sets nothing, and is a `Relabel`:
  the bot puts the labels back and replies (refused.py). So is a responder's taking off the
  label of the priority in force without adding another: removing a label says what the
  priority is not, not what it is, and an incident keeps its priority until someone sets
  another, so the bot puts the label back and says how to change it (unless they set a
  priority later: a swap in two steps). Taking off a stray label (not the priority in force)
  is a tidy-up: nothing to answer. Statements of one moment are ordered form, `/priority`,
  label.
* **Acknowledged** by the first counted `/ack` or `/lead`, or the first assignment made by a
  responder (triage-role users can assign on github.com; theirs acknowledges nothing). An
  acknowledgement is a fact about the incident: it also covers a later
  change of priority.
* **Decisions outlive their comments**: `records` are the commands that shaped the incident
  (the counted acknowledgement, each counted `/priority`, the `/lead` and `/comms` in force),
  which the status card records (status.py) so that deleting or editing their comments undoes
  nothing (commands.py).
* **Response due** at the later of opening and the last priority change, plus the priority's
  response time, not counting time closed (clock.py).

Emits: nothing (the facts every incident rule reads)
Reads: priorities.<P>.response, labels.<P>, incidents.responders, bot, the calendar (timezone,
workdays, support, on_call, bank_holidays)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from dutydesk.commands import Command
from dutydesk.engine import Context, Item
from dutydesk.labels import LabelChange, label_changes
from dutydesk.model import EventKind, Issue
from dutydesk.people import same
from dutydesk.policy import Policy, Priority
from dutydesk.rules.ids import Refusal
from dutydesk.rules.incidents.clock import Span, advance, closed_spans
from dutydesk.rules.incidents.commands import (
    Acknowledgement,
    Heard,
    LeadCommand,
    PriorityChange,
    Refused,
    Responders,
    Unknown,
    Update,
    read_commands,
    unknown_commands,
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
    "Relabel",
    "Unknown",
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
class Relabel:
    """A change to the priority labels that set no priority, and why: the bot puts the labels
    back and replies once to the person (refused.py)."""

    change: LabelChange
    reason: Refusal  # NOT_RESPONDER, ACCESS_UNKNOWN; USAGE: a responder only took one off
    detail: str  # who the responders are, or what could not be read
    stays: str | None  # the priority in force at the change (its id), which the bot keeps


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
    relabels: tuple[Relabel, ...]
    lead_command: LeadCommand | None
    assignment: Assignment
    closed: tuple[Span, ...]
    security: tuple[str, ...]  # why it is a security incident; empty if it is not
    records: tuple[Command, ...]  # the commands that shaped it, which the card records
    unknown: tuple[Unknown, ...]  # responders' comments that look like a command and are none

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
    """The incident's story from the issue snapshot (pure); read once per item and context,
    so that the rules and the sweep summary share one reading."""
    return ctx.once("incident", item, lambda: _read(item, ctx))


def _read(item: Item, ctx: Context) -> Incident:
    issue = item.issue
    spans = closed_spans(issue)
    heard = read_commands(item, ctx)
    labelled, unheard = read_labels(item, ctx)
    changes = effective_changes(item, ctx, heard, labelled)
    ack = acknowledgement(ctx, issue, heard)
    return Incident(
        item=item,
        ctx=ctx,
        opened=issue.created_at,
        changes=changes,
        periods=periods(ctx.policy, changes, spans),
        ack=ack,
        lead=heard.lead.person if heard.lead else (issue.assignees[0] if issue.assignees else None),
        comms=heard.comms,
        updates=heard.updates,
        refused=heard.refused,
        relabels=relabels(ctx.policy, changes, unheard),
        lead_command=heard.lead,
        assignment=read_assignment(item, heard.lead),
        closed=spans,
        security=security_reasons(item),
        records=shaping(heard, ack),
        unknown=unknown_commands(item, ctx),
    )


def shaping(heard: Heard, ack: Acknowledgement | None) -> tuple[Command, ...]:
    """The commands that shaped the incident, oldest first: the counted acknowledgement (an
    `/ack` or `/lead`), each counted `/priority` and the `/lead` and `/comms` in force."""
    found = [
        ack.command if ack else None,
        *(change.command for change in heard.priorities),
        heard.lead.command if heard.lead else None,
        heard.comms_command,
    ]
    unique = {(c.at, c.comment.id, c.name, c.args): c for c in found if c is not None}
    return tuple(unique[key] for key in sorted(unique))


def effective_changes(
    item: Item, ctx: Context, heard: Heard, labelled: Sequence[PriorityChange] = ()
) -> tuple[PriorityChange, ...]:
    """The priority changes by the form, by `/priority` and by a responder's label, in time
    order, each to a different priority than the one before (repeating the priority does not
    restart the clock)."""
    effective: list[PriorityChange] = []
    stated = [*form_changes(item, ctx), *heard.priorities, *labelled]
    for change in sorted(stated, key=lambda c: c.at):
        if not effective or effective[-1].priority != change.priority:
            effective.append(change)
    return tuple(effective)


def form_changes(item: Item, ctx: Context) -> list[PriorityChange]:
    """The form's priority as opened and as its author (or a responder) edited it. GitHub
    lets any writer edit an issue body; an edit by one who is neither changes no priority."""
    responders, author = Responders(ctx), item.issue.author
    return [
        PriorityChange(at, pid, by, "form")
        for at, pid, by in form_priorities(item)
        if same(by, author) or responders.check(by) is True
    ]


_Unheard = tuple[LabelChange, Refusal, str]
"""A label change that set no priority: the change, why, and who the responders are."""


def read_labels(item: Item, ctx: Context) -> tuple[list[PriorityChange], list[_Unheard]]:
    """People's changes to the priority labels: a responder's added label is a priority
    change; any other change is unheard (and may be answered: `relabels`)."""
    policy, responders = ctx.policy, Responders(ctx)
    by_label = {policy.label(pid): pid for pid in policy.priorities}
    changes: list[PriorityChange] = []
    unheard: list[_Unheard] = []
    for change in label_changes(item.issue, ctx, by_label):
        allowed = responders.check(change.by)
        added = [by_label[lbl] for lbl in change.added]
        if allowed is True and added:
            wanted = min(added, key=list(policy.priorities).index)  # two at once: more urgent
            changes.append(PriorityChange(change.at, wanted, change.by, "label"))
            continue
        unheard.append((change, _why(allowed), responders.explain(change.by)))
    return changes, unheard


def _why(allowed: bool | None) -> Refusal:
    if allowed is None:
        return Refusal.ACCESS_UNKNOWN
    return Refusal.USAGE if allowed else Refusal.NOT_RESPONDER


def relabels(
    policy: Policy, changes: Sequence[PriorityChange], unheard: Sequence[_Unheard]
) -> tuple[Relabel, ...]:
    """The unheard label changes worth an answer: any that added a priority label, or took
    off the label of the priority in force then (a stray label's removal is a tidy-up). A
    responder's removal followed by their own later statement is a swap in two steps."""
    found: list[Relabel] = []
    for change, reason, detail in unheard:
        stays = next((c.priority for c in reversed(changes) if c.at <= change.at), None)
        if not (change.added or (stays is not None and policy.label(stays) in change.removed)):
            continue
        if reason is Refusal.USAGE and _stated_later(changes, change):
            continue
        found.append(Relabel(change, reason, detail, stays))
    return tuple(found)


def _stated_later(changes: Sequence[PriorityChange], change: LabelChange) -> bool:
    return any(same(c.by, change.by) and c.at >= change.at for c in changes)


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
