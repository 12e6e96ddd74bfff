"""Delivering planned notifications: secrets from the environment, failures kept, not raised.

`Notifier` is what the sweep and the event job use: it reads each channel's secret from the
environment when a notification for it is first sent (a channel nobody is told of needs no
secret), sends through `transports.py`, and keeps every failure for the job summary. A secret
never reaches its output: messages name the variable, never its value, and any text that would
still hold one has it replaced by `***`.

`Rehearsal` (for `simulate` and tests) sends nothing and says every delivery succeeded, so the
records are written and the timeline shows each notification once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from dutydesk.actions import Notification
from dutydesk.notify.transports import (
    DeliveryError,
    Outgoing,
    PagerDuty,
    Slack,
    SlackBot,
    Smtp,
    Teams,
)
from dutydesk.policy.notifications import Channel, NotificationsPolicy, Transport

#: The SMTP settings email channels read from the environment.
SMTP_ENV = ("SMTP_HOST", "SMTP_PORT", "SMTP_USER", "SMTP_PASSWORD", "SMTP_FROM")


class Sender(Protocol):
    def send(self, out: Outgoing) -> None: ...


class Deliverer(Protocol):
    """Delivers one notification; True if it was accepted. Never raises for a failed one."""

    def deliver(self, issue: int, note: Notification) -> bool: ...


@dataclass(frozen=True)
class Failed:
    issue: int
    channel: str
    event: str
    reason: str

    def sentence(self) -> str:
        return (
            f"notification to {self.channel} about #{self.issue} ({self.event}) failed: "
            f"{self.reason}; it is tried again on the next run"
        )


@dataclass
class Rehearsal:
    """Sends nothing; every delivery counts as made (simulate)."""

    delivered: list[tuple[int, Notification]] = field(default_factory=list)
    failed: list[Failed] = field(default_factory=list)

    def deliver(self, issue: int, note: Notification) -> bool:
        self.delivered.append((issue, note))
        return True


@dataclass
class Notifier:
    """Sends for real, with the secrets of `environ` (os.environ, in the CLI)."""

    policy: NotificationsPolicy
    environ: Mapping[str, str] = field(repr=False)
    repository: str = ""
    server_url: str = "https://github.com"
    delivered: list[tuple[int, Notification]] = field(default_factory=list)
    failed: list[Failed] = field(default_factory=list)

    def deliver(self, issue: int, note: Notification) -> bool:
        link = note.link or f"{self.server_url.rstrip('/')}/{self.repository}/issues/{issue}"
        try:
            sender = self.sender(self.policy.channels[note.channel])
            sender.send(Outgoing(note, issue, self.repository, link))
        except DeliveryError as exc:
            self.failed.append(Failed(issue, note.channel, note.event, self.redact(str(exc))))
            return False
        except Exception as exc:  # a bug or a library's surprise: still never stops the run
            reason = self.redact(f"{type(exc).__name__}: {exc}")
            self.failed.append(Failed(issue, note.channel, note.event, reason))
            return False
        self.delivered.append((issue, note))
        return True

    def sender(self, channel: Channel) -> Sender:
        """The channel's transport, with its secret from the environment."""
        match channel.transport:
            case Transport.SLACK if channel.web_api:
                token = self._secret(channel.secret_env)
                return SlackBot(token, channel.slack_channel, channel.api_url)
            case Transport.SLACK:
                return Slack(self._secret(channel.secret_env))
            case Transport.TEAMS:
                return Teams(self._secret(channel.secret_env))
            case Transport.PAGERDUTY:
                return PagerDuty(self._secret(channel.secret_env), channel.events_url)
            case Transport.EMAIL:
                return self._smtp(channel)
        raise DeliveryError(f"channel {channel.name} has no transport")

    def _secret(self, name: str) -> str:
        value = self.environ.get(name, "").strip()
        if not value:
            raise DeliveryError(f"the environment variable {name} is not set")
        return value

    def _smtp(self, channel: Channel) -> Smtp:
        port_text = self.environ.get("SMTP_PORT", "587").strip() or "587"
        if not port_text.isdigit():
            raise DeliveryError("SMTP_PORT is not a port number")
        return Smtp(
            host=self._secret("SMTP_HOST"),
            port=int(port_text),
            sender=self._secret("SMTP_FROM"),
            to=channel.to,
            user=self.environ.get("SMTP_USER", "").strip(),
            password=self.environ.get("SMTP_PASSWORD", ""),
        )

    def secrets(self) -> list[str]:
        """Every secret value the channels may use (for redaction)."""
        names = {c.secret_env for c in self.policy.channels.values() if c.secret_env}
        names |= {"SMTP_PASSWORD", "SMTP_USER"}
        return [v for n in names if len(v := self.environ.get(n, "").strip()) >= 4]

    def redact(self, text: str) -> str:
        for secret in self.secrets():
            text = text.replace(secret, "***")
        return text
