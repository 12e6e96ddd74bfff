"""Incident commands: who may use them, what they change, and what is ignored.

The replies' wording is tested in tests/templates/test_incident_templates.py; here, what is
planned and what the rules read (the refusals' reasons and details).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from desk import (
    BOT,
    INCIDENT,
    MONDAY,
    SOON,
    WRITERS,
    Desk,
    UnassignableRepository,
    access,
    assigned,
    by_rule,
    cases,
    comment,
    context,
    decide,
    incident_facts,
    london,
    make_issue,
    make_policy,
    plan,
    said,
)
from dutydesk.actions import Kind
from dutydesk.engine import Context
from dutydesk.markers import with_marker
from dutydesk.model import Issue
from dutydesk.rules.ids import Refusal, Rule
from dutydesk.rules.incidents import Incident
from dutydesk.rules.incidents.refused import refused_key, unknown_key
from dutydesk.rules.incidents.status import status_values


def read(issue: Issue, ctx: Context) -> Incident:
    return incident_facts(issue, ctx)


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
    incident = read(make_issue(comments=said(*lines)), context(london("2026-11-23 10:30")))
    assert (incident.ack.by if incident.ack else None) == ack_by
    assert incident.lead == lead
    assert incident.comms == comms
    assert incident.priority is not None and incident.priority.id == priority
    assert len(incident.updates) == updates
    assert incident.refused == ()


def test_lead_assigns_the_person_named() -> None:
    decision = decide(make_issue(comments=said(("bob", "/lead @carol"))), context(SOON))
    (assign,) = by_rule(decision.actions, Rule.INCIDENT_LEAD)
    assert (assign.kind, assign.users) == (Kind.ASSIGN, ("carol",))


def test_lead_does_not_fight_a_person_who_unassigned_the_lead() -> None:
    desk = Desk(reacts=False, idempotent=False)
    desk.open(MONDAY, INCIDENT)
    desk.say(SOON, "bob", "/lead @carol")
    desk.run(SOON)
    assert desk.issue().assignees == ("carol",)
    desk.repo.issues[1].assignees.clear()  # bob unassigns carol by hand
    assert by_rule(desk.run(london("2026-11-23 10:30")).actions, Rule.INCIDENT_LEAD) == []


def test_an_assignee_given_by_a_person_acknowledges() -> None:
    issue = make_issue(assignees=("carol",), events=(assigned("bob", "carol", SOON),))
    ack = read(issue, context(SOON)).ack
    assert ack is not None and (ack.by, ack.via, ack.at) == ("bob", "assignment", SOON)


# -- a command's time is when it was made, not when it was last edited -------------------------


@pytest.mark.parametrize(
    ("situation", "text", "made", "edited", "ack_at", "update_at", "due"),
    cases(
        (
            "an /ack edited after the due time still acknowledges in time",
            "/ack looking into it",
            SOON,
            london("2026-11-23 10:30"),
            SOON,
            None,
            london("2026-11-23 10:20"),
        ),
        (
            "a /lead edited later acknowledges when it was made",
            "/lead @carol",
            SOON,
            london("2026-11-23 11:00"),
            SOON,
            None,
            london("2026-11-23 10:20"),
        ),
        (
            "an /update edited later counts from when it was posted",
            "/update failing over (typo fixed)",
            london("2026-11-23 10:40"),
            london("2026-11-23 11:30"),
            None,
            london("2026-11-23 10:40"),
            london("2026-11-23 10:20"),
        ),
        (
            "a /priority edited later changes the priority from when it was made",
            "/priority P2",
            london("2026-11-23 10:10"),
            london("2026-11-23 10:50"),
            None,
            None,
            london("2026-11-23 11:10"),
        ),
    ),
)
def test_editing_a_command_does_not_move_its_time(
    situation: str,
    text: str,
    made: datetime,
    edited: datetime,
    ack_at: datetime | None,
    update_at: datetime | None,
    due: datetime,
) -> None:
    issue = make_issue(comments=(comment("bob", text, made, id=7, edited=edited),))
    incident = read(issue, context(london("2026-11-23 11:45")))
    assert (incident.ack.at if incident.ack else None) == ack_at
    assert (incident.updates[-1].at if incident.updates else None) == update_at
    assert incident.period is not None and incident.period.due == due


def test_fixing_a_typo_in_an_old_ack_does_not_add_sla_missed_after_the_fact() -> None:
    desk = Desk(reacts=False, idempotent=False)
    desk.open(MONDAY, INCIDENT)
    desk.run(MONDAY)
    ack = desk.say(SOON, "bob", "/ack looking")
    desk.run(london("2026-11-23 10:06"))
    desk.edit_comment(london("2026-11-23 10:30"), "bob", ack, "/ack looking into it")
    decision = desk.run(london("2026-11-23 10:31"))
    assert by_rule(decision.actions, Rule.INCIDENT_ESCALATION) == []
    assert "sla-missed" not in desk.issue().labels
    incident = desk.incident_facts(london("2026-11-23 10:31"))
    assert incident.ack is not None and incident.ack.at == SOON
    assert not any(p.missed(incident.ack, london("2026-11-23 10:31")) for p in incident.periods)


# -- who may command --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["/ack", "/lead @mallory", "/comms @mallory", "/priority P4", "/update all fine"]
)
def test_a_non_responders_command_is_refused_and_changes_nothing(text: str) -> None:
    issue = make_issue(comments=said(("mallory", text)))
    ctx = context(london("2026-11-23 10:30"))
    incident = read(issue, ctx)
    assert (incident.ack, incident.lead, incident.comms, incident.updates) == (None, None, None, ())
    assert incident.priority is not None and incident.priority.id == "P1"
    decision = decide(issue, ctx)
    (reply,) = by_rule(decision.actions, Rule.INCIDENT_REFUSED)
    assert reply.key == "incident.refused:mallory"
    (refused,) = incident.refused
    assert (refused.command.name, refused.reason) == (text.split()[0][1:], Refusal.NOT_RESPONDER)
    assert by_rule(decision.actions, Rule.INCIDENT_LEAD) == []
    assert "sla-missed" in {
        lbl for a in by_rule(decision.actions, Rule.INCIDENT_ESCALATION) for lbl in a.labels
    }


def test_a_refusal_is_posted_once() -> None:
    desk = Desk(reacts=False, idempotent=False)
    desk.open(MONDAY, INCIDENT)
    desk.say(SOON, "mallory", "/ack")
    desk.run(SOON)
    desk.run(london("2026-11-23 10:06"))
    assert len(desk.posted(Rule.INCIDENT_REFUSED)) == 1


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
    ctx = context(SOON, make_policy(incidents={"responders": responders}), access(writers, teams))
    incident = read(make_issue(comments=said((login, "/ack"))), ctx)
    assert (incident.ack is not None) == (verdict is True)
    if verdict is not True:
        (refused,) = incident.refused
        expected = Refusal.NOT_RESPONDER if verdict is False else Refusal.ACCESS_UNKNOWN
        assert refused.reason == expected


@pytest.mark.parametrize(
    ("responders", "writers", "teams", "says"),
    [
        ([], None, {}, "the repository's collaborators could not be read"),
        (["org/ops"], set(), {"org/ops": None}, "the members of org/ops could not be read"),
    ],
    ids=["collaborators unreadable", "team unreadable"],
)
def test_when_access_is_unknown_the_reply_says_so(
    responders: list[str],
    writers: set[str] | None,
    teams: dict[str, frozenset[str] | None],
    says: str,
) -> None:
    ctx = context(SOON, make_policy(incidents={"responders": responders}), access(writers, teams))
    issue = make_issue(comments=said(("bob", "/ack")))
    (reply,) = by_rule(decide(issue, ctx).actions, Rule.INCIDENT_REFUSED)
    assert reply.key == "incident.refused:bob"
    (refused,) = read(issue, ctx).refused
    assert (refused.reason, refused.detail) == (Refusal.ACCESS_UNKNOWN, says)


def test_a_refusal_names_the_responders_without_pinging_them() -> None:
    ctx = context(
        SOON,
        make_policy(incidents={"responders": ["org/ops"]}),
        access(set(), {"org/ops": frozenset({"dora"})}),
    )
    issue = make_issue(comments=said(("bob", "/ack")))
    (reply,) = by_rule(decide(issue, ctx).actions, Rule.INCIDENT_REFUSED)
    assert reply.key == "incident.refused:bob"
    (refused,) = read(issue, ctx).refused
    assert (refused.reason, refused.detail) == (Refusal.NOT_RESPONDER, "org/ops")


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
    (reply,) = by_rule(decision.actions, Rule.INCIDENT_REFUSED)
    assert reply.key == "incident.refused:bob"
    incident = read(issue, context(SOON))
    assert [(r.reason, r.detail) for r in incident.refused] == [(Refusal.USAGE, needs)]
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
        "incident.refused:mallory",
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
    decision = decide(issue, context(london("2026-11-23 11:00")))
    assert key in {a.key for a in decision.actions}


def test_the_bots_own_marker_is_edited_in_place_not_posted_again() -> None:
    real = comment(BOT, with_marker("incident.refused:mallory", "@mallory, no"), SOON, id=99)
    issue = make_issue(comments=(real, comment("mallory", "/ack", SOON, id=100)))
    (reply,) = by_rule(decide(issue, context(SOON)).actions, Rule.INCIDENT_REFUSED)
    assert (reply.key, reply.comment_id) == ("incident.refused:mallory", 99)


def test_non_responder_priority_change_leaves_labels_and_clock_alone() -> None:
    desk = Desk(reacts=False, idempotent=False)
    desk.open(MONDAY, INCIDENT, priority="P3")
    desk.run(MONDAY)
    desk.say(SOON, "mallory", "/priority P1")
    decision = desk.run(SOON)
    assert by_rule(decision.actions, Rule.INCIDENT_PRIORITY) == []
    assert desk.issue().labels == {"incident", "P3"}
    assert decision.next_check == london("2026-11-23 12:00")


def test_an_issue_author_without_write_access_cannot_acknowledge_their_own_incident() -> None:
    issue = replace(make_issue(comments=said(("alice", "/ack"))), author="alice")
    ctx = context(SOON, access=access(writers={"bob"}))
    assert read(issue, ctx).ack is None


def test_commands_do_not_act_on_a_closed_incident_assignment() -> None:
    issue = make_issue(
        comments=said(("bob", "/lead @carol")), state="closed", closed_at=SOON, events=()
    )
    assert (
        by_rule(decide(issue, context(london("2026-11-23 10:30"))).actions, Rule.INCIDENT_LEAD)
        == []
    )


def test_a_late_acknowledgement_shows_on_the_card_as_outside_the_target() -> None:
    late = said(("bob", "/ack"))
    late_at = london("2026-11-23 10:25")
    issue = make_issue(
        comments=tuple(replace(c, created_at=late_at, updated_at=late_at) for c in late)
    )
    ctx = context(london("2026-11-23 10:30"))
    assert plan(by_rule(decide(issue, ctx).actions, Rule.INCIDENT_STATUS)) == [
        (Rule.INCIDENT_STATUS, "comment", "incident.status")
    ]
    values = status_values(read(issue, ctx))
    assert values["time_to_acknowledge"] == timedelta(minutes=25)
    assert (values["ack_target"], values["ack_in_time"]) == ("20 minutes", False)


def test_only_the_latest_lead_is_assigned() -> None:
    issue = make_issue(comments=said(("bob", "/lead @bob"), ("bob", "/lead @carol")))
    (assign,) = by_rule(decide(issue, context(SOON)).actions, Rule.INCIDENT_LEAD)
    assert assign.users == ("carol",)


# -- whom /lead and /comms name ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("situation", "text", "named", "refusal"),
    cases(
        ("/lead @carol names carol", "/lead @carol", "carol", None),
        ("/lead alone names the commenter", "/lead", "bob", None),
        ("/lead carol, a writer, without an @", "/lead carol", "carol", None),
        (
            "/lead @external-vendor: a mention need not be a writer",
            "/lead @ext-vendor",
            "ext-vendor",
            None,
        ),
        ("/lead me names nobody", "/lead me", None, Refusal.UNKNOWN_PERSON),
        (
            "/lead the platform team names nobody",
            "/lead the platform team",
            None,
            Refusal.UNKNOWN_PERSON,
        ),
        ("/lead dave, not a writer, names nobody", "/lead dave", None, Refusal.UNKNOWN_PERSON),
        (
            "an e-mail address is not a mention",
            "/lead bob@example.com",
            None,
            Refusal.UNKNOWN_PERSON,
        ),
        ("a team then a person: the person", "/lead @org/ops @carol", "carol", None),
        ("a team alone is not a person", "/lead @org/ops", None, Refusal.USAGE),
        ("/comms TBC names nobody", "/comms TBC", None, Refusal.UNKNOWN_PERSON),
        ("/comms alone names the commenter", "/comms", "bob", None),
        ("/comms carol, a writer", "/comms carol", "carol", None),
    ),
)
def test_whom_lead_and_comms_name(
    situation: str, text: str, named: str | None, refusal: Refusal | None
) -> None:
    issue = make_issue(comments=said(("bob", text)))
    incident = read(issue, context(london("2026-11-23 10:30")))
    verb = text.split()[0]
    assert (incident.lead if verb == "/lead" else incident.comms) == named
    assert [r.reason for r in incident.refused] == ([refusal] if refusal else [])
    # a /lead that names nobody does not acknowledge and assigns nobody
    if verb == "/lead":
        assert (incident.ack is not None) == (named is not None)
        assigned = by_rule(decide(issue, context(SOON)).actions, Rule.INCIDENT_LEAD)
        assert [a.users for a in assigned] == ([(named,)] if named else [])


def test_a_bare_login_listed_as_a_responder_is_a_person() -> None:
    ctx = context(SOON, make_policy(incidents={"responders": ["dora"]}), access(writers=set()))
    incident = read(make_issue(comments=(comment("dora", "/lead dora", SOON),)), ctx)
    assert incident.lead == "dora" and incident.refused == ()


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("/lead me", "me"),
        ("/comms TBC", "TBC"),
        ("/lead <b>TBC</b> ops@everyone", "<b>TBC</b> ops@everyone"),
    ],
    ids=["/lead me", "/comms TBC", "HTML and a ping are quoted harmlessly"],
)
def test_naming_nobody_gets_a_usage_hint(text: str, says: str) -> None:
    issue = make_issue(comments=said(("bob", text)))
    (reply,) = by_rule(decide(issue, context(SOON)).actions, Rule.INCIDENT_REFUSED)
    assert reply.key == "incident.refused:bob"
    (refused,) = read(issue, context(SOON)).refused
    assert (refused.command.name, refused.reason) == (text.split()[0][1:], Refusal.UNKNOWN_PERSON)
    assert refused.given == says  # quoted as given: the template defangs it


# -- one refusal reply per author -------------------------------------------------------------


def test_fifty_refused_commands_from_one_stranger_get_one_reply() -> None:
    desk = Desk(reacts=False, idempotent=False)
    desk.open(MONDAY, INCIDENT)
    for minute in range(50):
        desk.say(SOON + timedelta(seconds=minute), "mallory", "/ack")
        desk.run(SOON + timedelta(seconds=minute))
    assert [a.key for _, a in desk.posted(Rule.INCIDENT_REFUSED)] == ["incident.refused:mallory"]
    assert desk.planned(Rule.INCIDENT_REFUSED) == desk.posted(
        Rule.INCIDENT_REFUSED
    )  # the same text: no edits


@pytest.mark.parametrize(
    ("situation", "lines", "posted", "edited", "says"),
    cases(
        (
            "two strangers: a reply each",
            [("mallory", "/ack"), ("trudy", "/ack")],
            ["incident.refused:mallory", "incident.refused:trudy"],
            0,
            {"incident.refused:trudy": ("trudy", "ack")},
        ),
        (
            "a stranger's second, different command edits their reply in place",
            [("mallory", "/ack"), ("mallory", "/priority P4")],
            ["incident.refused:mallory"],
            1,
            {"incident.refused:mallory": ("mallory", "priority")},
        ),
        (
            "a responder's usage slips share one reply, showing the latest",
            [("bob", "/priority P9"), ("bob", "/lead me")],
            ["incident.refused:bob"],
            1,
            {"incident.refused:bob": ("bob", "lead")},
        ),
        (
            "another app's bot gets a reply under a key a marker can carry",
            [("dependabot[bot]", "/ack")],
            ["incident.refused:dependabot+bot+"],
            0,
            {"incident.refused:dependabot+bot+": ("dependabot[bot]", "ack")},
        ),
        (
            "a login's case does not make a second reply",
            [("Mallory", "/ack"), ("mallory", "/update hi")],
            ["incident.refused:mallory"],
            1,
            {"incident.refused:mallory": ("mallory", "update")},
        ),
    ),
)
def test_one_refusal_reply_per_author_covers_their_latest_command(
    situation: str,
    lines: list[tuple[str, str]],
    posted: list[str],
    edited: int,
    says: dict[str, tuple[str, str]],
) -> None:
    desk = Desk(reacts=False, idempotent=False)
    desk.open(MONDAY, INCIDENT)
    for minute, (who, text) in enumerate(lines):
        desk.say(SOON + timedelta(minutes=minute), who, text)
        desk.run(SOON + timedelta(minutes=minute))
    assert [a.key for _, a in desk.posted(Rule.INCIDENT_REFUSED)] == posted
    edits = [a for _, a in desk.planned(Rule.INCIDENT_REFUSED) if a.comment_id is not None]
    assert len(edits) == edited
    end = SOON + timedelta(minutes=len(lines))
    latest = {refused_key(r.command.comment.author): r for r in desk.incident_facts(end).refused}
    covered = {key: (r.command.comment.author, r.command.name) for key, r in latest.items()}
    assert {key: covered[key] for key in says} == says  # each reply covers the latest refusal
    assert desk.run(end).actions == ()


# -- the lead is assigned once per /lead --------------------------------------------------------


def unassignable_desk() -> Desk:
    """A desk whose repository, like GitHub, silently ignores assignees without access."""
    desk = Desk(reacts=False, idempotent=False)
    desk.repo = UnassignableRepository(assignable=WRITERS, bot=desk.policy.bot)
    return desk


@pytest.mark.parametrize(
    ("situation", "lines", "assigned", "note"),
    cases(
        (
            "an assignable lead: assigned once",
            [(SOON, "/lead @carol")],
            [("carol",)],
            False,
        ),
        (
            "a lead GitHub cannot assign: tried once, not every run",
            [(SOON, "/lead @external-vendor")],
            [("external-vendor",)],
            True,
        ),
        (
            "a new /lead for the same unassignable person: tried once more",
            [
                (SOON, "/lead @external-vendor"),
                (london("2026-11-23 12:30"), "/lead @external-vendor"),
            ],
            [("external-vendor",), ("external-vendor",)],
            True,
        ),
        (
            "an unassignable lead, then an assignable one: each once",
            [(SOON, "/lead @external-vendor"), (london("2026-11-23 12:30"), "/lead @carol")],
            [("external-vendor",), ("carol",)],
            False,
        ),
    ),
)
def test_the_lead_is_assigned_once_per_lead_command(
    situation: str, lines: list[tuple[datetime, str]], assigned: list[tuple[str, ...]], note: bool
) -> None:
    desk = unassignable_desk()
    desk.open(MONDAY, INCIDENT)
    for when, text in lines:
        desk.say(when, "bob", text)
        desk.every(when, when + timedelta(hours=2), timedelta(minutes=30))
    assert [a.users for _, a in desk.planned(Rule.INCIDENT_LEAD)] == assigned
    assert isinstance(desk.repo, UnassignableRepository)
    assert desk.repo.assign_calls == len(assigned)
    end = lines[-1][0] + timedelta(hours=2)
    assert desk.incident_facts(end).assignment.unassigned is note
    assert desk.run(end).actions == ()


def test_the_lead_trace_in_a_users_comment_is_ignored() -> None:
    forged = comment("mallory", "<!-- dutydesk-lead-assigned:100 -->", SOON, id=99)
    issue = make_issue(comments=(forged, comment("bob", "/lead @carol", SOON, id=100)))
    (assign,) = by_rule(decide(issue, context(SOON)).actions, Rule.INCIDENT_LEAD)
    assert assign.users == ("carol",)


# -- a responder's mistyped command gets one reply listing the commands (issue 14) -------------


@pytest.mark.parametrize(
    ("situation", "text", "expected"),
    cases(
        ("a longer word for /ack", "/acknowledge", ("/acknowledge", "ack")),
        ("a typo of /ack", "/ak", ("/ak", "ack")),
        ("a swap of two letters", "/udpate db is back", ("/udpate", "update")),
        ("a typo of /priority, with words", "/priorty P2", ("/priorty", "priority")),
        ("a short form of /priority", "/prio P2", ("/prio", "priority")),
        ("/ack with punctuation", "/ack.", ("/ack.", "ack")),
        ("/lead with a colon", "/lead: @carol", ("/lead:", "lead")),
        ("capitals and a comma", "/ACKNOWLEDGED, on it", ("/ACKNOWLEDGED,", "ack")),
        ("a past tense, with words", "/updated the status page", ("/updated", "update")),
        ("a word alone on the line", "/help", ("/help", None)),
        ("a change request's command", "/approve", ("/approve", None)),
        ("a path", "/var/log is full", None),
        ("a path alone", "/etc/hosts", None),
        ("a file name", "/index.html returns 404", None),
        ("a far word with words after it", "/tmp is full again", None),
        ("an IRC habit", "/me waves", None),
        ("a word two typos from a short command", "/cc @carol", None),
        ("a command", "/ack", None),
        ("a command answered as refused instead", "/update", None),
        ("not at the start of the line", "see /ak", None),
        ("not on the first line", "thanks\n/ak", None),
        ("no word after the slash", "/ 2", None),
    ),
)
def test_which_first_lines_look_like_a_command(
    situation: str, text: str, expected: tuple[str, str | None] | None
) -> None:
    incident = read(make_issue(comments=said(("bob", text))), context(london("2026-11-23 10:30")))
    assert [(u.word, u.suggestion) for u in incident.unknown] == ([expected] if expected else [])


@pytest.mark.parametrize(
    ("situation", "who", "ctx", "answered"),
    cases(
        ("a responder", "bob", context(SOON), True),
        ("a stranger", "mallory", context(SOON), False),
        ("when who may write cannot be read", "bob", context(SOON, access=access(None)), False),
        (
            "a writer who is not one of the policy's responders",
            "carol",
            context(SOON, make_policy(incidents={"responders": ["bob"]})),
            False,
        ),
    ),
)
def test_only_a_responder_is_answered(
    situation: str, who: str, ctx: Context, answered: bool
) -> None:
    decision = decide(make_issue(comments=said((who, "/acknowledge"))), ctx)
    keys = [key for _, _, key in plan(by_rule(decision.actions, Rule.INCIDENT_REFUSED))]
    assert keys == ([unknown_key(who)] if answered else [])


def test_one_reply_per_responder_follows_their_latest_mistake() -> None:
    desk = Desk()
    desk.open(MONDAY, INCIDENT)
    desk.say(SOON, "bob", "/ak")
    desk.say(london("2026-11-23 10:06"), "carol", "/prio P2")
    desk.say(london("2026-11-23 10:07"), "bob", "/acknowledge")
    posted = [a.key for _, a in desk.posted(Rule.INCIDENT_REFUSED)]
    assert posted == [unknown_key("bob"), unknown_key("carol")]
    latest = desk.incident_facts(london("2026-11-23 10:08")).unknown[-1]
    assert (latest.comment.author, latest.word) == ("bob", "/acknowledge")
    assert "`/acknowledge`" in desk.bot_text(unknown_key("bob"))
    assert desk.incident_facts(london("2026-11-23 10:08")).ack is None, "it changed nothing"


def test_a_first_line_is_read_as_its_author_wrote_it() -> None:
    desk = Desk()
    desk.open(MONDAY, INCIDENT)
    cid = desk.say(SOON, "bob", "looking into it")
    desk.edit_comment(london("2026-11-23 10:06"), "carol", cid, "/ak")  # another writer's edit
    assert desk.posted(Rule.INCIDENT_REFUSED) == []
    mine = desk.say(london("2026-11-23 10:07"), "carol", "on it")
    desk.edit_comment(london("2026-11-23 10:08"), "carol", mine, "/ak")  # the author's own edit
    assert [a.key for _, a in desk.posted(Rule.INCIDENT_REFUSED)] == [unknown_key("carol")]


def test_the_bots_own_comments_are_never_answered() -> None:
    own = comment(BOT, "/help", SOON, id=55)
    decision = decide(make_issue(comments=(own,)), context(SOON))
    assert by_rule(decision.actions, Rule.INCIDENT_REFUSED) == []
