"""The `notifications:` section of policy.yaml: channels outside GitHub and the routes to them
(pure). Kept beside parsing.py, which calls `parse_notifications` for the section.

    notifications:
      channels:                 # name -> exactly one transport
        ops:    {slack: {webhook_url_env: OPS_SLACK_WEBHOOK}}
        bot:    {slack: {token_env: SLACK_BOT_TOKEN, channel: "#ops"}}   # the Web API
        teams:  {teams: {webhook_url_env: OPS_TEAMS_WEBHOOK}}
        oncall: {email: {to: [oncall@example.org]}}
        pager:  {pagerduty: {routing_key_env: PD_ROUTING_KEY}}
      routes:
        - {channel: ops, events: [incident.opened], priorities: [P1, P2], when: always}
        - {channel: bot, events: [runbook.review_opened], to: owner_slack}
      max_age: 1 day            # an event older than this is never sent (nor retried)

The section names secrets only by the environment variable that holds them: a value here is
never a secret, so policy.yaml can be public. No section: no notifications.

Slack has two forms. An incoming webhook (`webhook_url_env`) posts only to the channel it was
made for: Slack ignores a `channel` in its payload. A bot token (`token_env`, with `chat:write`)
posts through the Web API's `chat.postMessage` to `channel`, or, on a route with
`to: owner_slack`, to the Slack channels a runbook page names in its `owner_slack`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from urllib.parse import urlsplit

from dutydesk.policy.reader import LOOPBACK, NotShown, Reader
from dutydesk.policy.schema import PRIORITY_IDS
from dutydesk.time.durations import Clock, Duration

NOTIFICATIONS_KEYS = ("channels", "routes", "max_age")
ROUTE_KEYS = ("channel", "events", "priorities", "when", "to")
PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"
SLACK_API_URL = "https://slack.com/api/"
#: A Slack conversation chat.postMessage takes: `#name`, or a channel (C, G), DM (D) or user
#: (U, W) ID.
SLACK_CONVERSATION = re.compile(r"#[a-z0-9][a-z0-9._-]{0,79}|[CGDUW][A-Z0-9]{8,}")
_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")
_CHANNEL_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
_ADDRESS = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+")


class Transport(StrEnum):
    SLACK = "slack"
    TEAMS = "teams"
    EMAIL = "email"
    PAGERDUTY = "pagerduty"


class Event(StrEnum):
    """Every event a route may name (rules/notify.py derives them from the rules' facts)."""

    INCIDENT_OPENED = "incident.opened"
    INCIDENT_REPRIORITISED = "incident.reprioritised"
    INCIDENT_ESCALATED = "incident.escalated"
    INCIDENT_ACKNOWLEDGED = "incident.acknowledged"
    INCIDENT_UPDATED = "incident.updated"
    INCIDENT_RESOLVED = "incident.resolved"
    INCIDENT_SECURITY = "incident.security"
    CHANGE_REQUESTED = "change.requested"
    CHANGE_APPROVED = "change.approved"
    CHANGE_STARTING = "change.starting"
    CHANGE_DONE = "change.done"
    CHANGE_ROLLED_BACK = "change.rolled_back"
    MAINTENANCE_ANNOUNCED = "maintenance.announced"
    RUNBOOK_REVIEW_OPENED = "runbook.review_opened"


#: The events about a runbook page (a route may send them `to: owner_slack`).
RUNBOOK_EVENTS = frozenset({Event.RUNBOOK_REVIEW_OPENED})


class RouteTo(StrEnum):
    """Where a route sends: its channel's own destination, or a runbook's `owner_slack`."""

    CHANNEL = "channel"
    OWNER_SLACK = "owner_slack"


class When(StrEnum):
    """When a route applies, by the policy's calendar at the moment of the event."""

    ALWAYS = "always"
    SUPPORT_HOURS = "support-hours"
    OUT_OF_HOURS = "out-of-hours"  # on-call hours or no cover
    ON_CALL = "on-call"
    NO_COVER = "no-cover"


#: The settings each transport takes, beside the one it needs.
TRANSPORT_KEYS: Mapping[Transport, tuple[str, ...]] = {
    Transport.SLACK: ("webhook_url_env", "token_env", "channel", "api_url"),
    Transport.TEAMS: ("webhook_url_env",),
    Transport.EMAIL: ("to", "subject_prefix"),
    Transport.PAGERDUTY: ("routing_key_env", "events_url"),
}


@dataclass(frozen=True)
class Channel:
    """A place outside GitHub. `secret_env` names the environment variable holding the webhook
    URL (Slack, Teams), the bot token (Slack's Web API: `slack_channel` set) or the routing key
    (PagerDuty); email reads SMTP_* (notify/transports)."""

    name: str
    transport: Transport
    secret_env: str = ""
    to: tuple[str, ...] = ()
    subject_prefix: str = "[dutydesk]"
    events_url: str = PAGERDUTY_EVENTS_URL
    slack_channel: str = ""  # a bot token's default conversation (`#ops`, `C0123ABCD`)
    api_url: str = SLACK_API_URL

    @property
    def web_api(self) -> bool:
        """Slack through a bot token (chat.postMessage), which can choose where it posts."""
        return self.transport is Transport.SLACK and bool(self.slack_channel)


@dataclass(frozen=True)
class Route:
    channel: str
    events: tuple[Event, ...]
    priorities: tuple[str, ...] = ()  # empty: every priority; filters incident events only
    when: When = When.ALWAYS
    to: RouteTo = RouteTo.CHANNEL


@dataclass(frozen=True)
class NotificationsPolicy:
    channels: Mapping[str, Channel] = field(default_factory=dict)
    routes: tuple[Route, ...] = ()
    max_age: Duration = field(default_factory=lambda: Duration.wall(timedelta(days=1)))

    @property
    def enabled(self) -> bool:
        return bool(self.routes)


def parse_notifications(section: Reader) -> NotificationsPolicy:
    """The channels, then the routes (which must name a channel), each checked."""
    channels = _channels(section)
    routes = _routes(section, channels)
    max_age = section.duration("max_age", "1 day", (Clock.WALL,))
    if max_age.amount <= timedelta(0):
        raise section.fail("max_age", section.data["max_age"], "a duration longer than zero")
    section.done(NOTIFICATIONS_KEYS)
    return NotificationsPolicy(channels=channels, routes=routes, max_age=max_age)


def _channels(section: Reader) -> dict[str, Channel]:
    given = section.mapping("channels")
    channels: dict[str, Channel] = {}
    for name in given.data:
        if not isinstance(name, str) or not _CHANNEL_NAME.fullmatch(name):
            raise given.fail(
                str(name), name, "a channel name of lowercase letters, digits, - and _"
            )
        channels[name] = _channel(given, name)
    return channels


def _channel(channels: Reader, name: str) -> Channel:
    entry = channels.mapping(name)
    allowed = "exactly one transport: " + ", ".join(Transport)
    transports = list(entry.data)
    if len(transports) != 1:
        raise channels.fail(name, entry.data, allowed)
    try:
        transport = Transport(transports[0])
    except ValueError:
        raise entry.fail(str(transports[0]), entry.data[transports[0]], allowed) from None
    settings = entry.mapping(transport.value)
    settings.done(TRANSPORT_KEYS[transport])
    if transport is Transport.EMAIL:
        return Channel(name, transport, to=_addresses(settings), subject_prefix=_prefix(settings))
    if transport is Transport.SLACK:
        return _slack(name, settings)
    env_key = "routing_key_env" if transport is Transport.PAGERDUTY else "webhook_url_env"
    secret_env = _env_name(settings, env_key)
    if transport is Transport.PAGERDUTY:
        return Channel(name, transport, secret_env, events_url=_events_url(settings))
    return Channel(name, transport, secret_env)


def _env_name(settings: Reader, key: str) -> str:
    secret_env = settings.text(key, "")
    if not _ENV_NAME.fullmatch(secret_env):
        shown: object = NotShown() if secret_env else secret_env
        raise settings.fail(
            key, shown, "the NAME of an environment variable (A-Z, 0-9, _), never the secret"
        )
    return secret_env


def _slack(name: str, settings: Reader) -> Channel:
    """An incoming webhook (`webhook_url_env`), or a bot token (`token_env`) with the
    `channel` it posts to and, for tests, the Web API's `api_url`."""
    forms = [key for key in ("webhook_url_env", "token_env") if key in settings.data]
    if len(forms) != 1:
        given = " and ".join(forms) or "neither"
        raise settings.fail("webhook_url_env", given, "exactly one of webhook_url_env or token_env")
    if forms[0] == "webhook_url_env":
        for key in ("channel", "api_url"):
            if key in settings.data:
                raise settings.fail(
                    key,
                    settings.data[key],
                    "nothing: an incoming webhook posts only to the channel it was made for "
                    "(use token_env, a bot token, to choose the channel)",
                )
        return Channel(name, Transport.SLACK, _env_name(settings, "webhook_url_env"))
    channel = settings.get("channel", None)
    if not isinstance(channel, str) or not SLACK_CONVERSATION.fullmatch(channel.strip()):
        raise settings.fail(
            "channel",
            channel,
            'a Slack channel such as "#ops" (in quotes: # starts a YAML comment) or an ID '
            "such as C0123ABCD",
        )
    channel = channel.strip()
    return Channel(
        name,
        Transport.SLACK,
        _env_name(settings, "token_env"),
        slack_channel=channel,
        api_url=_url(settings, "api_url", SLACK_API_URL),
    )


def _addresses(settings: Reader) -> tuple[str, ...]:
    value = settings.get("to", None)
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise settings.fail("to", value, "a list of email addresses")
    for item in items:
        if not isinstance(item, str) or not _ADDRESS.fullmatch(item.strip()):
            raise settings.fail("to", item, "an email address such as oncall@example.org")
    return tuple(item.strip() for item in items)


def _prefix(settings: Reader) -> str:
    prefix = settings.text("subject_prefix", "[dutydesk]")
    if any(ch in prefix for ch in "\r\n"):
        raise settings.fail("subject_prefix", prefix, "one line of text")
    return prefix


def _events_url(settings: Reader) -> str:
    return _url(settings, "events_url", PAGERDUTY_EVENTS_URL)


def _url(settings: Reader, key: str, default: str) -> str:
    url = settings.text(key, default)
    parts = urlsplit(url)
    loopback = parts.scheme == "http" and parts.hostname in LOOPBACK  # a test's stand-in
    if not parts.netloc or (parts.scheme != "https" and not loopback):
        raise settings.fail(
            key,
            url,
            f"an https URL such as {default} (a secret is sent there; plain http "
            "only to 127.0.0.1 or localhost)",
        )
    return url


def _routes(section: Reader, channels: Mapping[str, Channel]) -> tuple[Route, ...]:
    value = section.get("routes", [])
    if value is None:
        return ()
    if not isinstance(value, list):
        raise section.fail("routes", value, "a list of {channel, events, priorities, when}")
    routes = []
    for index, item in enumerate(value):
        name = f"routes[{index}]"
        if not isinstance(item, dict):
            raise section.fail(name, item, "a mapping with channel, events, priorities and when")
        routes.append(_route(Reader(section.source, item, section.key(name)), channels))
    return tuple(routes)


def _route(entry: Reader, channels: Mapping[str, Channel]) -> Route:
    channel = entry.text("channel", "")
    if channel not in channels:
        known = ", ".join(sorted(channels)) or "none are defined under notifications.channels"
        raise entry.fail("channel", channel, f"a channel defined under channels ({known})")
    events = _events(entry)
    _paged(entry, channels[channel], events)
    route = Route(
        channel=channel,
        events=events,
        priorities=_priorities(entry),
        when=_when(entry),
        to=_to(entry, channels[channel], events),
    )
    entry.done(ROUTE_KEYS)
    return route


def _paged(entry: Reader, channel: Channel, events: tuple[Event, ...]) -> None:
    """A PagerDuty channel is an alert that stands while an incident is unacknowledged: it
    takes incident events only (a change's or a runbook's would never be sent)."""
    if channel.transport is not Transport.PAGERDUTY:
        return
    others = [str(e) for e in events if not str(e).startswith("incident.")]
    if others:
        raise entry.fail(
            "events",
            others[0],
            f"incident events only: {channel.name} is a PagerDuty channel, which pages for an "
            "incident until it is acknowledged",
        )


def _to(entry: Reader, channel: Channel, events: tuple[Event, ...]) -> RouteTo:
    """`to: owner_slack` sends runbook events to the page's Slack channels: only a bot-token
    Slack channel can choose where it posts, and only runbook pages have an owner_slack."""
    value = entry.get("to", RouteTo.CHANNEL.value)
    try:
        to = RouteTo(str(value))
    except ValueError:
        raise entry.fail("to", value, "one of " + ", ".join(RouteTo)) from None
    if to is RouteTo.CHANNEL:
        return to
    if not channel.web_api:
        raise entry.fail(
            "to",
            value,
            f"channel (the default): owner_slack needs a Slack channel with token_env, and "
            f"{channel.name} cannot choose where it posts",
        )
    others = [str(e) for e in events if e not in RUNBOOK_EVENTS]
    if others:
        raise entry.fail(
            "to",
            value,
            "channel (the default): owner_slack is for runbook events only "
            f"({', '.join(sorted(RUNBOOK_EVENTS))}), not {', '.join(others)}",
        )
    return to


def _events(entry: Reader) -> tuple[Event, ...]:
    value = entry.get("events", None)
    items = [value] if isinstance(value, str) else value
    allowed = "a list of events: " + ", ".join(Event)
    if not isinstance(items, list) or not items:
        raise entry.fail("events", value, allowed)
    events = []
    for item in items:
        try:
            events.append(Event(str(item)))
        except ValueError:
            raise entry.fail("events", item, allowed) from None
    return tuple(dict.fromkeys(events))


def _priorities(entry: Reader) -> tuple[str, ...]:
    value = entry.get("priorities", [])
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or any(str(i) not in PRIORITY_IDS for i in items):
        raise entry.fail("priorities", value, "a list of priorities among P1, P2, P3, P4")
    return tuple(str(i) for i in items)


def _when(entry: Reader) -> When:
    value = entry.get("when", When.ALWAYS.value)
    try:
        return When(str(value))
    except ValueError:
        raise entry.fail("when", value, "one of " + ", ".join(When)) from None
