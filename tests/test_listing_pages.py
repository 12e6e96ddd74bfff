"""Listing open items against the local GitHub: a page that cannot be read is not the whole
listing, and long threads cost a few batched reads (issue 13).

The adapter is dutydesk's own `connect()` against `e2e.server`, with no backoff between its
transport's retries (`client_settings`), so that a page that keeps failing fails at once. A
persistent read fault (`FaultInjector(failing_reads=...)`) answers GitHub's 502 page to every
GraphQL query whose answer would hold the issues named, as a heavy issue can make GitHub's
GraphQL run past its time limit.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dutydesk.io.github import GitHubRepository, PartialListing, connect
from dutydesk.io.github_snapshot import Unread
from e2e.faults import FaultInjector, client_settings, holding
from e2e.server import TOKEN, GitHubServer
from e2e.state import RepoState

NOW = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
TRIES = 6  # a query GitHub answers 502 is sent this often (GithubRetry(total=5))


def repository(items: int, comments: int = 1, events: int = 0) -> RepoState:
    """`items` open incidents, each with `comments` comments and `events` label changes."""
    state = RepoState(clock=lambda: NOW)
    for index in range(items):
        opened = NOW - timedelta(days=3) + timedelta(minutes=index)  # listed in number order
        issue = state.open_issue("alice", f"[Incident] {index}", "Down.", ["incident"], at=opened)
        for k in range(comments):
            state.comment("bob", issue.number, f"note {k}", at=opened + timedelta(seconds=k))
        for k in range(events):
            state.add_labels("bob", issue.number, [f"tag-{k}"], opened + timedelta(seconds=k))
    return state


@pytest.fixture
def serve() -> Iterator[Any]:
    servers: list[GitHubServer] = []

    def start(state: RepoState, faults: FaultInjector | None = None) -> GitHubServer:
        server = GitHubServer(state).start()
        if faults is not None:
            faults.attach(server)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
        assert server.problems() == []


def adapter(server: GitHubServer) -> GitHubRepository:
    with client_settings(timeout=5, backoff_factor=0):
        return connect(TOKEN, "example-org/ops", server.url)


def read_failing(server: GitHubServer) -> PartialListing:
    with pytest.raises(PartialListing) as caught:
        adapter(server).open_issues(["incident"])
    return caught.value


# -- one bad page -----------------------------------------------------------------------------


def test_an_issue_that_cannot_be_read_is_named_and_every_other_is_read(serve: Any) -> None:
    faults = FaultInjector(rate=0, failing_reads=holding([137]))
    server = serve(repository(250), faults)
    mark = server.mark()
    partial = read_failing(server)
    assert [i.number for i in partial.issues] == [n for n in range(1, 251) if n != 137]
    assert [(u.number, u.after) for u in partial.unread] == [(137, None)]
    assert "502" in partial.unread[0].problem
    assert str(partial).startswith("listing open issues: #137 could not be read (")
    # 3 pages; the failed one again in fifths, the failed fifth in fifths, and so down to
    # the one issue, whose number alone is read: 18 queries. The 4 that failed (100, 20, 4
    # and 1 issues) were each sent 6 times: the transport retries a 502 five times. The first
    # was sent once more before those: on the quick path (github_quick), which leaves every
    # later read of the run to PyGithub's transport once it has met a failure.
    assert len(faults.injected) == 4 * TRIES + 1
    assert server.counts(since=mark).reads == 18 + 4 * (TRIES - 1) + 1


def test_several_bad_issues_are_each_skipped(serve: Any) -> None:
    server = serve(repository(120), FaultInjector(rate=0, failing_reads=holding([3, 60, 118])))
    partial = read_failing(server)
    assert [u.number for u in partial.unread] == [3, 60, 118]
    assert len(partial.issues) == 117


def test_an_issue_whose_number_cannot_be_read_either_ends_the_listing_there(
    serve: Any,
) -> None:
    faults = FaultInjector(rate=0, failing_reads=holding([42], full=False))
    partial = read_failing(serve(repository(150), faults))
    assert [i.number for i in partial.issues] == list(range(1, 42))
    assert partial.unread == (Unread(None, 41, partial.unread[0].problem),)
    assert partial.unread[0].sentence().startswith("the items after #41 could not be read: ")


def test_when_every_read_fails_the_listing_gives_up_quickly(serve: Any) -> None:
    faults = FaultInjector(rate=0, failing_reads=lambda answer: True)
    server = serve(repository(30), faults)
    partial = read_failing(server)
    assert partial.issues == [] and [u.name() for u in partial.unread] == ["every item"]
    # pages of 100, 20, 4 and 1 issues, and a page of one number; and the quick try first
    assert len(faults.injected) == 5 * TRIES + 1


def test_when_full_reads_keep_failing_the_rest_is_named_without_trying_each(serve: Any) -> None:
    """Three single issues failing in a row: the rest of the listing is read by number only."""
    faults = FaultInjector(rate=0, failing_reads=holding(list(range(20, 400))))
    server = serve(repository(300), faults)
    mark = server.mark()
    partial = read_failing(server)
    assert [i.number for i in partial.issues] == list(range(1, 20))
    assert [u.number for u in partial.unread] == list(range(20, 301))
    queries = server.counts(since=mark).reads - len(faults.injected) * (TRIES - 1) // TRIES
    assert queries <= 25  # not one or two per issue for 281 issues


def test_a_follow_up_that_fails_loses_its_issue_only(serve: Any) -> None:
    state = repository(6, comments=130)
    unreadable = state.issues[4].comments[120]  # on the second page of #4's comments

    def second_page_of_4(answer: Any) -> bool:
        return f'"fullDatabaseId": "{unreadable}"' in repr(answer).replace("'", '"')

    partial = read_failing(serve(state, FaultInjector(rate=0, failing_reads=second_page_of_4)))
    assert [u.number for u in partial.unread] == [4]
    assert [(i.number, len(i.comments)) for i in partial.issues] == [
        (n, 130) for n in (1, 2, 3, 5, 6)
    ]


def test_a_comment_history_that_cannot_be_read_loses_its_issue_only(serve: Any) -> None:
    state = repository(5, comments=2)
    state.add_collaborator("carol")
    edited = state.issues[2].comments[1]
    state.edit_comment(edited, "/ack", NOW - timedelta(hours=1), "carol")

    def history(answer: Any) -> bool:
        return "nodes" in (answer.get("data") or {})  # only the edit-history query asks nodes()

    partial = read_failing(serve(state, FaultInjector(rate=0, failing_reads=history)))
    assert [u.number for u in partial.unread] == [2]
    assert [i.number for i in partial.issues] == [1, 3, 4, 5]


def test_the_register_still_fails_whole(serve: Any) -> None:
    server = serve(repository(5), FaultInjector(rate=0, failing_reads=holding([2])))
    with pytest.raises(PartialListing) as caught:
        adapter(server).issues_since("incident", None)
    assert str(caught.value).startswith("listing issues for the register: #2 could not be read")


# -- long threads -----------------------------------------------------------------------------


def test_long_threads_are_read_in_a_few_batched_requests(serve: Any) -> None:
    """100 items with 500 comments each: the listing page and 4 follow-ups, not 401."""
    server = serve(repository(100, comments=500))
    mark = server.mark()
    issues = adapter(server).open_issues(["incident"])
    assert [len(i.comments) for i in issues] == [500] * 100
    assert [c.body for c in issues[7].comments] == [f"note {k}" for k in range(500)]
    counts = server.counts(since=mark)
    assert counts.reads == 5
    assert counts.graphql_points <= 30


def test_every_connection_that_pages_is_followed_up_together(serve: Any) -> None:
    """Labels and timeline items past a page come in the same batched follow-ups."""
    server = serve(repository(3, comments=150, events=120))
    mark = server.mark()
    issues = adapter(server).open_issues(["incident"])
    assert [(len(i.comments), len(i.labels), len(i.events)) for i in issues] == [
        (150, 121, 121)
    ] * 3
    assert server.counts(since=mark).reads == 2
