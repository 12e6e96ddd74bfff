"""Planned actions: what the rules ask for, before anything is written.

Every write dutydesk makes is an `Action`, planned by a pure decision and carried out by the
one executor, `dutydesk.io.apply`: comments, labels, assignments and closing on an issue, a
label's definition (`labels sync`) and a runbook's review pull request. The two writes that
are not about an issue carry a typed payload: `PullRequest` and `LabelDefinition`.

A notification outside GitHub (`notify`) is planned the same way, with a `Notification`
payload; it is no GitHub write, but the bot comment that records its delivery is: a `comment`
with a `DeliveryLog` payload, whose body the executor writes with only the deliveries that
succeeded (dutydesk.notify).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    ADD_LABELS = "add_labels"
    REMOVE_LABELS = "remove_labels"
    COMMENT = "comment"
    ASSIGN = "assign"
    CLOSE = "close"
    OPEN_PULL_REQUEST = "open_pull_request"
    SAVE_LABEL = "save_label"
    NOTIFY = "notify"


@dataclass(frozen=True)
class PullRequest:
    """A one-file pull request on its own branch: a runbook's review.

    `old_text` is the file as it was read and planned from, `new_text` what is committed;
    `diff` shows the one to the other. Neither text is printed (the diff is).
    """

    path: str
    branch: str
    title: str
    message: str  # the commit's message
    reviewers: tuple[str, ...]
    expired_on: date
    next_expiry: date
    diff: str
    old_text: str
    new_text: str

    def summary(self) -> str:
        return f"open pull request {self.branch}: {self.title}"

    def fields(self) -> tuple[tuple[str, Any], ...]:
        """What `--json` prints of it, in this order."""
        return (
            ("path", self.path),
            ("branch", self.branch),
            ("title", self.title),
            ("message", self.message),
            ("reviewers", self.reviewers),
            ("expired_on", self.expired_on.isoformat()),
            ("next_expiry", self.next_expiry.isoformat()),
            ("diff", self.diff),
        )


@dataclass(frozen=True)
class LabelDefinition:
    """A repository label as the policy defines it; `exists`: update it, else create it."""

    name: str
    color: str
    description: str
    exists: bool

    def summary(self) -> str:
        return f"{'update' if self.exists else 'create'} label {self.name} #{self.color}"

    def fields(self) -> tuple[tuple[str, Any], ...]:
        """What `--json` prints of it, in this order."""
        return (
            ("name", self.name),
            ("color", self.color),
            ("description", self.description),
            ("exists", self.exists),
        )


@dataclass(frozen=True)
class Notification:
    """A message to one channel outside GitHub about one event of an issue.

    `key` identifies the event on its issue (`incident.escalated:P1:<due>`): the record of its
    delivery to `channel` is `(channel, key)`. `subject` is one plain line (an email's subject,
    PagerDuty's summary); `text` is the message as the channel's transport shows it, user text
    already escaped for it. `action` is PagerDuty's `event_action` (`trigger`, `resolve`).
    `target` is where a Slack bot token posts instead of its channel's own conversation (a
    runbook's `owner_slack`); `link` the item's address when it is not the issue's (a review
    pull request's), "" when it is the issue's or not known yet.
    """

    channel: str
    transport: str
    event: str
    key: str
    subject: str
    text: str
    priority: str | None = None
    action: str = ""
    target: str = ""
    link: str = ""

    def summary(self) -> str:
        return f"notify {self.channel} ({self.transport}) {self.event}: {self.subject[:100]}"

    def fields(self) -> tuple[tuple[str, Any], ...]:
        """What `--json` prints of it, in this order (never a secret: none is known here)."""
        found: tuple[tuple[str, Any], ...] = (
            ("channel", self.channel),
            ("transport", self.transport),
            ("event", self.event),
            ("subject", self.subject),
            ("text", self.text),
        )
        optional = (("action", self.action), ("target", self.target), ("link", self.link))
        return found + tuple((name, value) for name, value in optional if value)


@dataclass(frozen=True)
class DeliveryLog:
    """The bot comment that records deliveries: those recorded before (`earlier`) and those of
    this plan (`planned`), each `(channel, key, at)`. Only the planned ones that were delivered
    are written (io/apply.py); with none, the comment is not written at all."""

    earlier: tuple[tuple[str, str, str], ...]
    planned: tuple[tuple[str, str, str], ...]

    def summary(self) -> str:
        return f"record {len(self.planned)} delivery(ies) outside GitHub"

    def fields(self) -> tuple[tuple[str, Any], ...]:
        return (("deliveries", [f"{channel} {key}" for channel, key, _ in self.planned]),)


Payload = PullRequest | LabelDefinition | Notification | DeliveryLog


@dataclass(frozen=True)
class Action:
    """One write the bot plans to make.

    A comment with `comment_id` set edits that (bot-owned) comment in place; without it a new
    comment is posted. `key` is the hidden marker the comment carries. `payload` is what a
    write that is not about an issue needs (`OPEN_PULL_REQUEST`, `SAVE_LABEL`).
    """

    kind: Kind
    rule: str
    issue: int | None = None
    labels: tuple[str, ...] = ()
    body: str | None = None
    key: str | None = None
    comment_id: int | None = None
    users: tuple[str, ...] = ()
    payload: Payload | None = None

    @property
    def extra(self) -> tuple[tuple[str, Any], ...]:
        """The payload's fields as (name, value) pairs, as `--json` prints them."""
        return self.payload.fields() if self.payload is not None else ()

    def to_json(self, at: datetime) -> dict[str, Any]:
        out: dict[str, Any] = {"at": utc_text(at), "issue": self.issue, "kind": str(self.kind)}
        out["rule"] = self.rule
        if self.labels:
            out["labels"] = list(self.labels)
        if self.body is not None:
            out["body"] = self.body
        if self.key is not None:
            out["key"] = self.key
        if self.kind is Kind.COMMENT:
            out["update"] = self.comment_id is not None
            if self.comment_id is not None:
                out["comment_id"] = self.comment_id
        if self.users:
            out["users"] = list(self.users)
        for name, value in self.extra:
            out[name] = value
        return out

    def summary(self) -> str:
        """One line for the readable timeline."""
        if self.payload is not None:
            return self.payload.summary()
        match self.kind:
            case Kind.ADD_LABELS:
                return "add labels " + ", ".join(self.labels)
            case Kind.REMOVE_LABELS:
                return "remove labels " + ", ".join(self.labels)
            case Kind.ASSIGN:
                return "assign " + ", ".join("@" + u for u in self.users)
            case Kind.CLOSE:
                return "close"
            case Kind.COMMENT:
                verb = "edit comment" if self.comment_id is not None else "comment"
                first = _first_text_line(self.body or "")
                return f"{verb} [{self.key}] {first}"
        return str(self.kind)  # a write that lacks its payload


def _first_text_line(body: str) -> str:
    for line in body.splitlines():
        text = line.strip()
        if text and not text.startswith("<!--"):
            return text[:100]
    return ""


def utc_text(at: datetime) -> str:
    """A moment as JSON carries it: UTC, with `Z` (`2026-11-23T10:22:00Z`)."""
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def dumps(action: Action, at: datetime) -> str:
    return json.dumps(action.to_json(at), ensure_ascii=False, sort_keys=False)
