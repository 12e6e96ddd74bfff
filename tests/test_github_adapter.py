"""The PyGithub adapter against mocked GitHub REST responses: what it reads and what it sends."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import responses

from dutydesk.errors import ConfigurationError, GitHubError
from dutydesk.github_adapter import connect
from dutydesk.model import EventKind

FIXTURES = Path(__file__).parent / "fixtures" / "github"
API = "https://api.github.com"
# PyGithub writes the port into request URLs.
HOST = "https://api.github.com:443"
REPO = f"{HOST}/repos/octo-org/ops"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture
def github() -> Any:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def test_a_snapshot_reads_the_issue_its_comments_and_events(github: responses.RequestsMock) -> None:
    github.get(f"{REPO}/issues/1", json=fixture("issue.json"))
    github.get(f"{REPO}/issues/1/comments", json=fixture("comments.json"))
    github.get(f"{REPO}/issues/1/events", json=fixture("events.json"))
    repo = connect("t0ken", "octo-org/ops", API)
    issue = repo.get_issue(1)
    assert issue.number == 1 and issue.author == "alice" and issue.labels == {"incident"}
    assert [c.author for c in issue.comments] == ["bob", "github-actions[bot]"]
    assert issue.comments[0].first_line == "/ack"
    assert [(e.kind, e.actor) for e in issue.events] == [
        (EventKind.LABELED, "alice"),
        (EventKind.ASSIGNED, "bob"),
    ]
    assert issue.events[0].label == "incident" and issue.events[1].assignee == "bob"
    assert issue.created_at.tzinfo is not None
    sent = [call.request for call in github.calls]
    assert all(r.method == "GET" for r in sent)
    assert all(r.headers["Authorization"] == "token t0ken" for r in sent)


def test_writes_send_the_documented_requests(github: responses.RequestsMock) -> None:
    github.post(f"{REPO}/issues/1/labels", json=[], status=200)
    github.post(f"{REPO}/issues/1/comments", json=fixture("comments.json")[1], status=201)
    github.patch(f"{REPO}/issues/comments/1002", json=fixture("comments.json")[1])
    github.delete(f"{REPO}/issues/1/labels/needs-triage", json=[])
    repo = connect("t0ken", "octo-org/ops", API)
    repo.seconds_between_writes = 0  # type: ignore[attr-defined]
    repo.add_labels(1, ["P1", "sla-missed"])
    repo.create_comment(1, "<!-- dutydesk:k -->\nhello")
    repo.update_comment(1, 1002, "<!-- dutydesk:k -->\nedited")
    repo.remove_label(1, "needs-triage")
    sent = [(c.request.method, c.request.url) for c in github.calls]
    assert sent == [
        ("POST", f"{REPO}/issues/1/labels"),
        ("POST", f"{REPO}/issues/1/comments"),
        ("PATCH", f"{REPO}/issues/comments/1002"),
        ("DELETE", f"{REPO}/issues/1/labels/needs-triage"),
    ]
    bodies = [json.loads(c.request.body) if c.request.body else None for c in github.calls]
    assert bodies[0] == ["P1", "sla-missed"]
    assert bodies[1] == {"body": "<!-- dutydesk:k -->\nhello"}
    assert bodies[2] == {"body": "<!-- dutydesk:k -->\nedited"}


def test_access_reads_writers_and_reports_an_unreadable_team(
    github: responses.RequestsMock,
) -> None:
    github.get(f"{REPO}/collaborators", json=fixture("collaborators.json"))
    github.get(
        f"{HOST}/orgs/octo-org/teams/platform/members",
        json={"message": "Not Found", "documentation_url": "https://docs.github.com/rest"},
        status=404,
    )
    repo = connect("t0ken", "octo-org/ops", API)
    access = repo.access(["octo-org/platform"])
    assert access.writers == {"alice", "bob"}
    assert access.teams == {"octo-org/platform": None}
    assert "permission=push" in github.calls[0].request.url


def test_a_github_error_says_what_failed_without_the_token(github: responses.RequestsMock) -> None:
    github.get(f"{REPO}/issues/9", json={"message": "Not Found"}, status=404)
    repo = connect("s3cret-token", "octo-org/ops", API)
    with pytest.raises(GitHubError) as caught:
        repo.get_issue(9)
    assert "reading issue #9" in str(caught.value) and "404" in str(caught.value)
    assert "s3cret-token" not in str(caught.value)


@pytest.mark.parametrize(
    ("token", "repo", "message"),
    [
        (None, "o/r", "no GitHub token"),
        ("t", None, "OWNER/NAME"),
        ("t", "just-a-name", "OWNER/NAME"),
    ],
    ids=["no token", "no repository", "repository without owner"],
)
def test_missing_configuration_is_explained(
    token: str | None, repo: str | None, message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        connect(token, repo, None)
