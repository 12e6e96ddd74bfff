"""The timers workflow and its switch, run as GitHub runs them, against the local GitHub
(issue 12). The event job and the sweep switch `dutydesk-timers.yml` on when a P1 or P2 is
open (GET the workflow, PUT .../enable only when it is off); a timers run that finds none
switches it off; a token without `actions: write` gets a warning and the run still succeeds.

Platform facts, from GitHub's REST description (tests/openapi): `PUT /repos/{owner}/{repo}/
actions/workflows/{workflow_id}/enable` (and `/disable`) answers 204 and takes the workflow's
file name as `workflow_id`; `GET .../actions/workflows/{workflow_id}` has its `state`
(`active`, `disabled_manually`, ...).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from e2e.fixtures import checkout, comment_event, github, issues_event, run
from e2e.server import GitHubServer
from test_e2e_workflows import EVENTS, SWEEP, WAITER, assert_ok, incident_body, now, people

__all__ = ["checkout", "github"]  # fixtures, imported for pytest

TIMERS = "dutydesk-timers.yml"
PRIORITY_P3 = (
    "P3 Significant – Users experiencing intermittent or degraded service due to platform issue"
)


def state(github: GitHubServer) -> str:
    return github.state.workflows[TIMERS]


def acknowledged_p1(github: GitHubServer) -> int:
    """A P1 filed a minute ago and acknowledged: its next due, the update, is an hour away
    (beyond a timers run's 25-minute horizon, so the run does not wait on the real clock)."""
    people(github)
    opened = now() - timedelta(minutes=1)
    issue = github.state.open_issue(
        "rita", "[Incident] Payments down", incident_body(), ["incident", "P1"], at=opened
    )
    github.state.comment("bob", issue.number, "/ack", at=opened + timedelta(seconds=30))
    return issue.number


def test_a_new_p1_switches_the_timers_on_and_a_rerun_writes_nothing(
    github: GitHubServer, checkout: Path, tmp_path: Path
) -> None:
    people(github)
    github.state.workflows[TIMERS] = "disabled_manually"
    issue = github.state.open_issue(
        "rita", "[Incident] Payments down", incident_body(), ["incident"], at=now()
    )
    event = issues_event(github, issue.number, "opened", "rita")
    assert_ok(run(github, checkout, EVENTS, "issues", event, tmp_path / "a", skip=WAITER))
    assert state(github) == "active"
    mark = github.mark()
    assert_ok(run(github, checkout, EVENTS, "issues", event, tmp_path / "b", skip=WAITER))
    assert github.writes_since(mark) == [], "already on: read, not switched again"


def test_a_p3_leaves_the_timers_as_they_are(
    github: GitHubServer, checkout: Path, tmp_path: Path
) -> None:
    people(github)
    github.state.workflows[TIMERS] = "disabled_manually"
    body = incident_body(PRIORITY_P3)
    issue = github.state.open_issue("rita", "[Incident] Search slow", body, ["incident"], at=now())
    event = issues_event(github, issue.number, "opened", "rita")
    assert_ok(run(github, checkout, EVENTS, "issues", event, tmp_path, skip=WAITER))
    assert state(github) == "disabled_manually"


def test_the_sweep_switches_them_on_for_an_open_p1(
    github: GitHubServer, checkout: Path, tmp_path: Path
) -> None:
    acknowledged_p1(github)
    github.state.workflows[TIMERS] = "disabled_manually"
    assert_ok(run(github, checkout, SWEEP, "schedule", {"schedule": "17 * * * *"}, tmp_path))
    assert state(github) == "active"


def test_a_timers_run_watches_an_open_p1_and_then_switches_off_when_it_is_resolved(
    github: GitHubServer, checkout: Path, tmp_path: Path
) -> None:
    number = acknowledged_p1(github)
    schedule = {"schedule": "*/10 * * * *"}
    result = run(github, checkout, TIMERS, "schedule", schedule, tmp_path / "open")
    assert_ok(result)
    assert "watched 1 punctual incident(s)" in result.describe()
    assert state(github) == "active"
    github.state.set_state("bob", number, "closed", at=now())
    assert_ok(run(github, checkout, TIMERS, "schedule", schedule, tmp_path / "closed"))
    assert state(github) == "disabled_manually"


def test_without_actions_write_the_run_warns_and_succeeds(
    github: GitHubServer, checkout: Path, tmp_path: Path
) -> None:
    people(github)
    github.state.workflows[TIMERS] = "disabled_manually"
    github.state.actions_writable = False
    issue = github.state.open_issue(
        "rita", "[Incident] Payments down", incident_body(), ["incident"], at=now()
    )
    event = issues_event(github, issue.number, "opened", "rita")
    result = run(github, checkout, EVENTS, "issues", event, tmp_path, skip=WAITER)
    assert_ok(result)
    assert state(github) == "disabled_manually"
    assert "could not switch the timers workflow" in result.describe()
    assert "P1" in github.state.issues[issue.number].labels, "the incident is still handled"


def test_a_comment_on_a_p1_keeps_them_on_without_writing(
    github: GitHubServer, checkout: Path, tmp_path: Path
) -> None:
    number = acknowledged_p1(github)
    found = github.state.comment("carol", number, "Looking at the logs.", at=now())
    event = comment_event(github, found.id)
    mark = github.mark()
    assert_ok(run(github, checkout, EVENTS, "issue_comment", event, tmp_path, skip=WAITER))
    assert state(github) == "active"
    assert [w.path for w in github.writes_since(mark) if "actions" in w.path] == []
