"""Who owns a label: the one rule every module follows when it adds or removes labels.

A label a person set wins. The bot takes a label off only when the bot put it on last, and it
puts a label back only when nobody took it off since the bot last added it (or, with `since`,
since the situation that calls for it began: a new missed target may add `sla-missed` again).

Labels that are state (an incident's priority) are read as people's changes instead
(`label_changes`): what one person added and removed at one moment, the bot's own left out.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime

from dutydesk.actions import Action, Kind
from dutydesk.engine import Context, Item
from dutydesk.model import EventKind, Issue, IssueEvent


def label_events(issue: Issue, label: str) -> list[IssueEvent]:
    """The issue's `labeled` and `unlabeled` events for one label, oldest first (events of the
    same moment keep their order)."""
    return _events_of(issue, (label,))


@dataclass(frozen=True)
class LabelChange:
    """What one person added and removed at one moment (a sidebar edit is one change)."""

    at: datetime
    by: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


def label_changes(issue: Issue, ctx: Context, labels: Collection[str]) -> list[LabelChange]:
    """People's changes to any of `labels`, oldest first; the bot's own are no one's change.

    The events one person made at one moment (GitHub records a sidebar edit as an `unlabeled`
    and a `labeled` at the same second) are one change.
    """
    found: list[LabelChange] = []
    for event in _events_of(issue, labels):
        if ctx.is_bot(event.actor):
            continue
        if found and found[-1].at == event.at and found[-1].by.lower() == event.actor.lower():
            last = found.pop()
        else:
            last = LabelChange(event.at, event.actor)
        found.append(_with(last, event))
    return found


def _events_of(issue: Issue, labels: Collection[str]) -> list[IssueEvent]:
    found = [
        e
        for e in issue.events
        if e.kind in (EventKind.LABELED, EventKind.UNLABELED) and e.label in labels
    ]
    return sorted(found, key=lambda e: e.at.astimezone(UTC))


def _with(change: LabelChange, event: IssueEvent) -> LabelChange:
    label = event.label or ""
    if event.kind is EventKind.LABELED:
        return LabelChange(change.at, change.by, (*change.added, label), change.removed)
    return LabelChange(change.at, change.by, change.added, (*change.removed, label))


def last_labeled(issue: Issue, label: str) -> IssueEvent | None:
    """Who added the label last, and when."""
    added = [e for e in label_events(issue, label) if e.kind is EventKind.LABELED]
    return added[-1] if added else None


def added_by_bot(item: Item, ctx: Context, label: str) -> bool:
    """Did the bot add the label last (so that the bot may take it away)?"""
    event = last_labeled(item.issue, label)
    return event is not None and ctx.is_bot(event.actor)


def removed_by_person(item: Item, ctx: Context, label: str, since: datetime | None = None) -> bool:
    """Did anyone but the bot take the label off after the bot last added it (and, with
    `since`, at or after `since`)? Then the bot does not add it again."""
    events = label_events(item.issue, label)
    last_bot_add = max(
        (i for i, e in enumerate(events) if e.kind is EventKind.LABELED and ctx.is_bot(e.actor)),
        default=None,
    )
    if last_bot_add is None:
        return False
    return any(
        e.kind is EventKind.UNLABELED
        and not ctx.is_bot(e.actor)
        and (since is None or e.at >= since)
        for e in events[last_bot_add + 1 :]
    )


def add_labels(item: Item, rule: str, *labels: str) -> tuple[Action, ...]:
    """Add the labels the issue does not have yet."""
    missing = tuple(lbl for lbl in labels if lbl not in item.issue.labels)
    return (Action(Kind.ADD_LABELS, rule, item.number, labels=missing),) if missing else ()


def remove_labels(item: Item, rule: str, *labels: str) -> tuple[Action, ...]:
    """Remove the labels the issue has."""
    present = tuple(lbl for lbl in labels if lbl in item.issue.labels)
    return (Action(Kind.REMOVE_LABELS, rule, item.number, labels=present),) if present else ()


def add_once(
    item: Item, ctx: Context, rule: str, label: str, since: datetime | None = None
) -> tuple[Action, ...]:
    """Add a label the bot owns, unless a person took it off after the bot put it on."""
    if label in item.issue.labels or removed_by_person(item, ctx, label, since):
        return ()
    return add_labels(item, rule, label)


def remove_own(item: Item, ctx: Context, rule: str, label: str) -> tuple[Action, ...]:
    """Take `label` off only if the bot put it there last: a person's label is theirs."""
    if label in item.issue.labels and added_by_bot(item, ctx, label):
        return remove_labels(item, rule, label)
    return ()
