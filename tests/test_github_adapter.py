"""The PyGithub adapter against mocked GitHub: what it reads (GraphQL) and what it sends (REST)."""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import responses
from click.testing import CliRunner

from dutydesk.errors import ConfigurationError, GitHubError
from dutydesk.io.github import (
    COMMENT_EDITS_QUERY,
    ISSUE_PAGES_QUERY,
    ISSUE_QUERY,
    ISSUES_SINCE_QUERY,
    OPEN_ISSUES_QUERY,
    connect,
    revisions,
)
from dutydesk.io.github_queries import batches, merge_pages, pages_query, unfinished
from dutydesk.io.github_snapshot import PartialListing, snapshot, wants_history
from dutydesk.model import BodyRevision, CommentRevision, EventKind

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "github"
GRAPHQL_FIXTURES = Path(__file__).parent / "fixtures" / "graphql"
API = "https://api.github.com"
# PyGithub writes the port into request URLs.
HOST = "https://api.github.com:443"
REPO = f"{HOST}/repos/octo-org/ops"
GRAPHQL = f"{HOST}/graphql"
QUERIES = {
    "OPEN_ISSUES_QUERY": OPEN_ISSUES_QUERY,
    "ISSUES_SINCE_QUERY": ISSUES_SINCE_QUERY,
    "ISSUE_QUERY": ISSUE_QUERY,
    "ISSUE_PAGES_QUERY": ISSUE_PAGES_QUERY,
    "COMMENT_EDITS_QUERY": COMMENT_EDITS_QUERY,
}
P1 = "P1 Critical – Complete outage or ongoing unauthorised access"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def graphql_fixture(name: str) -> Any:
    return json.loads((GRAPHQL_FIXTURES / name).read_text(encoding="utf-8"))


def at(clock: str) -> datetime:
    return datetime.fromisoformat(f"2026-11-23T{clock}:00+00:00")


def user(login: str) -> dict[str, str]:
    return {"__typename": "User", "login": login}


def page(nodes: list[Any], more: bool = False, cursor: str | None = None) -> dict[str, Any]:
    return {"pageInfo": {"hasNextPage": more, "endCursor": cursor}, "nodes": nodes}


def make_comment(number: int, index: int, login: str = "bob") -> dict[str, Any]:
    return {
        "fullDatabaseId": str(2_448_000_000 + number * 1000 + index),
        "author": user(login),
        "body": f"update {index}",
        "createdAt": "2026-11-23T10:20:00Z",
        "updatedAt": "2026-11-23T10:20:00Z",
    }


def make_node(number: int, comments: int = 0, **overrides: Any) -> dict[str, Any]:
    """An `IssueSnapshot` node: the recorded-shape fixture issue, renumbered and overridden."""
    node: dict[str, Any] = copy.deepcopy(
        graphql_fixture("issue.json")["data"]["repository"]["issue"]
    )
    node["number"] = number
    node["title"] = f"[Incident] Outage {number}"
    if comments:
        node["comments"] = page([make_comment(number, i) for i in range(comments)], cursor="c100")
    node.update(overrides)
    return node


def sent(call: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(call.request.body)
    return body


def graphql_calls(mock: responses.RequestsMock) -> list[dict[str, Any]]:
    return [sent(c) for c in mock.calls if c.request.url == GRAPHQL]


Answer = Callable[[dict[str, Any]], dict[str, Any]]


def serve(mock: responses.RequestsMock, answer: Answer) -> None:
    """Answer every GraphQL POST with `answer(request body)` as the JSON `data`."""

    def callback(request: Any) -> tuple[int, dict[str, str], str]:
        return (
            200,
            {"Content-Type": "application/json"},
            json.dumps(answer(json.loads(request.body))),
        )

    mock.add_callback(responses.POST, GRAPHQL, callback=callback)


def listing(nodes: list[dict[str, Any]]) -> Answer:
    """Serve `nodes` `first` a page to the listing queries, with opaque cursors (only their
    numbers when `full` is false)."""

    def answer(body: dict[str, Any]) -> dict[str, Any]:
        after = body["variables"]["after"]
        start = int(after.removeprefix("cursor:")) if after else 0
        chunk = nodes[start : start + body["variables"]["first"]]
        if not body["variables"]["full"]:
            chunk = [{"number": n["number"]} for n in chunk]
        end = start + len(chunk)
        more = end < len(nodes)
        issues = page(chunk, more=more, cursor=f"cursor:{end}" if chunk else None)
        return {"data": {"repository": {"issues": issues}}}

    return answer


@pytest.fixture
def github() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


# -- the queries and payloads follow GitHub's schema ------------------------------------------


@pytest.fixture(scope="module")
def schema() -> Any:
    graphql = pytest.importorskip("graphql")
    text = (GRAPHQL_FIXTURES / "schema.graphql").read_text(encoding="utf-8")
    return graphql.build_schema(text)


@pytest.mark.parametrize("name", sorted(QUERIES), ids=lambda n: f"{n} validates")
def test_every_query_validates_against_githubs_schema(schema: Any, name: str) -> None:
    from graphql import parse, validate

    assert [e.message for e in validate(schema, parse(QUERIES[name]))] == []


def test_the_schema_offers_no_order_for_edits_so_the_adapter_sorts_them(schema: Any) -> None:
    from graphql import parse, validate

    query = ISSUE_QUERY.replace(
        "userContentEdits(first: 100)",
        "userContentEdits(first: 100, orderBy: {field: CREATED_AT, direction: ASC})",
    )
    assert query != ISSUE_QUERY
    errors = [e.message for e in validate(schema, parse(query))]
    assert any("orderBy" in message for message in errors)


def test_the_recorded_answer_has_exactly_the_shape_the_query_asks_for(schema: Any) -> None:
    from graphql import execute, parse

    answer = graphql_fixture("issue.json")
    result = execute(
        schema,
        parse(ISSUE_QUERY),
        root_value=answer["data"],
        variable_values={"owner": "octo-org", "name": "ops", "number": 1},
    )
    assert result.errors is None
    assert result.data == answer["data"]


# -- one issue --------------------------------------------------------------------------------


def test_a_snapshot_reads_the_issue_its_comments_events_and_body_history_in_one_request(
    github: responses.RequestsMock,
) -> None:
    github.post(GRAPHQL, json=graphql_fixture("issue.json"))
    repo = connect("t0ken", "octo-org/ops", API)
    issue = repo.get_issue(1)
    assert issue.number == 1 and issue.author == "alice" and issue.state == "open"
    assert issue.labels == {"incident", "P1"} and issue.assignees == ("bob",)
    assert issue.created_at == at("10:00") and issue.closed_at is None
    assert [(c.id, c.author) for c in issue.comments] == [
        (2448113823, "github-actions[bot]"),  # GraphQL's "github-actions", spelt as REST does
        (2448120077, "bob"),
    ]
    assert issue.comments[1].first_line == "/ack"
    assert issue.comments[0].updated_at == datetime(2026, 11, 23, 10, 5, 30, tzinfo=UTC)
    assert [(e.kind, e.actor, e.label or e.assignee or e.subject) for e in issue.events] == [
        (EventKind.LABELED, "alice", "incident"),
        (EventKind.LABELED, "github-actions[bot]", "P2"),
        (EventKind.UNLABELED, "github-actions[bot]", "P2"),
        (EventKind.LABELED, "github-actions[bot]", "P1"),
        (EventKind.RENAMED, "alice", None),
        (EventKind.COMMENT_DELETED, "bob", "carol"),  # bob deleted carol's comment
        (EventKind.ASSIGNED, "bob", "bob"),
    ]
    renamed = issue.events[4]
    assert (renamed.before, renamed.after) == ("[Incident] Payments down", issue.title)
    assert [(r.at, r.author, r.body.split("\n")[2][:2]) for r in issue.revisions] == [
        (at("10:00"), "alice", "P2"),
        (at("10:05"), "alice", "P1"),
    ]
    assert issue.revisions[-1].body == issue.body
    assert len(github.calls) == 1
    request = github.calls[0].request
    assert request.method == "POST" and request.headers["Authorization"] == "token t0ken"
    assert sent(github.calls[0]) == {
        "query": ISSUE_QUERY,
        "variables": {"owner": "octo-org", "name": "ops", "number": 1},
    }


def test_github_enterprise_server_reads_from_its_own_graphql_endpoint(
    github: responses.RequestsMock,
) -> None:
    github.post("https://ghe.example.com:443/api/graphql", json=graphql_fixture("issue.json"))
    repo = connect("t0ken", "octo-org/ops", "https://ghe.example.com/api/v3/")
    assert repo.get_issue(1).number == 1
    assert [c.request.url for c in github.calls] == ["https://ghe.example.com:443/api/graphql"]


def test_the_snapshot_translation_needs_no_github() -> None:
    node = graphql_fixture("issue.json")["data"]["repository"]["issue"]
    issue = snapshot(node)
    assert (issue.number, issue.author, issue.state) == (1, "alice", "open")
    assert [c.author for c in issue.comments] == ["github-actions[bot]", "bob"]
    assert issue.revisions == revisions(node) and issue.revisions[-1].body == issue.body


def test_the_next_page_is_asked_for_the_unfinished_connections_only() -> None:
    def page(cursor: str, more: bool, *items: str) -> dict[str, Any]:
        return {"pageInfo": {"hasNextPage": more, "endCursor": cursor}, "nodes": list(items)}

    node: dict[str, Any] = {
        "number": 7,
        "labels": page("l1", False, "a"),
        "comments": page("c1", True, "c"),
        "userContentEdits": page("e1", True, "e"),
    }
    cursors = unfinished(node)
    assert cursors == {"comments": "c1", "userContentEdits": "e1"}
    query, variables = pages_query([(7, cursors), (9, {"labels": "l9"})])
    assert variables == {
        "n0": 7,
        "comments0": "c1",
        "userContentEdits0": "e1",
        "n1": 9,
        "labels1": "l9",
    }
    assert "i0: issue(number: $n0)" in query and "i1: issue(number: $n1)" in query
    assert "labels(first: 100, after: $labels1)" in query and "labels0" not in query
    answer = {"comments": page("c2", True, "d"), "userContentEdits": page("e1", True, "f")}
    assert merge_pages(node, answer, cursors) == {"comments": "c2"}  # e1 again: stop
    assert node["comments"]["nodes"] == ["c", "d"] and node["userContentEdits"]["nodes"] == [
        "e",
        "f",
    ]


# -- body history ------------------------------------------------------------------------------


def edit(clock: str, text: str | None, by: str = "alice", deleted: bool = False) -> dict[str, Any]:
    return {
        "editedAt": f"2026-11-23T{clock}:00Z",
        "deletedAt": "2026-11-23T12:00:00Z" if deleted else None,
        "editor": user(by),
        "diff": None if deleted else text,
    }


def history(
    body: str, edits: list[dict[str, Any]], created_edit: bool = True, edited: str | None = None
) -> dict[str, Any]:
    if edited is not None:
        last: str | None = f"2026-11-23T{edited}:00Z"
    else:
        last = max((e["editedAt"] for e in edits), default=None)
    return {
        "body": body,
        "author": user("alice"),
        "createdAt": "2026-11-23T10:00:00Z",
        "lastEditedAt": last,
        "editor": user("carol") if last else None,
        "includesCreatedEdit": created_edit,
        "userContentEdits": page(list(reversed(edits))),  # GitHub lists the newest first
    }


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        (history("v1", []), [("10:00", "v1", "alice")]),
        (
            history("v3", [edit("10:00", "v1"), edit("10:05", "v2", "bob"), edit("10:09", "v3")]),
            [("10:00", "v1", "alice"), ("10:05", "v2", "bob"), ("10:09", "v3", "alice")],
        ),
        (
            history(
                "v3", [edit("10:00", "v1"), edit("10:05", None, deleted=True), edit("10:09", "v3")]
            ),
            [("10:00", "v1", "alice"), ("10:05", None, "alice"), ("10:09", "v3", "alice")],
        ),
        (
            history("v2", [edit("10:00", "v1"), edit("10:05", None, "bob", deleted=True)]),
            [("10:00", "v1", "alice"), ("10:05", "v2", "bob")],
        ),
        (
            history("v3", [edit("10:05", "v2", "bob"), edit("10:09", "v3")], created_edit=False),
            [("10:00", None, "alice"), ("10:05", "v2", "bob"), ("10:09", "v3", "alice")],
        ),
        (
            history("v1", [edit("10:00", None, deleted=True), edit("10:05", "v1", "bob")]),
            [("10:00", None, "alice"), ("10:05", "v1", "bob")],
        ),
        (
            history("v2", [], created_edit=False, edited="10:07"),
            [("10:00", None, "alice"), ("10:07", "v2", "carol")],
        ),
        (
            history(
                "v1",
                [
                    edit("10:00", "v1"),
                    edit("10:05", None, "bob", deleted=True),
                    edit("10:09", "v1"),
                ],
            ),
            [("10:00", "v1", "alice"), ("10:05", None, "bob"), ("10:09", "v1", "alice")],
        ),
        (
            history("a\r\nb", [edit("10:00", "v1"), edit("10:05", "a\nb", "bob")]),
            [("10:00", "v1", "alice"), ("10:05", "a\r\nb", "bob")],
        ),
        (
            history("v3", [edit("10:00", "v1"), edit("10:05", "v2", "bob")], edited="10:08"),
            [("10:00", "v1", "alice"), ("10:05", "v2", "bob"), ("10:08", "v3", "carol")],
        ),
    ],
    ids=[
        "a body never edited is its one revision, at opening, by the author",
        "edits listed newest first come out oldest first, the creation entry at opening",
        "a revision deleted from the history is a gap in place, with its editor and time",
        "a deleted newest revision is the current body",
        "without the creation entry the original is a gap at opening, not the first known edit",
        "a deleted creation entry is a gap at opening",
        "an edit with no readable history: a gap at opening, the body at the last edit",
        "a deleted revision between two equal texts is still a gap (a revert hides nothing)",
        "line endings alone do not make a new revision, and the current body is kept exactly",
        "a current body newer than the last readable edit is added at the last edit time",
    ],
)
def test_body_revisions_come_from_the_edit_history(
    node: dict[str, Any], expected: list[tuple[str, str | None, str]]
) -> None:
    assert revisions(node) == tuple(
        BodyRevision(at=at(clock), body=body, author=by) for clock, body, by in expected
    )


# -- comment history ---------------------------------------------------------------------------


def comment_node(
    body: str,
    edits: list[dict[str, Any]] | None = None,
    editor: str | None = None,
    edited: str | None = None,
    created_edit: bool = True,
    author: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An IssueComment as the listing gives it; with `edits`, as COMMENT_EDITS_QUERY filled in."""
    node: dict[str, Any] = {
        "id": "IC_kwDOcomment",
        "fullDatabaseId": "2448000001",
        "author": author or user("bob"),
        "body": body,
        "createdAt": "2026-11-23T10:00:00Z",
        "updatedAt": f"2026-11-23T{edited or '10:00'}:00Z",
        "lastEditedAt": f"2026-11-23T{edited}:00Z" if edited else None,
        "editor": user(editor) if editor else None,
    }
    if edits is not None:
        node["includesCreatedEdit"] = created_edit
        node["userContentEdits"] = page(list(reversed(edits)))  # newest first
    return node


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        (comment_node("/ack"), []),
        (
            comment_node("/approve", editor="rita", edited="10:05"),
            [("10:00", "bob", None), ("10:05", "rita", "/approve")],
        ),
        (
            comment_node(
                "/approve",
                [
                    edit("10:00", "Is the snapshot tested?", "bob"),
                    edit("10:05", "/approve", "rita"),
                ],
                editor="rita",
                edited="10:05",
            ),
            [("10:00", "bob", "Is the snapshot tested?"), ("10:05", "rita", "/approve")],
        ),
        (
            comment_node(
                "thanks",
                [
                    edit("10:00", "/reject not tested", "bob"),
                    edit("10:04", None, "rita", deleted=True),
                    edit("10:05", "thanks", "rita"),
                ],
                editor="rita",
                edited="10:05",
            ),
            [
                ("10:00", "bob", "/reject not tested"),
                ("10:04", "rita", None),
                ("10:05", "rita", "thanks"),
            ],
        ),
        (
            comment_node(
                "/ack",
                [edit("10:05", "/ack", "bob")],
                editor="bob",
                edited="10:05",
                created_edit=False,
            ),
            [("10:00", "bob", None), ("10:05", "bob", "/ack")],
        ),
        (
            comment_node("/ack", [], edited="10:05"),
            [("10:00", "bob", None), ("10:05", "ghost", "/ack")],
        ),
    ],
    ids=[
        "a comment never edited has no revisions: its author wrote it",
        "history not read: a gap, then the current text by the last editor",
        "the history says who wrote which version, the creation entry by the author",
        "a revision deleted from a comment's history is a gap in place",
        "without the creation entry the text as created is a gap",
        "an editor GitHub no longer knows is ghost",
    ],
)
def test_comment_revisions_say_who_wrote_each_version(
    node: dict[str, Any], expected: list[tuple[str, str, str | None]]
) -> None:
    comment = snapshot({"number": 1, "comments": page([node])}).comments[0]
    assert comment.revisions == tuple(
        CommentRevision(at(clock), by, body) for clock, by, body in expected
    )


@pytest.mark.parametrize(
    ("node", "wanted"),
    [
        (comment_node("/ack"), False),
        (comment_node("looking into it, the logs", editor="bob", edited="10:05"), False),
        (comment_node("/ack", editor="bob", edited="10:05"), True),
        (comment_node("  \n/approve", editor="BOB", edited="10:05"), True),
        (comment_node("looking into it", editor="carol", edited="10:05"), True),
        (comment_node("status", editor=None, edited="10:05"), True),
        (
            comment_node(
                "<!-- dutydesk:incident.status -->",
                author={"__typename": "Bot", "login": "github-actions"},
                edited="10:05",
            )
            | {"editor": {"__typename": "Bot", "login": "github-actions"}},
            False,
        ),
        (comment_node("/ack", [], editor="carol", edited="10:05"), False),
    ],
    ids=[
        "never edited",
        "its author's own edit, not a command",
        "its author's edit into a command: dated from the edit history",
        "a command after blank lines, the editor's login in another case",
        "edited by someone else",
        "an editor GitHub no longer knows",
        "the bot's edit of its own comment costs nothing",
        "already read",
    ],
)
def test_only_the_histories_that_can_matter_are_read(node: dict[str, Any], wanted: bool) -> None:
    assert wants_history(node) is wanted


def test_edit_histories_are_read_after_the_listing_100_comments_a_request(
    github: responses.RequestsMock,
) -> None:
    """Each comment with a history that matters, across all the issues listed, in batches of
    100 by node id; a comment with more than 100 edits gets the older ones on its own."""
    by_carol = [
        comment_node("/approve", editor="carol", edited="10:05") | {"id": f"IC_{n}_{i}"}
        for n in range(1, 4)
        for i in range(60)
    ]
    quiet = comment_node("thanks", editor="bob", edited="10:05") | {"id": "IC_quiet"}
    nodes = [
        make_node(n) | {"comments": page([*by_carol[(n - 1) * 60 : n * 60], quiet])}
        for n in range(1, 4)
    ]
    busy = "IC_1_0"

    def history_of(node_id: str, after: str | None) -> dict[str, Any]:
        if node_id == busy and after is None:
            newest = [edit("10:05", "/approve", "carol")] + [
                edit("10:04", f"draft {i}", "carol") for i in range(99)
            ]
            return {
                "id": node_id,
                "includesCreatedEdit": True,
                "userContentEdits": page(newest, True, "e100"),
            }
        if node_id == busy:
            return {
                "id": node_id,
                "includesCreatedEdit": True,
                "userContentEdits": page([edit("10:00", "Is it tested?", "bob")], False, "e101"),
            }
        edits = [edit("10:05", "/approve", "carol"), edit("10:00", "Is it tested?", "bob")]
        return {"id": node_id, "includesCreatedEdit": True, "userContentEdits": page(edits)}

    def answer(body: dict[str, Any]) -> dict[str, Any]:
        if body["query"] == OPEN_ISSUES_QUERY:
            return listing(nodes)(body)
        variables = body["variables"]
        assert set(variables) == {"ids", "after"}  # no repository: nodes by id
        return {"data": {"nodes": [history_of(i, variables["after"]) for i in variables["ids"]]}}

    serve(github, answer)
    repo = connect("t0ken", "octo-org/ops", API)
    issues = repo.open_issues(["incident"])
    bodies = graphql_calls(github)
    assert [b["query"] for b in bodies] == [OPEN_ISSUES_QUERY] + [COMMENT_EDITS_QUERY] * 3
    assert [len(b["variables"]["ids"]) for b in bodies[1:]] == [100, 80, 1]
    assert "IC_quiet" not in {i for b in bodies[1:] for i in b["variables"]["ids"]}
    assert bodies[3]["variables"] == {"ids": [busy], "after": "e100"}
    first = issues[0].comments[0]
    assert len(first.revisions) == 101 and first.revisions[0] == CommentRevision(
        at("10:00"), "bob", "Is it tested?"
    )
    assert [(r.editor, r.body) for r in issues[2].comments[5].revisions] == [
        ("bob", "Is it tested?"),
        ("carol", "/approve"),
    ]
    assert [(r.editor, r.body) for r in issues[2].comments[-1].revisions] == [
        ("bob", None),
        ("bob", "thanks"),
    ]


def test_a_comment_deleted_since_the_listing_keeps_what_the_listing_said(
    github: responses.RequestsMock,
) -> None:
    gone = comment_node("/approve", editor="carol", edited="10:05") | {"id": "IC_gone"}

    def answer(body: dict[str, Any]) -> dict[str, Any]:
        if body["query"] == ISSUE_QUERY:
            return {"data": {"repository": {"issue": make_node(1) | {"comments": page([gone])}}}}
        return {
            "data": {"nodes": [None]},
            "errors": [{"type": "NOT_FOUND", "path": ["nodes", 0], "message": "Could not resolve"}],
        }

    serve(github, answer)
    comment = connect("t0ken", "octo-org/ops", API).get_issue(1).comments[0]
    assert [(r.editor, r.body) for r in comment.revisions] == [("bob", None), ("carol", "/approve")]


# -- the sweep's listing ------------------------------------------------------------------------


def test_open_issues_is_one_listing_of_100_a_page_whatever_the_comments(
    github: responses.RequestsMock, pauses: list[float]
) -> None:
    nodes = [make_node(n, comments=100) for n in range(1, 251)]
    serve(github, listing(nodes))
    repo = connect("t0ken", "octo-org/ops", API)
    issues = repo.open_issues(["incident", "change-request"])
    assert [i.number for i in issues] == list(range(1, 251))
    assert all(len(i.comments) == 100 and len(i.revisions) == 2 for i in issues)
    bodies = graphql_calls(github)
    assert len(github.calls) == math.ceil(250 / 100) == 3
    assert [b["query"] for b in bodies] == [OPEN_ISSUES_QUERY] * 3
    assert [b["variables"] for b in bodies] == [
        {
            "owner": "octo-org",
            "name": "ops",
            "labels": ["incident", "change-request"],
            "after": a,
            "first": 100,
            "full": True,
        }
        for a in (None, "cursor:100", "cursor:200")
    ]
    assert pauses == []  # GraphQL queries are POSTs, but reads: no write pause between pages


def test_labels_select_issues_with_any_of_them_and_nothing_else(
    github: responses.RequestsMock,
) -> None:
    names = ["incident"], ["change-request", "P1"], ["question"], ["Incident"]
    nodes = [
        make_node(n, labels=page([{"name": name} for name in ns]))
        for n, ns in enumerate(names, start=1)
    ]
    serve(github, listing(nodes))
    repo = connect("t0ken", "octo-org/ops", API)
    assert [i.number for i in repo.open_issues(["incident", "change-request"])] == [1, 2, 4]
    assert len(repo.open_issues([])) == 4
    assert graphql_calls(github)[1]["variables"]["labels"] is None


def test_an_issue_with_more_than_a_page_gets_follow_ups_for_itself_only(
    github: responses.RequestsMock,
) -> None:
    busy = make_node(
        2,
        comments=100,
        userContentEdits={
            "pageInfo": {"hasNextPage": True, "endCursor": "e100"},
            "nodes": [edit("11:00", make_node(2)["body"], "bob")]
            + [edit(f"10:{m:02d}", f"draft {m}") for m in range(59, 0, -1)],
        },
    )
    busy["comments"]["pageInfo"] = {"hasNextPage": True, "endCursor": "c100"}
    follow_ups = iter(
        [
            {
                "comments": page([make_comment(2, i) for i in range(100, 200)], True, "c200"),
                "userContentEdits": page([edit("10:00", "original")], False, "e101"),
            },
            {"comments": page([make_comment(2, i) for i in range(200, 250)], False, "c250")},
        ]
    )

    def answer(body: dict[str, Any]) -> dict[str, Any]:
        if body["query"] == OPEN_ISSUES_QUERY:
            return {"data": {"repository": {"issues": page([make_node(1), busy, make_node(3)])}}}
        return {"data": {"repository": {"i0": next(follow_ups)}}}

    serve(github, answer)
    repo = connect("t0ken", "octo-org/ops", API)
    issues = {i.number: i for i in repo.open_issues(["incident"])}
    assert len(issues[2].comments) == 250 and len(issues[1].comments) == 2
    assert [c.id for c in issues[2].comments] == [2_448_002_000 + i for i in range(250)]
    assert [r.body for r in issues[2].revisions[:2]] == ["original", "draft 1"]
    assert issues[2].revisions[0].at == at("10:00") and len(issues[2].revisions) == 61
    bodies = graphql_calls(github)
    assert bodies[0]["query"] == OPEN_ISSUES_QUERY
    first = pages_query([(2, {"comments": "c100", "userContentEdits": "e100"})])
    second = pages_query([(2, {"comments": "c200"})])
    assert bodies[1:] == [
        {"query": query, "variables": {"owner": "octo-org", "name": "ops", **variables}}
        for query, variables in (first, second)
    ]


def test_follow_ups_for_several_issues_go_together_up_to_100_pages_a_request() -> None:
    pending = {n: {"comments": "c", "timelineItems": "t"} for n in range(1, 121)}
    sizes = [[number for number, _ in batch] for batch in batches(pending)]
    assert [len(numbers) for numbers in sizes] == [50, 50, 20]
    assert sizes[0][0] == 1 and sizes[2][-1] == 120
    assert [len(b) for b in batches({n: {"comments": "c"} for n in range(250)})] == [100, 100, 50]


def test_the_register_lists_open_and_closed_issues_updated_since_a_moment(
    github: responses.RequestsMock,
) -> None:
    closed = make_node(4, state="CLOSED", closedAt="2026-11-24T09:00:00Z", timelineItems=page([]))
    serve(github, listing([make_node(3), closed]))
    repo = connect("t0ken", "octo-org/ops", API)
    since = datetime(2026, 11, 1, tzinfo=UTC)
    found = repo.issues_since("incident", since)
    assert [(i.number, i.state, i.closed_at) for i in found] == [
        (3, "open", None),
        (4, "closed", datetime(2026, 11, 24, 9, tzinfo=UTC)),
    ]
    assert graphql_calls(github) == [
        {
            "query": ISSUES_SINCE_QUERY,
            "variables": {
                "owner": "octo-org",
                "name": "ops",
                "labels": ["incident"],
                "since": "2026-11-01T00:00:00Z",
                "states": None,
                "after": None,
                "first": 100,
                "full": True,
            },
        }
    ]


def test_a_sweep_of_250_open_incidents_reads_within_its_budget(
    github: responses.RequestsMock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The budget: ceil(N/100) + 3 reads for N open items with up to 100 comments each."""
    from dutydesk.cli import cli
    from dutydesk.forms import load_template, render_body

    template = load_template(ROOT / ".github/ISSUE_TEMPLATE/incident.yml")
    body = render_body(template, {"priority": P1, "service": "Payments"})
    untouched = {"userContentEdits": page([]), "includesCreatedEdit": False, "lastEditedAt": None}
    nodes = [make_node(n, comments=100, body=body, **untouched) for n in range(1, 251)]
    serve(github, listing(nodes))
    github.get(f"{REPO}/collaborators", json=fixture("collaborators.json"))
    github.get(f"{HOST}/orgs/example-org/teams/platform-team/members", json=[])
    monkeypatch.chdir(ROOT)
    for name in ("GITHUB_ACTIONS", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_EVENT_PATH"):
        monkeypatch.delenv(name, raising=False)
    env = {"GITHUB_TOKEN": "t0ken", "GITHUB_REPOSITORY": "octo-org/ops", "GITHUB_API_URL": API}
    result = CliRunner().invoke(
        cli, ["sweep", "--dry-run", "--now", "2026-11-23T10:30:00+00:00"], env=env
    )
    assert result.exit_code == 0, result.output
    assert "swept 250 open item(s), 0 failed" in result.output
    reads = [(c.request.method, c.request.url.split("?")[0]) for c in github.calls]
    assert len(reads) <= math.ceil(250 / 100) + 3
    assert sorted(reads) == sorted(
        [("POST", GRAPHQL)] * 3
        + [
            ("GET", f"{REPO}/collaborators"),
            ("GET", f"{HOST}/orgs/example-org/teams/platform-team/members"),
        ]
    )
    assert all("per_page=100" in c.request.url for c in github.calls if c.request.method == "GET")


# -- errors ---------------------------------------------------------------------------------


def test_a_graphql_error_names_the_issue_and_the_message_without_the_token(
    github: responses.RequestsMock,
) -> None:
    github.post(GRAPHQL, json=graphql_fixture("not-found.json"))
    repo = connect("s3cret-token", "octo-org/ops", API)
    with pytest.raises(GitHubError) as caught:
        repo.get_issue(9)
    message = str(caught.value)
    assert message == (
        "reading issue #9: Could not resolve to an Issue with the number of 9. (NOT_FOUND)"
    )
    assert "s3cret-token" not in message


def test_an_error_inside_a_listing_names_the_issue_it_concerns(
    github: responses.RequestsMock,
) -> None:
    nodes = [make_node(1), make_node(7)]
    nodes[1]["comments"] = None
    error = {
        "type": "SERVICE_UNAVAILABLE",
        "path": ["repository", "issues", "nodes", 1, "comments"],
        "locations": [{"line": 30, "column": 3}],
        "message": "Something went wrong while executing your query.",
    }
    payload = {"data": {"repository": {"issues": page(nodes)}}, "errors": [error]}
    github.post(GRAPHQL, json=payload)
    repo = connect("s3cret-token", "octo-org/ops", API)
    with pytest.raises(PartialListing) as caught:
        repo.open_issues(["incident"])
    # The same answer to every smaller page, and even to a page of numbers: nothing is read.
    assert caught.value.issues == [] and [u.sentence() for u in caught.value.unread] == [
        "every item could not be read: listing open issues: issue #7: Something went wrong "
        "while executing your query. (SERVICE_UNAVAILABLE)"
    ]
    assert str(caught.value).startswith("listing open issues: every item could not be read (")
    assert "s3cret-token" not in str(caught.value)


def test_an_http_failure_says_what_failed_without_the_token(
    github: responses.RequestsMock,
) -> None:
    github.post(GRAPHQL, json={"message": "Bad credentials"}, status=401)
    repo = connect("s3cret-token", "octo-org/ops", API)
    with pytest.raises(GitHubError) as caught:
        repo.get_issue(9)
    assert str(caught.value) == "reading issue #9: GitHub answered 401: Bad credentials"
    assert "s3cret-token" not in str(caught.value)


def test_a_timed_out_query_is_tried_again(github: responses.RequestsMock) -> None:
    github.post(GRAPHQL, json={"message": "Server Error"}, status=502)
    github.post(GRAPHQL, json=graphql_fixture("issue.json"))
    repo = connect("t0ken", "octo-org/ops", API)
    assert repo.get_issue(1).number == 1
    assert len(github.calls) == 2


# -- writes and access (REST) -------------------------------------------------------------------


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The pauses PyGithub makes between requests, recorded instead of slept."""
    import github.Requester

    slept: list[float] = []
    monkeypatch.setattr(github.Requester.time, "sleep", slept.append)
    return slept


def test_writes_send_the_documented_requests_a_second_apart(
    github: responses.RequestsMock, pauses: list[float]
) -> None:
    github.post(f"{REPO}/issues/1/labels", json=[], status=200)
    github.post(f"{REPO}/issues/1/comments", json=fixture("comments.json")[1], status=201)
    github.patch(f"{REPO}/issues/comments/1002", json=fixture("comments.json")[1])
    github.delete(f"{REPO}/issues/1/labels/needs-triage", json=[])
    repo = connect("t0ken", "octo-org/ops", API)
    repo.add_labels(1, ["P1", "sla-missed"])
    repo.create_comment(1, "<!-- dutydesk:k -->\nhello")
    repo.update_comment(1, 1002, "<!-- dutydesk:k -->\nedited")
    repo.remove_label(1, "needs-triage")
    requests = [(c.request.method, c.request.url) for c in github.calls]
    assert requests == [
        ("POST", f"{REPO}/issues/1/labels"),
        ("POST", f"{REPO}/issues/1/comments"),
        ("PATCH", f"{REPO}/issues/comments/1002"),
        ("DELETE", f"{REPO}/issues/1/labels/needs-triage"),
    ]
    bodies = [json.loads(c.request.body) if c.request.body else None for c in github.calls]
    assert bodies[0] == {"labels": ["P1", "sla-missed"]}
    assert bodies[1] == {"body": "<!-- dutydesk:k -->\nhello"}
    assert bodies[2] == {"body": "<!-- dutydesk:k -->\nedited"}
    assert len(pauses) == 3 and all(0.9 < p <= 1.0 for p in pauses)


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
    assert "per_page=100" in github.calls[0].request.url


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


def test_a_comment_answered_502_but_made_is_not_posted_again(
    github: responses.RequestsMock,
) -> None:
    body = "<!-- dutydesk:k -->\nhello"
    made = {**fixture("comments.json")[1], "body": body}
    posted = github.post(f"{REPO}/issues/1/comments", status=502, body="<html>Bad gateway</html>")
    github.get(f"{REPO}/issues/1/comments", json=[made])
    connect("t0ken", "octo-org/ops", API).create_comment(1, body)
    assert posted.call_count == 1  # GitHub had made it: found, not posted twice


def test_a_comment_answered_502_and_not_made_is_posted_again(
    github: responses.RequestsMock,
) -> None:
    body = "<!-- dutydesk:k -->\nhello"
    posted = github.post(f"{REPO}/issues/1/comments", status=502, body="<html>Bad gateway</html>")
    github.get(f"{REPO}/issues/1/comments", json=[])
    repo = connect("t0ken", "octo-org/ops", API)
    repo.repo.requester._Requester__seconds_between_writes = 0  # type: ignore[attr-defined]
    from dutydesk.errors import GitHubError as Failure

    with pytest.raises(Failure, match="502"):
        repo.create_comment(1, body)
    assert posted.call_count == 3  # tried, looked, tried again: never two comments


def test_removing_a_label_that_is_already_gone_is_done(github: responses.RequestsMock) -> None:
    github.delete(
        f"{REPO}/issues/1/labels/needs-triage", status=404, json={"message": "Label does not exist"}
    )
    connect("t0ken", "octo-org/ops", API).remove_label(1, "needs-triage")
