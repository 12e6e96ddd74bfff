"""Telling a runbook's owners outside GitHub that its review pull request is open (pure).

The event `runbook.review_opened` happens when the bot opens a runbook's review pull request;
a route's `when` is judged at that moment, and `priorities` do not filter it. It is planned by
the same rule as every notification (rules/notify.py): once per channel (and conversation),
recorded in the bot's own comment `notify.message:sent` on the pull request (a pull request is
an issue for comments), so a rerun or the next day's run never sends it again, and a failed
delivery is planned again on the next run until `notifications.max_age`, or a week if that is
longer (rules/notify.py RUNBOOK_HORIZON: the runbooks workflow runs on weekdays only), has
passed since the pull request was opened. Only pull requests opened within that are looked at.

The message names the runbook, says whether its review is due today or overdue, and asks its
owners (the GitHub reviewers and the page's `owner_slack`, named as user text, escaped) to
review it; the transport adds the link to the pull request. A route `to: owner_slack` posts to
each of the page's `owner_slack` entries that is a Slack conversation (`#channel`, or an ID
such as `C0123ABCD`); a `@handle` is only named (the Web API posts to conversations, not to
handles), and a page with no conversation there gets the channel's own.

Emits: notify.message (runbook.review_opened)
Reads: notifications.routes, notifications.channels, notifications.max_age, the calendar
(timezone, workdays, support, on_call, bank_holidays)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from dutydesk.engine import Context, Decision, Item
from dutydesk.markers import bot_comments
from dutydesk.model import Comment, Issue
from dutydesk.policy import Policy
from dutydesk.policy.notifications import SLACK_CONVERSATION, Event
from dutydesk.rules.notify import horizon, plan
from dutydesk.rules.notify_events import Happening, Happenings
from dutydesk.rules.runbooks.model import PullState, Runbook
from dutydesk.rules.runbooks.review import Reason, Verdict

EVENT = Event.RUNBOOK_REVIEW_OPENED


@dataclass(frozen=True)
class ReviewPull:
    """A review pull request of the bot's: opened in this run, or found open. `number` is None
    for one a dry run would open (its link is not known yet)."""

    runbook: Runbook
    number: int | None
    url: str
    opened_at: datetime
    comments: tuple[Comment, ...] = ()


def notifying(policy: Policy) -> bool:
    """Does a route send `runbook.review_opened` anywhere?"""
    return any(EVENT in route.events for route in policy.notifications.routes)


#: Writes of one review pull request: read the file at the base, create the branch, commit the
#: file, open the pull request, request reviewers, label it.
WRITES_PER_PULL_REQUEST = 6


def pulls_within(
    max_writes: int, verdicts: Iterable[Verdict], now: datetime, policy: Policy
) -> int:
    """How many review pull requests one run may open within `max_writes` writes: each takes
    WRITES_PER_PULL_REQUEST, and one more (the comment that records its notices) when a route
    sends runbook.review_opened; the records that review pull requests open already may still
    owe (at most one each) are counted first. Always at least one, so that a run moves on."""
    if not notifying(policy):
        return max(1, max_writes // WRITES_PER_PULL_REQUEST)
    owed = len(open_reviews(verdicts, now, policy))
    return max(1, (max_writes - owed) // (WRITES_PER_PULL_REQUEST + 1))


def open_reviews(verdicts: Iterable[Verdict], now: datetime, policy: Policy) -> list[Verdict]:
    """The verdicts whose review pull request is open and was opened within max_age: the ones
    whose notice may still be due (their comments are read for its records)."""
    if not notifying(policy):
        return []
    oldest = now - horizon(policy, EVENT)
    return [
        v
        for v in verdicts
        if v.reason is Reason.OPEN
        and v.pull is not None
        and v.pull.state is PullState.OPEN
        and v.pull.created_at is not None
        and oldest <= v.pull.created_at <= now
    ]


def review_opened(pull: ReviewPull, today: date) -> Happening:
    """The event: its moment is the opening; whom it asks are the page's owners."""
    runbook = pull.runbook
    expires = runbook.expires
    if expires is None or expires >= today:
        detail = "due today"
    else:
        detail = f"overdue (due {expires.isoformat()})"
    return Happening(
        EVENT,
        str(EVENT),
        pull.opened_at,
        detail=detail,
        owners=(*runbook.owner, *runbook.owner_slack),
        slack=slack_conversations(runbook.owner_slack),
    )


def slack_conversations(owner_slack: Sequence[str]) -> tuple[str, ...]:
    """The entries of `owner_slack` that chat.postMessage can post to, each once."""
    found = (entry.strip() for entry in owner_slack)
    return tuple(dict.fromkeys(e for e in found if SLACK_CONVERSATION.fullmatch(e)))


def review_notices(pull: ReviewPull, today: date, now: datetime, policy: Policy) -> Decision:
    """[notify.message] The notices of one review pull request still to send, then the
    comment on it that records them (none once every one is recorded)."""
    if not notifying(policy):
        return Decision()
    issue = Issue(
        number=pull.number or 0,
        title=pull.runbook.title,
        body="",
        author=policy.bot,
        state="open",
        created_at=pull.opened_at,
        updated_at=pull.opened_at,
        comments=pull.comments,
    )
    item = Item(issue, None, {}, bot_comments(pull.comments, policy.bot))
    happenings = Happenings((review_opened(pull, today),))
    decision = plan(item, Context(policy, now, {}), happenings, link=pull.url)
    if pull.number is not None:
        return decision
    return Decision(tuple(replace(a, issue=None) for a in decision.actions))


__all__ = [
    "EVENT",
    "ReviewPull",
    "notifying",
    "open_reviews",
    "review_notices",
    "review_opened",
    "slack_conversations",
]
