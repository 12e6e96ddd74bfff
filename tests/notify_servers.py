"""Stand-ins on 127.0.0.1 for the places dutydesk notifies, holding each request to the service's
published format, with faults on purpose.

`Hooks` is one HTTP server for four services:

* `/slack/<token>`: a Slack incoming webhook. A JSON body with a string `text` (mrkdwn); answers
  200 `ok`.
* `/api/chat.postMessage`: Slack's Web API, as a bot token posts. `Authorization: Bearer
  <BOT_TOKEN>` (missing: `not_authed`, another: `invalid_auth`), a JSON or form body with a
  string `channel` and `text`; answers 200 `{"ok": true, "channel": <ID>, "ts": ...}` for a
  conversation in `conversations` (by `#name` or ID), else `{"ok": false, "error":
  "channel_not_found"}`. Slack answers its errors with 200 and `ok: false`; a broken request
  gets `invalid_arguments` and is kept in `problems`.
* `/teams/<token>`: a Teams incoming webhook. `{"type": "message", "attachments": [...]}` with one
  attachment of `contentType` `application/vnd.microsoft.card.adaptive` whose `content` is an
  `AdaptiveCard` with a `version` and a `body` of `TextBlock`s with `text`; answers 200 `1`.
* `/pagerduty/v2/enqueue`: PagerDuty's Events API v2. `routing_key` (the expected one),
  `event_action` (`trigger`, `acknowledge`, `resolve`), `dedup_key` (at most 255 characters); a
  trigger needs `payload.summary` (at most 1024), `payload.source` and `payload.severity`
  (`critical`, `error`, `warning`, `info`). Answers 202 `{"status": "success", ...}`.

A request that breaks the format is answered 400 and kept in `problems`. Faults are drawn per
request before it is accepted (so a faulted message was never delivered), from `planned` first,
then at random with `rate` from a seeded `random.Random`:

    429       429 with Retry-After 0 or 1
    500, 503  a server error
    timeout   no answer until after the client's timeout, then the connection closes
    dropped   the connection is closed with no answer

`Mailbox` is an `aiosmtpd` SMTP server that requires STARTTLS (a self-signed certificate for
127.0.0.1, trusted through `SSL_CERT_FILE`) and AUTH LOGIN/PLAIN, and can refuse the next
messages with 451.
"""

from __future__ import annotations

import json
import random
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from local_http import LocalHTTP

FAULTS = ("429", "500", "503", "timeout", "dropped")
SEVERITIES = {"critical", "error", "warning", "info"}
ROUTING_KEY = "R0UT1NGKEY0000000000000000000000"
BOT_TOKEN = "xoxb-1234-5678-s3cretB0Ttoken"
#: The conversations the Web API stand-in knows: name (or ID) -> ID.
CONVERSATIONS = {
    "#ops": "C0OPS0001",
    "#platform-alerts": "C0PLATFRM1",
    "#payments": "C0PAYMENT1",
    "C0PAYMENT1": "C0PAYMENT1",
}


@dataclass
class Received:
    service: str
    path: str
    body: dict[str, Any]


@dataclass
class Hooks(LocalHTTP):
    seed: int = 0
    rate: float = 0.0
    kinds: Sequence[str] = FAULTS
    planned: list[str] = field(default_factory=list)
    hold_seconds: float = 1.0  # a `timeout` holds the request this long (past the client's)
    received: list[Received] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    injected: list[str] = field(default_factory=list)
    conversations: dict[str, str] = field(default_factory=lambda: dict(CONVERSATIONS))
    refused: list[tuple[str, str]] = field(default_factory=list)  # Web API: (channel, error)
    retry_after: str | None = None  # a 429's Retry-After; None: 0 or 1 at random

    def __post_init__(self) -> None:
        self.random = random.Random(self.seed)
        self.lock = threading.Lock()
        hooks = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                hooks.serve(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.listen(Handler)

    def of(self, service: str) -> list[dict[str, Any]]:
        return [r.body for r in self.received if r.service == service]

    # -- serving ---------------------------------------------------------------------------

    def _fault(self) -> str | None:
        with self.lock:
            if self.planned:
                kind: str | None = self.planned.pop(0)
            elif self.rate and self.random.random() < self.rate:
                kind = self.random.choice(list(self.kinds))
            else:
                kind = None
            if kind:
                self.injected.append(kind)
            return kind

    def serve(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length)
        fault = self._fault()
        if fault == "dropped":
            handler.close_connection = True
            handler.connection.close()
            return
        if fault == "timeout":
            time.sleep(self.hold_seconds)
            handler.close_connection = True
            handler.connection.close()
            return
        if fault is not None:
            wait = self.retry_after or self.random.choice(["0", "1"])
            headers = {"Retry-After": wait} if fault == "429" else {}
            return self._answer(handler, int(fault), b'{"message": "fault"}', headers)
        self._accept(handler, raw)

    def _accept(self, handler: BaseHTTPRequestHandler, raw: bytes) -> None:
        path = handler.path
        service = path.strip("/").split("/", 1)[0]
        if service == "api":
            return self._web_api(handler, raw)
        problems: list[str] = []
        if not handler.headers.get("Content-Type", "").startswith("application/json"):
            problems.append("Content-Type is not application/json")
        try:
            body = json.loads(raw)
        except ValueError:
            body, problems = {}, [*problems, "the body is not JSON"]
        check = {"slack": slack_problems, "teams": teams_problems, "pagerduty": pagerduty_problems}
        if service not in check:
            problems.append(f"unknown path {path}")
        else:
            problems += check[service](body)
        if problems:
            with self.lock:
                self.problems += [f"{service}: {p}" for p in problems]
            return self._answer(handler, 400, b"invalid_payload")
        with self.lock:
            self.received.append(Received(service, path, body))
        if service == "pagerduty":
            answer = {
                "status": "success",
                "message": "Event processed",
                "dedup_key": body["dedup_key"],
            }
            return self._answer(handler, 202, json.dumps(answer).encode())
        self._answer(handler, 200, b"ok" if service == "slack" else b"1")

    def _web_api(self, handler: BaseHTTPRequestHandler, raw: bytes) -> None:
        """Slack's Web API: chat.postMessage only."""
        if handler.path.split("?", 1)[0] != "/api/chat.postMessage":
            return self._slack_says(handler, {"ok": False, "error": "unknown_method"}, 404)
        auth = handler.headers.get("Authorization", "")
        if auth != f"Bearer {BOT_TOKEN}":
            error = "not_authed" if not auth else "invalid_auth"
            return self._slack_says(handler, {"ok": False, "error": error})
        body, problems = web_api_body(handler.headers.get("Content-Type", ""), raw)
        if problems:
            with self.lock:
                self.problems += [f"slack_api: {p}" for p in problems]
            return self._slack_says(handler, {"ok": False, "error": "invalid_arguments"})
        found = self.conversations.get(body["channel"])
        if found is None:
            with self.lock:
                self.refused.append((body["channel"], "channel_not_found"))
            return self._slack_says(handler, {"ok": False, "error": "channel_not_found"})
        with self.lock:
            self.received.append(Received("slack_api", handler.path, body))
            ts = f"1700000000.{len(self.received):06d}"
        self._slack_says(handler, {"ok": True, "channel": found, "ts": ts})

    def _slack_says(
        self, handler: BaseHTTPRequestHandler, answer: dict[str, Any], status: int = 200
    ) -> None:
        headers = {"Content-Type": "application/json; charset=utf-8"}
        self._answer(handler, status, json.dumps(answer).encode(), headers)

    def _answer(
        self,
        handler: BaseHTTPRequestHandler,
        status: int,
        body: bytes,
        headers: dict[str, str] | None = None,
    ) -> None:
        handler.send_response(status)
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)


def slack_problems(body: Any) -> list[str]:
    if not isinstance(body, dict) or not isinstance(body.get("text"), str) or not body["text"]:
        return ["no text"]
    allowed = {"text", "blocks", "attachments", "unfurl_links", "unfurl_media", "mrkdwn"}
    return [f"unexpected field {k}" for k in body if k not in allowed]


def web_api_body(content_type: str, raw: bytes) -> tuple[dict[str, Any], list[str]]:
    """chat.postMessage's arguments, as JSON or a form, and what is wrong with them."""
    if content_type.startswith("application/json"):
        try:
            body = json.loads(raw)
        except ValueError:
            return {}, ["the body is not JSON"]
    elif content_type.startswith("application/x-www-form-urlencoded"):
        body = {k: v[0] for k, v in parse_qs(raw.decode(), keep_blank_values=True).items()}
    else:
        return {}, [f"Content-Type {content_type!r} is neither JSON nor a form"]
    if not isinstance(body, dict):
        return {}, ["the body is not an object"]
    problems = [
        f"no {name}"
        for name in ("channel", "text")
        if not isinstance(body.get(name), str) or not body[name]
    ]
    if "token" in body:
        problems.append("the token is in the body (it belongs in the Authorization header)")
    allowed = {"channel", "text", "blocks", "unfurl_links", "unfurl_media", "mrkdwn"}
    problems += [f"unexpected field {k}" for k in body if k not in allowed | {"token"}]
    return body, problems


def teams_problems(body: Any) -> list[str]:
    if not isinstance(body, dict) or body.get("type") != "message":
        return ["type is not message"]
    attachments = body.get("attachments")
    if not isinstance(attachments, list) or len(attachments) != 1:
        return ["not one attachment"]
    attachment = attachments[0]
    if attachment.get("contentType") != "application/vnd.microsoft.card.adaptive":
        return ["the attachment is not an Adaptive Card"]
    card = attachment.get("content") or {}
    problems = []
    if card.get("type") != "AdaptiveCard" or not isinstance(card.get("version"), str):
        problems.append("content is not an AdaptiveCard with a version")
    blocks = card.get("body")
    if not isinstance(blocks, list) or not blocks:
        problems.append("the card has no body")
    elif any(b.get("type") != "TextBlock" or not isinstance(b.get("text"), str) for b in blocks):
        problems.append("a body element is not a TextBlock with text")
    return problems


def pagerduty_problems(body: Any) -> list[str]:
    if not isinstance(body, dict):
        return ["not an object"]
    problems = []
    if body.get("routing_key") != ROUTING_KEY:
        problems.append("wrong routing_key")
    action = body.get("event_action")
    if action not in ("trigger", "acknowledge", "resolve"):
        problems.append(f"event_action {action!r}")
    dedup = body.get("dedup_key")
    if not isinstance(dedup, str) or not 0 < len(dedup) <= 255:
        problems.append("dedup_key missing or longer than 255")
    if action == "trigger":
        payload = body.get("payload") or {}
        summary = payload.get("summary")
        if not isinstance(summary, str) or not 0 < len(summary) <= 1024:
            problems.append("payload.summary missing or longer than 1024")
        if not isinstance(payload.get("source"), str) or not payload["source"]:
            problems.append("payload.source missing")
        if payload.get("severity") not in SEVERITIES:
            problems.append(f"payload.severity {payload.get('severity')!r}")
    return problems


# -- SMTP --------------------------------------------------------------------------------------


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate and key for 127.0.0.1 (the client trusts the certificate itself)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


USER, PASSWORD = "dutydesk", "s3cret-smtp-password"


class Mailbox:
    """aiosmtpd on 127.0.0.1, STARTTLS and AUTH required; `refuse` 451s the next messages."""

    def __init__(self, cert: Path, key: Path) -> None:
        import ssl

        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        self.messages: list[Message] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse = 0
        mailbox = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                if mailbox.refuse:
                    mailbox.refuse -= 1
                    return "451 4.3.0 try again later"
                mailbox.messages.append(message_from_bytes(envelope.content))
                mailbox.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
                return "250 OK"

        def authenticate(
            server: Any, session: Any, envelope: Any, mechanism: str, auth: Any
        ) -> Any:
            login = getattr(auth, "login", b"")
            password = getattr(auth, "password", b"")
            return AuthResult(success=login == USER.encode() and password == PASSWORD.encode())

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(cert), str(key))
        self.port = _free_port()
        self.controller = Controller(
            Handler(),
            hostname="127.0.0.1",
            port=self.port,
            tls_context=context,
            require_starttls=True,
            authenticator=authenticate,
            auth_require_tls=True,
        )

    def __enter__(self) -> Mailbox:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
