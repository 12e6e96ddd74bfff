"""The sweep's listing is read in another thread, each issue handed over as soon as it is read
whole, so that planning overlaps the wait for the next page (issue 13, less time per sweep).

What is handed over must be exactly what `open_issues` reads: the same issues, the same
snapshots, the same partial-listing reports. Overlap is shown without timing anything: the
listing's second page is held until the caller has had an issue of the first.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import pytest

from dutydesk.io.github_queries import list_issues, unfinished
from dutydesk.io.github_snapshot import PartialListing, Reading
from dutydesk.io.github_stream import stream_listing
from e2e.faults import FaultInjector, holding
from test_listing_pages import NOW, adapter, repository, serve  # noqa: F401  (fixture)


def node(number: int, labels: tuple[str, ...] = ("incident",)) -> dict[str, Any]:
    """An issue as a listing page gives it, with nothing more to read."""
    at = "2026-11-23T10:00:00Z"
    return {
        "number": number,
        "title": f"[Incident] {number}",
        "body": "Down.",
        "author": {"login": "alice"},
        "state": "OPEN",
        "createdAt": at,
        "updatedAt": at,
        "labels": {
            "nodes": [{"name": name} for name in labels],
            "pageInfo": {"hasNextPage": False, "endCursor": None},
        },
    }


def pages_of(*pages: list[dict[str, Any]]) -> Any:
    """`fetch(after, first, full)` answering the pages in turn (cursors "1", "2", …)."""

    def fetch(after: str | None, first: int, full: bool) -> Mapping[str, Any]:
        k = int(after or 0)
        more = k + 1 < len(pages)
        return {"nodes": pages[k], "pageInfo": {"hasNextPage": more, "endCursor": str(k + 1)}}

    return fetch


def streamed(fetch: Any, labels: tuple[str, ...] = ()) -> Any:
    return stream_listing(
        "listing open issues",
        lambda reading: list_issues(fetch, reading),
        lambda reading: None,
        labels,
        unfinished=unfinished,
    )


def test_an_issue_is_handed_over_while_the_next_page_is_still_being_read() -> None:
    had_one = threading.Event()
    fetch_pages = pages_of([node(1), node(2)], [node(3)])

    def fetch(after: str | None, first: int, full: bool) -> Mapping[str, Any]:
        if after is not None:  # the second page waits until the caller has an issue
            assert had_one.wait(timeout=10), "nothing was handed over before the listing ended"
        return fetch_pages(after, first, full)

    numbers = []
    for issue in streamed(fetch):
        numbers.append(issue.number)
        had_one.set()
    assert numbers == [1, 2, 3]


def test_an_issue_listed_twice_is_handed_over_once() -> None:
    assert [i.number for i in streamed(pages_of([node(1), node(2)], [node(2), node(3)]))] == [
        1,
        2,
        3,
    ]


def test_only_issues_with_one_of_the_labels_are_handed_over() -> None:
    fetch = pages_of([node(1), node(2, ("change-request",)), node(3, ("question",))])
    assert [i.number for i in streamed(fetch, ("incident", "Change-Request"))] == [1, 2]


def test_a_failure_in_the_listings_thread_is_raised_in_the_callers() -> None:
    def fetch(after: str | None, first: int, full: bool) -> Mapping[str, Any]:
        if after is not None:
            raise KeyError("a bug, not GitHub")
        return pages_of([node(1)], [node(2)])(after, first, full)

    got = []
    with pytest.raises(KeyError, match="a bug"):
        for issue in streamed(fetch):
            got.append(issue.number)
    assert got == [1]


def test_issues_that_need_more_reads_come_last_and_whole(serve: Any) -> None:  # noqa: F811
    """Long threads and histories to read: those issues wait for the follow-ups."""
    state = repository(30, comments=2)
    for number in (4, 17):
        for k in range(150):
            state.comment("bob", number, f"more {k}", at=NOW - timedelta(hours=1, seconds=k))
    state.add_collaborator("carol")
    state.edit_comment(state.issues[9].comments[1], "/ack", NOW - timedelta(minutes=30), "carol")
    server = serve(state)
    streamed_issues = list(adapter(server).each_open_issue(["incident"]))
    numbers = [i.number for i in streamed_issues]
    assert numbers[-3:] == [4, 9, 17] and sorted(numbers) == list(range(1, 31))
    assert sorted(streamed_issues, key=lambda i: i.number) == adapter(server).open_issues(
        ["incident"]
    )
    assert len(next(i for i in streamed_issues if i.number == 4).comments) == 152
    edited = next(i for i in streamed_issues if i.number == 9).comments[1]
    assert edited.written_by == "carol", "its edit history was read before it was handed over"


def test_what_cannot_be_read_is_raised_at_the_end_after_the_rest(serve: Any) -> None:  # noqa: F811
    server = serve(repository(250), FaultInjector(rate=0, failing_reads=holding([137])))
    got = []
    with pytest.raises(PartialListing) as caught:
        for issue in adapter(server).each_open_issue(["incident"]):
            got.append(issue.number)
    assert got == [n for n in range(1, 251) if n != 137]
    assert caught.value.issues == [] and [u.number for u in caught.value.unread] == [137]


def test_the_reading_tells_of_each_issue_it_lists() -> None:
    heard: list[int] = []
    reading = Reading(heard=lambda found: heard.append(found["number"]))
    list_issues(pages_of([node(5), node(6)], [node(7)]), reading)
    assert heard == [5, 6, 7] and sorted(reading.found) == [5, 6, 7]
