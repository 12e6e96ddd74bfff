"""The incident rules at the awkward moments: each rule, its timing, idempotency, scenarios.

These tests assert on what is planned, `(rule, kind, key)`, and on the facts and template values
the rules read (`incident_facts`, `Desk.incident_facts`, the rules' `*_values`); what the
comments say is tested per template in tests/templates/test_incident_templates.py. Inputs are
built with tests/desk.py; its desks here run the bot only when told (`run`, `every`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from desk import (
    BOT,
    FORMS,
    HANDLERS,
    INCIDENT,
    MONDAY,
    ROOT,
    Desk,
    assigned,
    body,
    by_rule,
    cases,
    closed,
    comment,
    context,
    decide,
    incident_facts,
    keys,
    labelled,
    london,
    make_issue,
    make_policy,
    plan,
    reopened,
    unlabelled,
    utc,
)
from dutydesk.actions import Kind
from dutydesk.engine import Context, Decision
from dutydesk.markers import key_time, with_marker
from dutydesk.model import Issue
from dutydesk.policy import load_policy
from dutydesk.rules import incidents
from dutydesk.rules.ids import Rule
from dutydesk.rules.incidents import Incident, figures_of, priority_of, wait_deadline
from dutydesk.rules.incidents.commands import Acknowledgement, Update
from dutydesk.rules.incidents.escalation import escalation_values
from dutydesk.rules.incidents.security import security_values
from dutydesk.rules.incidents.status import status_values
from dutydesk.rules.incidents.updates import reminder_values
from dutydesk.simulate import Simulation, load_scenario


def read(issue: Issue, now: datetime) -> Incident:
    return incident_facts(issue, context(now))


# -- rule ids ---------------------------------------------------------------------------------


def test_the_rule_ids_are_the_ones_the_issue_names() -> None:
    assert {str(r) for r in Rule} >= {
        "incident.priority",
        "incident.invalid",
        "incident.escalation",
        "incident.update_reminder",
        "incident.status",
        "incident.security",
        "incident.review",
    }


# -- priority ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (["P1 Critical – Complete outage or ongoing unauthorised access"], "P1"),
        (["p2 major"], "P2"),
        ("P3 Significant", "P3"),
        (["P9 Apocalyptic"], None),
        (["Critical"], None),
        ([], None),
        (None, None),
        (["P1 Critical", "P2 Major"], None),
    ],
    ids=[
        "the form's P1 option",
        "lower case",
        "plain text",
        "an unknown priority",
        "no P number",
        "nothing chosen",
        "no answer",
        "two priorities",
    ],
)
def test_priority_of_the_form_answer(answer: object, expected: str | None) -> None:
    assert priority_of({"priority": answer}) == expected


@pytest.mark.parametrize(
    ("situation", "overrides", "added", "removed"),
    cases(
        ("a new P1 gets the P1 label", {}, ["P1"], []),
        ("a P1 already labelled needs nothing", {"labels": frozenset({"incident", "P1"})}, [], []),
        (
            "a wrong priority label is swapped",
            {"labels": frozenset({"incident", "P3"})},
            ["P1"],
            ["P3"],
        ),
        (
            "two priority labels become one",
            {"labels": frozenset({"incident", "P1", "P4"})},
            [],
            ["P4"],
        ),
        (
            "a responder's /priority wins over the form",
            {"comments": (comment("bob", "/priority P2", london("2026-11-23 10:05")),)},
            ["P2"],
            [],
        ),
        (
            "the latest /priority wins",
            {
                "comments": (
                    comment("bob", "/priority P2", london("2026-11-23 10:05")),
                    comment("carol", "/priority P4", london("2026-11-23 10:06")),
                )
            },
            ["P4"],
            [],
        ),
        (
            "an edit of the form after a /priority wins",
            {
                "comments": (comment("bob", "/priority P2", london("2026-11-23 10:05")),),
                "priority": "P1",
                "edits": [(london("2026-11-23 10:08"), {"priority": "P3"})],
            },
            ["P3"],
            [],
        ),
        (
            "a valid priority clears the needs-triage the bot added",
            {
                "labels": frozenset({"incident", "needs-triage"}),
                "events": (labelled(BOT, "needs-triage", london("2026-11-23 10:00")),),
            },
            ["P1"],
            ["needs-triage"],
        ),
        (
            "a needs-triage a person added is theirs to remove",
            {
                "labels": frozenset({"incident", "P1", "needs-triage"}),
                "events": (labelled("carol", "needs-triage", london("2026-11-23 10:05")),),
            },
            [],
            [],
        ),
        (
            "a needs-triage the bot added, then a person added again, is the person's",
            {
                "labels": frozenset({"incident", "P1", "needs-triage"}),
                "events": (
                    labelled(BOT, "needs-triage", london("2026-11-23 10:00")),
                    unlabelled(BOT, "needs-triage", london("2026-11-23 10:02")),
                    labelled("carol", "needs-triage", london("2026-11-23 10:05")),
                ),
            },
            [],
            [],
        ),
        (
            "a needs-triage with no history is left alone",
            {"labels": frozenset({"incident", "P1", "needs-triage"})},
            [],
            [],
        ),
    ),
)
def test_priority_labels(
    situation: str, overrides: dict[str, object], added: list[str], removed: list[str]
) -> None:
    decision = decide(make_issue(**overrides), context(london("2026-11-23 10:10")))
    actions = by_rule(decision.actions, Rule.INCIDENT_PRIORITY)
    assert [lbl for a in actions if a.kind is Kind.ADD_LABELS for lbl in a.labels] == added
    assert [lbl for a in actions if a.kind is Kind.REMOVE_LABELS for lbl in a.labels] == removed


@pytest.mark.parametrize(
    "body",
    [
        None,
        "### Priority\n\nP9 Apocalyptic\n\n### Affected service\n\nPayments",
    ],
    ids=["no priority chosen", "an unknown priority"],
)
def test_a_missing_or_unknown_priority_gets_one_comment_and_needs_triage(body: str | None) -> None:
    issue = make_issue(priority=None) if body is None else make_issue(body=body, revisions=())
    decision = decide(issue, context(MONDAY))
    invalid = by_rule(decision.actions, Rule.INCIDENT_INVALID)
    assert [a.kind for a in invalid] == [Kind.ADD_LABELS, Kind.COMMENT]
    assert invalid[0].labels == ("needs-triage",)
    assert invalid[1].key == "incident.invalid"
    assert by_rule(decision.actions, Rule.INCIDENT_PRIORITY) == []
    assert by_rule(decision.actions, Rule.INCIDENT_ESCALATION) == []
    assert decision.next_check is None


def test_the_invalid_priority_comment_is_posted_once() -> None:
    desk = Desk(reacts=False, idempotent=False)
    desk.open(MONDAY, INCIDENT, priority=None)
    desk.run(MONDAY)
    desk.run(MONDAY + timedelta(hours=1))
    assert len(desk.posted(Rule.INCIDENT_INVALID)) == 2  # the label and the comment, once each
    assert keys(desk.run(MONDAY + timedelta(hours=2)).actions) == []


def test_a_priority_set_later_starts_the_response_clock_then() -> None:
    issue = make_issue(
        priority=None, comments=(comment("bob", "/priority P1", london("2026-11-23 10:40")),)
    )
    assert read(issue, london("2026-11-23 10:41")).period.due == london("2026-11-23 11:00")  # type: ignore[union-attr]


# -- response time and escalation -------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "due"),
    [
        ({"priority": "P1"}, london("2026-11-23 10:20")),
        ({"priority": "P2"}, london("2026-11-23 11:00")),
        ({"priority": "P3"}, london("2026-11-23 12:00")),
        ({"priority": "P3", "created_at": london("2026-11-27 15:30")}, london("2026-11-30 10:30")),
        ({"priority": "P3", "created_at": london("2026-11-24 20:00")}, london("2026-11-25 11:00")),
        ({"priority": "P4", "created_at": london("2026-04-02 12:00")}, london("2026-04-07 12:00")),
        ({"priority": "P4", "created_at": london("2026-04-03 10:00")}, london("2026-04-07 16:00")),
        ({"priority": "P1", "created_at": utc("2026-03-29 00:50")}, utc("2026-03-29 01:10")),
        ({"priority": "P2", "created_at": utc("2026-03-29 00:30")}, utc("2026-03-29 01:30")),
        (
            {
                "priority": "P3",
                "comments": (comment("bob", "/priority P1", london("2026-11-23 10:30")),),
            },
            london("2026-11-23 10:50"),
        ),
        (
            {"priority": "P3", "edits": [(london("2026-11-23 10:30"), {"priority": "P1"})]},
            london("2026-11-23 10:50"),
        ),
        (
            {
                "priority": "P1",
                "comments": (comment("bob", "/priority P1", london("2026-11-23 10:15")),),
            },
            london("2026-11-23 10:20"),
        ),
        (
            {
                "events": (
                    closed("bob", london("2026-11-23 10:05")),
                    reopened("bob", london("2026-11-23 10:35")),
                )
            },
            london("2026-11-23 10:50"),
        ),
    ],
    ids=[
        "P1 in office hours: 20 minutes",
        "P2: 60 minutes",
        "P3 on a Monday morning: 2 office hours",
        "P3 filed at 15:30 on a Friday: due 10:30 on Monday",
        "P3 filed in the evening: counts from 09:00 the next day",
        "P4 on Maundy Thursday: 1 business day skips Good Friday and Easter Monday",
        "P4 on Good Friday: the whole of Tuesday after Easter",
        "P1 across the 29 March 2026 clock change: 20 real minutes (02:10 BST)",
        "P2 across the clock change: 60 real minutes",
        "P3 raised to P1 mid-incident: 20 minutes from the change",
        "P3 raised to P1 by editing the form: 20 minutes from the edit",
        "a /priority that repeats the priority does not restart the clock",
        "closed for 30 minutes: the clock resumes on reopening",
    ],
)
def test_response_due(overrides: dict[str, object], due: datetime) -> None:
    issue = make_issue(**overrides)
    incident = read(issue, issue.created_at)
    assert incident.period is not None
    assert incident.period.due == due


@pytest.mark.parametrize(
    ("priority", "opened", "due"),
    [
        ("P1", london("2026-11-23 10:00"), london("2026-11-23 10:20")),
        ("P3", london("2026-11-27 15:30"), london("2026-11-30 10:30")),
        ("P4", london("2026-04-02 12:00"), london("2026-04-07 12:00")),
        ("P1", utc("2026-03-29 00:50"), utc("2026-03-29 01:10")),
    ],
    ids=["P1", "P3 on a Friday afternoon", "P4 over Easter", "P1 across the clock change"],
)
def test_escalation_fires_at_the_due_time_and_not_before(
    priority: str, opened: datetime, due: datetime
) -> None:
    issue = make_issue(priority=priority, created_at=opened)
    before = decide(issue, context(due - timedelta(minutes=1)))
    assert by_rule(before.actions, Rule.INCIDENT_ESCALATION) == []
    assert before.next_check == due
    on_time = by_rule(decide(issue, context(due)).actions, Rule.INCIDENT_ESCALATION)
    assert [a.kind for a in on_time] == [Kind.ADD_LABELS, Kind.COMMENT]
    assert on_time[0].labels == ("sla-missed",)
    assert on_time[1].key == f"incident.escalation:{priority}:{key_time(due)}"


def escalated(issue: Issue, ctx: Context) -> dict[str, Any]:
    """The escalation comment planned for `issue` (by key), and what it tells its template."""
    decision = decide(issue, ctx)
    comments = [
        a for a in by_rule(decision.actions, Rule.INCIDENT_ESCALATION) if a.kind is Kind.COMMENT
    ]
    assert len(comments) == 1
    incident = incident_facts(issue, ctx)
    assert incident.period is not None and incident.period.due is not None
    due = incident.period.due
    assert comments[0].key == f"incident.escalation:{incident.period.priority.id}:{key_time(due)}"
    return escalation_values(incident, incident.period, due)


def test_the_escalation_mentions_the_contacts_for_that_priority() -> None:
    values = escalated(make_issue(), context(london("2026-11-23 10:20")))
    assert values["contacts"] == ["example-org/incident-managers"]


def test_an_escalation_without_contacts_says_the_policy_names_none() -> None:
    values = escalated(make_issue(priority="P3"), context(london("2026-11-23 12:00")))
    assert values["contacts"] == []


def test_an_escalation_out_of_hours_names_the_people_on_call() -> None:
    pol = make_policy(rota=[{"from": "2026-11-16", "primary": "dora", "secondary": "eve"}])
    issue = make_issue(created_at=london("2026-11-23 18:00"))
    values = escalated(issue, context(london("2026-11-23 18:20"), pol))
    rota = values["rota"]
    assert values["cover"] == "on-call"
    assert rota is not None and (rota.primary, rota.secondary) == ("dora", "eve")


def test_an_escalation_with_no_cover_says_when_cover_starts() -> None:
    issue = make_issue(created_at=london("2026-11-23 23:00"))
    values = escalated(issue, context(london("2026-11-23 23:20")))
    assert (values["cover"], values["cover_from"]) == ("none", london("2026-11-24 07:00"))


@pytest.mark.parametrize(
    ("situation", "overrides", "now", "label", "comment_posted"),
    cases(
        (
            "acknowledged before the due time: nothing",
            {"comments": (comment("bob", "/ack", london("2026-11-23 10:12")),)},
            london("2026-11-23 10:30"),
            False,
            False,
        ),
        (
            "acknowledged at the due time exactly: nothing",
            {"comments": (comment("bob", "/ack", london("2026-11-23 10:20")),)},
            london("2026-11-23 10:30"),
            False,
            False,
        ),
        (
            "acknowledged late, before a late sweep: sla-missed but nobody summoned",
            {"comments": (comment("bob", "/ack", london("2026-11-23 10:25")),)},
            london("2026-11-23 10:40"),
            True,
            False,
        ),
        (
            "assigned by a person before the due time: acknowledged",
            {"events": (assigned("bob", "bob", london("2026-11-23 10:10")),)},
            london("2026-11-23 10:30"),
            False,
            False,
        ),
        (
            "assigned by the bot: not an acknowledgement",
            {"events": (assigned(BOT, "bob", london("2026-11-23 10:10")),)},
            london("2026-11-23 10:30"),
            True,
            True,
        ),
        (
            "an /ack from the bot's own comment does not count",
            {"comments": (comment(BOT, "/ack", london("2026-11-23 10:10")),)},
            london("2026-11-23 10:30"),
            True,
            True,
        ),
        (
            "closed before the due time: nothing is due",
            {
                "state": "closed",
                "closed_at": london("2026-11-23 10:10"),
                "events": (closed("bob", london("2026-11-23 10:10")),),
            },
            london("2026-11-23 11:00"),
            False,
            False,
        ),
        (
            "a late sweep an hour after the due time still escalates once",
            {},
            london("2026-11-23 11:20"),
            True,
            True,
        ),
        (
            "acknowledged as a P3, then raised to P1: still acknowledged",
            {
                "priority": "P3",
                "comments": (
                    comment("bob", "/ack", london("2026-11-23 10:10")),
                    comment("bob", "/priority P1", london("2026-11-23 10:30")),
                ),
            },
            london("2026-11-23 11:00"),
            False,
            False,
        ),
    ),
)
def test_escalation(
    situation: str,
    overrides: dict[str, object],
    now: datetime,
    label: bool,
    comment_posted: bool,
) -> None:
    actions = by_rule(
        decide(make_issue(**overrides), context(now)).actions, Rule.INCIDENT_ESCALATION
    )
    assert any(a.kind is Kind.ADD_LABELS for a in actions) == label
    assert any(a.kind is Kind.COMMENT for a in actions) == comment_posted


def test_raising_p3_to_p1_escalates_the_p1_to_its_contacts() -> None:
    desk = Desk(reacts=False, idempotent=False)
    desk.open(MONDAY, INCIDENT, priority="P3")
    desk.run(MONDAY)
    desk.say(london("2026-11-23 10:30"), "bob", "/priority P1")
    desk.run(london("2026-11-23 10:30"))
    decision = desk.run(london("2026-11-23 10:49"))
    assert decision.next_check == london("2026-11-23 10:50")
    desk.run(london("2026-11-23 10:50"))
    (escalation,) = [a for _, a in desk.posted(Rule.INCIDENT_ESCALATION) if a.kind is Kind.COMMENT]
    assert escalation.key == "incident.escalation:P1:2026-11-23T10:50:00Z"
    incident = desk.incident_facts(london("2026-11-23 10:50"))
    assert incident.priority is not None
    assert incident.priority.escalate_to == ("example-org/incident-managers",)
    assert desk.issue().labels >= {"P1", "sla-missed"}
    assert "P3" not in desk.issue().labels


def test_a_missed_p3_then_raised_to_p1_escalates_each_once() -> None:
    desk = Desk(reacts=False, idempotent=False)
    desk.open(MONDAY, INCIDENT, priority="P3")
    desk.every(MONDAY, london("2026-11-23 12:30"), timedelta(minutes=10))
    desk.say(london("2026-11-23 12:35"), "bob", "/priority P1")
    desk.every(london("2026-11-23 12:35"), london("2026-11-23 13:30"), timedelta(minutes=10))
    posted = [a.key for _, a in desk.posted(Rule.INCIDENT_ESCALATION) if a.kind is Kind.COMMENT]
    assert posted == [
        "incident.escalation:P3:2026-11-23T12:00:00Z",
        "incident.escalation:P1:2026-11-23T12:55:00Z",
    ]


# -- update reminders -------------------------------------------------------------------------


def reminder_keys(decision: Decision) -> list[str]:
    return [a.key or "" for a in by_rule(decision.actions, Rule.INCIDENT_UPDATE_REMINDER)]


@pytest.mark.parametrize(
    ("situation", "overrides", "now", "posted", "next_due"),
    cases(
        (
            "P1 before the first hour",
            {},
            london("2026-11-23 10:59"),
            [],
            london("2026-11-23 11:00"),
        ),
        (
            "P1 at the hour",
            {},
            london("2026-11-23 11:00"),
            ["2026-11-23T11:00:00Z"],
            london("2026-11-23 12:00"),
        ),
        (
            "P1 after dropped sweeps: one reminder, for the latest due time",
            {},
            london("2026-11-23 13:30"),
            ["2026-11-23T13:00:00Z"],
            london("2026-11-23 14:00"),
        ),
        (
            "P1 with an update at 10:40: due an hour after it",
            {"comments": (comment("bob", "/update rolling back", london("2026-11-23 10:40")),)},
            london("2026-11-23 11:39"),
            [],
            london("2026-11-23 11:40"),
        ),
        (
            "P1: a comment that is not /update is not an update",
            {"comments": (comment("bob", "rolling back", london("2026-11-23 10:40")),)},
            london("2026-11-23 11:00"),
            ["2026-11-23T11:00:00Z"],
            london("2026-11-23 12:00"),
        ),
        (
            "P2 every 2 hours",
            {"priority": "P2"},
            london("2026-11-23 12:00"),
            ["2026-11-23T12:00:00Z"],
            london("2026-11-23 14:00"),
        ),
        (
            "P1 across the clock change: every real hour",
            {"created_at": utc("2026-03-29 00:50")},
            utc("2026-03-29 01:50"),
            ["2026-03-29T01:50:00Z"],
            utc("2026-03-29 02:50"),
        ),
        (
            "P3 filed at 15:30 on a Friday: one update due on Tuesday at 15:30",
            {"priority": "P3", "created_at": london("2026-11-27 15:30")},
            london("2026-12-01 15:29"),
            [],
            london("2026-12-01 15:30"),
        ),
        (
            "P3 reminded once when the update is overdue",
            {"priority": "P3", "created_at": london("2026-11-27 15:30")},
            london("2026-12-04 09:00"),
            ["2026-12-01T15:30:00Z"],
            None,
        ),
        (
            "P3 with an update: nothing more expected",
            {
                "priority": "P3",
                "created_at": london("2026-11-27 15:30"),
                "comments": (comment("bob", "/update fixed soon", london("2026-11-30 11:00")),),
            },
            london("2026-12-04 09:00"),
            [],
            None,
        ),
        (
            "P4 over Easter: 5 business days from Maundy Thursday noon",
            {"priority": "P4", "created_at": london("2026-04-02 12:00")},
            london("2026-04-13 12:00"),
            ["2026-04-13T11:00:00Z"],
            None,
        ),
        (
            "P3 raised to P1 at 10:30: hourly from the change",
            {
                "priority": "P3",
                "comments": (comment("bob", "/priority P1", london("2026-11-23 10:30")),),
            },
            london("2026-11-23 11:30"),
            ["2026-11-23T11:30:00Z"],
            london("2026-11-23 12:30"),
        ),
        (
            "closed: no reminders",
            {
                "state": "closed",
                "closed_at": london("2026-11-23 10:30"),
                "events": (closed("bob", london("2026-11-23 10:30")),),
            },
            london("2026-11-23 12:00"),
            [],
            None,
        ),
        (
            "reopened after an hour closed: the hour closed does not count",
            {
                "events": (
                    closed("bob", london("2026-11-23 10:30")),
                    reopened("bob", london("2026-11-23 11:30")),
                )
            },
            london("2026-11-23 11:59"),
            [],
            london("2026-11-23 12:00"),
        ),
    ),
)
def test_update_reminder(
    situation: str,
    overrides: dict[str, object],
    now: datetime,
    posted: list[str],
    next_due: datetime | None,
) -> None:
    issue = make_issue(**overrides)
    decision = incidents.update_reminder(read(issue, now))
    assert reminder_keys(decision) == [f"incident.update_reminder:{k}" for k in posted]
    assert decision.next_check == next_due


def test_the_reminder_mentions_the_comms_lead_and_the_lead() -> None:
    issue = make_issue(
        comments=(
            comment("bob", "/lead @bob", london("2026-11-23 10:05")),
            comment("bob", "/comms @carol", london("2026-11-23 10:06")),
        )
    )
    ctx = context(london("2026-11-23 11:00"))
    (reminder,) = by_rule(decide(issue, ctx).actions, Rule.INCIDENT_UPDATE_REMINDER)
    assert reminder.key == "incident.update_reminder:2026-11-23T11:00:00Z"
    incident = incident_facts(issue, ctx)
    assert incident.priority is not None
    values = reminder_values(incident, incident.priority, london("2026-11-23 11:00"))
    assert values["people"] == ["carol", "bob"]


@pytest.mark.parametrize(
    "sweep_every",
    [timedelta(minutes=5), timedelta(minutes=25), timedelta(hours=1), timedelta(minutes=150)],
    ids=["every 5 minutes", "every 25 minutes", "hourly", "every 2 and a half hours"],
)
def test_a_sweep_on_any_schedule_never_skips_the_latest_due_and_never_repeats_one(
    sweep_every: timedelta,
) -> None:
    desk = Desk(reacts=False, idempotent=False)
    desk.open(MONDAY, INCIDENT)
    desk.say(MONDAY, "bob", "/ack")
    end = london("2026-11-23 18:00")
    desk.every(MONDAY, end, sweep_every)
    desk.run(end)
    posted = [(when, a.key) for when, a in desk.posted(Rule.INCIDENT_UPDATE_REMINDER)]
    keys_posted = [k for _, k in posted]
    assert len(keys_posted) == len(set(keys_posted))
    # each reminder is for the latest due time at its run, so at most one interval late
    for when, key in posted:
        due = datetime.fromisoformat((key or "").split(":", 1)[1].replace("Z", "+00:00"))
        assert due <= when < due + timedelta(hours=1)
    # and the last due time before the end was reminded
    assert keys_posted[-1] == "incident.update_reminder:2026-11-23T18:00:00Z"


def test_hourly_sweeps_remind_at_every_hour_without_an_update() -> None:
    desk = Desk(reacts=False, idempotent=False)
    desk.open(MONDAY, INCIDENT)
    desk.every(MONDAY, london("2026-11-23 14:00"), timedelta(hours=1))
    assert [a.key for _, a in desk.posted(Rule.INCIDENT_UPDATE_REMINDER)] == [
        f"incident.update_reminder:2026-11-23T{h}:00:00Z" for h in (11, 12, 13, 14)
    ]


# -- security ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("situation", "overrides", "flagged"),
    cases(
        (
            "a breach box ticked",
            {"answers": {"security": ["This involves a data or security breach"]}},
            True,
        ),
        (
            "unauthorised access ticked on a P3",
            {"priority": "P3", "answers": {"security": ["There is ongoing unauthorised access"]}},
            True,
        ),
        (
            "a P1 with the unauthorised-access box ticked",
            {"answers": {"security": ["There is ongoing unauthorised access"]}},
            True,
        ),
        (
            "both boxes ticked",
            {
                "answers": {
                    "security": [
                        "This involves a data or security breach",
                        "There is ongoing unauthorised access",
                    ]
                }
            },
            True,
        ),
        (
            "a P1 whose description denies unauthorised access is not flagged",
            {"answers": {"description": "Login down. There is no sign of unauthorised access."}},
            False,
        ),
        (
            "a P1 whose description claims unauthorised access, no box ticked: not flagged",
            {"answers": {"description": "Ongoing unauthorised access to the admin console"}},
            False,
        ),
        (
            "a box ticked by editing in a line that is not the form's is not flagged",
            {
                "body": body(INCIDENT).replace(
                    "- [ ] This involves", "- [x] No security problem here\n- [ ] This involves"
                ),
                "revisions": (),
            },
            False,
        ),
        (
            "a P2 that mentions unauthorized access is not flagged by text alone",
            {"priority": "P2", "answers": {"description": "No unauthorized access seen"}},
            False,
        ),
        ("an outage with nothing ticked", {}, False),
    ),
)
def test_security(situation: str, overrides: dict[str, object], flagged: bool) -> None:
    actions = by_rule(
        decide(make_issue(**overrides), context(MONDAY)).actions, Rule.INCIDENT_SECURITY
    )
    if not flagged:
        assert actions == []
        return
    assert [a.kind for a in actions] == [Kind.ADD_LABELS, Kind.COMMENT]
    assert actions[0].labels == ("security",)
    assert actions[1].key == "incident.security"
    incident = incident_facts(make_issue(**overrides), context(MONDAY))
    assert security_values(incident)["contacts"] == ["example-org/cyber-security"]


# -- labels a person set win ------------------------------------------------------------------

SECURITY_TICKED = {"security": ["This involves a data or security breach"]}


@pytest.mark.parametrize(
    ("situation", "overrides", "now", "rule", "label", "added"),
    cases(
        (
            "sla-missed a person removed is not added back",
            {
                "labels": frozenset({"incident", "P1"}),
                "events": (
                    labelled(BOT, "sla-missed", london("2026-11-23 10:20")),
                    unlabelled("carol", "sla-missed", london("2026-11-23 10:25")),
                ),
            },
            london("2026-11-23 10:30"),
            Rule.INCIDENT_ESCALATION,
            "sla-missed",
            False,
        ),
        (
            "sla-missed the bot itself removed is added",
            {
                "labels": frozenset({"incident", "P1"}),
                "events": (
                    labelled(BOT, "sla-missed", london("2026-11-23 10:20")),
                    unlabelled(BOT, "sla-missed", london("2026-11-23 10:25")),
                ),
            },
            london("2026-11-23 10:30"),
            Rule.INCIDENT_ESCALATION,
            "sla-missed",
            True,
        ),
        (
            "sla-missed removed by a person before the bot added it again is added",
            {
                "labels": frozenset({"incident", "P1"}),
                "events": (
                    unlabelled("carol", "sla-missed", london("2026-11-23 10:15")),
                    labelled(BOT, "sla-missed", london("2026-11-23 10:20")),
                    unlabelled(BOT, "sla-missed", london("2026-11-23 10:21")),
                ),
            },
            london("2026-11-23 10:30"),
            Rule.INCIDENT_ESCALATION,
            "sla-missed",
            True,
        ),
        (
            "a person removed sla-missed, then a new priority's target is missed: added once more",
            {
                "priority": "P3",
                "labels": frozenset({"incident", "P1"}),
                "comments": (comment("bob", "/priority P1", london("2026-11-23 12:30")),),
                "events": (
                    labelled(BOT, "sla-missed", london("2026-11-23 12:00")),
                    unlabelled("carol", "sla-missed", london("2026-11-23 12:10")),
                ),
            },
            london("2026-11-23 12:50"),
            Rule.INCIDENT_ESCALATION,
            "sla-missed",
            True,
        ),
        (
            "security a person removed is not added back",
            {
                "answers": SECURITY_TICKED,
                "labels": frozenset({"incident", "P1"}),
                "events": (
                    labelled(BOT, "security", london("2026-11-23 10:00")),
                    unlabelled("carol", "security", london("2026-11-23 10:05")),
                ),
            },
            london("2026-11-23 10:06"),
            Rule.INCIDENT_SECURITY,
            "security",
            False,
        ),
        (
            "security on a new security incident is added",
            {"answers": SECURITY_TICKED, "labels": frozenset({"incident", "P1"})},
            london("2026-11-23 10:06"),
            Rule.INCIDENT_SECURITY,
            "security",
            True,
        ),
        (
            "needs-triage a person removed is not added back",
            {
                "priority": None,
                "events": (
                    labelled(BOT, "needs-triage", london("2026-11-23 10:00")),
                    unlabelled("carol", "needs-triage", london("2026-11-23 10:05")),
                ),
            },
            london("2026-11-23 10:06"),
            Rule.INCIDENT_INVALID,
            "needs-triage",
            False,
        ),
        (
            "needs-triage the bot removed, when the priority is lost again, is added",
            {
                "priority": None,
                "events": (
                    labelled(BOT, "needs-triage", london("2026-11-23 10:00")),
                    unlabelled(BOT, "needs-triage", london("2026-11-23 10:05")),
                ),
            },
            london("2026-11-23 10:06"),
            Rule.INCIDENT_INVALID,
            "needs-triage",
            True,
        ),
    ),
)
def test_a_label_a_person_removed_is_not_added_back(
    situation: str,
    overrides: dict[str, object],
    now: datetime,
    rule: Rule,
    label: str,
    added: bool,
) -> None:
    actions = by_rule(decide(make_issue(**overrides), context(now)).actions, rule)
    labels = [lbl for a in actions if a.kind is Kind.ADD_LABELS for lbl in a.labels]
    assert labels == ([label] if added else [])


def test_the_bot_does_not_fight_a_person_over_labels() -> None:
    desk = Desk(reacts=False, idempotent=False)
    desk.open(MONDAY, INCIDENT, priority="P2", security=["There is ongoing unauthorised access"])
    desk.run(MONDAY)
    desk.label(london("2026-11-23 10:05"), "carol", add=["needs-triage"], remove=["security"])
    desk.run(london("2026-11-23 10:05"))
    desk.run(london("2026-11-23 11:05"))  # P2 response missed: sla-missed
    assert "sla-missed" in desk.issue().labels
    desk.label(london("2026-11-23 11:10"), "carol", remove=["sla-missed"])
    desk.every(london("2026-11-23 11:10"), london("2026-11-23 15:10"), timedelta(minutes=30))
    labels = desk.issue().labels
    assert "needs-triage" in labels
    assert "sla-missed" not in labels and "security" not in labels
    label_actions = [
        a
        for _, a in desk.log
        if a.kind in (Kind.ADD_LABELS, Kind.REMOVE_LABELS) and a.rule != Rule.INCIDENT_PRIORITY
    ]
    assert [(a.rule, a.kind, a.labels) for a in label_actions] == [
        (Rule.INCIDENT_SECURITY, Kind.ADD_LABELS, ("security",)),
        (Rule.INCIDENT_ESCALATION, Kind.ADD_LABELS, ("sla-missed",)),
    ]


# -- review on close --------------------------------------------------------------------------


def closed_issue(priority: str, **overrides: object) -> Issue:
    when = london("2026-11-23 12:00")
    base: dict[str, object] = {
        "priority": priority,
        "state": "closed",
        "closed_at": when,
        "events": (closed("bob", when),),
        "comments": (comment("bob", "/lead @bob", london("2026-11-23 10:05")),),
        "assignees": ("bob",),
    }
    base.update(overrides)
    return make_issue(**base)


@pytest.mark.parametrize(
    ("priority", "review"),
    [("P1", True), ("P2", True), ("P3", False), ("P4", False)],
    ids=["P1 asks for a review", "P2 asks", "P3 does not", "P4 does not"],
)
def test_closing_asks_for_a_blameless_review_by_priority(priority: str, review: bool) -> None:
    ctx = context(london("2026-11-23 12:00"))
    actions = by_rule(decide(closed_issue(priority), ctx).actions, Rule.INCIDENT_REVIEW)
    assert plan(actions) == (
        [(Rule.INCIDENT_REVIEW, "comment", "incident.review")] if review else []
    )
    figures = figures_of(incident_facts(closed_issue(priority), ctx), ctx.now)
    assert (figures.time_to_acknowledge, figures.time_to_resolve) == (
        timedelta(minutes=5),
        timedelta(hours=2),
    )


def test_the_policy_decides_which_priorities_get_a_review() -> None:
    pol = make_policy(
        priorities={"P3": {"review_on_close": True}, "P1": {"review_on_close": False}}
    )
    ctx = context(london("2026-11-23 12:00"), pol)
    assert by_rule(decide(closed_issue("P1"), ctx).actions, Rule.INCIDENT_REVIEW) == []
    assert len(by_rule(decide(closed_issue("P3"), ctx).actions, Rule.INCIDENT_REVIEW)) == 1


def test_an_open_incident_gets_no_review() -> None:
    assert (
        by_rule(
            decide(make_issue(), context(london("2026-11-23 12:00"))).actions, Rule.INCIDENT_REVIEW
        )
        == []
    )


def test_close_reopen_close_asks_for_one_review_and_the_clocks_resume() -> None:
    desk = Desk(reacts=False, idempotent=False)
    desk.open(MONDAY, INCIDENT)
    desk.say(london("2026-11-23 10:05"), "bob", "/ack")
    desk.run(london("2026-11-23 10:05"))
    desk.close(london("2026-11-23 10:30"), "bob")
    desk.run(london("2026-11-23 10:30"))
    desk.reopen(london("2026-11-23 12:30"), "bob")
    reopened_decision = desk.run(london("2026-11-23 12:30"))
    # 30 minutes open before closing, so the first update is due 30 minutes after reopening
    assert reopened_decision.next_check == london("2026-11-23 13:00")
    desk.close(london("2026-11-23 12:45"), "bob")
    desk.run(london("2026-11-23 12:45"))
    assert len(desk.posted(Rule.INCIDENT_REVIEW)) == 1
    incident = desk.incident_facts(london("2026-11-23 12:45"))
    assert incident.resolved == london("2026-11-23 12:45")
    assert figures_of(incident, london("2026-11-23 12:45")).time_to_resolve == timedelta(minutes=45)


# -- status card ------------------------------------------------------------------------------


def test_the_status_card_is_posted_once_then_edited_in_place() -> None:
    desk = Desk(reacts=False, idempotent=False)
    desk.open(MONDAY, INCIDENT)
    first = by_rule(desk.run(MONDAY).actions, Rule.INCIDENT_STATUS)
    assert [(a.key, a.comment_id) for a in first] == [("incident.status", None)]
    desk.say(london("2026-11-23 10:07"), "bob", "/lead @bob")
    second = by_rule(desk.run(london("2026-11-23 10:07")).actions, Rule.INCIDENT_STATUS)
    card_id = desk.issue().comments[0].id
    assert [(a.key, a.comment_id) for a in second] == [("incident.status", card_id)]
    values = status_values(desk.incident_facts(london("2026-11-23 10:07")))
    assert values["ack"] == Acknowledgement(london("2026-11-23 10:07"), "bob", "/lead")
    assert (values["ack_target"], values["ack_in_time"]) == ("20 minutes", True)
    assert values["lead"] == "bob"


def test_the_status_card_shows_every_field() -> None:
    issue = make_issue(
        comments=(
            comment("bob", "/ack", london("2026-11-23 10:10")),
            comment("bob", "/lead @carol", london("2026-11-23 10:11")),
            comment("bob", "/comms @dave", london("2026-11-23 10:12")),
            comment("carol", "/update Failing over the database", london("2026-11-23 10:40")),
        ),
        assignees=("carol",),
    )
    ctx = context(london("2026-11-23 10:45"))
    assert plan(by_rule(decide(issue, ctx).actions, Rule.INCIDENT_STATUS)) == [
        (Rule.INCIDENT_STATUS, "comment", "incident.status")
    ]
    values = status_values(incident_facts(issue, ctx))
    assert (values["priority"].id, values["is_open"], values["author"]) == ("P1", True, "alice")
    assert (values["opened"], values["due"], values["overdue"]) == (
        MONDAY,
        london("2026-11-23 10:20"),
        False,
    )
    assert values["ack"] == Acknowledgement(london("2026-11-23 10:10"), "bob", "/ack")
    assert values["time_to_acknowledge"] == timedelta(minutes=10)
    assert (values["ack_target"], values["ack_in_time"]) == ("20 minutes", True)
    assert (values["lead"], values["comms"]) == ("carol", "dave")
    assert values["last"] == Update(
        london("2026-11-23 10:40"), "carol", "Failing over the database"
    )
    assert values["next_update"] == london("2026-11-23 11:40")
    assert values["escalations"] == []


def test_a_forged_status_marker_in_a_users_comment_does_not_replace_the_card() -> None:
    forged = comment("mallory", with_marker("incident.status", "all fine, nothing to see"), MONDAY)
    (card,) = by_rule(
        decide(make_issue(comments=(forged,)), context(MONDAY)).actions, Rule.INCIDENT_STATUS
    )
    assert card.comment_id is None


def test_a_forged_escalation_marker_does_not_stop_the_escalation() -> None:
    forged = comment(
        "mallory",
        with_marker("incident.escalation:P1:2026-11-23T10:20:00Z", "escalated already"),
        london("2026-11-23 10:01"),
    )
    decision = decide(make_issue(comments=(forged,)), context(london("2026-11-23 10:20")))
    assert "incident.escalation:P1:2026-11-23T10:20:00Z" in keys(decision.actions)


# -- idempotency ------------------------------------------------------------------------------


IDEMPOTENCY_STEPS: list[tuple[str, str, str]] = [
    ("2026-11-23 10:00", "", ""),
    ("2026-11-23 10:03", "dave", "/ack"),
    ("2026-11-23 10:20", "", ""),
    ("2026-11-23 10:25", "bob", "/lead @bob"),
    ("2026-11-23 10:26", "bob", "/comms @carol"),
    ("2026-11-23 10:30", "bob", "/priority P2"),
    ("2026-11-23 11:00", "carol", "/update mitigated"),
    ("2026-11-23 13:00", "", ""),
    ("2026-11-23 13:05", "bob", "/priority P1"),
    ("2026-11-23 14:05", "", ""),
]


@pytest.mark.parametrize(
    "upto",
    range(1, len(IDEMPOTENCY_STEPS) + 1),
    ids=[f"after {s[0][11:]} {s[2] or 'a sweep'}" for s in IDEMPOTENCY_STEPS],
)
def test_reconciling_the_same_moment_twice_plans_nothing_the_second_time(upto: int) -> None:
    desk = Desk(reacts=False, idempotent=False)
    desk.open(MONDAY, INCIDENT, security=["This involves a data or security breach"])
    for when_text, who, text in IDEMPOTENCY_STEPS[:upto]:
        when = london(when_text)
        if who:
            desk.say(when, who, text)
        desk.run(when)
    last = london(IDEMPOTENCY_STEPS[upto - 1][0])
    assert desk.run(last).actions == ()


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"priority": None},
        {"priority": "P3", "created_at": london("2026-11-27 15:30")},
        {"priority": "P4", "created_at": london("2026-04-02 12:00")},
    ],
    ids=["a P1", "no priority", "a P3 on Friday afternoon", "a P4 over Easter"],
)
@pytest.mark.parametrize(
    "later",
    [timedelta(0), timedelta(minutes=20), timedelta(days=3), timedelta(days=12)],
    ids=["at once", "20 minutes on", "3 days on", "12 days on"],
)
def test_idempotent_at_any_moment(overrides: dict[str, object], later: timedelta) -> None:
    desk = Desk(reacts=False, idempotent=False)
    opened = overrides.get("created_at", MONDAY)
    assert isinstance(opened, datetime)
    desk.open(opened, INCIDENT, priority=overrides.get("priority", "P1"))
    desk.run(opened)
    desk.run(opened + later)
    assert desk.run(opened + later).actions == ()


def test_a_late_sweep_after_closing_changes_nothing_twice() -> None:
    desk = Desk(reacts=False, idempotent=False)
    desk.open(MONDAY, INCIDENT)
    desk.run(MONDAY)
    desk.close(london("2026-11-23 10:10"), "bob")
    desk.run(london("2026-11-23 15:00"))
    assert desk.run(london("2026-11-23 15:00")).actions == ()
    assert desk.run(london("2026-11-24 15:00")).actions == ()


# -- next_check -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "now", "expected"),
    [
        ({}, MONDAY, london("2026-11-23 10:20")),
        (
            {"comments": (comment("bob", "/ack", london("2026-11-23 10:05")),)},
            london("2026-11-23 10:05"),
            london("2026-11-23 11:00"),
        ),
        ({}, london("2026-11-23 10:20"), london("2026-11-23 11:00")),
        (
            {"priority": "P3", "created_at": london("2026-11-27 15:30")},
            london("2026-11-27 15:30"),
            london("2026-11-30 10:30"),
        ),
        ({"priority": None}, MONDAY, None),
        (
            {
                "state": "closed",
                "closed_at": london("2026-11-23 10:10"),
                "events": (closed("bob", london("2026-11-23 10:10")),),
            },
            london("2026-11-23 10:10"),
            None,
        ),
    ],
    ids=[
        "a new P1: the escalation",
        "an acknowledged P1: the first update",
        "after the escalation: the first update",
        "a P3 on Friday afternoon: Monday 10:30",
        "no priority: nothing to wait for",
        "closed: nothing to wait for",
    ],
)
def test_next_check_is_the_earliest_moment_a_rule_will_act(
    overrides: dict[str, object], now: datetime, expected: datetime | None
) -> None:
    assert decide(make_issue(**overrides), context(now)).next_check == expected


@pytest.mark.parametrize(
    ("setting", "deadline"),
    [(None, london("2026-11-23 10:30")), ("40 minutes", london("2026-11-23 10:40"))],
    ids=["30 minutes by default", "as the policy says"],
)
def test_the_event_job_waits_for_a_check_due_within_wait_for_due(
    setting: str | None, deadline: datetime
) -> None:
    pol = make_policy(incidents={"wait_for_due": setting}) if setting else make_policy()
    assert wait_deadline(pol, MONDAY) == deadline


# -- the example scenarios --------------------------------------------------------------------


def run_example(name: str) -> tuple[Simulation, list[tuple[datetime, str, str, str]]]:
    scenario = load_scenario(ROOT / "examples" / name)
    pol = load_policy(ROOT / "policy.yaml", overrides=scenario.policy_overrides)
    sim = Simulation(scenario, pol, FORMS, HANDLERS)
    entries = [
        (e.at, e.source, e.action.rule, e.action.key or "")
        for e in sim.run()
        if e.action is not None
    ]
    return sim, entries


def test_the_p1_example_escalates_within_5_minutes_despite_an_hourly_sweep() -> None:
    sim, entries = run_example("p1-outage.yaml")
    assert sim.scenario.sweep_every == timedelta(hours=1)
    opened = sim.scenario.steps[0].at
    due = opened + timedelta(minutes=20)
    escalations = [
        (when, key) for when, _, rule, key in entries if rule == Rule.INCIDENT_ESCALATION and key
    ]
    assert len(escalations) == 1
    when, key = escalations[0]
    assert due <= when <= due + timedelta(minutes=5)
    assert key == f"incident.escalation:P1:{key_time(due)}"
    rules = {rule for _, _, rule, _ in entries}
    assert rules >= {
        Rule.INCIDENT_PRIORITY,
        Rule.INCIDENT_STATUS,
        Rule.INCIDENT_REFUSED,
        Rule.INCIDENT_LEAD,
        Rule.INCIDENT_UPDATE_REMINDER,
        Rule.INCIDENT_REVIEW,
    }


def test_the_p3_example_waits_for_monday_and_reminds_once_on_tuesday() -> None:
    _, entries = run_example("p3-weekend.yaml")
    escalations = [key for _, _, rule, key in entries if rule == Rule.INCIDENT_ESCALATION and key]
    assert escalations == ["incident.escalation:P3:2026-11-30T10:30:00Z"]
    reminders = [key for _, _, rule, key in entries if rule == Rule.INCIDENT_UPDATE_REMINDER]
    assert reminders == ["incident.update_reminder:2026-12-01T15:30:00Z"]
    assert all(rule != Rule.INCIDENT_REVIEW for _, _, rule, _ in entries)


@pytest.mark.parametrize("name", ["p1-outage.yaml", "p3-weekend.yaml"])
def test_the_examples_are_valid_scenarios(name: str) -> None:
    assert (ROOT / "examples" / name).is_file()
    assert load_scenario(Path(ROOT / "examples" / name)).steps


def test_an_issue_replaced_with_no_events_is_still_read() -> None:
    issue = replace(make_issue(), events=(), revisions=())
    assert read(issue, MONDAY).period is not None
