"""Labels drive priority (issue 11, attack 5): the priority label is state.

A responder who adds or swaps a priority label re-prioritises as `/priority` does: the clock
runs from the label's time, the status card and the register show it, and the bot keeps one
priority label by removing the other one, never the responder's. Anyone else's change is put
back with one reply per person. The bot's own label changes are nobody's statement.

The people: alice files, bob and carol are the responders, mallory can write but is not a
responder.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from desk import (
    BOT,
    INCIDENT,
    MONDAY,
    Desk,
    access,
    by_rule,
    cases,
    closed,
    comment,
    context,
    decide,
    incident_facts,
    labelled,
    london,
    make_issue,
    make_policy,
    plan,
    priority_option,
    reopened,
    unlabelled,
    utc,
)
from dutydesk.actions import Kind
from dutydesk.engine import Context
from dutydesk.model import IssueEvent
from dutydesk.rules.ids import Refusal, Rule
from dutydesk.views.report import register_row

RESPONDERS = ["bob", "carol"]
POLICY = make_policy(incidents={"responders": RESPONDERS})
ACCESS = access(writers=["alice", "bob", "carol", "mallory"])
T = london("2026-11-23 10:30")  # the relabel, half an hour after opening
AFTER = london("2026-11-23 10:40")


def ctx_at(now: datetime, policy: Any = POLICY, who: Any = ACCESS) -> Context:
    return context(now, policy, who)


def labels_planned(actions: Sequence[Any], kind: Kind) -> list[str]:
    return [
        lbl for a in by_rule(actions, Rule.INCIDENT_PRIORITY) if a.kind is kind for lbl in a.labels
    ]


# -- reading: who said which priority when ---------------------------------------------------


@pytest.mark.parametrize(
    ("situation", "overrides", "expected"),
    cases(
        (
            "a responder swaps P3 for P1",
            {
                "labels": {"incident", "P1"},
                "events": [unlabelled("bob", "P3", T), labelled("bob", "P1", T)],
            },
            [("P3", MONDAY, "alice", "form"), ("P1", T, "bob", "label")],
        ),
        (
            "a responder adds P1 beside P3",
            {"labels": {"incident", "P1", "P3"}, "events": [labelled("bob", "P1", T)]},
            [("P3", MONDAY, "alice", "form"), ("P1", T, "bob", "label")],
        ),
        (
            "the bot's swap in the same second is nobody's statement",
            {
                "labels": {"incident", "P1"},
                "events": [
                    labelled("bob", "P1", T),
                    unlabelled(BOT, "P3", T),
                    labelled(BOT, "P2", T),
                ],
            },
            [("P3", MONDAY, "alice", "form"), ("P1", T, "bob", "label")],
        ),
        (
            "the bot's own label is no statement",
            {"labels": {"incident", "P1"}, "events": [labelled(BOT, "P1", T)]},
            [("P3", MONDAY, "alice", "form")],
        ),
        (
            "a non-responder's label is no statement",
            {"labels": {"incident", "P1"}, "events": [labelled("mallory", "P1", T)]},
            [("P3", MONDAY, "alice", "form")],
        ),
        (
            "a responder taking the only priority label off is no statement",
            {"labels": {"incident"}, "events": [unlabelled("bob", "P3", T)]},
            [("P3", MONDAY, "alice", "form")],
        ),
        (
            "two labels at once: the more urgent",
            {
                "labels": {"incident", "P2", "P1"},
                "events": [labelled("bob", "P2", T), labelled("bob", "P1", T)],
            },
            [("P3", MONDAY, "alice", "form"), ("P1", T, "bob", "label")],
        ),
        (
            "re-adding the priority in force does not restart the clock",
            {
                "labels": {"incident", "P3"},
                "events": [unlabelled("bob", "P3", T), labelled("carol", "P3", AFTER)],
            },
            [("P3", MONDAY, "alice", "form")],
        ),
        (
            "the author's later edit of the form wins over an earlier label",
            {
                "labels": {"incident", "P1"},
                "events": [labelled("bob", "P1", T)],
                "edits": [(AFTER, {"priority": "P2"})],
            },
            [
                ("P3", MONDAY, "alice", "form"),
                ("P1", T, "bob", "label"),
                ("P2", AFTER, "alice", "form"),
            ],
        ),
        (
            "a label after a /priority wins",
            {
                "labels": {"incident", "P4"},
                "comments": [comment("carol", "/priority P2", london("2026-11-23 10:10"))],
                "events": [labelled("bob", "P4", T)],
            },
            [
                ("P3", MONDAY, "alice", "form"),
                ("P2", london("2026-11-23 10:10"), "carol", "/priority"),
                ("P4", T, "bob", "label"),
            ],
        ),
        (
            "a /priority and a label in the same second: the label is later",
            {
                "labels": {"incident", "P4"},
                "comments": [comment("carol", "/priority P2", T)],
                "events": [labelled("bob", "P4", T)],
            },
            [
                ("P3", MONDAY, "alice", "form"),
                ("P2", T, "carol", "/priority"),
                ("P4", T, "bob", "label"),
            ],
        ),
        (
            "an untriaged incident labelled P1 is P1 from the label",
            {
                "priority": None,
                "labels": {"incident", "needs-triage", "P1"},
                "events": [labelled("bob", "P1", T)],
            },
            [("P1", T, "bob", "label")],
        ),
    ),
)
def test_who_said_which_priority_when(
    situation: str, overrides: dict[str, Any], expected: list[tuple[str, datetime, str, str]]
) -> None:
    incident = incident_facts(make_issue(**{"priority": "P3", **overrides}), ctx_at(AFTER))
    assert [(c.priority, c.at, c.by, c.via) for c in incident.changes] == expected


@pytest.mark.parametrize(
    ("situation", "editor", "expected"),
    cases(
        ("the author's edit counts", "alice", ["P3", "P1"]),
        ("a responder's edit counts", "bob", ["P3", "P1"]),
        ("a writer who is neither changes no priority", "mallory", ["P3"]),
    ),
)
def test_the_form_counts_as_its_author_or_a_responder_edits_it(
    situation: str, editor: str, expected: list[str]
) -> None:
    d = desk()
    d.open(MONDAY, INCIDENT, priority="P3")
    d.edit(T, by=editor, priority=priority_option("P1"))
    assert [c.priority for c in d.incident_facts(AFTER).changes] == expected
    assert d.issue().labels == {"incident", expected[-1]}


# -- planning: one priority label, theirs kept, and one reply for a refused change -----------


REPLY = "incident.refused:label:"


@pytest.mark.parametrize(
    ("situation", "labels", "events", "added", "removed", "reply"),
    cases(
        (
            "a responder's swap: nothing left to do",
            {"P1"},
            [unlabelled("bob", "P3", T), labelled("bob", "P1", T)],
            [],
            [],
            None,
        ),
        (
            "a responder adds P1: the bot removes P3, not P1",
            {"P1", "P3"},
            [labelled("bob", "P1", T)],
            [],
            ["P3"],
            None,
        ),
        (
            "a non-responder adds P1: it comes off, with a reply",
            {"P1", "P3"},
            [labelled("mallory", "P1", T)],
            [],
            ["P1"],
            "mallory",
        ),
        (
            "a non-responder swaps: P3 back, P1 off, a reply",
            {"P1"},
            [unlabelled("mallory", "P3", T), labelled("mallory", "P1", T)],
            ["P3"],
            ["P1"],
            "mallory",
        ),
        (
            "a non-responder removes P3: it is back, a reply",
            set(),
            [unlabelled("mallory", "P3", T)],
            ["P3"],
            [],
            "mallory",
        ),
        (
            "the reporter is no responder either",
            {"P1", "P3"},
            [labelled("alice", "P1", T)],
            [],
            ["P1"],
            "alice",
        ),
        (
            "another bot is no responder",
            {"P1", "P3"},
            [labelled("dependabot[bot]", "P1", T)],
            [],
            ["P1"],
            "dependabot[bot]",
        ),
        (
            "a deleted account: put back, nobody to answer",
            {"P1", "P3"},
            [labelled("", "P1", T)],
            [],
            ["P1"],
            None,
        ),
        (
            "a responder takes the only label off: back, with how to change it",
            set(),
            [unlabelled("bob", "P3", T)],
            ["P3"],
            [],
            "bob",
        ),
        (
            "a responder's swap in two steps: nothing to say",
            {"P1"},
            [unlabelled("bob", "P3", T), labelled("bob", "P1", AFTER)],
            [],
            [],
            None,
        ),
        (
            "a responder tidies away a stray label: nothing to say",
            {"P3"},
            [unlabelled("bob", "P4", T)],
            [],
            [],
            None,
        ),
        ("a label with no record of who added it is put right", {"P1", "P3"}, [], [], ["P1"], None),
    ),
)
def test_one_priority_label_and_one_reply(
    situation: str,
    labels: set[str],
    events: list[IssueEvent],
    added: list[str],
    removed: list[str],
    reply: str | None,
) -> None:
    issue = make_issue(priority="P3", labels={"incident", *labels}, events=events)
    actions = decide(issue, ctx_at(AFTER)).actions
    assert labels_planned(actions, Kind.ADD_LABELS) == added
    assert labels_planned(actions, Kind.REMOVE_LABELS) == removed
    replies = [
        k for _, _, k in plan(by_rule(actions, Rule.INCIDENT_REFUSED)) if k and k.startswith(REPLY)
    ]
    assert replies == ([REPLY + reply.replace("[", "+").replace("]", "+")] if reply else [])


def test_a_refused_change_says_why_and_what_stays() -> None:
    issue = make_issue(
        priority="P3", labels={"incident", "P1", "P3"}, events=[labelled("mallory", "P1", T)]
    )
    (relabel,) = incident_facts(issue, ctx_at(AFTER)).relabels
    assert (
        relabel.change.by,
        relabel.change.added,
        relabel.reason,
        relabel.detail,
        relabel.stays,
    ) == (
        "mallory",
        ("P1",),
        Refusal.NOT_RESPONDER,
        "bob, carol",
        "P3",
    )


def test_an_untriaged_incident_labelled_by_someone_else_stays_untriaged() -> None:
    issue = make_issue(
        priority=None,
        labels={"incident", "needs-triage", "P1"},
        events=[labelled("mallory", "P1", T)],
    )
    incident = incident_facts(issue, ctx_at(AFTER))
    assert incident.priority is None and incident.relabels[0].stays is None
    actions = decide(issue, ctx_at(AFTER)).actions
    assert labels_planned(actions, Kind.REMOVE_LABELS) == ["P1"]


# -- over time, on a desk: the card, the register, the escalation -----------------------------


def desk(**kw: Any) -> Desk:
    return Desk(kw.pop("policy", POLICY), writers=["alice", "bob", "carol", "mallory"], **kw)


@pytest.mark.parametrize(
    ("situation", "add", "remove"),
    cases(("P1 added beside P3", ["P1"], []), ("P3 swapped for P1", ["P1"], ["P3"])),
)
def test_a_responder_relabels_p3_to_p1(situation: str, add: list[str], remove: list[str]) -> None:
    d = desk()
    d.open(MONDAY, INCIDENT, priority="P3")
    d.label(T, "bob", add=add, remove=remove)
    assert d.issue().labels == {"incident", "P1"}
    bot_removed = [
        lbl for _, a in d.planned(Rule.INCIDENT_PRIORITY, Kind.REMOVE_LABELS) for lbl in a.labels
    ]
    assert "P1" not in bot_removed
    incident = d.incident_facts(AFTER)
    assert incident.period is not None
    assert (incident.period.priority.id, incident.period.start, incident.period.due) == (
        "P1",
        T,
        london("2026-11-23 10:50"),
    )
    assert "| **Priority** | P1 Critical (since Mon 23 Nov 2026 10:30 GMT) |" in d.card()
    assert "Mon 23 Nov 2026 10:50 GMT (20 minutes)" in d.card()
    d.run(london("2026-11-23 10:50"))
    assert d.posted(Rule.INCIDENT_ESCALATION), "the P1 clock runs from the label"
    row = register_row(d.incident_facts(london("2026-11-23 11:00")), london("2026-11-23 11:00"))
    assert (row.priority, row.response_met) == ("P1", False)


def test_a_responder_labels_an_untriaged_incident() -> None:
    d = desk()
    d.open(MONDAY, INCIDENT, priority="")
    assert "needs-triage" in d.issue().labels
    d.label(T, "bob", add=["P1"])
    assert d.issue().labels == {"incident", "P1"}
    incident = d.incident_facts(AFTER)
    assert incident.period is not None
    assert (incident.period.start, incident.period.due) == (T, london("2026-11-23 10:50"))
    assert "(since Mon 23 Nov 2026 10:30 GMT)" in d.card()


def test_a_non_responder_is_put_back_with_one_reply_that_follows_their_latest_try() -> None:
    d = desk()
    d.open(MONDAY, INCIDENT, priority="P3")
    d.label(T, "mallory", add=["P1"], remove=["P3"])
    assert d.issue().labels == {"incident", "P3"}
    first = d.bot_text(REPLY + "mallory")
    assert "adding `P1` and removing `P3` changed nothing" in first
    d.label(AFTER, "mallory", add=["P2"])
    assert d.issue().labels == {"incident", "P3"}
    assert len(d.posted(Rule.INCIDENT_REFUSED)) == 1, "one reply, edited in place"
    assert "adding `P2` changed nothing" in d.bot_text(REPLY + "mallory")
    incident = d.incident_facts(AFTER)
    assert incident.period is not None and incident.period.start == MONDAY
    row = register_row(d.incident_facts(london("2026-11-23 10:51")), london("2026-11-23 10:51"))
    assert (row.priority, row.response_met) == ("P3", None)


def test_when_the_responders_team_cannot_be_read_a_label_is_put_back_and_the_reply_says_why() -> (
    None
):
    team = "example-org/platform"
    d = desk(policy=make_policy(incidents={"responders": [team]}), teams={team: None})
    d.open(MONDAY, INCIDENT, priority="P3")
    d.label(T, "bob", add=["P1"])
    assert d.issue().labels == {"incident", "P3"}
    (relabel,) = d.incident_facts(AFTER).relabels
    assert relabel.reason is Refusal.ACCESS_UNKNOWN
    assert f"the members of {team} could not be read" in d.bot_text(REPLY + "bob")


def test_a_responder_who_takes_the_only_label_off_gets_it_back_and_how_to_change_it() -> None:
    d = desk()
    d.open(MONDAY, INCIDENT, priority="P3")
    d.label(T, "bob", remove=["P3"])
    assert d.issue().labels == {"incident", "P3"}
    assert "an incident keeps its priority" in d.bot_text(REPLY + "bob")


# -- the clock from the label's time ---------------------------------------------------------


@pytest.mark.parametrize(
    ("situation", "opened", "to", "at", "due"),
    cases(
        (
            "lowered to P3 on a Friday afternoon: due Monday",
            london("2026-11-27 15:00"),
            "P3",
            london("2026-11-27 15:30"),
            london("2026-11-30 10:30"),
        ),
        (
            "lowered to P3 on Christmas Eve: past Christmas and the Boxing Day holiday",
            london("2026-12-24 15:00"),
            "P3",
            london("2026-12-24 15:30"),
            london("2026-12-29 10:30"),
        ),
        (
            "raised to P1 as the clocks go back: 20 real minutes",
            utc("2026-10-25 00:30"),
            "P1",
            utc("2026-10-25 00:50"),
            utc("2026-10-25 01:10"),
        ),
    ),
)
def test_the_clock_runs_from_the_label(
    situation: str, opened: datetime, to: str, at: datetime, due: datetime
) -> None:
    start = "P4" if to == "P1" else "P1"
    issue = make_issue(
        priority=start,
        created_at=opened,
        labels={"incident", to},
        events=[unlabelled("bob", start, at), labelled("bob", to, at)],
    )
    incident = incident_facts(issue, ctx_at(at + timedelta(minutes=1)))
    period = incident.period
    assert period is not None and period.due is not None
    # In UTC: an aware time in the repeated autumn hour never equals one of another zone.
    assert (period.priority.id, period.start, period.due.astimezone(UTC)) == (to, at, due)


def test_a_relabel_while_closed_counts_from_the_label_and_its_clock_waits_for_reopening() -> None:
    issue = make_issue(
        priority="P3",
        labels={"incident", "P2"},
        events=[
            closed("bob", london("2026-11-23 10:20")),
            labelled("bob", "P2", T),
            reopened("bob", london("2026-11-23 11:00")),
        ],
    )
    incident = incident_facts(issue, ctx_at(london("2026-11-23 11:05")))
    assert incident.period is not None
    assert (incident.period.start, incident.period.due) == (T, london("2026-11-23 12:00"))


# -- attack 4's reverse still holds beside labels ---------------------------------------------


def test_a_forged_priority_changes_nothing_and_the_responders_label_still_does() -> None:
    d = desk(reacts=False, idempotent=False)
    d.open(MONDAY, INCIDENT, priority="P1")
    look = d.say(london("2026-11-23 10:05"), "bob", "looking into it")
    d.edit_comment(london("2026-11-23 10:25"), "mallory", look, "/priority P4")
    d.run(london("2026-11-23 10:26"))
    assert d.incident_facts(london("2026-11-23 10:26")).changes[-1].priority == "P1"
    d.label(T, "bob", add=["P4"])
    d.run(T)
    incident = d.incident_facts(AFTER)
    assert [(c.priority, c.via) for c in incident.changes] == [("P1", "form"), ("P4", "label")]
    assert d.issue().labels >= {"P4"} and "P1" not in d.issue().labels


def test_renamed_priority_labels_drive_priority_too() -> None:
    policy = make_policy(
        incidents={"responders": RESPONDERS}, labels={"P1": "sev-1", "P3": "sev-3"}
    )
    issue = make_issue(
        priority="P3", labels={"incident", "sev-1", "sev-3"}, events=[labelled("bob", "sev-1", T)]
    )
    incident = incident_facts(issue, ctx_at(AFTER, policy))
    assert [(c.priority, c.via) for c in incident.changes] == [("P3", "form"), ("P1", "label")]
    actions = decide(issue, ctx_at(AFTER, policy)).actions
    assert labels_planned(actions, Kind.REMOVE_LABELS) == ["sev-3"]
