"""GitHub misbehaving on purpose: seeded faults for the local server, and a sweep harness.

`FaultInjector(seed, rate).attach(server)` makes the local GitHub (`server.py`) answer a seeded
fraction of requests with one of the failures GitHub really gives:

=========================  ==========================================================  ========
kind                       what the client sees                                        applied?
=========================  ==========================================================  ========
500                        500 ``{"message": "Server Error"}``                          no
502                        502 with GitHub's HTML error page                           no
502 after applying         the write is done, then 502 (as when GitHub's front end      yes
                           times out on a request the back end finishes)
403 secondary rate limit   403, ``Retry-After: 0|1`` and GitHub's secondary-rate-limit  no
                           message
429                        429, ``Retry-After: 0|1``, the same message                 no
slow                       the request is served, and answered only after the          yes
                           client's timeout (``slow_seconds``)
dropped                    the connection is closed with no answer                     no
dropped after applying     the write is done, then the connection is closed            yes
=========================  ==========================================================  ========

"after applying" kinds are drawn for writes only (a read applies nothing). Each request draws
from one `random.Random(seed)` in the order requests arrive; dutydesk makes its requests one at
a time, so a seed gives the same faults on every run. `planned` faults hit the first requests
that match a method and path (`rate=0` for those alone), and `failing_issues` is a persistent
fault: every write to those issues (their labels, assignees, comments and state) is refused with
`failing_status` before it is applied. `failing_reads` is a persistent fault of GraphQL reads:
every answer it holds true of (`holding(numbers)`: an answer that holds those issues' snapshots,
as a heavy issue can make GitHub time out) is replaced by GitHub's 502 page.

The harness below runs `dutydesk sweep` in this process (click's `CliRunner`) against the server,
with dutydesk's own `connect()` (its `GithubRetry(total=5, backoff_factor=0.5)`) and only the
timeout and the pause between writes changed (`client_settings`): dutydesk reads no setting
for them, so they are changed where `connect()` builds its client.

`operations_repository()` builds the repository the fault tests and `benchmarks/faults.py`
use: twelve open incidents, change requests and maintenance notices in varied states, with
`NOW` a moment at which escalations, reminders and notices are due.
"""

from __future__ import annotations

import importlib
import json
import random
import re
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from dutydesk.forms import load_templates, render_body
from dutydesk.markers import marker_key, with_marker
from dutydesk.policy import load_policy

from .rest import Reply
from .server import TOKEN, WRITE_METHODS, GitHubServer
from .state import RepoState

ROOT = Path(__file__).resolve().parents[2]
POLICY_PATH = ROOT / "policy.yaml"
FORMS_PATH = ROOT / ".github" / "ISSUE_TEMPLATE"

SECONDARY_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID "
    "C0DE:1D2E:3F40:5A6B:7C8D9E0F."
)
RATE_LIMIT_DOCS = (
    "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
)
UNICORN = (
    b"<!DOCTYPE html>\n<html><head><title>Unicorn! &middot; GitHub</title></head>"
    b"<body><p><strong>We couldn't respond to your request in time.</strong></p>"
    b"<p>Sorry about that. Please try refreshing and contact us if the problem persists.</p>"
    b"</body></html>\n"
)


class Kind(StrEnum):
    SERVER_ERROR = "500"
    BAD_GATEWAY = "502"
    BAD_GATEWAY_APPLIED = "502 after applying"
    SECONDARY_RATE_LIMIT = "403 secondary rate limit"
    TOO_MANY_REQUESTS = "429"
    SLOW = "slow"
    DROPPED = "dropped"
    DROPPED_APPLIED = "dropped after applying"
    PERSISTENT = "persistent"  # only for `failing_issues`


RANDOM_KINDS: tuple[Kind, ...] = tuple(k for k in Kind if k is not Kind.PERSISTENT)
WRITES_ONLY = frozenset({Kind.BAD_GATEWAY_APPLIED, Kind.DROPPED_APPLIED})
# Faults after which the client cannot tell whether GitHub did the write.
AMBIGUOUS = frozenset({Kind.BAD_GATEWAY_APPLIED, Kind.DROPPED_APPLIED, Kind.SLOW})
# Faults that GitHub answers before doing anything: retrying them is always safe.
UNAMBIGUOUS: tuple[Kind, ...] = tuple(k for k in RANDOM_KINDS if k not in AMBIGUOUS)

_ISSUE_PATH = re.compile(r"^/repos/[^/]+/[^/]+/issues/(\d+)(?:/|$)")
_COMMENT_PATH = re.compile(r"^/repos/[^/]+/[^/]+/issues/comments/(\d+)$")


@dataclass(frozen=True)
class Injected:
    method: str
    path: str
    kind: Kind
    write: bool

    def __str__(self) -> str:
        return f"{self.kind} on {self.method} {self.path}"


@dataclass(frozen=True)
class Planned:
    """A fault for the first `times` requests with `method` whose path (without the query)
    `re.search`es `path`."""

    method: str
    path: str
    kind: Kind
    times: int = 1


class FaultInjector:
    """The server's fault hook: decides, per request, whether and how to misbehave.

    In order: a write to one of `failing_issues` always fails; a request that a `planned`
    fault matches gets it (while it has `times` left); any other request, with probability
    `rate`, gets one of `kinds` chosen at random (`rate=0` for planned faults only).
    """

    def __init__(
        self,
        seed: int = 0,
        rate: float = 0.1,
        kinds: Sequence[Kind] = RANDOM_KINDS,
        slow_seconds: float = 0.6,
        retry_after: Sequence[str] = ("0", "1"),
        failing_issues: Sequence[int] = (),
        failing_status: int = 500,
        planned: Sequence[Planned] = (),
        failing_reads: Callable[[Any], bool] | None = None,
    ) -> None:
        self.seed = seed
        self.random = random.Random(seed)
        self.rate = rate
        self.kinds = tuple(kinds)
        self.slow_seconds = slow_seconds
        self.retry_after = tuple(retry_after)
        self.failing_issues = frozenset(failing_issues)
        self.failing_status = failing_status
        self.planned = {fault: fault.times for fault in planned}
        self.failing_reads = failing_reads
        self.enabled = True
        self.requests = 0  # every request seen while enabled, faulted or not
        self.injected: list[Injected] = []
        self.lock = threading.Lock()
        self.state: RepoState | None = None

    def attach(self, server: GitHubServer) -> FaultInjector:
        server.faults = self
        self.state = server.state
        return self

    def counts(self) -> Counter[Kind]:
        return Counter(i.kind for i in self.injected)

    @contextmanager
    def paused(self) -> Iterator[None]:
        self.enabled = False
        try:
            yield
        finally:
            self.enabled = True

    # -- deciding ---------------------------------------------------------------------------

    def issue_of(self, path: str) -> int | None:
        """The issue a REST path writes to (a comment edit: the comment's issue)."""
        if match := _ISSUE_PATH.match(path):
            return int(match.group(1))
        if (match := _COMMENT_PATH.match(path)) and self.state is not None:
            comment = self.state.comments.get(int(match.group(1)))
            return comment.issue if comment is not None else None
        return None

    def choose(self, method: str, path: str) -> Kind | None:
        path = path.split("?", 1)[0]
        write = method in WRITE_METHODS and path != "/graphql"
        with self.lock:
            if not self.enabled:
                return None
            self.requests += 1
            kind: Kind | None = None
            scripted = next(
                (
                    fault
                    for fault, left in self.planned.items()
                    if left and fault.method == method and re.search(fault.path, path)
                ),
                None,
            )
            if write and self.failing_issues and self.issue_of(path) in self.failing_issues:
                kind = Kind.PERSISTENT
            elif scripted is not None:
                self.planned[scripted] -= 1
                kind = scripted.kind
            elif self.rate and self.random.random() < self.rate:
                allowed = [k for k in self.kinds if write or k not in WRITES_ONLY]
                kind = self.random.choice(allowed) if allowed else None
            if kind is not None:
                self.injected.append(Injected(method, path, kind, write))
            return kind

    # -- answering ----------------------------------------------------------------------------

    def _retry_after(self) -> str:
        with self.lock:
            return self.random.choice(self.retry_after)

    def serve(self, handler: BaseHTTPRequestHandler, answer: Callable[[], Reply]) -> Reply | None:
        kind = self.choose(handler.command, handler.path)
        match kind:
            case None if self.failing_reads is not None and handler.path == "/graphql":
                reply = answer()
                if not self.enabled or not self.failing_reads(reply.body):
                    return reply
                with self.lock:
                    self.injected.append(Injected("POST", "/graphql", Kind.PERSISTENT, False))
                return Reply(502, UNICORN, {"Content-Type": "text/html; charset=utf-8"})
            case None:
                return answer()
            case Kind.SERVER_ERROR:
                return Reply(500, {"message": "Server Error"})
            case Kind.PERSISTENT:
                return Reply(self.failing_status, {"message": "Server Error"})
            case Kind.BAD_GATEWAY:
                return Reply(502, UNICORN, {"Content-Type": "text/html; charset=utf-8"})
            case Kind.BAD_GATEWAY_APPLIED:
                answer()
                return Reply(502, UNICORN, {"Content-Type": "text/html; charset=utf-8"})
            case Kind.SECONDARY_RATE_LIMIT | Kind.TOO_MANY_REQUESTS:
                status = 403 if kind is Kind.SECONDARY_RATE_LIMIT else 429
                body = {
                    "message": SECONDARY_MESSAGE,
                    "documentation_url": RATE_LIMIT_DOCS,
                    "status": str(status),
                }
                return Reply(status, body, {"Retry-After": self._retry_after()})
            case Kind.SLOW:
                reply = answer()
                time.sleep(self.slow_seconds)
                return reply
            case Kind.DROPPED:
                return None
            case Kind.DROPPED_APPLIED:
                answer()
                return None
        raise AssertionError(kind)


def holding(numbers: Sequence[int], full: bool = True) -> Callable[[Any], bool]:
    """`failing_reads` for answers that hold these issues: their snapshots (a `title` beside the
    `number`), or with `full=False` even their bare numbers."""
    wanted = frozenset(numbers)

    def holds(value: Any) -> bool:
        if isinstance(value, list):
            return any(holds(v) for v in value)
        if not isinstance(value, dict):
            return False
        if value.get("number") in wanted and (not full or "title" in value):
            return True
        return any(holds(v) for v in value.values())

    return holds


# -- dutydesk's client, with a short timeout ---------------------------------------------------


@dataclass
class ClientSeen:
    """What `connect()` asked PyGithub for (before `client_settings` changed it)."""

    timeout: Any = None
    seconds_between_writes: Any = None
    retry_total: Any = None
    backoff_factor: Any = None


@contextmanager
def client_settings(
    timeout: float,
    seconds_between_writes: float = 0.0,
    backoff_factor: float | None = None,
) -> Iterator[ClientSeen]:
    """Build dutydesk's PyGithub client as `connect()` does, with another timeout and pause
    between writes (and, if given, another retry backoff; the retry count stays dutydesk's)."""
    adapter: Any = importlib.import_module("dutydesk.io.github")
    original = adapter.Github
    seen = ClientSeen()

    def build(*args: Any, **kwargs: Any) -> Any:
        retry = kwargs.get("retry")
        seen.timeout = kwargs.get("timeout")
        seen.seconds_between_writes = kwargs.get("seconds_between_writes")
        seen.retry_total = getattr(retry, "total", None)
        seen.backoff_factor = getattr(retry, "backoff_factor", None)
        kwargs["seconds_between_writes"] = seconds_between_writes
        if backoff_factor is not None and retry is not None:
            kwargs["retry"] = retry.new(backoff_factor=backoff_factor)
        client = original(*args, **kwargs)
        # PyGithub takes whole seconds only (`assert isinstance(timeout, int)`); its requester
        # passes any number on to requests, and the GraphQL reader copies it from `kwargs`.
        vars(client.requester)["_Requester__timeout"] = timeout
        assert client.requester.kwargs["timeout"] == timeout, "PyGithub changed its requester"
        return client

    quick = adapter.QuickReads

    def quick_reads(base_url: str, token: str, _timeout: float) -> Any:
        return quick(base_url, token, timeout)  # the quick reads wait as long as PyGithub

    adapter.Github, adapter.QuickReads = build, quick_reads
    try:
        yield seen
    finally:
        adapter.Github, adapter.QuickReads = original, quick


# -- one sweep, and sweeping until nothing is left to do ------------------------------------------

_FAILED_LINE = re.compile(r"^#(\d+) failed", re.MULTILINE)
_SUMMARY_FAILED = re.compile(r"^- #(\d+): ", re.MULTILINE)


@dataclass(frozen=True)
class Sweep:
    exit_code: int
    planned: int  # actions the sweep printed (it prints its plan before applying it)
    planned_issues: tuple[int, ...]  # the issues those actions are for
    failed: tuple[int, ...]  # items the sweep said failed, on stderr
    summary_failed: tuple[int, ...]  # items the job summary lists under "Failed"
    summary: str
    stdout: str
    stderr: str
    crash: str | None  # an exception dutydesk let escape, instead of a message and exit code
    internal_errors: int  # items failed with an exception outside dutydesk's error hierarchy
    seconds: float

    @property
    def loud(self) -> bool:
        """A failure that says so: a non-zero exit with a message, and no traceback."""
        return self.exit_code != 0 and self.crash is None and bool(self.stderr.strip())

    @property
    def done(self) -> bool:
        return self.exit_code == 0 and self.planned == 0


class Hang(AssertionError):
    pass


def sweep(server: GitHubServer, now: datetime, hang_after: float = 120.0) -> Sweep:
    """`dutydesk sweep --json --now NOW` in this process, against the server."""
    from dutydesk.cli import cli

    with tempfile.TemporaryDirectory() as tmp:
        summary_path = Path(tmp) / "summary.md"
        summary_path.write_text("", encoding="utf-8")
        env: dict[str, str | None] = {
            **server.environment(),
            "GITHUB_TOKEN": TOKEN,
            "GITHUB_STEP_SUMMARY": str(summary_path),
            "GITHUB_ACTIONS": None,
            "GITHUB_OUTPUT": None,
        }
        args = [
            "sweep",
            "--json",
            "--now",
            now.isoformat(),
            "--policy",
            str(POLICY_PATH),
            "--forms",
            str(FORMS_PATH),
        ]
        box: list[Any] = []
        started = time.monotonic()

        def work() -> None:
            box.append(CliRunner().invoke(cli, args, env=env, catch_exceptions=True))

        worker = threading.Thread(target=work, daemon=True)
        worker.start()
        worker.join(hang_after)
        if worker.is_alive():
            raise Hang(f"dutydesk sweep still running after {hang_after} s")
        seconds = time.monotonic() - started
        result = box[0]
        summary = summary_path.read_text(encoding="utf-8")
    crash = None
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        crash = f"{type(result.exception).__name__}: {result.exception}"
    actions = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return Sweep(
        exit_code=result.exit_code,
        planned=len(actions),
        planned_issues=tuple(sorted({int(a["issue"]) for a in actions})),
        failed=tuple(int(n) for n in _FAILED_LINE.findall(result.stderr)),
        summary_failed=tuple(int(n) for n in _SUMMARY_FAILED.findall(summary)),
        summary=summary,
        stdout=result.stdout,
        stderr=result.stderr,
        crash=crash,
        internal_errors=result.stderr.count("failed with an internal error"),
        seconds=seconds,
    )


def converge(server: GitHubServer, now: datetime, cap: int = 8) -> list[Sweep]:
    """Sweep at the same `now` until a sweep exits 0 with nothing planned (at most `cap`)."""
    sweeps: list[Sweep] = []
    while len(sweeps) < cap:
        sweeps.append(sweep(server, now))
        if sweeps[-1].done:
            break
    return sweeps


# -- what a repository ends up as, and how two compare ---------------------------------------------


@dataclass(frozen=True)
class ItemState:
    state: str
    labels: tuple[str, ...]
    assignees: tuple[str, ...]
    comments: tuple[tuple[str, str], ...]  # the bot's comments: (marker key, body), sorted

    def keys(self) -> Counter[str]:
        return Counter(key for key, _ in self.comments)


def final_state(state: RepoState) -> dict[int, ItemState]:
    out: dict[int, ItemState] = {}
    for number, issue in sorted(state.issues.items()):
        comments = sorted(
            (marker_key(c.body) or "(unmarked)", c.body) for c in state.bot_comments(number)
        )
        out[number] = ItemState(
            state=issue.state,
            labels=tuple(sorted(issue.labels, key=str.lower)),
            assignees=tuple(sorted(issue.assignees, key=str.lower)),
            comments=tuple(comments),
        )
    return out


@dataclass
class Comparison:
    duplicates: list[str] = field(default_factory=list)  # a bot comment key more often
    lost: list[str] = field(default_factory=list)  # in the fault-free state, missing here
    extra: list[str] = field(default_factory=list)  # here, not in the fault-free state
    different: list[str] = field(default_factory=list)  # a comment's text differs

    @property
    def same(self) -> bool:
        return not (self.duplicates or self.lost or self.extra or self.different)

    def lines(self) -> list[str]:
        return [
            *(f"duplicate {d}" for d in self.duplicates),
            *(f"lost {d}" for d in self.lost),
            *(f"extra {d}" for d in self.extra),
            *(f"different {d}" for d in self.different),
        ]


def compare(
    expected: Mapping[int, ItemState],
    found: Mapping[int, ItemState],
    only: set[int] | None = None,
) -> Comparison:
    """How `found` differs from `expected` (the fault-free run's state), item by item."""
    out = Comparison()
    for number in sorted(set(expected) | set(found)):
        if only is not None and number not in only:
            continue
        want, got = expected.get(number), found.get(number)
        if want is None or got is None:
            (out.lost if got is None else out.extra).append(f"#{number}")
            continue
        if want.state != got.state:
            out.lost.append(f"#{number} state {want.state} (found {got.state})")
        for label in set(want.labels) - set(got.labels):
            out.lost.append(f"#{number} label {label}")
        for label in set(got.labels) - set(want.labels):
            out.extra.append(f"#{number} label {label}")
        for login in set(want.assignees) - set(got.assignees):
            out.lost.append(f"#{number} assignee {login}")
        for login in set(got.assignees) - set(want.assignees):
            out.extra.append(f"#{number} assignee {login}")
        want_keys, got_keys = want.keys(), got.keys()
        for key in sorted(set(want_keys) | set(got_keys)):
            if got_keys[key] > want_keys[key] and want_keys[key]:
                out.duplicates.append(f"#{number} comment {key} x{got_keys[key]}")
            elif got_keys[key] > want_keys[key]:
                out.extra.append(f"#{number} comment {key}")
            elif got_keys[key] < want_keys[key]:
                out.lost.append(f"#{number} comment {key}")
            else:
                bodies = [b for k, b in want.comments if k == key]
                if bodies != [b for k, b in got.comments if k == key]:
                    out.different.append(f"#{number} comment {key}")
    return out


# -- the repository ---------------------------------------------------------------------------------

NOW = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)  # Monday 11:00 in London: support hours
FORMS = load_templates(FORMS_PATH)
POLICY = load_policy(POLICY_PATH)


def _option(pid: str) -> str:
    found = FORMS["incident"].field("priority")
    assert found is not None
    return next(o for o in found.options if o.startswith(pid))


def _incident(priority: str | None, **answers: Any) -> str:
    values: dict[str, Any] = {
        "priority": _option(priority) if priority else None,
        "service": "Payments API (production)",
        "description": "Card payments fail with HTTP 502.",
        **answers,
    }
    return render_body(FORMS["incident"], values)


def _change(start: str, end: str, **answers: Any) -> str:
    values: dict[str, Any] = {
        "service": "Payments API",
        "change-details": "Upgrade the payments database from PostgreSQL 14 to 16.",
        "scheduled-start": start,
        "scheduled-end": end,
        "impact": "Card payments unavailable for up to 30 minutes.",
        "rollback": "Restore the snapshot taken before the upgrade (20 minutes).",
        "checks": [],
        **answers,
    }
    return render_body(FORMS["out-of-hours-change"], values)


def _maintenance(start: str, end: str) -> str:
    return render_body(
        FORMS["planned-maintenance"],
        {
            "service": "Street works register",
            "downtime-start": start,
            "downtime-end": end,
            "user-impact": "The register is read-only.",
            "communication": "Service banner and an email to all users.",
        },
    )


def operations_repository(now: datetime = NOW) -> RepoState:
    """An operations repository at `now`: people, labels, and open items in varied states.

    Times of people's actions are fixed relative to `now`; the bot's actions are stamped `now`
    (the repository's clock), as they would be by a sweep running then.
    """
    state = RepoState(clock=lambda: now)
    for login in ("alice", "bob", "carol", "rita", "alice-oncall", "bob-oncall", "carol-oncall"):
        state.add_collaborator(login, "push")
    state.add_team("example-org/platform-team", ["dana", "erin"])
    state.add_team("example-org/incident-managers", ["ivan"])
    for spec in POLICY.labels.values():
        state.create_label(spec.name, spec.color, spec.description)

    def ago(**delta: float) -> datetime:
        return now - timedelta(**delta)

    # 1. P1, unacknowledged past its 20-minute response: labelled, escalated, status card.
    state.open_issue(
        "alice", "[Incident] Payments API down", _incident("P1"), ["incident"], at=ago(minutes=35)
    )
    # 2. P2, acknowledged, no update for over two hours: the update reminder is due.
    two = state.open_issue(
        "bob", "[Incident] Search degraded", _incident("P2"), ["incident", "P2"], at=ago(hours=3)
    )
    state.comment("carol", two.number, "/ack", at=ago(hours=2, minutes=50))
    # 3. P3 opened an hour ago, first filed as P4 with no priority read: the bot's labels
    # and its status card from then are out of date (two labels off, the card edited).
    three = state.open_issue(
        "carol", "[Incident] Slow reports", _incident(None), ["incident"], at=ago(hours=1)
    )
    bot = state.bot
    state.add_labels(bot, three.number, ["needs-triage", "P4"], at=ago(minutes=58))
    state.comment(bot, three.number, with_marker("incident.status", "Out of date."), ago(hours=1))
    state.edit_body("carol", three.number, _incident("P3"), at=ago(minutes=50))
    # 4. No priority chosen.
    state.open_issue(
        "rita", "[Incident] Something is off", _incident(None), ["incident"], at=ago(minutes=15)
    )
    # 5. A security incident (ticked), P2, acknowledged with a lead named.
    five = state.open_issue(
        "alice",
        "[Incident] Unexpected admin logins",
        _incident("P2", security=["There is ongoing unauthorised access"]),
        ["incident"],
        at=ago(minutes=40),
    )
    state.comment("bob", five.number, "/ack", at=ago(minutes=30))
    state.comment("bob", five.number, "/lead @carol", at=ago(minutes=29))
    # 6. P1 acknowledged, with a command from someone who may not give it.
    six = state.open_issue(
        "bob", "[Incident] Login errors", _incident("P1"), ["incident", "P1"], at=ago(minutes=50)
    )
    state.comment("alice", six.number, "/ack", at=ago(minutes=45))
    state.comment("mallory", six.number, "/priority P4", at=ago(minutes=20))
    # 7. A change request approved by a listed approver: approved, assigned to the rota.
    seven = state.open_issue(
        "rita",
        "[Change] Upgrade the payments database",
        _change("2026-11-25 18:00", "2026-11-25 20:00"),
        ["change-request"],
        at=ago(days=3),
    )
    state.comment("dana", seven.number, "/approve", at=ago(hours=5))
    # 8. A change with too little notice, and an /approve from someone who is not an approver.
    eight = state.open_issue(
        "rita",
        "[Change] Rotate the TLS certificates",
        _change("2026-11-24 18:00", "2026-11-24 19:00"),
        ["change-request"],
        at=ago(hours=2),
    )
    state.comment("sam", eight.number, "/approve", at=ago(hours=1))
    # 9. An approved change starting within a day, pre-change checks not ticked: reminder due.
    nine = state.open_issue(
        "rita",
        "[Change] Move the DNS zone",
        _change("2026-11-24 07:30", "2026-11-24 08:30"),
        ["change-request"],
        at=ago(days=6),
    )
    state.comment("erin", nine.number, "/approve", at=ago(days=4))
    # 10. A change whose times cannot be read.
    state.open_issue(
        "rita",
        "[Change] Patch the kernel",
        _change("next Tuesday evening", "later"),
        ["change-request"],
        at=ago(minutes=10),
    )
    # 11. Planned maintenance with less than five working days' notice.
    state.open_issue(
        "rita",
        "[Maintenance] Register read-only",
        _maintenance("2026-11-26 18:00", "2026-11-26 20:00"),
        ["planned-maintenance"],
        at=ago(hours=4),
    )
    # 12. A change carried out on Saturday and reported done: the bot answers and closes it.
    twelve = state.open_issue(
        "rita",
        "[Change] Resize the cache cluster",
        _change("2026-11-21 18:00", "2026-11-21 20:00"),
        ["change-request"],
        at=ago(days=9),
    )
    state.comment("dana", twelve.number, "/approve", at=ago(days=7))
    state.comment("rita", twelve.number, "/done all went well", at=ago(days=1, hours=14))
    # Not swept: a closed incident, and an issue that is not an operations item.
    state.open_issue(
        "carol", "[Incident] Old", _incident("P1"), ["incident", "P1"], ago(days=30), "closed"
    )
    state.open_issue("bob", "A question", "Not an operations item.", at=ago(days=1))
    return state


# -- one seeded run ---------------------------------------------------------------------------------


@dataclass
class Run:
    seed: int
    sweeps: list[Sweep]
    requests: int
    injected: list[Injected]
    found: dict[int, ItemState]  # the repository at the end
    comparison: Comparison  # how it differs from the fault-free run's
    problems: list[str]  # contract violations, and the server's own off-contract answers
    operations: Counter[str]  # requests the server served (not faulted before serving), by kind

    @property
    def converged(self) -> bool:
        return bool(self.sweeps) and self.sweeps[-1].done

    @property
    def quiet_failures(self) -> list[Sweep]:
        """Sweeps that neither completed nor failed loudly."""
        return [s for s in self.sweeps if s.exit_code != 0 and not s.loud]

    @property
    def crashes(self) -> list[str]:
        return [s.crash for s in self.sweeps if s.crash]


def fault_free_state(now: datetime = NOW) -> dict[int, ItemState]:
    """The state a fault-free run converges to (the reference for every seeded run)."""
    with GitHubServer(operations_repository(now), lenient=False) as server:
        sweeps = converge(server, now)
        if not sweeps[-1].done or len(sweeps) != 2 or server.problems():
            raise AssertionError(
                f"the fault-free run did not converge in one sweep: {sweeps[-1]}; "
                f"{server.problems()}"
            )
        return final_state(server.state)


def faulty_run(
    faults: FaultInjector,
    expected: Mapping[int, ItemState],
    now: datetime = NOW,
    cap: int = 8,
) -> Run:
    """Sweep the operations repository with `faults` until it converges (at most `cap`
    sweeps), and compare what it ends up as with `expected`."""
    with GitHubServer(operations_repository(now), lenient=False) as server:
        faults.attach(server)
        sweeps = converge(server, now, cap)
        with faults.paused():
            found = final_state(server.state)
        return Run(
            seed=faults.seed,
            sweeps=sweeps,
            requests=faults.requests,
            injected=list(faults.injected),
            found=found,
            comparison=compare(expected, found),
            problems=server.problems(),
            operations=Counter(entry.operation for entry in server.log),
        )


def seeded_run(
    seed: int,
    expected: Mapping[int, ItemState],
    rate: float = 0.1,
    kinds: Sequence[Kind] = RANDOM_KINDS,
    slow_seconds: float = 0.6,
    now: datetime = NOW,
    cap: int = 8,
) -> Run:
    faults = FaultInjector(seed, rate, kinds, slow_seconds=slow_seconds)
    return faulty_run(faults, expected, now, cap)
