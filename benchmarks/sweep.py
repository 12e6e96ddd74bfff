"""What one `dutydesk sweep` costs, against the local GitHub of the end-to-end tests.

For N = 10, 100 and 1,000 open items (incidents and change requests, with some comments each)
in a repository that also holds 20,000 closed issues, it prints the read and write requests, the
GraphQL rate-limit points, the wall time and the peak memory (maximum resident set size) of one
sweep process, beside a naive baseline that reads through REST one issue at a time (list the
open issues, then each issue's comments and its events), with the ratio. Targets for N = 1,000:
at most 13 reads (``ceil(N / 100) + 3``; with ``--edited P``, ``ceil(N * P / 10,000)`` more,
one per 100 comments whose edit history is read), under 3 seconds, under 150 MB.

Each repository is first swept once (in this process, with no pause between writes) so that
every item is reconciled; the measured sweep then runs at the same `--now`, as the real CLI
(`python -m dutydesk sweep`, PyGithub with its Actions settings) in its own process, and must
write nothing. The baseline runs the same CLI in its own process with the REST reader below in
place of the GraphQL one. The server validates every request against GitHub's contract, as in
the tests; its answers are not re-checked here (that is the tests' job), to time dutydesk and
not the fake.

Run from the repository root: `.venv/bin/python benchmarks/sweep.py` (about a minute).
`--sizes 10 100` and `--closed 2000` make it quicker; `--edited 10` has someone other than its
author edit a comment on 10% of the open items (and the author edit another), so that the
sweep reads those comments' edit histories.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "scripts"), str(ROOT / "tests")]

NOW = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)  # a Monday, in support hours
PRIORITIES = [
    "P1 Critical – Complete outage or ongoing unauthorised access",
    "P2 Major – Substantial degradation of service",
    "P3 Significant – Users experiencing intermittent or degraded service due to platform issue",
    "P4 Minor – Component failure that does not immediately impact a service or an unsuccessful DoS attempt",
]
RESPONDERS = ["alice", "bob", "carol"]


# -- the naive baseline reader -------------------------------------------------------------


def naive_repository(token: str | None, repo_name: str | None, api_url: str | None) -> Any:
    """dutydesk's GitHub adapter with its GraphQL reads replaced by plain REST listings."""
    from dutydesk.io.github import GitHubRepository
    from dutydesk.model import BodyRevision, Comment, EventKind, Issue, IssueEvent

    kinds = {k.value: k for k in EventKind}

    def when(text: str | None) -> datetime | None:
        return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None

    class NaiveRepository(GitHubRepository):
        def _all(self, path: str, **params: Any) -> list[Any]:
            url: str | None = f"{self.repo.url}{path}"
            found: list[Any] = []
            query: dict[str, Any] | None = {"per_page": 100, **params}
            while url:
                headers, data = self.reader.requestJsonAndCheck("GET", url, query)
                found.extend(data)
                url, query = None, None
                for part in (headers.get("link") or "").split(","):
                    if 'rel="next"' in part:
                        url = part[part.index("<") + 1 : part.index(">")]
            return found

        def _issue(self, data: dict[str, Any]) -> Issue:
            number = int(data["number"])
            comments = self._all(f"/issues/{number}/comments")
            events = self._all(f"/issues/{number}/events")
            author = data["user"]["login"]
            created = when(data["created_at"])
            assert created is not None
            return Issue(
                number=number,
                title=data["title"],
                body=data.get("body") or "",
                author=author,
                state=data["state"],
                created_at=created,
                updated_at=when(data["updated_at"]) or created,
                closed_at=when(data.get("closed_at")),
                labels=frozenset(label["name"] for label in data["labels"]),
                assignees=tuple(a["login"] for a in data.get("assignees") or ()),
                comments=tuple(
                    Comment(
                        id=c["id"],
                        author=c["user"]["login"],
                        body=c.get("body") or "",
                        created_at=when(c["created_at"]) or created,
                        updated_at=when(c["updated_at"]) or created,
                    )
                    for c in comments
                ),
                events=tuple(
                    IssueEvent(
                        kind=kinds[e["event"]],
                        actor=(e.get("actor") or {}).get("login", ""),
                        at=when(e["created_at"]) or created,
                        label=(e.get("label") or {}).get("name"),
                        assignee=(e.get("assignee") or {}).get("login"),
                        before=(e.get("rename") or {}).get("from"),
                        after=(e.get("rename") or {}).get("to"),
                    )
                    for e in events
                    if e["event"] in kinds
                ),
                # REST has no body history: the current body stands for all of it.
                revisions=(BodyRevision(at=created, body=data.get("body") or "", author=author),),
            )

        def get_issue(self, number: int) -> Issue:
            _, data = self.reader.requestJsonAndCheck("GET", f"{self.repo.url}/issues/{number}")
            return self._issue(data)

        def open_issues(self, labels: Iterable[str]) -> list[Issue]:
            wanted = {label.lower() for label in labels}
            found = [
                data
                for data in self._all("/issues", state="open")
                if "pull_request" not in data
                and (not wanted or wanted & {label["name"].lower() for label in data["labels"]})
            ]
            return sorted((self._issue(d) for d in found), key=lambda i: i.number)

    adapter = _CONNECT[0](token, repo_name, api_url)  # dutydesk's own client settings
    return NaiveRepository(adapter.client, adapter.full_name)


_CONNECT: list[Any] = []


def child(mode: str, argv: list[str]) -> None:
    """Run the dutydesk CLI in this process, with the naive reader if asked."""
    import dutydesk.io.github

    if mode == "naive":
        _CONNECT.append(dutydesk.io.github.connect)
        dutydesk.io.github.connect = naive_repository  # type: ignore[assignment]
    from dutydesk.cli import cli

    cli.main(args=argv, prog_name="dutydesk")


LAUNCHER = """
import json, os, subprocess, sys, time
started = time.perf_counter()
process = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(process.pid, 0)
seconds = time.perf_counter() - started
print(json.dumps({"exit": os.waitstatus_to_exitcode(status), "seconds": seconds,
                  "maxrss_kib": usage.ru_maxrss}))
"""


# -- building repositories -----------------------------------------------------------------


def build(n: int, closed: int, comments: int, edited: int = 0) -> Any:
    """The repository: `edited` percent of the open items have a comment that someone other
    than its author edited, and as many again one that its author edited (which costs no
    request: only histories that can matter are read)."""
    from dutydesk.forms import load_templates, render_body
    from e2e.server import GitHubServer
    from e2e.state import RepoState

    forms = load_templates(ROOT / ".github" / "ISSUE_TEMPLATE")
    state = RepoState(clock=lambda: NOW)
    for login in [*RESPONDERS, "rita", "alice-oncall", "bob-oncall", "carol-oncall"]:
        state.add_collaborator(login)
    state.add_team("example-org/platform-team", ["dana", "erin"])
    old = NOW - timedelta(days=400)
    for index in range(closed):
        at = old + timedelta(minutes=10 * index)
        issue = state.open_issue(
            "alice", f"[Incident] Old {index}", "closed long ago", ["incident", "P3"], at=at
        )
        state.comment("bob", issue.number, "/ack", at=at + timedelta(minutes=5))
        state.set_state("bob", issue.number, "closed", at=at + timedelta(hours=2))
    for index in range(n):
        opened = NOW - timedelta(minutes=30 + 7 * index)
        if index % 5 == 4:
            start = (NOW + timedelta(days=3)).replace(hour=18, minute=0)
            body = render_body(
                forms["out-of-hours-change"],
                {
                    "service": f"Service {index}",
                    "change-details": "Upgrade the database.",
                    "scheduled-start": start.strftime("%Y-%m-%d %H:%M"),
                    "scheduled-end": (start + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M"),
                    "impact": "Read-only for 10 minutes.",
                    "rollback": "Restore the snapshot.",
                    "checks": [],
                },
            )
            issue = state.open_issue(
                "rita", f"[Change] {index}", body, ["change-request"], at=opened
            )
        else:
            body = render_body(
                forms["incident"],
                {
                    "priority": PRIORITIES[index % 4],
                    "service": f"Service {index}",
                    "description": "Errors since this morning.",
                },
            )
            issue = state.open_issue("alice", f"[Incident] {index}", body, ["incident"], at=opened)
        made = []
        for k in range(comments):
            who = RESPONDERS[(index + k) % len(RESPONDERS)]
            text = "/ack" if k == 0 else f"Looking at the logs ({k})."
            made.append(
                state.comment(who, issue.number, text, at=opened + timedelta(minutes=2 + k))
            )
        if edited and len(made) >= 3 and index % 100 < edited:
            fixed = opened + timedelta(minutes=20)
            other = RESPONDERS[(index + 2) % len(RESPONDERS)]
            state.edit_comment(made[1].id, "Looking at the logs (1), typo fixed.", fixed, other)
            state.edit_comment(made[2].id, "Looking at the logs (2): nothing.", fixed)
    return GitHubServer(state, lenient=True, check_responses=False)


def settle(server: Any) -> None:
    """One sweep in this process with no pause between writes: reconcile every item."""
    from click.testing import CliRunner
    from github import Auth, Github

    import dutydesk.io.github as adapter
    from dutydesk.cli import cli
    from e2e.server import TOKEN

    def fast(token: str | None, repo: str | None, url: str | None) -> Any:
        client = Github(
            base_url=str(url),
            auth=Auth.Token(str(token)),
            per_page=100,
            lazy=True,
            seconds_between_requests=0,
            seconds_between_writes=0,
        )
        return adapter.GitHubRepository(client, str(repo))

    original = adapter.connect
    adapter.connect = fast  # type: ignore[assignment]
    try:
        result = CliRunner().invoke(
            cli,
            # every item at once: the write budget (--max-writes) is not what is measured here
            ["sweep", "--now", NOW.isoformat(), "--max-writes", "1000000"],
            env={"GITHUB_TOKEN": TOKEN, **server.environment()},
            catch_exceptions=False,
        )
    finally:
        adapter.connect = original  # type: ignore[assignment]
    if result.exit_code != 0:
        raise SystemExit(f"settling sweep failed:\n{result.output}")


@dataclass
class Measure:
    reads: int
    writes: int
    points: int
    seconds: float
    peak_mb: float
    exit: int
    violations: list[str]


def measure(server: Any, mode: str) -> Measure:
    from e2e.server import TOKEN

    if mode == "graphql":
        command = [sys.executable, "-m", "dutydesk", "sweep", "--now", NOW.isoformat()]
    else:
        command = [sys.executable, __file__, "--child", mode, "sweep", "--now", NOW.isoformat()]
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT / "scripts"),
        "GITHUB_TOKEN": TOKEN,
        **server.environment(),
    }
    mark = server.mark()
    seen = len(server.violations)
    # A slim launcher starts the sweep and reports its rusage: a child's peak RSS counts what
    # it held before exec, and a child spawned straight from this process (vfork) would be
    # charged this process's own peak, server and all.
    launcher = [sys.executable, "-S", "-c", LAUNCHER, *command]
    with tempfile.TemporaryFile("w+") as out:
        done = subprocess.run(
            launcher, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=out, text=True, check=False
        )
        report = json.loads(done.stdout.strip().splitlines()[-1])
        if report["exit"] != 0:
            out.seek(0)
            print(out.read()[-4000:], file=sys.stderr)
    found = server.counts(since=mark)
    return Measure(
        found.reads,
        found.writes,
        found.graphql_points,
        report["seconds"],
        report["maxrss_kib"] / 1024,
        report["exit"],
        sorted({str(v) for v in server.violations[seen:]}),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--closed", type=int, default=20_000)
    parser.add_argument("--comments", type=int, default=5, help="people's comments per item")
    parser.add_argument(
        "--edited",
        type=int,
        default=0,
        help="percent of open items with a comment edited by someone else (and as many with "
        "one edited by its author)",
    )
    parser.add_argument(
        "--latency",
        type=float,
        default=0.0,
        help="seconds the server waits before each answer, to model api.github.com's round trip",
    )
    parser.add_argument("--child", choices=["graphql", "naive"], help=argparse.SUPPRESS)
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.child:
        child(args.child, rest)
        return
    if args.measure is not None:
        _measure_one(args.measure, args.closed, args.comments, args.latency, args.edited)
        return

    print(
        f"dutydesk sweep against the local GitHub: {args.closed:,} closed issues, "
        f"{args.comments} comments per open item ({args.edited}% with one edited by someone "
        f"else, {args.edited}% by its author), --now {NOW.isoformat()}, "
        f"{args.latency * 1000:.0f} ms added to each answer"
    )
    print(f"(python {sys.version.split()[0]}, {os.cpu_count()} CPUs)\n")
    header = (
        f"{'N':>6} {'reader':<8} {'reads':>6} {'budget':>6} {'writes':>6} {'points':>6} "
        f"{'wall s':>7} {'peak MB':>8}"
    )
    print(header)
    print("-" * len(header))
    rows = []
    for n in args.sizes:
        # Each size in its own process, so each sweep's peak memory is its own.
        done = subprocess.run(
            [
                sys.executable,
                __file__,
                "--measure",
                str(n),
                "--closed",
                str(args.closed),
                "--comments",
                str(args.comments),
                "--edited",
                str(args.edited),
                "--latency",
                str(args.latency),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            print(done.stdout, done.stderr, file=sys.stderr)
            raise SystemExit(f"N = {n}: failed")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        rows.append((n, result))
        # a page per 100 open items, per 100 comments someone else edited, and `access()`
        budget = math.ceil(n / 100) + math.ceil(n * args.edited / 100 / 100) + 3
        for mode in ("graphql", "naive"):
            m = result[mode]
            print(
                f"{n:>6} {mode:<8} {m['reads']:>6} {budget if mode == 'graphql' else '':>6} "
                f"{m['writes']:>6} {m['points']:>6} {m['seconds']:>7.2f} {m['peak_mb']:>8.1f}"
            )
        g, b = result["graphql"], result["naive"]
        print(
            f"{'':>6} {'ratio':<8} {b['reads'] / max(g['reads'], 1):>5.0f}x {'':>6} {'':>6} "
            f"{'':>6} {b['seconds'] / max(g['seconds'], 1e-9):>6.1f}x "
            f"{b['peak_mb'] / max(g['peak_mb'], 1e-9):>7.2f}x   (naive / dutydesk)"
        )
        for mode in ("graphql", "naive"):
            for violation in result[mode]["violations"]:
                print(f"{'':>6} {mode} contract violation: {violation}")
    print()
    for n, result in rows:
        g = result["graphql"]
        budget = math.ceil(n / 100) + math.ceil(n * args.edited / 100 / 100) + 3
        if n == 1000:
            checks = [
                (f"at most {budget} reads", g["reads"] <= budget, g["reads"]),
                ("under 3 s wall time", g["seconds"] < 3, f"{g['seconds']:.2f} s"),
                ("under 150 MB peak", g["peak_mb"] < 150, f"{g['peak_mb']:.1f} MB"),
                ("the second sweep writes nothing", g["writes"] == 0, g["writes"]),
            ]
            for name, ok, value in checks:
                print(f"N = 1,000 target {name}: {'met' if ok else 'MISSED'} ({value})")
        print(
            f"N = {n}: repository built in {result['build_seconds']:.1f} s; settling sweep "
            f"{result['settle_seconds']:.1f} s"
        )
        for kind in result["settle_violations"]:
            print(f"  settling sweep (served leniently) broke GitHub's contract: {kind}")
    print(
        "\nreads: GETs and GraphQL queries; points: GraphQL rate-limit cost as GitHub computes "
        "it (REST requests cost nothing there, but count against the 1,000/hour GITHUB_TOKEN "
        "limit); wall s: the whole process, start-up included; peak MB: its maximum RSS."
    )


def _kind(violation: Any) -> str:
    """A violation without the issue number, to list each kind once."""
    import re

    return re.sub(r"\['[^']*'\]", "['...']", re.sub(r"/\d+/", "/{n}/", str(violation)))


def _measure_one(n: int, closed: int, comments: int, latency: float, edited: int) -> None:
    started = time.perf_counter()
    server = build(n, closed, comments, edited)
    server.start()
    built = time.perf_counter() - started
    started = time.perf_counter()
    settle(server)
    settled = time.perf_counter() - started
    result: dict[str, Any] = {"build_seconds": built, "settle_seconds": settled}
    server.latency = latency  # only for the measured sweeps
    result["settle_violations"] = sorted({_kind(v) for v in server.violations})
    for mode in ("graphql", "naive"):
        m = measure(server, mode)
        if m.exit != 0:
            raise SystemExit(f"{mode} sweep exited {m.exit}")
        result[mode] = m.__dict__
    server.stop()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
