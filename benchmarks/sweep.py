"""What one `dutydesk sweep` costs, against the local GitHub of the end-to-end tests.

For N = 100, 1,000 and 5,000 open items (`--sizes`; incidents and change requests, with some
comments each) in a repository that also holds 20,000 closed issues, it prints the read and
write requests, the GraphQL rate-limit points, the wall time, the CPU time and the peak memory
(maximum resident set size) of one sweep process, min/median/max over `--runs`, beside a naive
baseline that reads through REST one issue at a time (list the open issues, then each issue's
comments and its events). Targets for N = 1,000: at most 13 reads (``ceil(N / 100) + 3``: the
pages, the writers, the policy's team, and whether the timers workflow is on while a P1 or P2
is open; with ``--edited P``, ``ceil(N * P / 10,000)`` more, one per 100 comments whose edit
history is read), under 150 MB.

Each repository is first swept once (in this process, with no pause between writes) so that
every item is reconciled; the measured sweep then runs at the same `--now`, as the real CLI
(`python -m dutydesk sweep`, PyGithub with its Actions settings) in its own process, writing
its job summary as in Actions, and must write nothing. The baseline runs the same CLI in its
own process with the REST reader below in place of the GraphQL one. The server validates every
request against GitHub's contract, as in the tests; its answers are not re-checked here (that
is the tests' job), to time dutydesk and not the fake.

Run from the repository root: `python benchmarks/sweep.py --part steady` (about four
minutes); `--part first` (first sweeps until nothing is left to write) and `--part threads`
(100 items with 500 comments each) take several minutes more. `--sizes 10 100` and `--closed
2000` make it quicker; `--edited 10` has someone other than its author edit a comment on 10% of
the open items (and the author edit another), so that the sweep reads those comments' edit
histories.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "scripts"), str(ROOT / "tests")]

import naive_reader  # noqa: E402  (beside this file)

NOW = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)  # a Monday, in support hours
PRIORITIES = [
    "P1 Critical – Complete outage or ongoing unauthorised access",
    "P2 Major – Substantial degradation of service",
    "P3 Significant – Users experiencing intermittent or degraded service due to platform issue",
    "P4 Minor – Component failure that does not immediately impact a service or an unsuccessful DoS attempt",
]
RESPONDERS = ["alice", "bob", "carol"]


def child(mode: str, argv: list[str]) -> None:
    """Run the dutydesk CLI in this process: with the naive reader (`naive`), or with no pause
    between writes (`fast`: PyGithub's 1 s write pause is a sleep, not work; see `first`)."""
    import dutydesk.io.github

    if mode == "naive":
        naive_reader._CONNECT.append(dutydesk.io.github.connect)
        dutydesk.io.github.connect = naive_reader.naive_repository  # type: ignore[assignment]
    if mode == "fast":
        real = dutydesk.io.github.Github

        def unpaused(**kwargs: Any) -> Any:
            return real(**{**kwargs, "seconds_between_writes": 0})

        dutydesk.io.github.Github = unpaused  # type: ignore[assignment,misc]
    from dutydesk.cli import cli

    cli.main(args=argv, prog_name="dutydesk")


LAUNCHER = """
import json, os, subprocess, sys, time
started = time.perf_counter()
process = subprocess.Popen(sys.argv[1:], stdout=sys.stderr)
_, status, usage = os.wait4(process.pid, 0)
seconds = time.perf_counter() - started
print(json.dumps({"exit": os.waitstatus_to_exitcode(status), "seconds": seconds,
                  "cpu": usage.ru_utime + usage.ru_stime, "maxrss_kib": usage.ru_maxrss}))
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


def quiet(server: Any) -> None:
    """Keep the local GitHub's own garbage collection out of its answers' time: its tens of
    thousands of issues, built once, are moved out of the collector's way (`gc.freeze`), which
    otherwise walks them all every few thousand allocations, several times a GraphQL page
    (0.12 s a page of 100 open items beside 20,000 closed ones, 0.07 s without). The server
    answers the same; both tools beside each other (stale_peer.py) see the same server."""
    import gc

    del server
    gc.collect()
    gc.freeze()


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
    cpu: float
    peak_mb: float
    exit: int
    deferred_writes: int
    deferred_items: int
    violations: list[str]
    server_seconds: float = 0.0  # the local GitHub's time answering this run's requests


DEFERRED = re.compile(r"(\d+) write\(s\) on (\d+) item\(s\) left for the next run")


def measure(server: Any, mode: str, extra: Sequence[str] = ()) -> Measure:
    """One sweep by the real CLI in its own process: `graphql` as the workflows run it, `fast`
    the same with no pause between writes, `naive` with the REST reader."""
    from e2e.server import TOKEN

    argv = ["sweep", "--now", NOW.isoformat(), *extra]
    if mode == "graphql":
        command = [sys.executable, "-m", "dutydesk", *argv]
    else:
        command = [sys.executable, __file__, "--child", mode, *argv]
    mark, clock = server.mark(), time.perf_counter()
    seen = len(server.violations)
    # A slim launcher starts the sweep and reports its rusage: a child's peak RSS counts what
    # it held before exec, and a child spawned straight from this process (vfork) would be
    # charged this process's own peak, server and all.
    launcher = [sys.executable, "-S", "-c", LAUNCHER, *command]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryDirectory() as work:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(ROOT / "scripts"),
            "GITHUB_TOKEN": TOKEN,
            # as in Actions: the sweep writes its job summary, and that is part of its time
            "GITHUB_STEP_SUMMARY": str(Path(work) / "summary.md"),
            **server.environment(),
        }
        done = subprocess.run(
            launcher, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=out, text=True, check=False
        )
        report = json.loads(done.stdout.strip().splitlines()[-1])
        out.seek(0)
        err = out.read()
    if report["exit"] not in (0, 3):
        print(err[-4000:], file=sys.stderr)
    deferred = DEFERRED.search(err)
    found = server.counts(since=mark)
    return Measure(
        found.reads,
        found.writes,
        found.graphql_points,
        report["seconds"],
        report["cpu"],
        report["maxrss_kib"] / 1024,
        report["exit"],
        int(deferred.group(1)) if deferred else 0,
        int(deferred.group(2)) if deferred else 0,
        sorted({str(v) for v in server.violations[seen:]}),
        server.serving_seconds(clock),
    )


def spread(values: Sequence[float], fmt: str = "{:.2f}") -> str:
    """min/median/max"""
    return "/".join(fmt.format(v) for v in (min(values), statistics.median(values), max(values)))


def _subprocess_json(args: list[str]) -> dict[str, Any]:
    """This script again, in its own process (so each measure's peak memory is its own)."""
    done = subprocess.run(
        [sys.executable, __file__, *args], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        print(done.stdout, done.stderr, file=sys.stderr)
        raise SystemExit(f"{' '.join(args)}: failed")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# -- steady: every item already reconciled, nothing to do --------------------------------------


def steady(args: argparse.Namespace) -> None:
    print(
        f"\n== steady sweep (nothing to do): {args.closed:,} closed issues, {args.comments} "
        f"comments per open item ({args.edited}% with one edited by someone else), "
        f"{args.runs} runs each, min/median/max"
    )
    header = (
        f"{'N':>6} {'reader':<8} {'reads':>6} {'target':>6} {'writes':>6} {'points':>6} "
        f"{'wall s':>17} {'CPU s':>17} {'server s':>17} {'peak MB':>17}"
    )
    print(header)
    print("-" * len(header))
    for n in args.sizes:
        result = _subprocess_json(
            [
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
                "--runs",
                str(args.runs),
            ]
        )
        target = math.ceil(n / 100) + math.ceil(n * args.edited / 100 / 100) + 3
        for mode in ("graphql", "naive"):
            runs = result[mode]
            first = runs[0]
            print(
                f"{n:>6} {mode:<8} {first['reads']:>6} {target if mode == 'graphql' else '':>6} "
                f"{max(r['writes'] for r in runs):>6} {first['points']:>6} "
                f"{spread([r['seconds'] for r in runs]):>17} "
                f"{spread([r['cpu'] for r in runs]):>17} "
                f"{spread([r['server_seconds'] for r in runs]):>17} "
                f"{spread([r['peak_mb'] for r in runs], '{:.0f}'):>17}"
            )
            for violation in sorted({v for r in runs for v in r["violations"]}):
                print(f"{'':>6} {mode} contract violation: {violation}")
        print(
            f"{'':>6} repository built in {result['build_seconds']:.1f} s, settled in "
            f"{result['settle_seconds']:.1f} s"
        )
    print(
        "reads: GETs and GraphQL queries (target ceil(N/100) + 3); points: GraphQL rate-limit "
        "cost as GitHub computes it; wall: the whole process, start-up included, waiting on the "
        "local server included; CPU: the sweep process's user + system time; server: the local GitHub's time answering "
        "the sweep's requests, one at a time (the sweep's wall time cannot go below it); peak: "
        "its maximum RSS."
    )


def _measure_steady(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    server = build(args.measure, args.closed, args.comments, args.edited)
    server.start()
    built = time.perf_counter() - started
    started = time.perf_counter()
    settle(server)
    result: dict[str, Any] = {
        "build_seconds": built,
        "settle_seconds": time.perf_counter() - started,
    }
    server.latency = args.latency  # only for the measured sweeps
    quiet(server)
    for mode, runs in (("graphql", args.runs), ("naive", 1)):
        result[mode] = []
        for _ in range(runs):
            m = measure(server, mode)
            if m.exit != 0:
                raise SystemExit(f"{mode} sweep exited {m.exit}")
            result[mode].append(m.__dict__)
    server.stop()
    print(json.dumps(result))


# -- first: a busy repository that adopts dutydesk ---------------------------------------------


def first(args: argparse.Namespace) -> None:
    print(
        f"\n== first sweeps on a repository adopting dutydesk: N open items that need labels and "
        f"status cards, write budget {args.budget} a run, {args.comments} comments per item, "
        f"{args.first_runs} repositories each, min/median/max"
    )
    print(
        "   each run is the real CLI with PyGithub's 1 s pause between writes taken out (it is a "
        "sleep, not work: with it a run takes about `writes` seconds more)"
    )
    header = (
        f"{'N':>6} {'runs':>5} {'writes':>7} {'run 1 writes':>12} {'deferred':>9} "
        f"{'run 1 wall s':>17} {'run 1 CPU s':>17} {'peak MB':>13} {'dupes':>5}"
    )
    print(header)
    print("-" * len(header))
    for n in args.sizes:
        repeats = [
            _subprocess_json(
                [
                    "--measure-first",
                    str(n),
                    "--comments",
                    str(args.comments),
                    "--budget",
                    str(args.budget),
                    *(["--real-pause"] if args.real_pause else []),
                ]
            )
            for _ in range(args.first_runs)
        ]
        one = repeats[0]
        run1 = [r["runs"][0] for r in repeats]
        print(
            f"{n:>6} {one['converged_after']:>5} {one['writes']:>7} {run1[0]['writes']:>12} "
            f"{run1[0]['deferred_writes']:>9} {spread([r['seconds'] for r in run1]):>17} "
            f"{spread([r['cpu'] for r in run1]):>17} "
            f"{spread([max(x['peak_mb'] for x in r['runs']) for r in repeats], '{:.0f}'):>13} "
            f"{one['duplicates']:>5}"
        )
        if args.real_pause:
            print(
                f"{'':>6} run 1 with PyGithub's pause: {spread([r['paused_seconds'] for r in repeats])} s"
            )
        wrote = one["converged_after"] - 1
        print(
            f"{'':>6} every write done in {wrote} run(s), the last of them about {wrote - 1} "
            f"hour(s) after the first with the hourly sweep; violations: "
            f"{sorted({v for r in repeats for v in r['violations']})}"
        )
    print(
        "runs: sweeps until one writes nothing; writes: all of them; deferred: left by run 1 for "
        "the next; dupes: comments the bot posted twice with one marker (must be 0)."
    )


def _measure_first(args: argparse.Namespace) -> None:
    """Sweeps at the same moment, each within the budget, until one writes nothing."""
    server = build(args.measure_first, 0, args.comments)
    server.start()
    quiet(server)
    budget = ["--max-writes", str(args.budget)]
    runs: list[dict[str, Any]] = []
    paused = None
    if args.real_pause:
        m = measure(server, "graphql", budget)
        runs.append(m.__dict__)
        paused = m.seconds
    while not runs or runs[-1]["writes"]:
        m = measure(server, "fast", budget)
        if m.exit not in (0, 3):
            raise SystemExit(f"first sweep exited {m.exit}")
        runs.append(m.__dict__)
        if len(runs) > 1000:
            raise SystemExit("no convergence after 1,000 runs")
    result = {
        "runs": runs,
        "converged_after": len(runs),
        "writes": sum(r["writes"] for r in runs),
        "duplicates": _duplicates(server),
        "violations": sorted({v for r in runs for v in r["violations"]}),
        "paused_seconds": paused,
    }
    server.stop()
    print(json.dumps(result))


def _duplicates(server: Any) -> int:
    """Bot comments that repeat a marker on the same issue."""
    from dutydesk.markers import marker_key

    state = server.state
    found = 0
    for issue in state.issues.values():
        comments = [state.comments[cid] for cid in issue.comments]
        keys = [marker_key(c.body) for c in comments if c.author.endswith("[bot]")]
        marked = [k for k in keys if k]
        found += len(marked) - len(set(marked))
    return found


# -- long threads ------------------------------------------------------------------------------


def threads(args: argparse.Namespace) -> None:
    n, comments = args.thread_items, args.thread_comments
    print(f"\n== long threads: {n} open items with {comments} comments each, steady sweep")
    result = _subprocess_json(
        ["--measure", str(n), "--closed", "0", "--comments", str(comments), "--runs",
         str(args.runs)]
    )  # fmt: skip
    g = result["graphql"]
    print(
        f"reads {g[0]['reads']}, GraphQL points {g[0]['points']}, wall "
        f"{spread([r['seconds'] for r in g])} s, CPU {spread([r['cpu'] for r in g])} s, peak "
        f"{spread([r['peak_mb'] for r in g], '{:.0f}')} MB (naive REST reader: "
        f"{result['naive'][0]['reads']} reads)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["steady", "first", "threads", "all"], default="all")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--runs", type=int, default=3, help="measured sweeps of each (steady)")
    parser.add_argument("--first-runs", type=int, default=3, help="repositories of each (first)")
    parser.add_argument("--closed", type=int, default=20_000)
    parser.add_argument("--comments", type=int, default=5, help="people's comments per item")
    parser.add_argument("--budget", type=int, default=300, help="--max-writes of each run")
    parser.add_argument(
        "--real-pause", action="store_true", help="first: also time run 1 with the 1 s pause"
    )
    parser.add_argument("--thread-items", type=int, default=100)
    parser.add_argument("--thread-comments", type=int, default=500)
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
    parser.add_argument("--child", choices=["graphql", "naive", "fast"], help=argparse.SUPPRESS)
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--measure-first", type=int, help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.child:
        child(args.child, rest)
    elif args.measure is not None:
        _measure_steady(args)
    elif args.measure_first is not None:
        _measure_first(args)
    else:
        print(f"dutydesk sweep against the local GitHub, --now {NOW.isoformat()}")
        print(f"(python {sys.version.split()[0]}, {os.cpu_count()} CPUs)")
        for name, part in (("steady", steady), ("first", first), ("threads", threads)):
            if args.part in (name, "all"):
                part(args)


if __name__ == "__main__":
    main()
