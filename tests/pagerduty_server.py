"""A stand-in on 127.0.0.1 for PagerDuty's REST API v2 `GET /oncalls`, holding each request to
the published format, with faults on purpose.

What it checks, from PagerDuty's own description of the operation (PagerDuty/api-schema,
`reference/REST/openapiv3.json`, `listOnCalls`) and its developer docs (Pagination, REST API
Rate Limits):

* the path is `/oncalls`, the method GET;
* `Authorization: Token token=<key>` (the expected key; another is answered 401) and
  `Accept: application/vnd.pagerduty+json;version=2`;
* the query has only the operation's parameters (`time_zone`, `limit`, `offset`, `total`,
  `include[]`, `user_ids[]`, `escalation_policy_ids[]`, `schedule_ids[]`, `since`, `until`,
  `earliest`); `since` and `until` are ISO 8601 times with an offset, `until` not before
  `since` and at most 90 days after the request (`until` defaults to now otherwise);
  `limit` 1 to 100; `offset + limit` at most 10000; `include[]` one of `escalation_policies`,
  `users`, `schedules`.

A request that breaks the format is answered 400 (PagerDuty's `{"error": {...}}`) and kept in
`problems`. It answers the on-calls of the schedules asked for that overlap [since, until), a
page at a time (`limit`, `offset`, `more`, `total: null`), with the whole user object when
`include[]=users` and a `user_reference` otherwise. Faults are taken from `planned`, one per
request:

    429       429 with `ratelimit-reset` (and `Retry-After` when `retry_after` is set)
    500, 503  a server error
    timeout   no answer until after the client's timeout, then the connection closes
    dropped   the connection is closed with no answer
    badjson   200 with a body that is not JSON
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from local_http import LocalHTTP

KEY = "u+pdREADONLYkey0000000000"
ACCEPT = "application/vnd.pagerduty+json;version=2"
PARAMETERS = {
    "time_zone",
    "limit",
    "offset",
    "total",
    "include[]",
    "user_ids[]",
    "escalation_policy_ids[]",
    "schedule_ids[]",
    "since",
    "until",
    "earliest",
}
INCLUDES = {"escalation_policies", "users", "schedules"}
SUBDOMAIN = "https://example.pagerduty.com"
API = "https://api.pagerduty.com"


@dataclass(frozen=True)
class User:
    id: str
    name: str
    email: str

    def reference(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": "user_reference",
            "summary": self.name,
            "self": f"{API}/users/{self.id}",
            "html_url": f"{SUBDOMAIN}/users/{self.id}",
        }

    def whole(self) -> dict[str, Any]:
        """The user object `include[]=users` puts in its place."""
        return {
            "id": self.id,
            "type": "user",
            "summary": self.name,
            "self": f"{API}/users/{self.id}",
            "html_url": f"{SUBDOMAIN}/users/{self.id}",
            "name": self.name,
            "email": self.email,
            "time_zone": "Europe/London",
            "color": "green",
            "role": "user",
            "avatar_url": "https://secure.gravatar.com/avatar/0.png",
            "description": "",
            "invitation_sent": False,
            "job_title": "Engineer",
            "teams": [],
            "contact_methods": [],
            "notification_rules": [],
        }


@dataclass(frozen=True)
class OnCall:
    """One row of PagerDuty's answer: a user on call through a schedule on an escalation
    policy's level; `start`/`end` None for a permanent on-call."""

    user: User
    schedule: str | None
    start: datetime | None
    end: datetime | None
    escalation_policy: str = "PEP0001"
    level: int = 1

    def overlaps(self, since: datetime, until: datetime) -> bool:
        return (self.start is None or self.start < until) and (self.end is None or self.end > since)

    def as_json(self, whole_user: bool) -> dict[str, Any]:
        schedule = None
        if self.schedule is not None:
            schedule = {
                "id": self.schedule,
                "type": "schedule_reference",
                "summary": f"Schedule {self.schedule}",
                "self": f"{API}/schedules/{self.schedule}",
                "html_url": f"{SUBDOMAIN}/schedules/{self.schedule}",
            }
        return {
            "escalation_policy": {
                "id": self.escalation_policy,
                "type": "escalation_policy_reference",
                "summary": f"Escalation policy {self.escalation_policy}",
                "self": f"{API}/escalation_policies/{self.escalation_policy}",
                "html_url": f"{SUBDOMAIN}/escalation_policies/{self.escalation_policy}",
            },
            "escalation_level": self.level,
            "schedule": schedule,
            "user": self.user.whole() if whole_user else self.user.reference(),
            "start": _iso(self.start),
            "end": _iso(self.end),
        }


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Received:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


@dataclass
class PagerDutyStub(LocalHTTP):
    oncalls: list[OnCall] = field(default_factory=list)
    key: str = KEY
    planned: list[str] = field(default_factory=list)
    retry_after: str | None = None  # also send Retry-After on a 429
    hold_seconds: float = 1.0  # a `timeout` holds the request this long (past the client's)
    today: datetime | None = None  # the server's now, for the 90-day limit (None: no limit)
    received: list[Received] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                stub.serve(self)

            def do_POST(self) -> None:
                stub._answer(self, 405, {"error": {"message": "Method Not Allowed"}})

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.listen(Handler)

    # -- serving ---------------------------------------------------------------------------

    def serve(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        with self.lock:
            self.received.append(Received(parts.path, query, dict(handler.headers.items())))
            fault = self.planned.pop(0) if self.planned else None
        if fault is not None and self._fault(handler, fault):
            return
        if handler.headers.get("Authorization") != f"Token token={self.key}":
            return self._answer(handler, 401, {"error": {"message": "Unauthorized", "code": 2006}})
        problems = request_problems(parts.path, query, dict(handler.headers.items()), self.today)
        if problems:
            with self.lock:
                self.problems += problems
            error = {"message": "Invalid Input Provided", "code": 2001, "errors": problems}
            return self._answer(handler, 400, {"error": error})
        self._answer(handler, 200, self.page(query))

    def _fault(self, handler: BaseHTTPRequestHandler, fault: str) -> bool:
        if fault in ("dropped", "timeout"):
            if fault == "timeout":
                time.sleep(self.hold_seconds)
            handler.close_connection = True
            handler.connection.close()
            return True
        if fault == "badjson":
            self._raw(handler, 200, b"<html>upstream error</html>", "text/html")
            return True
        if fault == "429":
            headers = {"ratelimit-limit": "960", "ratelimit-remaining": "0", "ratelimit-reset": "0"}
            if self.retry_after is not None:
                headers["Retry-After"] = self.retry_after
            body = {"error": {"message": "Rate Limit Exceeded", "code": 2020}}
            self._answer(handler, 429, body, headers)
            return True
        self._answer(handler, int(fault), {"error": {"message": "Internal Server Error"}})
        return True

    def page(self, query: dict[str, list[str]]) -> dict[str, Any]:
        since, until = _time(query["since"][0]), _time(query["until"][0])
        schedules = set(query.get("schedule_ids[]", []))
        whole = "users" in query.get("include[]", [])
        matching = [
            o
            for o in self.oncalls
            if (not schedules or o.schedule in schedules) and o.overlaps(since, until)
        ]
        limit = int(query.get("limit", ["25"])[0])
        offset = int(query.get("offset", ["0"])[0])
        rows = matching[offset : offset + limit]
        return {
            "oncalls": [o.as_json(whole) for o in rows],
            "limit": limit,
            "offset": offset,
            "more": offset + limit < len(matching),
            "total": None,
        }

    def _answer(
        self,
        handler: BaseHTTPRequestHandler,
        status: int,
        body: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> None:
        self._raw(handler, status, json.dumps(body).encode(), "application/json", headers)

    def _raw(
        self,
        handler: BaseHTTPRequestHandler,
        status: int,
        body: bytes,
        kind: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", kind)
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)


def _time(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no offset")
    return moment


def request_problems(
    path: str, query: dict[str, list[str]], headers: dict[str, str], today: datetime | None
) -> list[str]:
    """How a request breaks `GET /oncalls`'s published format (empty: it does not)."""
    problems = [] if path == "/oncalls" else [f"unknown path {path}"]
    if headers.get("Accept") != ACCEPT:
        problems.append(f"Accept is {headers.get('Accept')!r}, not {ACCEPT}")
    problems += [f"unknown parameter {name}" for name in query if name not in PARAMETERS]
    problems += [
        f"include[] {value!r} is not one of {sorted(INCLUDES)}"
        for value in query.get("include[]", [])
        if value not in INCLUDES
    ]
    return problems + _time_problems(query, today) + _page_problems(query)


def _time_problems(query: dict[str, list[str]], today: datetime | None) -> list[str]:
    try:
        since, until = _time(query["since"][0]), _time(query["until"][0])
    except (KeyError, ValueError) as exc:
        return [f"since and until must be ISO 8601 times with an offset ({exc})"]
    problems = []
    if until < since:
        problems.append("until is before since")
    if today is not None and until > today + timedelta(days=90):
        problems.append("until is more than 90 days ahead")
    if query.get("time_zone", ["UTC"])[0] != "UTC":
        problems.append("this stub renders UTC only")
    return problems


def _page_problems(query: dict[str, list[str]]) -> list[str]:
    try:
        limit = int(query.get("limit", ["25"])[0])
        offset = int(query.get("offset", ["0"])[0])
    except ValueError:
        return ["limit and offset must be whole numbers"]
    problems = []
    if not 1 <= limit <= 100:
        problems.append(f"limit {limit} is not 1 to 100")
    if offset < 0 or offset + limit > 10_000:
        problems.append("offset + limit may not pass 10000")
    return problems


# -- realistic rotas ---------------------------------------------------------------------------

ALICE = User("PALICE1", "Alice Example", "alice@example.org")
BOB = User("PBOB002", "Bob Example", "bob@example.org")
CAROL = User("PCAROL3", "Carol Example", "carol@example.org")
DEV = User("PDEV004", "Dev Unmapped", "dev@example.org")
PRIMARY = "PPRIMRY"
SECONDARY = "PSECOND"


def rotation(
    schedule: str,
    people: Iterable[User],
    first: datetime,
    turns: int,
    every: timedelta = timedelta(days=1),
    policies: Iterable[tuple[str, int]] = (("PEP0001", 1),),
) -> list[OnCall]:
    """A schedule's shifts handing over every `every` from `first` (UTC), in turn; each shift
    listed once per escalation policy level that uses the schedule, as PagerDuty lists them."""
    cast = list(people)
    out = []
    for turn in range(turns):
        start, end = first + every * turn, first + every * (turn + 1)
        for policy, level in policies:
            out.append(OnCall(cast[turn % len(cast)], schedule, start, end, policy, level))
    return out
