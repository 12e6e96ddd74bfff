"""Less CPU per item, the same decisions: each body read once, the latest update due time
computed (not walked to), comments rendered only when they are to be posted, and the sweep's
summary reusing the incident handler's reading.

Each shortcut is checked against the long way round it replaces; that the timelines do not
change is tests/test_golden.py's job.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from desk import (
    BOT,
    CHANGE,
    FORMS,
    HANDLERS,
    INCIDENT,
    MONDAY,
    OPENED,
    T1,
    T2,
    Desk,
    body,
    cases,
    context,
    london,
    make_issue,
)
from dutydesk import engine
from dutydesk.engine import Item, post_once, reconcile, view
from dutydesk.forms import parse_body
from dutydesk.forms.sections import fenced_lines, lines_of
from dutydesk.model import Comment
from dutydesk.registry import read_incident
from dutydesk.rules.incidents.clock import Span, count_dues, dues, dues_around
from dutydesk.time.calendar import BusinessCalendar
from dutydesk.time.durations import Duration

CALENDAR = BusinessCalendar.default_uk()

# -- the latest due time, computed ----------------------------------------------------------


def walked(
    anchor: datetime, every: Duration, closed: tuple[Span, ...], now: datetime
) -> tuple[datetime | None, datetime | None, datetime | None]:
    """The first due time, the latest by `now` and the next after it, walking every one."""
    first = latest = None
    for due in dues(CALENDAR, anchor, every, closed):
        first = first or due
        if due > now:
            return first, latest, due
        latest = due
    return first, latest, None


def spans(rng: random.Random, start: datetime) -> Iterator[Span]:
    """Up to three stretches closed after `start`, the last perhaps for good."""
    moment = start
    for index in range(rng.randrange(4)):
        closed_at = moment + timedelta(minutes=rng.randrange(0, 600))
        if index == 2 and rng.random() < 0.5:
            yield (closed_at, None)
            return
        reopened = closed_at + timedelta(minutes=rng.randrange(1, 900))
        yield (closed_at, reopened)
        moment = reopened


EVERY = [
    Duration.wall(timedelta(hours=1)),
    Duration.wall(timedelta(minutes=7)),
    Duration.wall(timedelta(hours=2)),
    Duration.office(timedelta(hours=3)),
    Duration.business_days(1),
    Duration.wall(timedelta(0)),
]


@pytest.mark.parametrize("seed", range(40))
def test_the_latest_due_time_computed_is_the_one_walked_to(seed: int) -> None:
    rng = random.Random(seed)
    anchor = london("2026-10-24 09:00") + timedelta(minutes=rng.randrange(0, 3000))
    closed = tuple(spans(rng, anchor - timedelta(hours=5)))
    for every in EVERY:
        for hours in (0, 1, 5, 30, 200):
            now = anchor + timedelta(hours=hours, minutes=rng.randrange(0, 60))
            assert dues_around(CALENDAR, anchor, every, closed, now) == walked(
                anchor, every, closed, now
            ), (every, closed, now)


ANCHOR = london("2026-11-23 10:00")


@pytest.mark.parametrize(
    ("anchor", "now", "closed"),
    cases(
        (ANCHOR, london("2026-11-23 13:00"), ()),  # now is a due time exactly
        (ANCHOR, london("2026-11-23 12:59"), ()),
        # closed exactly at a due time, reopened later: the due times go on from the reopening
        (
            ANCHOR,
            london("2026-11-24 10:00"),
            ((london("2026-11-23 12:00"), london("2026-11-23 15:30")),),
        ),
        # closed for good: nothing after
        (ANCHOR, london("2026-11-25 10:00"), ((london("2026-11-23 12:30"), None),)),
        # across the clocks going back (25 October 2026): wall time is counted in UTC
        (london("2026-10-24 20:00"), london("2026-10-25 09:00"), ()),
    ),
)
def test_the_latest_due_time_at_the_edges(
    anchor: datetime, now: datetime, closed: tuple[Span, ...]
) -> None:
    every = Duration.wall(timedelta(hours=1))
    got, want = (
        dues_around(CALENDAR, anchor, every, closed, now),
        walked(anchor, every, closed, now),
    )
    assert got == want
    assert [m.tzinfo for m in got if m] == [m.tzinfo for m in want if m]


def walked_count(
    anchor: datetime, every: Duration, closed: tuple[Span, ...], until: datetime, before: Any
) -> int:
    """The due times by `until` and before `before`, walking every one (the register's count
    as it was)."""
    found = 0
    for due in dues(CALENDAR, anchor, every, closed):
        if due > until or (before is not None and due >= before):
            break
        found += 1
    return found


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("github", [True, False], ids=["utc", "london"])
def test_the_missed_due_times_counted_are_those_walked(seed: int, github: bool) -> None:
    """As GitHub's moments (UTC: counted in steps) and as the policy's timezone's (walked)."""
    rng = random.Random(seed)
    anchor = london("2026-10-24 09:00") + timedelta(minutes=rng.randrange(0, 3000))
    closed = tuple(spans(rng, anchor - timedelta(hours=5)))
    if github:
        anchor = utc(anchor)
        closed = tuple((utc(a), utc(b) if b else None) for a, b in closed)
    for every in EVERY:
        for hours in (0, 1, 5, 30, 200):
            until = anchor + timedelta(hours=hours, minutes=rng.randrange(0, 60))
            step = every.amount if every.amount else timedelta(hours=1)
            # before: none, a due time exactly, a moment between due times, or after `until`
            for before in (None, anchor + 3 * step, until - timedelta(minutes=13), until + step):
                got = count_dues(CALENDAR, anchor, every, closed, until, before)
                want = walked_count(anchor, every, closed, until, before)
                assert got == want, (every, closed, until, before)


def test_a_late_sweep_plans_the_reminder_of_the_latest_due_time() -> None:
    desk = Desk(reacts=False, idempotent=False)
    desk.open(MONDAY, INCIDENT)
    desk.say(MONDAY + timedelta(minutes=5), "bob", "/ack")
    desk.run(MONDAY + timedelta(minutes=5))
    decision = desk.run(MONDAY + timedelta(days=3, minutes=30))  # 72 due times have passed
    reminders = [a.key for a in decision.actions if a.rule == "incident.update_reminder"]
    assert reminders == ["incident.update_reminder:2026-11-26T10:00:00Z"]
    assert decision.next_check == MONDAY + timedelta(days=3, hours=1)


# -- each body read once ----------------------------------------------------------------------


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The bodies parsed, in order, by the engine (`view` and `Item.answers_in`)."""
    seen: list[str] = []

    def counting(template: Any, text: str | None) -> dict[str, Any]:
        seen.append(text or "")
        return parse_body(template, text)

    monkeypatch.setattr(engine, "parse_body", counting)
    return seen


def test_an_edited_incident_reads_each_version_of_its_body_once(parsed: list[str]) -> None:
    first, second = body(INCIDENT, priority="P3"), body(INCIDENT, priority="P2")
    issue = make_issue(
        INCIDENT, priority="P3", edits=[(MONDAY + timedelta(minutes=3), {"priority": "P2"})]
    )
    assert issue.body == second
    reconcile(issue, context(MONDAY + timedelta(minutes=10)), HANDLERS)
    assert sorted(parsed) == sorted([first, second])


def test_a_change_request_reads_each_version_of_its_body_once(parsed: list[str]) -> None:
    desk = Desk(reacts=False, idempotent=False)
    desk.open(OPENED, CHANGE)
    desk.edit(T1, impact="Payments read-only for 10 minutes.")
    desk.edit(T2, impact="Payments unavailable for up to 30 minutes.")  # as it was opened
    issue = desk.issue()
    parsed.clear()
    reconcile(issue, context(T2), HANDLERS)
    assert len(issue.body_history()) == 3
    assert sorted(parsed) == sorted({r.body or "" for r in issue.body_history()})


def test_the_summary_takes_the_reading_the_plan_was_made_from(parsed: list[str]) -> None:
    issue = make_issue(INCIDENT, priority="P2")
    ctx = context(MONDAY + timedelta(minutes=10))
    reconcile(issue, ctx, HANDLERS)
    incident = read_incident(issue, ctx)
    assert incident is not None and incident is read_incident(issue, ctx)
    assert incident.item is view(issue, ctx, INCIDENT)
    assert parsed == [issue.body]  # planned and summarised, parsed once
    again = context(MONDAY + timedelta(minutes=10))  # another run: read afresh, the same facts
    fresh = read_incident(issue, again)
    assert fresh is not incident and fresh is not None
    assert (fresh.periods, fresh.ack, fresh.updates) == (
        incident.periods,
        incident.ack,
        incident.updates,
    )
    assert parsed == [issue.body, issue.body]


def test_a_reading_is_never_taken_from_another_snapshot_of_the_same_number() -> None:
    ctx = context(MONDAY + timedelta(minutes=10))
    first = make_issue(INCIDENT, priority="P2")
    second = make_issue(INCIDENT, priority="P4")
    assert first.number == second.number
    one, two = read_incident(first, ctx), read_incident(second, ctx)
    assert one is not None and two is not None
    assert (one.priority and one.priority.id, two.priority and two.priority.id) == ("P2", "P4")


def test_the_current_body_answers_are_the_items_own() -> None:
    issue = make_issue(INCIDENT, edits=[(MONDAY + timedelta(minutes=3), {"service": "Web"})])
    item = view(issue, context(MONDAY))
    assert item.answers_in(issue.body) is item.answers
    older = issue.body_history()[0].body
    assert older is not None and older != issue.body
    assert item.answers_in(older) == parse_body(FORMS[INCIDENT], older)
    assert item.answers_in(older) is item.answers_in(older)


def test_an_item_without_a_form_answers_nothing_for_any_body() -> None:
    item = Item(issue=make_issue(), form=None, answers={}, mine={})
    assert item.answers_in("### Priority\n\nP1") == {}


# -- comments rendered only when they are to be posted ----------------------------------------


def test_a_comment_already_posted_is_not_rendered_again() -> None:
    item = view(make_issue(), context(MONDAY))
    calls: list[int] = []

    def render() -> str:
        calls.append(1)
        return "text"

    card_key = "incident.review"
    first = post_once(item, "incident.review", card_key, render)
    assert [a.body for a in first] == ["text"] and calls == [1]
    card = Comment(1, BOT, "<!-- dutydesk:incident.review -->\ntext", MONDAY, MONDAY)
    posted = Item(issue=item.issue, form=item.form, answers=item.answers, mine={card_key: card})
    assert post_once(posted, "incident.review", card_key, render) == ()
    assert calls == [1]


# -- the body's lines, split without a regular expression -------------------------------------


@pytest.mark.parametrize("seed", range(30))
def test_lines_and_fences_are_found_as_before(seed: int) -> None:
    rng = random.Random(seed)
    pieces = ["### Priority", "```", "~~~~", "text", "", "  ```js", "### Service", "`x`", " "]
    text = "\n".join(rng.choice(pieces) for _ in range(rng.randrange(0, 30)))
    lines, offsets = lines_of(text)
    assert lines == text.split("\n")
    assert offsets == [sum(len(line) + 1 for line in lines[:i]) for i in range(len(lines))]
    crlf = text.replace("\n", "\r\n")
    assert lines_of(crlf)[0] == lines
    assert fenced_lines(lines) == fenced_lines(lines_of(crlf)[0])
