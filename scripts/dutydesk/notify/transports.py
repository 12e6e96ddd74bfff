"""The wire: one send per notification, to Slack, Teams, an SMTP server or PagerDuty.

Each transport takes what `deliver.py` read from the environment and raises `DeliveryError`
(with a message that holds no secret) when the message was not accepted. None retries anything
but a 429, which says the message was not taken: every other failure waits for the next run.

* Slack: `slack_sdk`'s `WebhookClient`, `{"text": ...}` (mrkdwn), with its
  `RateLimitErrorRetryHandler` (waits out 429 `Retry-After`); 200 `ok` is success. Its logger
  is silenced: at debug level it would log the webhook URL, which is the secret.
* Slack with a bot token: the Web API's `chat.postMessage` through `slack_sdk`'s `WebClient`
  (`Authorization: Bearer xoxb-...`, JSON `channel` and `text`; the token needs `chat:write`,
  and the bot must be in the channel); the answer's `ok` is success, and its `error`
  (`channel_not_found`, `not_in_channel`, `invalid_auth`, ...) says why not. 429 as above.
* Teams: an incoming webhook (or a Workflows webhook) takes `{"type": "message", "attachments":
  [{"contentType": "application/vnd.microsoft.card.adaptive", "content": <AdaptiveCard>}]}`;
  any 2xx is success (the connector answers 200, Workflows 202).
* PagerDuty Events API v2: `POST /v2/enqueue` with `routing_key`, `event_action` (`trigger`,
  `resolve`), `dedup_key` (at most 255 characters) and, to trigger, `payload.summary` (at most
  1024), `payload.source`, `payload.severity` (`critical`, `error`, `warning`, `info`); 202 is
  success.
* Email: `smtplib` with STARTTLS (the system's trust store, or `SSL_CERT_FILE`), then LOGIN when
  a user is given; a Message-ID made from the repository, issue, channel and event, so a repeat
  is recognisably the same message.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import logging
import smtplib
import ssl
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from dutydesk.actions import Notification
from dutydesk.errors import DutydeskError
from dutydesk.notify.wording import SEVERITY

TIMEOUT = 10  # seconds, each request
RATE_LIMIT_RETRIES = 2
MAX_RETRY_AFTER = 30  # seconds: a longer wait is left for the next run


class DeliveryError(DutydeskError):
    """A notification was not accepted; retried on the next run."""


@dataclass(frozen=True)
class Outgoing:
    """A notification with what the wire needs besides: where the issue is."""

    note: Notification
    issue: int
    repository: str  # owner/name
    link: str  # the issue's address on GitHub

    @property
    def dedup_key(self) -> str:
        return f"dutydesk/{self.repository}#{self.issue}"[:255]

    @property
    def message_id(self) -> str:
        seed = f"{self.repository}#{self.issue}/{self.note.channel}/{self.note.key}"
        return f"<{hashlib.sha256(seed.encode()).hexdigest()[:32]}@dutydesk>"


def _quiet_logger() -> logging.Logger:
    logger = logging.Logger("dutydesk.notify.slack", logging.CRITICAL + 1)
    logger.propagate = False
    return logger


def _rate_limits() -> Any:
    """slack_sdk's handler for 429, which waits out `Retry-After`, but not a wait longer than
    MAX_RETRY_AFTER: that one is left for the next run."""
    from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

    class Capped(RateLimitErrorRetryHandler):
        def _can_retry(
            self, *, state: Any, request: Any, response: Any = None, error: Any = None
        ) -> bool:
            if response is None or response.status_code != 429:
                return False
            found = {k.lower(): v for k, v in response.headers.items()}.get("retry-after")
            value = found[0] if isinstance(found, list) and found else found
            wait = _retry_after(str(value) if value is not None else None)
            return wait is not None and wait < MAX_RETRY_AFTER

    return Capped(max_retry_count=RATE_LIMIT_RETRIES)


def _slack_text(out: Outgoing) -> str:
    return f"{out.note.text}\n<{out.link}|Open #{out.issue} on GitHub>"


@dataclass(frozen=True)
class Slack:
    url: str = field(repr=False)

    def send(self, out: Outgoing) -> None:
        from slack_sdk.webhook import WebhookClient

        client = WebhookClient(
            self.url, timeout=TIMEOUT, logger=_quiet_logger(), retry_handlers=[_rate_limits()]
        )
        text = _slack_text(out)
        try:
            response = client.send(text=text, unfurl_links=False, unfurl_media=False)
        except Exception as exc:  # the wire failed: no answer
            raise DeliveryError(f"Slack could not be reached ({type(exc).__name__})") from None
        if response.status_code != 200:
            raise DeliveryError(f"Slack answered {response.status_code}")


@dataclass(frozen=True)
class SlackBot:
    """chat.postMessage with a bot token, to the notification's `target` or `channel`."""

    token: str = field(repr=False)
    channel: str
    api_url: str

    def send(self, out: Outgoing) -> None:
        from slack_sdk import WebClient
        from slack_sdk.errors import SlackApiError

        base = self.api_url if self.api_url.endswith("/") else self.api_url + "/"
        client = WebClient(
            token=self.token,
            base_url=base,
            timeout=TIMEOUT,
            logger=_quiet_logger(),
            retry_handlers=[_rate_limits()],
        )
        where = out.note.target or self.channel
        try:
            client.chat_postMessage(
                channel=where, text=_slack_text(out), unfurl_links=False, unfurl_media=False
            )
        except SlackApiError as exc:
            status = getattr(exc.response, "status_code", 0)
            data = getattr(exc.response, "data", None)
            error = data.get("error", "") if isinstance(data, dict) else ""
            why = f"Slack answered {status}" + (f" {error}" if error else "")
            raise DeliveryError(f"{why} for {where}") from None
        except Exception as exc:  # the wire failed: no answer
            raise DeliveryError(f"Slack could not be reached ({type(exc).__name__})") from None


@dataclass(frozen=True)
class Teams:
    url: str = field(repr=False)

    def send(self, out: Outgoing) -> None:
        _post_json("Teams", self.url, teams_payload(out), {200, 201, 202, 204})


def teams_payload(out: Outgoing) -> dict[str, Any]:
    """An Adaptive Card in a message, as Teams' incoming webhooks take it."""
    headline, _, ask = out.note.text.partition("\n")
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": headline, "wrap": True, "weight": "Bolder"}
    ]
    if ask:
        body.append({"type": "TextBlock", "text": ask, "wrap": True})
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
        "actions": [{"type": "Action.OpenUrl", "title": f"Open #{out.issue}", "url": out.link}],
    }
    attachment = {
        "contentType": "application/vnd.microsoft.card.adaptive",
        "contentUrl": None,
        "content": card,
    }
    return {"type": "message", "attachments": [attachment]}


@dataclass(frozen=True)
class PagerDuty:
    routing_key: str = field(repr=False)
    url: str

    def send(self, out: Outgoing) -> None:
        _post_json("PagerDuty", self.url, pagerduty_payload(out, self.routing_key), {202})


def pagerduty_payload(out: Outgoing, routing_key: str) -> dict[str, Any]:
    """An Events API v2 event: a trigger with its payload, or a resolve by the dedup key."""
    action = out.note.action or "trigger"
    event: dict[str, Any] = {
        "routing_key": routing_key,
        "event_action": action,
        "dedup_key": out.dedup_key,
    }
    if action == "trigger":
        event["payload"] = {
            "summary": out.note.subject[:1024],
            "source": out.repository,
            "severity": SEVERITY.get(out.note.priority or "", "error"),
            "component": f"issue #{out.issue}",
            "custom_details": {"event": out.note.event, "issue": out.link},
        }
        event["links"] = [{"href": out.link, "text": f"GitHub issue #{out.issue}"}]
        event["client"] = "dutydesk"
        event["client_url"] = out.link
    return event


@dataclass(frozen=True)
class Smtp:
    """SMTP settings, from the environment (deliver.py)."""

    host: str
    port: int
    sender: str
    to: tuple[str, ...]
    user: str = ""
    password: str = field(default="", repr=False)

    def send(self, out: Outgoing) -> None:
        message = self.message(out)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=TIMEOUT) as smtp:
                smtp.starttls(context=ssl.create_default_context())
                if self.user:
                    smtp.login(self.user, self.password)
                smtp.send_message(message)
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(f"the SMTP server answered {exc.smtp_code}") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"the SMTP server failed ({type(exc).__name__})") from None

    def message(self, out: Outgoing) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = ", ".join(self.to)
        message["Subject"] = out.note.subject  # one line: escape.plain
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = out.message_id
        message.set_content(f"{out.note.text}\n\n{out.link}\n")
        return message


def _post_json(service: str, url: str, payload: dict[str, Any], ok: set[int]) -> None:
    """POST JSON; a 429 is waited out (its Retry-After) up to RATE_LIMIT_RETRIES times."""
    data = json.dumps(payload).encode()
    for attempt in range(RATE_LIMIT_RETRIES + 1):
        request = urllib.request.Request(
            url, data=data, method="POST", headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                status = int(response.status)
        except urllib.error.HTTPError as exc:
            status = exc.code
            wait = _retry_after(exc.headers.get("Retry-After"))
            if status == 429 and attempt < RATE_LIMIT_RETRIES and wait is not None:
                time.sleep(wait)
                continue
        except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
            raise DeliveryError(f"{service} could not be reached ({type(exc).__name__})") from None
        if status not in ok:
            raise DeliveryError(f"{service} answered {status}")
        return


def _retry_after(value: str | None) -> float | None:
    try:
        seconds = float(value) if value is not None else 1.0
    except ValueError:
        return None
    return seconds if 0 <= seconds <= MAX_RETRY_AFTER else None
