"""The incident lead's assignment, read: whether to assign the person `/lead` named now, and
the hidden trace the status card keeps of the `/lead` the bot assigned for.

Assigning the lead (`incident.lead`, refused.py) is planned once per `/lead` command: GitHub
silently ignores an assignee it cannot assign, so the bot records the command it assigned for
in its own status card (a hidden trace, written by status.py) and does not try again for that
command. Nor when the person is an assignee, or was assigned by anyone since being named.

Emits: nothing (read by story.py); it reads the issue's assignees and events and the bot's own
card, no policy key
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dutydesk.engine import Item
from dutydesk.model import EventKind, Issue
from dutydesk.people import same
from dutydesk.rules.ids import Rule
from dutydesk.rules.incidents.commands import LeadCommand

STATUS_KEY = str(Rule.INCIDENT_STATUS)
"""The key of the status card, which carries the trace."""

# The hidden trace in the bot's own status card: the `/lead` comment it assigned the lead for.
_LEAD_TRACE = re.compile(r"<!-- dutydesk-lead-assigned:(\d+) -->")


@dataclass(frozen=True)
class Assignment:
    """What to do about the latest `/lead`."""

    to_assign: tuple[str, ...] = ()  # whom to assign now (planned once per `/lead`)
    unassigned: bool = False  # the bot assigned for the latest `/lead`, but GitHub did not
    trace: int | None = None  # the `/lead` comment id the status card records


def is_assignee(issue: Issue, person: str) -> bool:
    return any(same(person, a) for a in issue.assignees)


def assigned_since(issue: Issue, lead: LeadCommand) -> bool:
    """Was the person assigned (by anyone) since the `/lead` that named them?

    (Someone assigned since and then unassigned by a person is left alone: no fight.)
    """
    return any(
        e.kind is EventKind.ASSIGNED and same(e.assignee or "", lead.person) and e.at >= lead.at
        for e in issue.events
    )


def lead_trace(item: Item) -> int | None:
    """The `/lead` comment the bot last assigned for, from its own status card (trusted: `mine`
    holds only comments the bot wrote)."""
    card = item.mine.get(STATUS_KEY)
    found = _LEAD_TRACE.search(card.body) if card is not None else None
    return int(found.group(1)) if found else None


def read_assignment(item: Item, lead: LeadCommand | None) -> Assignment:
    """Whether to assign the person the latest `/lead` named, and what the card records."""
    if lead is None:
        return Assignment()
    issue = item.issue
    since = assigned_since(issue, lead)
    traced = lead_trace(item) == lead.comment_id
    settled = since or is_assignee(issue, lead.person)
    to_assign = issue.is_open and not traced and not settled
    # The card records the command once it is assigned for, also after the person is
    # assigned: the card may be written a run after the assignment.
    trace = lead.comment_id if issue.is_open and (to_assign or since) else lead_trace(item)
    return Assignment((lead.person,) if to_assign else (), traced and not settled, trace)
