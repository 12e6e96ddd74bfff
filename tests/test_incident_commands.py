"""Incident commands: who may use them, what they change, and what is ignored."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from dutydesk import incidents
from dutydesk.actions import Kind
from dutydesk.engine import Context, view
from dutydesk.incidents import Refusal, Rule
from dutydesk.markers import with_marker
from dutydesk.model import Comment, Issue
from incident_factories import (
    BOT,
    Desk,
    assigned,
    at,
    by_rule,
    comment,
    context,
    decide,
    make_issue,
    policy,
)

MONDAY = at("2026-11-23 10:00")
SOON = at("2026-11-23 10:05")


def cases(*rows: tuple[object, ...]) -> list[object]:
    """Table rows whose first value, the situation, is the test id."""
    return [pytest.param(*row, id=str(row[0])) for row in rows]


def read(issue: Issue, ctx: Context) -> incidents.Incident:
    return incidents.read(view(issue, ctx, "incident"), ctx)


def said(*lines: tuple[str, str]) -> tuple[Comment, ...]:
    """Comments, a minute apart from 10:05, each (author, text)."""
    return tuple(
        comment(who, text, SOON + timedelta(minutes=i), id=100 + i)
        for i, (who, text) in enumerate(lines)
    )


# -- what each command does -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("situation", "lines", "ack_by", "lead", "comms", "priority", "updates"),
    cases(
        ("/ack acknowledges", [("bob", "/ack")], "bob", None, None, "P1", 0),
        (
            "/lead @carol names the lead and acknowledges",
            [("bob", "/lead @carol")],
            "bob",
            "carol",
            None,
            "P1",
            0,
        ),
        ("/lead alone names the commenter", [("bob", "/lead")], "bob", "bob", None, "P1", 0),
        (
            "/lead carol without an @ works too",
            [("bob", "/lead carol")],
            "bob",
            "carol",
            None,
            "P1",
            0,
        ),
        (
            "/comms @carol names the comms lead, not an acknowledgement",
            [("bob", "/comms @carol")],
            None,
            None,
            "carol",
            "P1",
            0,
        ),
        (
            "the latest /lead wins",
            [("bob", "/lead @bob"), ("carol", "/lead @carol")],
            "bob",
            "carol",
            None,
            "P1",
            0,
        ),
        ("/priority P3 changes the priority", [("bob", "/priority P3")], None, None, None, "P3", 0),
        ("/priority 2 is read as P2", [("bob", "/priority 2")], None, None, None, "P2", 0),
        ("/priority p4 in lower case", [("bob", "/PRIORITY p4")], None, None, None, "P4", 0),
        ("/update counts as an update", [("carol", "/update all good")], None, None, None, "P1", 1),
        (
            "the first acknowledgement is kept",
            [("carol", "/ack"), ("bob", "/ack")],
            "carol",
            None,
            None,
            "P1",
            0,
        ),
        (
            "a command later in a comment is not a command",
            [("bob", "thanks\n/ack")],
            None,
            None,
            None,
            "P1",
            0,
        ),
    ),
)
def test_commands_from_responders(
    situation: str,
    lines: list[tuple[str, str]],
    ack_by: str | None,
    lead: str | None,
    comms: str | None,
    priority: str,
    updates: int,
) -> None:
    incident = read(make_issue(comments=said(*lines)), context(at("2026-11-23 10:30")))
    assert (incident.ack.by if incident.ack else None) == ack_by
    assert incident.lead == lead
    assert incident.comms == comms
    assert incident.priority is not None and incident.priority.id == priority
    assert len(incident.updates) == updates
    assert incident.refused == ()


def test_lead_assigns_the_person_named() -> None:
    decision = decide(make_issue(comments=said(("bob", "/lead @carol"))), context(SOON))
    (assign,) = by_rule(decision, Rule.LEAD)
    assert (assign.kind, assign.users) == (Kind.ASSIGN, ("carol",))


def test_lead_does_not_fight_a_person_who_unassigned_the_lead() -> None:
    desk = Desk()
    desk.open(MONDAY)
    desk.say(SOON, "bob", "/lead @carol")
    desk.run(SOON)
    assert desk.repo.get_issue(1).assignees == ("carol",)
    desk.repo.issues[1].assignees.clear()  # bob unassigns carol by hand
    assert by_rule(desk.run(at("2026-11-23 10:30")), Rule.LEAD) == []


def test_an_assignee_given_by_a_person_acknowledges() -> None:
    issue = make_issue(assignees=("carol",), events=(assigned("bob", "carol", SOON),))
    ack = read(issue, context(SOON)).ack
    assert ack is not None and (ack.by, ack.via, ack.at) == ("bob", "assignment", SOON)


def test_a_command_counts_from_when_its_comment_was_last_edited() -> None:
    edited = Comment(7, "bob", "/ack", created_at=SOON, updated_at=at("2026-11-23 10:40"))
    ack = read(make_issue(comments=(edited,)), context(at("2026-11-23 10:45"))).ack
    assert ack is not None and ack.at == at("2026-11-23 10:40")


# -- who may command --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["/ack", "/lead @mallory", "/comms @mallory", "/priority P4", "/update all fine"]
)
def test_a_non_responders_command_is_refused_and_changes_nothing(text: str) -> None:
    issue = make_issue(comments=said(("mallory", text)))
    ctx = context(at("2026-11-23 10:30"))
    incident = read(issue, ctx)
    assert (incident.ack, incident.lead, incident.comms, incident.updates) == (None, None, None, ())
    assert incident.priority is not None and incident.priority.id == "P1"
    decision = decide(issue, ctx)
    (reply,) = by_rule(decision, Rule.REFUSED)
    assert reply.key == "incident.refused:100"
    name = text.split()[0]
    assert (reply.body or "").startswith(f"@mallory, `{name}` changed nothing")
    assert "only incident responders" in (reply.body or "")
    assert by_rule(decision, Rule.LEAD) == []
    assert "sla-missed" in {lbl for a in by_rule(decision, Rule.ESCALATION) for lbl in a.labels}


def test_a_refusal_is_posted_once() -> None:
    desk = Desk()
    desk.open(MONDAY)
    desk.say(SOON, "mallory", "/ack")
    desk.run(SOON)
    desk.run(at("2026-11-23 10:06"))
    assert len(desk.posted(Rule.REFUSED)) == 1


@pytest.mark.parametrize(
    ("situation", "responders", "writers", "teams", "login", "verdict"),
    cases(
        ("by default a writer is a responder", [], {"bob"}, {}, "bob", True),
        ("by default a non-writer is not", [], {"bob"}, {}, "mallory", False),
        ("writers unreadable: unknown", [], None, {}, "bob", None),
        ("a listed login is a responder", ["carol"], {"bob"}, {}, "carol", True),
        ("a writer not listed is not", ["carol"], {"bob"}, {}, "bob", False),
        (
            "a team member is a responder",
            ["org/ops"],
            set(),
            {"org/ops": frozenset({"dora"})},
            "dora",
            True,
        ),
        (
            "a team that cannot be read: unknown",
            ["org/ops"],
            {"bob"},
            {"org/ops": None},
            "bob",
            None,
        ),
        (
            "a listed login despite an unreadable team",
            ["org/ops", "carol"],
            set(),
            {"org/ops": None},
            "carol",
            True,
        ),
    ),
)
def test_who_is_a_responder(
    situation: str,
    responders: list[str],
    writers: set[str] | None,
    teams: dict[str, frozenset[str] | None],
    login: str,
    verdict: bool | None,
) -> None:
    ctx = context(SOON, policy(incidents={"responders": responders}), writers, teams)
    incident = read(make_issue(comments=said((login, "/ack"))), ctx)
    assert (incident.ack is not None) == (verdict is True)
    if verdict is not True:
        (refused,) = incident.refused
        expected = Refusal.NOT_RESPONDER if verdict is False else Refusal.ACCESS_UNKNOWN
        assert refused.reason == expected


@pytest.mark.parametrize(
    ("responders", "writers", "teams", "says"),
    [
        ([], None, {}, "because the repository's collaborators could not be read"),
        (["org/ops"], set(), {"org/ops": None}, "because the members of org/ops could not be read"),
    ],
    ids=["collaborators unreadable", "team unreadable"],
)
def test_when_access_is_unknown_the_reply_says_so(
    responders: list[str],
    writers: set[str] | None,
    teams: dict[str, frozenset[str] | None],
    says: str,
) -> None:
    ctx = context(SOON, policy(incidents={"responders": responders}), writers, teams)
    (reply,) = by_rule(decide(make_issue(comments=said(("bob", "/ack"))), ctx), Rule.REFUSED)
    text = reply.body or ""
    assert "I could not check that you are an incident responder" in text
    assert says in text
    assert "@org/ops" not in text  # the reply names the team without pinging it


def test_a_refusal_names_the_responders_without_pinging_them() -> None:
    ctx = context(
        SOON, policy(incidents={"responders": ["org/ops"]}), set(), {"org/ops": frozenset({"dora"})}
    )
    (reply,) = by_rule(decide(make_issue(comments=said(("bob", "/ack"))), ctx), Rule.REFUSED)
    assert "(org/ops)" in (reply.body or "")
    assert "@org/ops" not in (reply.body or "")


@pytest.mark.parametrize(
    ("text", "needs"),
    [
        ("/priority P9", "one of P1, P2, P3 or P4"),
        ("/priority urgent", "one of P1, P2, P3 or P4"),
        ("/lead @org/ops", "a person, not a team"),
        ("/comms @org/ops", "a person, not a team"),
    ],
    ids=["an unknown priority", "a word", "a team as lead", "a team as comms lead"],
)
def test_a_responders_malformed_command_gets_usage_and_changes_nothing(
    text: str, needs: str
) -> None:
    issue = make_issue(comments=said(("bob", text)))
    decision = decide(issue, context(SOON))
    (reply,) = by_rule(decision, Rule.REFUSED)
    assert f"it needs {needs}" in (reply.body or "")
    incident = read(issue, context(SOON))
    assert incident.priority is not None and incident.priority.id == "P1"
    assert incident.lead is None and incident.comms is None


# -- what is ignored --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["/ack", "/lead @bob", "/priority P4", "/update all fine", "/comms @bob"]
)
def test_commands_in_the_bots_own_comments_are_ignored(text: str) -> None:
    issue = make_issue(comments=(comment(BOT, text, SOON, id=9),))
    incident = read(issue, context(SOON))
    assert (incident.ack, incident.lead, incident.comms, incident.updates) == (None, None, None, ())
    assert incident.priority is not None and incident.priority.id == "P1"
    assert incident.refused == ()


def test_a_bot_comment_with_a_marker_and_a_command_below_is_ignored() -> None:
    issue = make_issue(comments=(comment(BOT, with_marker("x", "/ack"), SOON, id=9),))
    assert read(issue, context(SOON)).ack is None


@pytest.mark.parametrize(
    "key",
    [
        "incident.refused:100",
        "incident.escalation:P1:2026-11-23T10:20:00Z",
        "incident.update_reminder:2026-11-23T11:00:00Z",
        "incident.security",
    ],
)
def test_forged_markers_in_a_users_comment_are_ignored(key: str) -> None:
    forged = comment("mallory", with_marker(key, "already done"), SOON, id=99)
    honest = comment("mallory", "/ack", SOON, id=100)
    issue = make_issue(
        comments=(forged, honest), answers={"security": ["There is ongoing unauthorised access"]}
    )
    decision = decide(issue, context(at("2026-11-23 11:00")))
    assert key in {a.key for a in decision.actions}


def test_the_bots_own_marker_does_stop_a_repeat() -> None:
    real = comment(BOT, with_marker("incident.refused:100", "@mallory, no"), SOON, id=99)
    issue = make_issue(comments=(real, comment("mallory", "/ack", SOON, id=100)))
    assert by_rule(decide(issue, context(SOON)), Rule.REFUSED) == []


def test_non_responder_priority_change_leaves_labels_and_clock_alone() -> None:
    desk = Desk()
    desk.open(MONDAY, priority="P3")
    desk.run(MONDAY)
    desk.say(SOON, "mallory", "/priority P1")
    decision = desk.run(SOON)
    assert by_rule(decision, Rule.PRIORITY) == []
    assert desk.repo.get_issue(1).labels == {"incident", "P3"}
    assert decision.next_check == at("2026-11-23 12:00")


def test_an_issue_author_without_write_access_cannot_acknowledge_their_own_incident() -> None:
    issue = replace(make_issue(comments=said(("alice", "/ack"))), author="alice")
    ctx = context(SOON, writers={"bob"})
    assert read(issue, ctx).ack is None


def test_commands_do_not_act_on_a_closed_incident_assignment() -> None:
    issue = make_issue(
        comments=said(("bob", "/lead @carol")), state="closed", closed_at=SOON, events=()
    )
    assert by_rule(decide(issue, context(at("2026-11-23 10:30"))), Rule.LEAD) == []


def test_a_late_acknowledgement_shows_on_the_card_as_outside_the_target() -> None:
    late = said(("bob", "/ack"))
    issue = make_issue(comments=tuple(replace(c, updated_at=at("2026-11-23 10:25")) for c in late))
    card = by_rule(decide(issue, context(at("2026-11-23 10:30"))), Rule.STATUS)[0].body or ""
    assert "after 25 minutes: outside the 20 minutes target" in card


def test_only_the_latest_lead_is_assigned() -> None:
    issue = make_issue(comments=said(("bob", "/lead @bob"), ("bob", "/lead @carol")))
    (assign,) = by_rule(decide(issue, context(SOON)), Rule.LEAD)
    assert assign.users == ("carol",)
