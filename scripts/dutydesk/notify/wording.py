"""What each notification says: one headline, what is asked, in the channel's own markup, with
user text escaped for it (escape.py). Pure; the link to the issue is the transport's to add.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from dutydesk.actions import Notification
from dutydesk.notify import escape
from dutydesk.policy import Policy
from dutydesk.policy.notifications import Channel, Event, Transport
from dutydesk.rules.notify_events import Happening

HEADLINES: dict[Event, str] = {
    Event.INCIDENT_OPENED: "{priority} incident opened: {title}",
    Event.INCIDENT_REPRIORITISED: "Incident is now {priority}: {title}",
    Event.INCIDENT_ESCALATED: "{priority} incident not acknowledged in time: {title}",
    Event.INCIDENT_ACKNOWLEDGED: "Incident acknowledged by {by}: {title}",
    Event.INCIDENT_UPDATED: "Update on {title}: {detail}",
    Event.INCIDENT_RESOLVED: "Incident resolved: {title}",
    Event.INCIDENT_SECURITY: "Security incident: {title}",
    Event.CHANGE_REQUESTED: "Out-of-hours change requested: {title}",
    Event.CHANGE_APPROVED: "Change approved by {by}: {title}",
    Event.CHANGE_STARTING: "Change starting: {title}",
    Event.CHANGE_DONE: "Change done: {title}",
    Event.CHANGE_ROLLED_BACK: "Change rolled back: {title}: {detail}",
    Event.MAINTENANCE_ANNOUNCED: "Planned maintenance: {title}",
    Event.RUNBOOK_REVIEW_OPENED: "Runbook review {detail}: {title}",
}
ASKS: dict[Event, str] = {
    Event.INCIDENT_OPENED: "Acknowledge it with /ack on the issue.",
    Event.INCIDENT_REPRIORITISED: "Check who is responding.",
    Event.INCIDENT_ESCALATED: "Whoever is on call: acknowledge it with /ack on the issue.",
    Event.INCIDENT_SECURITY: "Security contacts: follow the data-breach procedure.",
    Event.CHANGE_REQUESTED: "Approvers: /approve or /reject it on the issue.",
    Event.CHANGE_STARTING: "Support on call: stand by.",
    Event.CHANGE_ROLLED_BACK: "Check the service is back as it was.",
    Event.MAINTENANCE_ANNOUNCED: "Tell the people it affects.",
    Event.RUNBOOK_REVIEW_OPENED: "{owners}: please review the runbook and merge the pull request.",
}
#: What is asked when the happening names nobody to ask.
NOBODY_ASKED = {
    Event.RUNBOOK_REVIEW_OPENED: "It has no owner: whoever knows the service, please review it.",
}
OWNERS_LIMIT = 200
_ESCAPE: dict[Transport, Callable[[str | None, int], str]] = {
    Transport.SLACK: escape.slack,
    Transport.TEAMS: escape.teams,
    Transport.EMAIL: escape.plain,
    Transport.PAGERDUTY: escape.plain,
}
_BOLD = {Transport.SLACK: "*{}*", Transport.TEAMS: "**{}**"}
#: PagerDuty's severities (critical, error, warning, info) for the priorities.
SEVERITY = {"P1": "critical", "P2": "error", "P3": "warning", "P4": "info"}


def compose(
    happening: Happening,
    channel: Channel,
    number: int | None,
    title: str,
    policy: Policy,
    action: str = "",
) -> Notification:
    """The notification of `happening` on issue `number` for `channel` (None: a pull request
    not opened yet, in a dry run)."""
    esc = _ESCAPE[channel.transport]
    headline = _headline(happening, title, policy, esc)
    subject = _headline(happening, title, policy, escape.plain)
    subject = f"#{number} {subject}" if number is not None else subject
    if channel.transport is Transport.EMAIL:
        subject = f"{channel.subject_prefix} {subject}"
    ask = "" if action == "resolve" else _ask(happening, esc)
    bold = _BOLD.get(channel.transport, "{}").format(f"#{number}")
    text = f"{bold} {headline}" if number is not None else headline
    text += f"\n{ask}" if ask else ""
    return Notification(
        channel=channel.name,
        transport=str(channel.transport),
        event=str(happening.event),
        key=happening.key,
        subject=escape.plain(subject, 250),
        text=text,
        priority=happening.priority,
        action=action,
    )


def _ask(happening: Happening, esc: Callable[[str | None, int], str]) -> str:
    """What is asked, naming whom (user text, escaped) where the event asks someone."""
    ask = ASKS.get(happening.event, "")
    if "{owners}" not in ask:
        return ask
    if not happening.owners:
        return NOBODY_ASKED.get(happening.event, "")
    return ask.format(owners=esc(", ".join(happening.owners), OWNERS_LIMIT))


def _headline(
    happening: Happening, title: str, policy: Policy, esc: Callable[[str | None, int], str]
) -> str:
    line = HEADLINES[happening.event].format(
        priority=happening.priority or "untriaged",
        title=esc(title, escape.TITLE_LIMIT),
        by=esc(happening.by, 40),
        detail=esc(happening.detail, escape.DETAIL_LIMIT),
    )
    if happening.window is not None:
        start, end = happening.window
        line += f" ({_when(policy, start)} to {_when(policy, end)})"
    return line


def _when(policy: Policy, moment: datetime) -> str:
    return policy.local(moment).strftime("%a %d %b %H:%M %Z")
