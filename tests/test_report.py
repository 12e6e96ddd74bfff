"""The incident register: rows from the issues themselves, in Markdown, CSV and JSON."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from desk import (
    MONDAY,
    cases,
    closed,
    comment,
    context,
    london,
    make_issue,
    reopened,
    table_cells,
)
from dutydesk.engine import Decision
from dutydesk.model import Issue
from dutydesk.registry import is_incident
from dutydesk.views.cells import cell
from dutydesk.views.report import RegisterRow, format_rows, rows
from dutydesk.views.summary import summary_markdown

NOON = london("2026-11-23 12:00")


def resolved_p1(**overrides: object) -> Issue:
    base: dict[str, object] = {
        "number": 7,
        "state": "closed",
        "closed_at": NOON,
        "events": (closed("bob", NOON),),
        "comments": (
            comment("bob", "/ack", london("2026-11-23 10:12")),
            comment("bob", "/lead @bob", london("2026-11-23 10:13")),
            comment("carol", "/update failing over", london("2026-11-23 10:50")),
            comment("carol", "/update recovering", london("2026-11-23 11:45")),
        ),
    }
    base.update(overrides)
    return make_issue(**base)


def one(issue: Issue, now: datetime | None = None) -> RegisterRow:
    (row,) = rows([issue], context(now or london("2026-11-23 13:00")))
    return row


def test_a_resolved_p1_row() -> None:
    row = one(resolved_p1())
    assert (row.number, row.title, row.priority, row.state) == (
        7,
        "Payments API down",
        "P1",
        "closed",
    )
    assert (row.opened, row.acknowledged, row.resolved) == (
        MONDAY,
        london("2026-11-23 10:12"),
        NOON,
    )
    assert row.acknowledged_by == "bob"
    assert row.time_to_acknowledge == timedelta(minutes=12)
    assert row.time_to_resolve == timedelta(hours=2)
    assert (row.response_met, row.updates_met) == (True, True)
    assert row.lead == "bob"


@pytest.mark.parametrize(
    ("situation", "issue", "now", "response_met", "updates_met"),
    cases(
        ("a new P1, not yet due: pending", make_issue(), london("2026-11-23 10:10"), None, True),
        (
            "an unacknowledged P1 after 20 minutes: missed",
            make_issue(),
            london("2026-11-23 10:21"),
            False,
            True,
        ),
        (
            "acknowledged late: missed",
            make_issue(comments=(comment("bob", "/ack", london("2026-11-23 10:30")),)),
            london("2026-11-23 10:31"),
            False,
            True,
        ),
        (
            "a P1 with no update for over an hour: update frequency missed",
            make_issue(comments=(comment("bob", "/ack", london("2026-11-23 10:05")),)),
            london("2026-11-23 11:01"),
            True,
            False,
        ),
        (
            "an update that came late still counts as missed",
            make_issue(
                comments=(
                    comment("bob", "/ack", london("2026-11-23 10:05")),
                    comment("bob", "/update late", london("2026-11-23 11:10")),
                )
            ),
            london("2026-11-23 11:30"),
            True,
            False,
        ),
        (
            "a P3 over the weekend, acknowledged Monday 09:30: met",
            make_issue(
                priority="P3",
                created_at=london("2026-11-27 15:30"),
                comments=(comment("bob", "/ack", london("2026-11-30 09:30")),),
            ),
            london("2026-11-30 12:00"),
            True,
            True,
        ),
        (
            "a P4 over Easter without its update by 13 April: missed",
            make_issue(
                priority="P4",
                created_at=london("2026-04-02 12:00"),
                comments=(comment("bob", "/ack", london("2026-04-02 13:00")),),
            ),
            london("2026-04-13 12:00"),
            True,
            False,
        ),
        (
            "resolved before anything fell due: met",
            make_issue(
                state="closed",
                closed_at=london("2026-11-23 10:15"),
                events=(closed("bob", london("2026-11-23 10:15")),),
            ),
            london("2026-11-24 10:00"),
            True,
            True,
        ),
    ),
)
def test_targets_met(
    situation: str,
    issue: Issue,
    now: datetime,
    response_met: bool | None,
    updates_met: bool,
) -> None:
    row = one(issue, now)
    assert (row.response_met, row.updates_met) == (response_met, updates_met)


def test_time_closed_does_not_count_towards_time_to_resolve() -> None:
    issue = resolved_p1(
        closed_at=london("2026-11-23 15:00"),
        events=(
            closed("bob", london("2026-11-23 11:00")),
            reopened("bob", london("2026-11-23 14:00")),
            closed("bob", london("2026-11-23 15:00")),
        ),
    )
    row = one(issue, london("2026-11-23 16:00"))
    assert row.time_to_resolve == timedelta(hours=2)
    assert row.resolved == london("2026-11-23 15:00")


def test_only_incidents_are_in_the_register_and_since_filters_by_opening_date() -> None:
    old = make_issue(number=1, created_at=london("2026-10-30 10:00"))
    new = make_issue(number=2, created_at=london("2026-11-02 09:00"))
    change = replace(
        make_issue(number=3), labels=frozenset({"change-request"}), body="### Something\n\nelse"
    )
    ctx = context(london("2026-11-23 10:00"))
    assert [r.number for r in rows([new, change, old], ctx)] == [1, 2]
    assert [r.number for r in rows([new, change, old], ctx, since=date(2026, 11, 1))] == [2]


def test_since_is_a_date_in_the_policys_timezone() -> None:
    # 00:30 BST on 1 June is 23:30 UTC on 31 May: it belongs to June in London
    issue = make_issue(created_at=london("2026-06-01 00:30"))
    assert rows([issue], context(london("2026-06-02 10:00")), since=date(2026, 6, 1))


def test_an_incident_with_no_priority_is_in_the_register_without_one() -> None:
    row = one(make_issue(priority=None))
    assert (row.priority, row.response_met) == (None, None)


# -- formats ----------------------------------------------------------------------------------


def sample() -> list[RegisterRow]:
    return rows(
        [
            resolved_p1(),
            make_issue(number=8, title='=HYPERLINK("x") | @everyone <b>', priority="P3"),
        ],
        context(london("2026-11-23 13:00")),
    )


def test_markdown_register() -> None:
    text = format_rows(sample(), "markdown")
    lines = text.splitlines()
    assert lines[0].startswith("| Incident | Title | Priority | State | Opened | Acknowledged |")
    assert lines[1].startswith("|---|---|")
    assert lines[2].startswith(
        "| #7 | Payments API down | P1 | closed | 2026-11-23 10:00 GMT | 2026-11-23 10:12 GMT |"
    )
    assert "| 12 minutes | 2 hours | yes | yes | bob |" in lines[2]
    assert "\\| @\u200beveryone &lt;b&gt;" in lines[3]
    assert "| no | yes |" in lines[3]  # the P3 is unacknowledged past 12:00


@pytest.mark.parametrize(
    "title",
    [
        "a \\| b",
        "a \\\\| b | c",
        "ends in a backslash \\",
        "two\r\n# lines",
        "carriage\rreturn | pipe",
    ],
    ids=[
        "an escaped pipe",
        "an escaped backslash and a pipe",
        "a trailing backslash",
        "CRLF",
        "CR",
    ],
)
def test_a_title_stays_in_its_markdown_cell(title: str) -> None:
    register = rows([make_issue(number=3, title=title)], context(london("2026-11-23 13:00")))
    lines = format_rows(register, "markdown").splitlines()
    assert len(lines) == 3
    assert "\r" not in lines[2]
    assert len(table_cells(lines[2])) == len(table_cells(lines[0]))


def test_an_empty_markdown_register_still_has_a_table() -> None:
    assert format_rows([], "markdown").count("\n") == 3


def test_csv_register_reads_back() -> None:
    table = list(csv.DictReader(io.StringIO(format_rows(sample(), "csv"))))
    assert table[0]["number"] == "7"
    assert table[0]["opened"] == "2026-11-23T10:00:00+00:00"
    assert table[0]["minutes_to_acknowledge"] == "12"
    assert table[0]["minutes_to_resolve"] == "120"
    assert (table[0]["response_met"], table[0]["updates_met"]) == ("yes", "yes")
    assert table[1]["acknowledged"] == "" and table[1]["response_met"] == "no"
    assert table[1]["title"].startswith("'=HYPERLINK")  # no formula in a spreadsheet


def test_json_register_reads_back() -> None:
    data = json.loads(format_rows(sample(), "json"))
    assert data[0] == {
        "number": 7,
        "title": "Payments API down",
        "priority": "P1",
        "state": "closed",
        "opened": "2026-11-23T10:00:00+00:00",
        "acknowledged": "2026-11-23T10:12:00+00:00",
        "acknowledged_by": "bob",
        "resolved": "2026-11-23T12:00:00+00:00",
        "minutes_to_acknowledge": 12,
        "minutes_to_resolve": 120,
        "response_met": True,
        "updates_met": True,
        "lead": "bob",
        "security": False,
    }
    assert data[1]["acknowledged"] is None and data[1]["response_met"] is False


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="xml"):
        format_rows(sample(), "xml")


# -- the sweep summary shares the register's answers -------------------------------------------


@pytest.mark.parametrize(
    "title",
    ["a \\| b", "a \\\\| b | c", "ends in a backslash \\", "carriage\rreturn | pipe"],
    ids=["an escaped pipe", "an escaped backslash and a pipe", "a trailing backslash", "CR"],
)
def test_the_sweep_summary_escapes_a_title_as_the_register_does(title: str) -> None:
    issue = make_issue(number=3, title=title)
    ctx = context(london("2026-11-23 10:30"))
    summary = summary_markdown(ctx, [(issue, Decision())], [(4, title)]).splitlines()
    (row,) = [line for line in summary if line.startswith("| #3 |")]
    assert table_cells(row)[2] == f" {cell(title)} "
    assert len(table_cells(row)) == len(table_cells(summary[summary.index(row) - 2]))
    assert f"- #4: {cell(title)}" in summary
    register = format_rows(rows([issue], ctx), "markdown").splitlines()
    assert table_cells(register[2])[2] == f" {cell(title)} "


def test_the_register_and_the_summary_agree_on_what_is_an_incident() -> None:
    incident = make_issue(number=1)
    unlabelled = replace(make_issue(number=2), labels=frozenset())  # the form's body says it is
    change = replace(
        make_issue(number=3), labels=frozenset({"change-request"}), body="### Something\n\nelse"
    )
    ctx = context(london("2026-11-23 10:30"))
    issues = [incident, unlabelled, change]
    assert [i.number for i in issues if is_incident(i, ctx)] == [1, 2]
    assert [r.number for r in rows(issues, ctx)] == [1, 2]
    summary = summary_markdown(ctx, [(i, Decision()) for i in issues], [])
    incidents, others = summary.split("### Change requests and maintenance")
    assert "| #1 |" in incidents and "| #2 |" in incidents and "| #3 |" in others
