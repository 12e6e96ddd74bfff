"""A local stand-in for api.github.com that holds dutydesk to GitHub's published contract.

`GitHubServer` listens on 127.0.0.1 (an ephemeral port) and serves one repository held in a
`RepoState`: the REST operations dutydesk calls (see `tests/openapi/regenerate.py`) and
`POST /graphql`. Point PyGithub (and so dutydesk) at it with `GITHUB_API_URL=server.url`:
PyGithub then sends REST requests to `server.url + path` and GraphQL to `server.url/graphql`.

Every request is checked before it is answered:

* REST: against the trimmed copy of GitHub's REST description in `tests/openapi/` (path and
  method, path and query parameters, the JSON body against `requestBody`);
* GraphQL: against GitHub's schema (`tests/fixtures/graphql/schema.graphql`) and GitHub's
  pagination and node limits;
* both: a token (`Authorization: token ...` or `Bearer ...`) and a `User-Agent`, which GitHub
  requires. The run's token acts as the bot (`state.bot`); `token_for(login)` makes a person's
  own token, so that a test can act as them over REST (a writer editing someone else's
  comment, an outsider refused with 403), as the web UI or `gh api` would.

What the contract would reject is recorded in `violations` (method, path, reason) and refused
with GitHub's status (404 for an unknown path, 422 for a bad body or parameter), unless the server
is `lenient`, when it is still recorded but served as GitHub does in practice. Tests fail at
teardown when there are any (see `fixtures.py`). The server also checks its own answers against
the description's response schemas (`shape_problems`), to keep this fake honest.

`reads` and `writes` count requests: a GET or a GraphQL query reads, anything else writes.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from .contract import Contract
from .graphql_api import GraphQLApi
from .rest import Call, Refusal, Reply, Rest
from .state import RepoState

TOKEN = "ghs_e2eFakeTokenForTheLocalServerOnly000"
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

_CONTRACT: Contract | None = None


def contract() -> Contract:
    global _CONTRACT
    if _CONTRACT is None:
        _CONTRACT = Contract()
    return _CONTRACT


class FaultHook(Protocol):
    """Something that may answer a request in place of the server (see `faults.py`)."""

    def serve(self, handler: BaseHTTPRequestHandler, answer: Callable[[], Reply]) -> Reply | None:
        """The reply to send (`answer()` is the server's own, applied to the repository when
        called), or None to close the connection with no answer."""
        ...


@dataclass(frozen=True)
class Logged:
    method: str
    path: str
    status: int
    write: bool
    operation: str
    cost: int = 0  # GraphQL rate-limit points


@dataclass(frozen=True)
class Violation:
    method: str
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.method} {self.path}: {self.reason}"


@dataclass
class Counts:
    reads: int = 0
    writes: int = 0
    graphql_points: int = 0
    by_operation: dict[str, int] = field(default_factory=dict)


class GitHubServer:
    def __init__(
        self,
        state: RepoState | None = None,
        token: str = TOKEN,
        lenient: bool | None = None,
        check_responses: bool = True,
    ) -> None:
        self.state = state or RepoState()
        self.token = token
        if lenient is None:
            lenient = os.environ.get("DUTYDESK_E2E_LENIENT") == "1"
        self.lenient = lenient
        self.check_responses = check_responses
        self.contract = contract()
        self.graphql = GraphQLApi(self.state)
        self.log: list[Logged] = []
        # (when, seconds) of each request served: how long the server took to answer it,
        # from its body read to its answer written (benchmarks tell the server's time apart)
        self.served: list[tuple[float, float]] = []
        self.violations: list[Violation] = []
        self.refusals: list[Violation] = []  # GitHub's 4xx answers that the contract allows
        self.shape_problems: list[Violation] = []
        self.lock = threading.RLock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""
        self.rest: Rest | None = None
        self.people: dict[str, str] = {}  # a person's token -> their login (`token_for`)
        self.latency = 0.0  # seconds to wait before each answer (benchmarks model GitHub's)
        self.faults: FaultHook | None = None  # injects failures (tests/e2e/faults.py)

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> GitHubServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def handle(self) -> None:
                # A client that gave up waiting (see faults.py) resets the connection.
                with contextlib.suppress(ConnectionError):
                    super().handle()

            def _serve(self) -> None:
                started = time.perf_counter()
                try:
                    self._answer()
                finally:
                    ended = time.perf_counter()
                    server.served.append((ended, ended - started))

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if server.latency:
                    time.sleep(server.latency)

                def answer() -> Reply:
                    return server.dispatch(self.command, self.path, dict(self.headers), body)

                found = answer() if server.faults is None else server.faults.serve(self, answer)
                if found is None:  # a fault hook dropped the connection: no answer at all
                    self.close_connection = True
                    return
                reply = found
                if isinstance(reply.body, bytes):  # a fault hook's non-JSON page
                    data = reply.body
                else:
                    data = b"" if reply.body is None else json.dumps(reply.body).encode()
                headers = dict(reply.headers)
                self.send_response(reply.status)
                self.send_header(
                    "Content-Type", headers.pop("Content-Type", "application/json; charset=utf-8")
                )
                self.send_header("Content-Length", str(len(data)))
                self.send_header("X-GitHub-Media-Type", "github.v3; format=json")
                self.send_header("X-RateLimit-Limit", "5000")
                self.send_header("X-RateLimit-Remaining", "4999")
                self.send_header("X-RateLimit-Reset", "4102444800")
                for key, value in headers.items():
                    self.send_header(key, value)
                # Headers and body in one write: two small writes on a kept-alive connection
                # meet Nagle's algorithm and delayed ACKs, and every request takes 40 ms.
                self._headers_buffer.append(b"\r\n" + data)  # type: ignore[attr-defined]
                try:
                    self.flush_headers()
                except OSError:  # the client gave up waiting (a fault hook's slow answer)
                    self.close_connection = True

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        host, port = self._httpd.server_address[:2]
        self.url = f"http://{host}:{port}"
        self.rest = Rest(self.state, self.contract, self.url)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> GitHubServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- counting -------------------------------------------------------------------------

    @property
    def reads(self) -> int:
        return sum(1 for entry in self.log if not entry.write)

    @property
    def writes(self) -> int:
        return sum(1 for entry in self.log if entry.write)

    def counts(self, since: int = 0) -> Counts:
        found = Counts()
        for entry in self.log[since:]:
            if entry.write:
                found.writes += 1
            else:
                found.reads += 1
            found.graphql_points += entry.cost
            found.by_operation[entry.operation] = found.by_operation.get(entry.operation, 0) + 1
        return found

    def serving_seconds(self, since: float) -> float:
        """The time spent answering the requests answered after `since` (a perf_counter)."""
        return sum(seconds for when, seconds in list(self.served) if when >= since)

    def mark(self) -> int:
        """A position in the log, for `counts(since=...)` and `writes_since`."""
        with self.lock:
            return len(self.log)

    def writes_since(self, mark: int) -> list[Logged]:
        return [e for e in self.log[mark:] if e.write]

    def problems(self) -> list[str]:
        """Everything a test must fail on: contract violations and the fake's own bad shapes."""
        out = [f"contract violation: {v}" for v in self.violations]
        out += [f"test server answered off-contract: {v}" for v in self.shape_problems]
        return out

    # -- dispatch -------------------------------------------------------------------------

    def dispatch(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> Reply:
        with self.lock:
            split = urlsplit(raw_path)
            path = split.path
            query = parse_qs(split.query, keep_blank_values=True)
            lowered = {k.lower(): v for k, v in headers.items()}
            graphql = path == "/graphql"
            write = method in WRITE_METHODS and not graphql
            auth = lowered.get("authorization", "")
            given = auth.partition(" ")[2] if auth.partition(" ")[0] in ("token", "Bearer") else ""
            actor = self.people.get(given, self.state.bot)
            if given != self.token and given not in self.people:
                self._violate(method, raw_path, "no token, or not the token given to the run")
                self.log.append(Logged(method, raw_path, 401, write, "unauthenticated"))
                return Reply(401, {"message": "Bad credentials", "status": "401"})
            if not lowered.get("user-agent"):
                self._violate(method, raw_path, "no User-Agent header (GitHub requires one)")
            if graphql:
                return self._graphql(method, raw_path, body)
            return self._rest(method, path, raw_path, query, body, write, actor)

    def _violate(self, method: str, path: str, reason: str) -> None:
        self.violations.append(Violation(method, path, reason))

    def _graphql(self, method: str, raw_path: str, body: bytes) -> Reply:
        if method != "POST":
            self._violate(method, raw_path, "GraphQL takes POST only")
            self.log.append(Logged(method, raw_path, 404, False, "graphql"))
            return Reply(404, {"message": "Not Found"})
        try:
            payload = json.loads(body or b"null")
        except ValueError:
            payload = None
        answer, problems, analysis = self.graphql.answer(payload)
        query = payload.get("query", "") if isinstance(payload, dict) else ""
        name = _operation_name(query)
        mutation = query.lstrip().startswith("mutation")
        for problem in problems:
            self._violate(method, f"{raw_path} ({name})", problem)
        cost = analysis.cost if analysis is not None else 0
        self.log.append(Logged(method, raw_path, 200, mutation, f"graphql {name}", cost))
        return Reply(200, answer)

    def _rest(
        self,
        method: str,
        path: str,
        raw_path: str,
        query: dict[str, list[str]],
        body: bytes,
        write: bool,
        actor: str,
    ) -> Reply:
        checked = self.contract.check_request(method, path, query, body or None)
        operation = checked.operation
        name = operation.operation_id if operation else "unknown"
        for problem in checked.problems:
            self._violate(method, raw_path, problem)
        if operation is None or (checked.status != 200 and not self.lenient):
            status = checked.status if checked.status != 200 else 404
            reason = "; ".join(checked.problems)
            self.log.append(Logged(method, raw_path, status, write, name))
            message = "Not Found" if status == 404 else f"Invalid request.\n\n{reason}"
            return Reply(status, {"message": message, "status": str(status)})
        assert self.rest is not None
        if checked.body is None and body:
            try:
                checked.body = json.loads(body)
            except ValueError:
                checked.body = None
        call = Call(
            method,
            path,
            checked.path_params,
            checked.query,
            checked.body,
            actor,
        )
        try:
            reply = self.rest.handle(operation.template, call)
        except Refusal as refusal:
            reply = Reply(refusal.status, refusal.body())
            self.refusals.append(Violation(method, raw_path, f"{refusal.status} {refusal.message}"))
        except Exception as exc:  # a bug in this fake: say so plainly
            self.shape_problems.append(Violation(method, raw_path, f"server error {exc!r}"))
            reply = Reply(500, {"message": f"test server error: {exc!r}"})
        self.log.append(Logged(method, raw_path, reply.status, write, name))
        if self.check_responses and reply.status < 500:
            for problem in self.contract.check_response(operation, reply.status, reply.body):
                self.shape_problems.append(Violation(method, raw_path, problem))
        return reply

    # -- helpers for tests ----------------------------------------------------------------

    def token_for(self, login: str) -> str:
        """A token that acts as `login` over REST (a person's own token, as with `gh api`),
        where the run's token acts as the bot."""
        token = f"ghp_e2e{self.state.account(login).id:033d}"
        self.people[token] = self.state.account(login).login
        return token

    def environment(self) -> dict[str, str]:
        """What a workflow step would see of GitHub, for this server."""
        return {
            "GITHUB_API_URL": self.url,
            "GITHUB_GRAPHQL_URL": f"{self.url}/graphql",
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_REPOSITORY": f"{self.state.owner}/{self.state.name}",
            "GITHUB_REPOSITORY_OWNER": self.state.owner,
        }

    def issue_json(self, number: int) -> dict[str, Any]:
        """The issue as REST (and so a webhook payload) shows it."""
        assert self.rest is not None
        with self.lock:
            return self.rest.issue(self.state.issue(number))

    def comment_json(self, comment_id: int) -> dict[str, Any]:
        assert self.rest is not None
        with self.lock:
            return self.rest.comment(self.state.comments[comment_id])

    def repository_json(self) -> dict[str, Any]:
        assert self.rest is not None
        with self.lock:
            return self.rest.repository(full=False)


def _operation_name(query: str) -> str:
    words = query.replace("(", " ").replace("{", " ").split()
    if len(words) >= 2 and words[0] in ("query", "mutation"):
        return words[1]
    return "anonymous"
