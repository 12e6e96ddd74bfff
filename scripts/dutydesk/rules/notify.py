"""Notifications outside GitHub: which events of an item go to which channels, once each.

The events come from the facts the incident and change rules read (notify_events.py). A route
sends an event to its channel when the route lists the event, its `priorities` (if any) include
the incident's priority at the event (events of change requests, maintenance and runbooks have
none and are not filtered), and its `when` holds by the calendar at the moment of the event:
`support-hours`, `out-of-hours` (on-call hours or no cover), `on-call`, `no-cover`, `always`.
A route `to: owner_slack` (a Slack bot-token channel; runbook events) sends to each of the
happening's Slack conversations (a runbook's `owner_slack`), each recorded apart (the key ends
`:<conversation>`), or to the channel's own when it has none.

An event is sent to a channel once: its delivery is recorded in the bot's own comment
`notify.message:sent` (notify/records.py), and a recorded delivery is never planned again. The
plan is the notify actions, then that comment with the new records; the executor writes the
records of those delivered only (io/apply.py), so a failed delivery is planned again next run.
An event older than `notifications.max_age` is never sent, nor retried; a runbook's review
notice has at least `RUNBOOK_HORIZON` (a week), since the runbooks workflow runs on weekdays
only and a failed notice must live to the next run, after a weekend or a bank holiday too.

PagerDuty channels: an event routed to one triggers an alert (dedup key from the repository and
issue) only while the incident is open and unacknowledged; once it is acknowledged or resolved
in GitHub, every PagerDuty channel that was sent a trigger for it is sent a `resolve`.

Emits: notify.message
Reads: notifications.routes, notifications.max_age, notifications.channels, the calendar
(timezone, workdays, support, on_call, bank_holidays)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

from dutydesk.actions import Action, DeliveryLog, Kind, Notification
from dutydesk.engine import Context, Decision, Item
from dutydesk.markers import key_time
from dutydesk.notify.records import SENT_KEY, Sent, log_body, recorded
from dutydesk.notify.wording import compose
from dutydesk.policy.notifications import Channel, Event, Route, RouteTo, Transport, When
from dutydesk.rules.ids import Rule
from dutydesk.rules.notify_events import (
    Happening,
    Happenings,
    change_events,
    incident_events,
    maintenance_events,
)
from dutydesk.time.calendar import BusinessCalendar, Cover

if TYPE_CHECKING:  # pragma: no cover
    from dutydesk.policy import Policy
    from dutydesk.rules.changes.facts import Facts
    from dutydesk.rules.changes.maintenance import MaintenanceFacts
    from dutydesk.rules.incidents.story import Incident

RULE = Rule.NOTIFY
_INCIDENT_PREFIX = "incident."
_SETTLING = (str(Event.INCIDENT_ACKNOWLEDGED), str(Event.INCIDENT_RESOLVED))


def notify_incident(incident: Incident) -> Decision:
    """[notify.message] the incident's events, to the channels routed."""
    if not incident.ctx.policy.notifications.enabled:
        return Decision()
    return plan(incident.item, incident.ctx, incident_events(incident))


def notify_change(facts: Facts) -> Decision:
    """[notify.message] the change request's events, to the channels routed."""
    if not facts.ctx.policy.notifications.enabled:
        return Decision()
    return plan(facts.item, facts.ctx, change_events(facts))


def notify_maintenance(facts: MaintenanceFacts) -> Decision:
    """[notify.message] the maintenance notice, to the channels routed."""
    if not facts.ctx.policy.notifications.enabled:
        return Decision()
    return plan(facts.item, facts.ctx, maintenance_events(facts))


def plan(item: Item, ctx: Context, happenings: Happenings, link: str = "") -> Decision:
    """The notifications still to send, then the comment that records them. `link`: the
    item's address when it is not the issue's (a pull request's)."""
    earlier = recorded(item.issue.comments, ctx.policy.bot)
    done = {(s.channel, s.key) for s in earlier}
    notes = [
        replace(n, link=link)
        for n in wanted(item, ctx, happenings, earlier)
        if (n.channel, n.key) not in done
    ]
    if not notes:
        return Decision(next_check=happenings.next_check)
    at = key_time(ctx.now)
    planned = tuple(Sent(n.channel, n.key, at) for n in notes)
    log = DeliveryLog(_triples(earlier), _triples(planned))
    existing = item.mine.get(SENT_KEY)
    actions = [Action(Kind.NOTIFY, RULE, item.number, key=n.key, payload=n) for n in notes]
    actions.append(
        Action(
            Kind.COMMENT,
            RULE,
            item.number,
            body=log_body((*earlier, *planned)),
            key=SENT_KEY,
            comment_id=existing.id if existing is not None else None,
            payload=log,
        )
    )
    return Decision(tuple(actions), next_check=happenings.next_check)


def _triples(sents: tuple[Sent, ...]) -> tuple[tuple[str, str, str], ...]:
    return tuple((s.channel, s.key, s.at) for s in sents)


def wanted(
    item: Item, ctx: Context, happenings: Happenings, earlier: tuple[Sent, ...] = ()
) -> list[Notification]:
    """Every notification the events call for at `ctx.now`, recorded or not, once each."""
    policy = ctx.policy
    found: dict[tuple[str, str], Notification] = {}
    title = item.issue.title
    number = item.number or None  # 0: a pull request a dry run would open (no number yet)
    for happening in happenings.items:
        if not ctx.now - horizon(policy, happening.event) <= happening.at <= ctx.now:
            continue
        for channel, target in destinations(happening, ctx):
            pager = channel.transport is Transport.PAGERDUTY
            if pager and not happenings.alerting:
                continue  # an acknowledged or resolved incident pages nobody
            note = compose(happening, channel, number, title, policy, "trigger" if pager else "")
            if target:
                note = replace(note, key=f"{happening.key}:{target}", target=target)
            found.setdefault((channel.name, note.key), note)
    for channel, happening in _resolutions(ctx, happenings, earlier):
        note = compose(happening, channel, number, title, policy, "resolve")
        found.setdefault((channel.name, happening.key), note)
    return list(found.values())


def _resolutions(
    ctx: Context, happenings: Happenings, earlier: tuple[Sent, ...]
) -> Iterator[tuple[Channel, Happening]]:
    """A `resolve` for each PagerDuty channel whose latest record is a trigger, once the
    incident is acknowledged or resolved (the latest of those events)."""
    settled = happenings.settled
    oldest = ctx.now - ctx.policy.notifications.max_age.amount
    if settled is None or happenings.alerting or settled.at < oldest:
        return
    for channel in ctx.policy.notifications.channels.values():
        if channel.transport is not Transport.PAGERDUTY:
            continue
        mine = sorted(
            (s.at, not s.key.startswith(_SETTLING)) for s in earlier if s.channel == channel.name
        )
        if mine and mine[-1][1]:  # the latest is a trigger
            yield channel, settled


#: A runbook event's least horizon: the runbooks workflow runs once a weekday.
RUNBOOK_HORIZON = timedelta(days=7)


def horizon(policy: Policy, event: Event) -> timedelta:
    """How long after it happened an event may still be sent (or sent again)."""
    max_age = policy.notifications.max_age.amount
    if event is Event.RUNBOOK_REVIEW_OPENED:
        return max(max_age, RUNBOOK_HORIZON)
    return max_age


def destinations(happening: Happening, ctx: Context) -> list[tuple[Channel, str]]:
    """(channel, conversation) for each place a happening goes, in the order of the routes,
    each once; the conversation is "" for the channel's own, else one of the happening's Slack
    conversations (a `to: owner_slack` route)."""
    notifications = ctx.policy.notifications
    found: dict[tuple[str, str], Channel] = {}
    for route in notifications.routes:
        if not applies(route, happening, ctx.policy.calendar):
            continue
        channel = notifications.channels[route.channel]
        owned = route.to is RouteTo.OWNER_SLACK and channel.web_api and happening.slack
        for target in happening.slack if owned else ("",):
            found.setdefault((channel.name, target), channel)
    return [(channel, target) for (_, target), channel in found.items()]


def applies(route: Route, happening: Happening, calendar: BusinessCalendar) -> bool:
    """Does the route send this happening: its event, priority and `when`?"""
    if happening.event not in route.events:
        return False
    filtered = route.priorities and happening.event.startswith(_INCIDENT_PREFIX)
    if filtered and happening.priority not in route.priorities:
        return False
    return holds(route.when, calendar, happening)


def holds(when: When, calendar: BusinessCalendar, happening: Happening) -> bool:
    """Does `when` hold at the moment of the happening, by the policy's calendar?"""
    if when is When.ALWAYS:
        return True
    cover = calendar.cover_at(happening.at)
    match when:
        case When.SUPPORT_HOURS:
            return cover is Cover.SUPPORT
        case When.OUT_OF_HOURS:
            return cover is not Cover.SUPPORT
        case When.ON_CALL:
            return cover is Cover.ON_CALL
        case When.NO_COVER:
            return cover is Cover.NONE
    return False


__all__ = [
    "Event",
    "destinations",
    "notify_change",
    "notify_incident",
    "notify_maintenance",
    "plan",
    "wanted",
]
