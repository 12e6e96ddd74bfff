"""A steady sweep against the local GitHub: every item already reconciled, nothing to write,
and its reads stay ceil(N / 100) + 2 (issue 13): one GraphQL query per 100 open items, the
repository's writers and the policy's one team; plus one, whether the timers workflow is on,
only when a punctual (P1 or P2) incident is open.

The sweep is the real CLI in this process (`CliRunner`), with PyGithub's pause between writes
taken out for the first sweep that reconciles everything (`client_settings`).
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from dutydesk.cli import cli
from dutydesk.forms import load_templates, render_body
from e2e.faults import client_settings
from e2e.server import TOKEN, GitHubServer
from e2e.state import RepoState

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)  # a Monday, in support hours
PRIORITIES = {
    "P1": "P1 Critical – Complete outage or ongoing unauthorised access",
    "P3": "P3 Significant – Users experiencing intermittent or degraded service due to platform "
    "issue",
    "P4": "P4 Minor – Component failure that does not immediately impact a service or an "
    "unsuccessful DoS attempt",
}


def repository(items: int, priorities: list[str]) -> RepoState:
    """`items` open incidents of the `priorities` in turn, each acknowledged, beside a few
    closed ones (which the sweep must not read)."""
    forms = load_templates(ROOT / ".github" / "ISSUE_TEMPLATE")
    state = RepoState(clock=lambda: NOW)
    for login in ("alice", "bob", "alice-oncall", "bob-oncall", "carol-oncall"):
        state.add_collaborator(login)
    state.add_team("example-org/platform-team", ["dana"])
    for index in range(20):
        old = state.open_issue("alice", "[Incident] Old", "gone", ["incident", "P3"], at=NOW)
        state.set_state("bob", old.number, "closed", at=NOW - timedelta(days=index + 1))
    for index in range(items):
        opened = NOW - timedelta(minutes=30 + 3 * index)
        answers = {"priority": PRIORITIES[priorities[index % len(priorities)]], "service": "Web"}
        body = render_body(forms["incident"], answers)
        issue = state.open_issue("alice", f"[Incident] {index}", body, ["incident"], at=opened)
        state.comment("bob", issue.number, "/ack", at=opened + timedelta(minutes=2))
    return state


@pytest.fixture
def serve() -> Iterator[list[GitHubServer]]:
    servers: list[GitHubServer] = []
    yield servers
    for server in servers:
        server.stop()
        assert server.problems() == []


def sweep(server: GitHubServer, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(ROOT)
    for name in ("GITHUB_ACTIONS", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_EVENT_PATH"):
        monkeypatch.delenv(name, raising=False)
    argv = ["sweep", "--now", NOW.isoformat(), "--max-writes", "100000"]
    with client_settings(timeout=15):
        result = CliRunner().invoke(cli, argv, env={"GITHUB_TOKEN": TOKEN, **server.environment()})
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize(
    ("items", "priorities", "extra"),
    [
        (250, ["P3", "P4"], 0),
        (100, ["P3"], 0),
        (101, ["P4", "P3", "P1"], 1),  # a P1 is open: the timers workflow's state is read
    ],
)
def test_a_steady_sweep_reads_one_query_a_hundred_items_and_writes_nothing(
    serve: list[GitHubServer],
    monkeypatch: pytest.MonkeyPatch,
    items: int,
    priorities: list[str],
    extra: int,
) -> None:
    server = GitHubServer(repository(items, priorities)).start()
    serve.append(server)
    sweep(server, monkeypatch)  # the first sweep reconciles every item
    assert server.writes > 0
    mark = server.mark()

    output = sweep(server, monkeypatch)

    counts = server.counts(since=mark)
    assert f"swept {items} open item(s), 0 failed" in output
    assert counts.writes == 0, counts.by_operation
    assert counts.reads == math.ceil(items / 100) + 2 + extra, counts.by_operation
    assert counts.by_operation.get("graphql OpenIssues") == math.ceil(items / 100)


def test_a_steady_sweep_run_as_the_workflow_runs_it_never_imports_pygithub(
    serve: list[GitHubServer], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`python -m dutydesk sweep` in its own process, as in Actions: with nothing to write
    and no fault, every read is answered on the quick path (github_quick), and PyGithub (a
    third of a second to import) is never loaded. With a P1 open, the timers workflow's state
    is read too, also without it."""
    server = GitHubServer(repository(12, ["P1", "P3"])).start()
    serve.append(server)
    sweep(server, monkeypatch)
    mark = server.mark()
    probe = (
        "import sys, runpy\n"
        "sys.argv = ['dutydesk', *sys.argv[1:]]\n"
        "try:\n"
        "    runpy.run_module('dutydesk', run_name='__main__')\n"
        "finally:\n"
        "    loaded = sorted(m for m in sys.modules if m == 'github' or m.startswith('github.'))\n"
        "    print('PYGITHUB', loaded, file=sys.stderr)\n"
    )
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT / "scripts"),
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        **server.environment(),
    }
    done = subprocess.run(
        [sys.executable, "-c", probe, "sweep", "--now", NOW.isoformat()],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "swept 12 open item(s), 0 failed" in done.stdout
    assert "PYGITHUB []" in done.stderr
    counts = server.counts(since=mark)
    assert counts.writes == 0 and counts.reads == 1 + 2 + 1, counts.by_operation
    assert (tmp_path / "summary.md").read_text(encoding="utf-8").startswith("## dutydesk sweep")
