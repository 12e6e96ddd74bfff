"""The sweep's look at closed items: notifications still owed after an item was closed. Pure.

The sweep lists open items only. An item closed lately may still owe a notification outside
GitHub: the close event's job could not reach Slack, say, so its delivery was not recorded and
is due again. Nothing else would ever look at the item again, so the sweep also reads the items
updated within `notifications.max_age` (older events are never sent), and of each closed one
applies only what the notify rule plans: the deliveries still owed and the comment recording
them. Anything else on a closed item is its own events' business, as it is today. A closing's
own event job makes the first try: an item closed less than `GRACE` ago is left to it, since
the sweep and that job run in different concurrency groups and could both send.

Reads: notifications.max_age, notifications.channels, notifications.routes
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from dutydesk.engine import Decision
from dutydesk.model import Issue
from dutydesk.policy import Policy
from dutydesk.rules.ids import Rule


def retry_since(policy: Policy, now: datetime) -> datetime | None:
    """From when closed items may still owe a notification; None when none can (notifications
    are off)."""
    notifications = policy.notifications
    if not notifications.enabled:
        return None
    return now - notifications.max_age.amount


#: A closing's own event job makes the first try at its deliveries; the sweep leaves a closed
#: item alone this long after it closed, so the two never send at the same time.
GRACE = timedelta(minutes=15)


def closed_owing(issues: Iterable[Issue], swept: Iterable[int], now: datetime) -> list[Issue]:
    """The closed items of a listing, once each by number, leaving out those swept already
    and those closed within GRACE of `now` (their close event's job is still at work)."""
    seen = set(swept)
    found: list[Issue] = []
    for issue in issues:
        if issue.is_open or issue.number in seen:
            continue
        if issue.closed_at is not None and issue.closed_at > now - GRACE:
            continue
        seen.add(issue.number)
        found.append(issue)
    return found


def notify_only(decision: Decision) -> Decision:
    """The notify rule's part of a closed item's plan: deliveries owed and their record."""
    actions = tuple(a for a in decision.actions if a.rule == Rule.NOTIFY)
    return Decision(actions)


__all__ = ["closed_owing", "notify_only", "retry_since"]
