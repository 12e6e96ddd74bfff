"""A listing read in another thread, each issue handed over as soon as it is read whole.

A sweep spends most of its time waiting for GitHub's pages, and then works on what they held.
Here the listing runs in a thread of its own while the caller reconciles the issues that have
come, so that the waiting and the work overlap: a page of 100 issues is being fetched while the
last one's are planned. An issue is handed over when its listing page has all of it (no
unfinished connection, no comment whose edit history must be read); the others wait for the
follow-up reads, made after the listing as before, and come last. Only the thread makes
requests: the caller's work must be pure (planning), not more reads.

What could not be read is raised at the end, as `PartialListing` with no issues (they were all
handed over already) and the unread ones.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from dutydesk.io.github_snapshot import (
    PartialListing,
    Reading,
    carries,
    edited_comments,
    snapshot,
)
from dutydesk.model import Issue

__all__ = ["stream_listing"]

_DONE = object()


def stream_listing(
    what: str,
    listing: Callable[[Reading], None],
    follow_ups: Callable[[Reading], None],
    labels: Iterable[str],
    *,
    unfinished: Callable[[dict[str, Any]], Any],
) -> Iterator[Issue]:
    """The issues of `listing(reading)` (run in a thread) carrying one of `labels` (all when
    none), each as soon as it is whole; then those `follow_ups(reading)` completes. The
    listing starts at once, not at the first issue asked for: the caller can get ready (read
    who may act, import its rules) while GitHub answers the first page."""
    arrived: queue.SimpleQueue[Any] = queue.SimpleQueue()
    reading = Reading(heard=arrived.put)
    failure: list[BaseException] = []

    def work() -> None:
        try:
            listing(reading)
        except BaseException as exc:  # raised again in the caller's thread
            failure.append(exc)
        finally:
            arrived.put(_DONE)

    thread = threading.Thread(target=work, name="dutydesk-listing", daemon=True)
    thread.start()
    return _handed(
        what, arrived, _Listed(thread, failure, reading, follow_ups), list(labels), unfinished
    )


@dataclass(frozen=True)
class _Listed:
    """The listing's thread, what stopped it, what it read, and how to finish it."""

    thread: threading.Thread
    failure: list[BaseException]
    reading: Reading
    follow_ups: Callable[[Reading], None]


def _handed(
    what: str,
    arrived: queue.SimpleQueue[Any],
    listed: _Listed,
    wanted: list[str],
    unfinished: Callable[[dict[str, Any]], Any],
) -> Iterator[Issue]:
    waiting: set[int] = set()
    handed: set[int] = set()  # an issue listed twice (the listing went on) is handed over once
    while (node := arrived.get()) is not _DONE:
        number = int(node["number"])
        if number in handed:
            continue
        if unfinished(node) or edited_comments([node]):
            waiting.add(number)
            continue
        handed.add(number)
        yield from _wanted(snapshot(node), wanted)
    listed.thread.join()
    if listed.failure:
        raise listed.failure[0]
    reading = listed.reading
    listed.follow_ups(reading)
    for number in sorted(waiting - handed):
        if number in reading.found:
            yield from _wanted(snapshot(reading.found[number]), wanted)
    if reading.unread:
        raise PartialListing(what, (), reading.unread)


def _wanted(issue: Issue, labels: list[str]) -> Iterator[Issue]:
    if not labels or carries(issue, labels):
        yield issue
