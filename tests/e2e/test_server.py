"""The local GitHub itself: it refuses what GitHub's contract refuses, and answers in its shapes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from dutydesk.io.github import COMMENT_EDITS_QUERY, ISSUE_QUERY, OPEN_ISSUES_QUERY, connect

from .rest import node_id
from .server import TOKEN, GitHubServer
from .state import RepoState

REPO = "/repos/example-org/ops"


@pytest.fixture
def server() -> Iterator[GitHubServer]:
    state = RepoState()
    state.add_collaborator("alice")
    issue = state.open_issue("alice", "[Incident] Down", "### Priority\n\nP1", ["incident"])
    state.comment("alice", issue.number, "/ack")
    state.edit_body("alice", issue.number, "### Priority\n\nP2")
    with GitHubServer(state, lenient=False) as running:
        yield running


def call(server: GitHubServer, method: str, path: str, body: Any = None, **headers: str) -> Any:
    sent = {"Authorization": f"token {TOKEN}", "User-Agent": "test", **headers}
    data = None if body is None else json.dumps(body)
    return requests.request(method, server.url + path, data=data, headers=sent, timeout=10)


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "reason"),
    [
        ("GET", f"{REPO}/nowhere", None, 404, "no such path"),
        ("PUT", f"{REPO}/issues/1/comments", {"body": "x"}, 404, "PUT is not an operation"),
        ("POST", f"{REPO}/issues/1/labels", ["P1"], 422, "request body (root)"),
        ("POST", f"{REPO}/issues/1/comments", {"text": "x"}, 422, "'body' is a required"),
        ("GET", f"{REPO}/collaborators?permission=write", None, 422, "not one of"),
        ("GET", f"{REPO}/issues/one/comments", None, 404, "path parameter issue_number"),
        ("PATCH", f"{REPO}/issues/comments/1", None, 422, "requires a request body"),
    ],
    ids=[
        "an unknown path is not found",
        "a method the path does not have is not found",
        "a bare list of labels is not the documented body",
        "a comment without body is refused",
        "a permission outside the enum is refused",
        "an issue number that is not a number is not found",
        "an edit without a body is refused",
    ],
)
def test_it_refuses_what_the_contract_refuses(
    server: GitHubServer, method: str, path: str, body: Any, status: int, reason: str
) -> None:
    answer = call(server, method, path, body)
    assert answer.status_code == status
    assert any(reason in v.reason for v in server.violations), server.violations


def test_an_unknown_query_parameter_is_served_but_recorded(server: GitHubServer) -> None:
    answer = call(server, "GET", f"{REPO}/labels?per_page=100&colour=red")
    assert answer.status_code == 200
    assert [v.reason for v in server.violations] == [
        "query parameter 'colour' is not a parameter of issues/list-labels-for-repo "
        "(GitHub ignores it)"
    ]


def test_no_token_is_bad_credentials(server: GitHubServer) -> None:
    answer = requests.get(server.url + REPO, headers={"User-Agent": "t"}, timeout=10)
    assert answer.status_code == 401
    assert server.violations


def test_the_documented_body_adds_labels(server: GitHubServer) -> None:
    answer = call(server, "POST", f"{REPO}/issues/1/labels", {"labels": ["P1"]})
    assert answer.status_code == 200
    assert [label["name"] for label in answer.json()] == ["incident", "P1"]
    assert server.problems() == []


def test_removing_a_label_the_issue_does_not_have_is_not_found(server: GitHubServer) -> None:
    answer = call(server, "DELETE", f"{REPO}/issues/1/labels/P4")
    assert answer.status_code == 404
    assert answer.json()["message"] == "Label does not exist"
    assert server.violations == []  # GitHub's answer, not a contract breach


def test_the_rest_listings_page_with_link_headers_and_github_shapes(
    server: GitHubServer,
) -> None:
    for number in range(40):
        server.state.comment("bob", 1, f"comment {number}")
    first = call(server, "GET", f"{REPO}/issues/1/comments?per_page=30")
    assert len(first.json()) == 30
    assert 'rel="next"' in first.headers["Link"]
    following = first.headers["Link"].split(">")[0].lstrip("<")
    second = call(server, "GET", following.removeprefix(server.url))
    assert len(second.json()) == 11
    for path in (f"{REPO}/issues?state=all", f"{REPO}/issues/1/events", REPO):
        assert call(server, "GET", path).status_code == 200
    assert server.problems() == []


def test_pygithub_pages_through_the_listings(server: GitHubServer) -> None:
    for number in range(150):
        server.state.add_collaborator(f"user{number:03}")
    repo = connect(TOKEN, "example-org/ops", server.url)
    assert len(repo.access([]).writers or ()) == 151
    assert [entry.operation for entry in server.log] == ["repos/list-collaborators"] * 2


def graphql(server: GitHubServer, query: str, **variables: Any) -> Any:
    body = {"query": query, "variables": {"owner": "example-org", "name": "ops", **variables}}
    answer = call(server, "POST", "/graphql", body)
    assert answer.status_code == 200
    return answer.json()


def test_dutydesks_queries_are_answered_from_the_state(server: GitHubServer) -> None:
    issue = graphql(server, ISSUE_QUERY, number=1)["data"]["repository"]["issue"]
    assert issue["labels"]["nodes"] == [{"name": "incident"}]
    assert issue["comments"]["nodes"][0]["fullDatabaseId"] == "2448000001"
    assert [e["diff"] for e in issue["userContentEdits"]["nodes"]] == [
        "### Priority\n\nP2",
        "### Priority\n\nP1",
    ]  # newest first, with the creation entry
    assert issue["includesCreatedEdit"] is True
    listing = graphql(
        server, OPEN_ISSUES_QUERY, labels=["INCIDENT"], after=None, first=100, full=True
    )
    assert [n["number"] for n in listing["data"]["repository"]["issues"]["nodes"]] == [1]
    assert server.violations == []
    assert [entry.cost for entry in server.log] == [1, 5]  # GitHub's rate-limit points


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "query($owner: String!, $name: String!) { repository(owner: $owner, name: $name) "
            "{ issue(number: 1) { reactions { totalCount } } } }",
            "Cannot query field 'reactions' on type 'Issue'.",
        ),
        (
            "query($owner: String!, $name: String!) { repository(owner: $owner, name: $name) "
            "{ issues(first: 101) { nodes { number } } } }",
            "Requesting 101 records on the `issues` connection exceeds the `first` limit",
        ),
        (
            "query($owner: String!, $name: String!) { repository(owner: $owner, name: $name) "
            "{ issue(number: 1) { comments { nodes { body } } } } }",
            "You must provide a `first` or `last` value to properly paginate the `comments`",
        ),
        (
            "query($owner: String!, $name: String!) { repository(owner: $owner, name: $name) "
            "{ issues(first: 100) { nodes { "
            + " ".join(f"c{n}: comments(first: 100) {{ nodes {{ body }} }}" for n in range(51))
            + " } } } }",
            "exceeds the maximum limit of 500,000",
        ),
    ],
    ids=[
        "a field the schema does not have",
        "a page over 100",
        "a connection without first or last",
        "over 500,000 nodes",
    ],
)
def test_graphql_holds_queries_to_githubs_schema_and_limits(
    server: GitHubServer, query: str, message: str
) -> None:
    answer = graphql(server, query)
    assert answer.get("errors")
    assert any(message in v.reason for v in server.violations), server.violations


def test_comment_edit_histories_are_read_by_node_id_at_a_point_a_hundred(
    server: GitHubServer,
) -> None:
    comment = server.state.comments_on(1)[0]
    server.state.edit_comment(comment.id, "/ack looking", editor="alice")
    known = node_id("IssueComment", comment.id)
    body = {"query": COMMENT_EDITS_QUERY, "variables": {"ids": [known, "bm9wZQ=="], "after": None}}
    answer = call(server, "POST", "/graphql", body).json()
    found, missing = answer["data"]["nodes"]
    assert found["id"] == known and found["includesCreatedEdit"] is True
    assert [(e["editor"]["login"], e["diff"]) for e in found["userContentEdits"]["nodes"]] == [
        ("alice", "/ack looking"),
        ("alice", "/ack"),
    ]  # newest first, the creation entry last
    assert missing is None
    assert [(e["type"], e["path"]) for e in answer["errors"]] == [("NOT_FOUND", ["nodes", 1])]
    assert server.log[-1].cost == 1 and server.violations == []

    many = {"query": COMMENT_EDITS_QUERY, "variables": {"ids": [known] * 101, "after": None}}
    call(server, "POST", "/graphql", many)
    assert any("more than 100 ids" in v.reason for v in server.violations)


def test_every_comments_edits_inside_the_listing_would_cost_twenty_times_the_points(
    server: GitHubServer,
) -> None:
    """Why the comments' edit histories are read apart: nested in the listing they would be
    10,000 more connections a page (105 points where the page costs 5) and a million nodes."""
    from graphql import parse

    nested = OPEN_ISSUES_QUERY.replace(  # the end of CommentPage's nodes
        "editor { ...ActorLogin }\n  }\n}",
        "editor { ...ActorLogin }\n    userContentEdits(first: 100) { ...EditPage }\n  }\n}",
        1,
    )
    assert "userContentEdits(first: 100) { ...EditPage }\n  }\n}\n\nfragment TimelinePage" in nested
    assert nested != OPEN_ISSUES_QUERY
    variables = {"owner": "example-org", "name": "ops", "labels": None, "after": None}
    variables.update(first=100, full=True)
    plain = server.graphql.analyse(parse(OPEN_ISSUES_QUERY), variables)
    heavy = server.graphql.analyse(parse(nested), variables)
    assert (plain.cost, heavy.cost) == (5, 105)
    assert heavy.nodes > 500_000 and any(
        p["type"] == "MAX_NODE_LIMIT_EXCEEDED" for p in heavy.problems
    )
