"""What the incident comments say, template by template.

The rule tests (tests/test_incidents.py, tests/test_incident_commands.py) assert on what is
planned, `(rule, kind, key)`, and on the facts and template values the rules read; here each
incident_* template is rendered, either from a table of values with
`dutydesk.templating.render` or by driving the rules over the same situations as the rule
tests and reading the body they wrote.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from desk import (
    INCIDENT,
    MONDAY,
    SOON,
    WRITERS,
    Desk,
    UnassignableRepository,
    access,
    body,
    by_rule,
    cases,
    closed,
    comment,
    context,
    decide,
    incident_facts,
    local,
    london,
    make_issue,
    make_policy,
    priority_option,
    said,
    table_cells,
    texts,
)
from dutydesk.actions import Kind
from dutydesk.engine import Decision
from dutydesk.rules.ids import Refusal, Rule
from dutydesk.rules.incidents import Figures
from dutydesk.rules.incidents.commands import Update
from dutydesk.rules.incidents.status import status_values
from dutydesk.templating import render

PRIORITIES = make_policy().priorities
P1, P3 = PRIORITIES["P1"], PRIORITIES["P3"]


def comment_of(decision: Decision, rule: str) -> str:
    """The body of the one comment `rule` planned."""
    (posted,) = [a for a in by_rule(decision.actions, rule) if a.kind is Kind.COMMENT]
    return posted.body or ""


# -- rendered from values ----------------------------------------------------------------------

INVALID = {"author": "alice", "given": None, "priorities": list(PRIORITIES.values())}


@pytest.mark.parametrize(
    ("situation", "values", "says", "never"),
    cases(
        (
            "no answer: how to set a priority",
            {},
            [
                "@alice, this incident has no priority I can use, so it is labelled"
                " `needs-triage` and no response clock is running.",
                "a responder can add a priority label or comment `/priority P1` (to `P4`)",
                "| **P1** Critical | Complete outage, or ongoing unauthorised access | 20 minutes |",
                "| **P3** Significant |",
                "If you are unsure, pick the higher priority",
            ],
            ["the form says"],
        ),
        (
            "an unknown answer is quoted, defanged",
            {"given": "P9 <b>@everyone</b>"},
            ['(the form says "P9 &lt;b&gt;@\u200beveryone&lt;/b&gt;")'],
            ["<b>", "@everyone"],
        ),
    ),
)
def test_the_invalid_priority_comment(
    situation: str, values: dict[str, Any], says: list[str], never: list[str]
) -> None:
    text = render("incident_invalid.md.j2", **{**INVALID, **values})
    for fragment in says:
        assert fragment in text
    for fragment in never:
        assert fragment not in text


ESCALATION = {
    "priority": P1,
    "due": local("2026-11-23 10:20"),
    "start": local("2026-11-23 10:00"),
    "opened": local("2026-11-23 10:00"),
    "contacts": ["example-org/incident-managers"],
    "rota": None,
    "cover": "support",
    "cover_from": local("2026-11-23 18:00"),
}


@pytest.mark.parametrize(
    ("situation", "values", "says", "never"),
    cases(
        (
            "the contacts are summoned",
            {},
            [
                "**Escalation: P1 Critical not acknowledged within 20 minutes.**",
                "@example-org/incident-managers: this incident was due a response by"
                " Mon 23 Nov 2026 10:20 GMT and nobody has acknowledged it.",
                "- Opened Mon 23 Nov 2026 10:00 GMT.",
                "a responder comments `/ack`, or `/lead @someone`",
                "For a P1, name a communications lead (`/comms @someone`)",
            ],
            ["On call now", "nobody is on duty"],
        ),
        (
            "no contacts: the policy key that names none",
            {"priority": P3, "contacts": []},
            [
                "The policy names no escalation contacts for P3 (`priorities.P3.escalate_to`).",
            ],
            ["communications lead", "@example-org"],
        ),
        (
            "on call: the people on call",
            {
                "cover": "on-call",
                "rota": make_policy(
                    rota=[{"from": "2026-11-16", "primary": "dora", "secondary": "eve"}]
                ).rota[0],
            },
            ["On call now: @dora (primary), @eve (secondary)."],
            ["nobody is on duty"],
        ),
        (
            "no cover: when cover starts",
            {"cover": "none", "cover_from": local("2026-11-24 07:00")},
            ["nobody is on duty until Tue 24 Nov 2026 07:00 GMT"],
            ["On call now"],
        ),
        (
            "a priority raised later: since when",
            {"start": local("2026-11-23 10:30")},
            ["- Opened Mon 23 Nov 2026 10:00 GMT; P1 since Mon 23 Nov 2026 10:30 GMT."],
            [],
        ),
    ),
)
def test_the_escalation_comment(
    situation: str, values: dict[str, Any], says: list[str], never: list[str]
) -> None:
    text = render("incident_escalation.md.j2", **{**ESCALATION, **values})
    for fragment in says:
        assert fragment in text
    for fragment in never:
        assert fragment not in text


REMINDER = {
    "priority": P1,
    "due": local("2026-11-23 11:00"),
    "last": None,
    "last_at": None,
    "every": "1 hour",
    "after": None,
    "people": [],
}


@pytest.mark.parametrize(
    ("situation", "values", "starts", "says"),
    cases(
        (
            "no update yet",
            {},
            "**an update on this P1 incident was due Mon 23 Nov 2026 11:00 GMT.**",
            "P1 incidents need an update every 1 hour; none has been posted yet.",
        ),
        (
            "the comms lead and the lead are reminded",
            {"people": ["carol", "bob"]},
            "@carol, @bob: **an update on this P1 incident",
            "Post one as a comment starting `/update`",
        ),
        (
            "the last update",
            {
                "last": Update(local("2026-11-23 10:40"), "bob", "failing over"),
                "last_at": local("2026-11-23 10:40"),
            },
            "**an update",
            "; the last was Mon 23 Nov 2026 10:40 GMT.",
        ),
        (
            "one update after a time",
            {"priority": P3, "every": None, "after": "2 business days"},
            "**an update on this P3 incident",
            "P3 incidents need an update after 2 business days, and none has been posted yet.",
        ),
    ),
)
def test_the_update_reminder(
    situation: str, values: dict[str, Any], starts: str, says: str
) -> None:
    text = render("incident_reminder.md.j2", **{**REMINDER, **values})
    assert text.startswith(starts)
    assert says in text


@pytest.mark.parametrize(
    ("situation", "values", "says"),
    cases(
        (
            "not a responder",
            {"reason": Refusal.NOT_RESPONDER, "detail": "org/ops"},
            "@mallory, `/ack` changed nothing: only incident responders can use it (org/ops).",
        ),
        (
            "who the responders are could not be read",
            {
                "reason": Refusal.ACCESS_UNKNOWN,
                "detail": "the members of org/ops could not be read",
            },
            "@mallory, `/ack` changed nothing: I could not check that you are an incident"
            " responder, because the members of org/ops could not be read. Ask a maintainer",
        ),
        (
            "a word that names nobody",
            {"reason": Refusal.UNKNOWN_PERSON, "command": "lead", "given": "me"},
            '@mallory, `/lead` changed nothing: "me" names nobody I can use. Name a person with'
            " an @mention, for example `/lead @someone`, or write `/lead` alone to name yourself.",
        ),
        (
            "a malformed /priority",
            {"reason": Refusal.USAGE, "command": "priority", "detail": "one of P1, P2, P3 or P4"},
            "@mallory, `/priority` changed nothing: it needs one of P1, P2, P3 or P4,"
            " for example `/priority P2`.",
        ),
        (
            "a team as lead",
            {"reason": Refusal.USAGE, "command": "lead", "detail": "a person, not a team"},
            "it needs a person, not a team, for example `/lead @someone`.",
        ),
    ),
)
def test_the_refusal_reply(situation: str, values: dict[str, Any], says: str) -> None:
    base = {"author": "mallory", "command": "ack", "detail": "", "given": ""}
    text = render("incident_refused.md.j2", **{**base, **values, "reason": str(values["reason"])})
    assert says in text
    assert "@org/ops" not in text


@pytest.mark.parametrize(
    ("situation", "values", "says"),
    cases(
        (
            "a non-responder's swap",
            {"added": ["P1"], "removed": ["P3"]},
            "@mallory, adding `P1` and removing `P3` changed nothing: only incident responders"
            " can change an incident's priority (bob, carol), with a priority label or"
            " `/priority`. It stays P3 Significant, and `P3` is its only priority label again.",
        ),
        (
            "a non-responder's removal",
            {"added": [], "removed": ["P3"]},
            "@mallory, removing `P3` changed nothing: only incident responders",
        ),
        (
            "two labels at once",
            {"added": ["P1", "P2"], "removed": ["P3", "P4", "needs-triage"]},
            "adding `P1` and `P2` and removing `P3`, `P4` and `needs-triage` changed nothing",
        ),
        (
            "who the responders are could not be read",
            {
                "reason": Refusal.ACCESS_UNKNOWN,
                "detail": "the members of example-org/platform could not be read",
            },
            "I could not check that you are an incident responder, because the members of"
            " example-org/platform could not be read. Ask a maintainer",
        ),
        (
            "a responder took the only priority label off",
            {"reason": Refusal.USAGE, "added": [], "removed": ["P3"]},
            "@mallory, removing `P3` changed nothing: an incident keeps its priority until a"
            " responder sets another. To change it, add the new priority's label (I take the old"
            " one off) or comment `/priority P2`. It stays P3",
        ),
        (
            "no priority yet",
            {"stays": None, "stays_label": None},
            "It still has no priority, so I have taken the label off: a responder sets one with"
            " a priority label or `/priority P1`…`P4`.",
        ),
        (
            "the reporter is told they may edit the form",
            {"reporter": True},
            "As its reporter, you can change the priority by editing the form.",
        ),
    ),
)
def test_the_relabel_reply(situation: str, values: dict[str, Any], says: str) -> None:
    base = {
        "author": "mallory",
        "added": ["P1"],
        "removed": ["P3"],
        "reason": Refusal.NOT_RESPONDER,
        "detail": "bob, carol",
        "stays": P3,
        "stays_label": "P3",
        "reporter": False,
    }
    values = {**base, **values}
    text = render("incident_relabel.md.j2", **{**values, "reason": str(values["reason"])})
    assert says in text
    assert "\n" not in text.strip()
    assert values["reporter"] == ("reporter" in text)


@pytest.mark.parametrize(
    ("situation", "values", "says"),
    cases(
        (
            "a word close to a command",
            {"word": "/ak", "suggestion": "ack"},
            "@bob, `/ak` is not an incident command, so it changed nothing: did you mean `/ack`?",
        ),
        (
            "a word close to none",
            {"word": "/help", "suggestion": None},
            "@bob, `/help` is not an incident command, so it changed nothing. A command is the"
            " first line of a comment, written as one of these:",
        ),
        ("it lists /ack", {}, "- `/ack`: acknowledge the incident"),
        ("it lists /lead", {}, "- `/lead @someone`: name the incident lead"),
        ("it lists /comms", {}, "- `/comms @someone`: name the comms lead"),
        (
            "it lists /priority with the policy's priorities",
            {"priorities": ["P1", "P2"]},
            "- `/priority P2`: change the priority (one of P1, P2)",
        ),
        ("it lists /update", {}, "- `/update what changed, what next`: post an update"),
    ),
)
def test_the_unknown_command_reply(situation: str, values: dict[str, Any], says: str) -> None:
    base = {"author": "bob", "word": "/ak", "suggestion": "ack", "priorities": list(PRIORITIES)}
    text = render("incident_unknown_command.md.j2", **{**base, **values})
    assert says in text


def test_the_unknown_command_reply_as_the_rule_writes_it() -> None:
    decision = decide(make_issue(comments=said(("bob", "/acknowledge"))), context(SOON))
    text = comment_of(decision, Rule.INCIDENT_REFUSED)
    assert text.startswith("@bob, `/acknowledge` is not an incident command")
    assert "did you mean `/ack`?" in text
    assert "(one of P1, P2, P3, P4)" in text


@pytest.mark.parametrize(
    ("situation", "contacts", "says"),
    cases(
        (
            "the contacts are asked to look",
            ["example-org/cyber-security"],
            "@example-org/cyber-security: please take a look.",
        ),
        (
            "no contacts: the policy key",
            [],
            "The policy names no security contacts (`incidents.security_contacts`): notify your"
            " Cyber Security team yourself.",
        ),
    ),
)
def test_the_security_comment(situation: str, contacts: list[str], says: str) -> None:
    reasons = ["This involves a data or security breach", "<b>@everyone</b>"]
    text = render("incident_security.md.j2", reasons=reasons, contacts=contacts)
    assert text.startswith(
        "**This is being handled as a security incident** (This involves a data or security"
        " breach; &lt;b&gt;@\u200beveryone&lt;/b&gt;)."
    )
    assert says in text
    assert "Notify the Cyber Security team now" in text and "data-breach (GDPR)" in text


MET = Figures(timedelta(minutes=5), timedelta(hours=2), True, True, 0)


@pytest.mark.parametrize(
    ("situation", "people", "figures", "says"),
    cases(
        (
            "targets met",
            ["bob"],
            MET,
            "Acknowledged after 5 minutes; resolved after 2 hours. Response target met;"
            " update frequency met.",
        ),
        (
            "targets missed",
            [],
            replace(MET, response_met=False, updates_met=False, missed_updates=3),
            "Response target **missed**; update frequency **missed** (3 due time(s) passed"
            " without an update).",
        ),
        (
            "never acknowledged",
            [],
            replace(MET, time_to_acknowledge=None),
            "Never acknowledged; resolved after 2 hours.",
        ),
    ),
)
def test_the_review_comment(situation: str, people: list[str], figures: Figures, says: str) -> None:
    text = render("incident_review.md.j2", priority=P1, people=people, figures=figures)
    heading = "**this P1 incident is resolved. Please hold a blameless post-incident review.**"
    assert text.startswith(f"@{people[0]}: {heading}" if people else heading)
    assert says in text
    assert "- [ ] Book the review" in text and "(`dutydesk report`)" in text


def card(values: dict[str, Any]) -> str:
    return render("incident_status.md.j2", **values)


@pytest.mark.parametrize(
    ("situation", "values", "row"),
    cases(
        (
            "no priority",
            {"priority": None, "due": None},
            "| **Priority** | not set: edit the form, or a responder adds a priority label or"
            " comments `/priority P1`…`P4` |",
        ),
        (
            "a priority changed",
            {"priority_changes": 2, "priority_since": local("2026-11-23 10:30")},
            "| **Priority** | P1 Critical (since Mon 23 Nov 2026 10:30 GMT) |",
        ),
        (
            "a first priority set after opening",
            {"priority_changes": 1, "priority_since": local("2026-11-23 10:30")},
            "| **Priority** | P1 Critical (since Mon 23 Nov 2026 10:30 GMT) |",
        ),
        (
            "the priority as opened",
            {"priority_changes": 1},
            "| **Priority** | P1 Critical |",
        ),
        (
            "reopened",
            {"reopened": [local("2026-11-23 12:30")]},
            "| **State** | open, reopened Mon 23 Nov 2026 12:30 GMT |",
        ),
        (
            "resolved",
            {
                "is_open": False,
                "resolved": local("2026-11-23 12:45"),
                "time_to_resolve": timedelta(minutes=45),
            },
            "| **State** | resolved Mon 23 Nov 2026 12:45 GMT, after 45 minutes |",
        ),
        (
            "the response missed",
            {"overdue": True},
            "| **Response due** | Mon 23 Nov 2026 10:20 GMT (20 minutes): **missed** |",
        ),
        (
            "not yet acknowledged",
            {},
            "| **Acknowledged** | not yet: a responder comments `/ack` or `/lead @someone` |",
        ),
        (
            "a lead GitHub did not assign",
            {"lead": "ext-vendor", "lead_unassigned": True},
            "| **Incident lead** | @\u200bext-vendor (GitHub did not assign them: only people with"
            " access to this repository can be assigned) |",
        ),
        ("no comms lead", {}, "| **Comms lead** | none yet: `/comms @someone` |"),
        (
            "an update overdue",
            {"next_update": local("2026-11-23 11:00"), "update_overdue": True},
            "| **Next update due** | Mon 23 Nov 2026 11:00 GMT: **overdue** |",
        ),
        (
            "escalations",
            {"escalations": [{"priority": P3, "due": local("2026-11-23 12:00")}]},
            "| **Escalations** | P3 response target missed at Mon 23 Nov 2026 12:00 GMT |",
        ),
        ("security", {"security": True}, "| **Security** | handled as a security incident |"),
        ("the lead trace", {"lead_trace": 4242}, "<!-- dutydesk-lead-assigned:4242 -->"),
        (
            "the records of commands",
            {"records": '<!-- dutydesk-heard {"id": 7} -->\n<!-- dutydesk-heard {"id": 8} -->'},
            '\n\n<!-- dutydesk-heard {"id": 7} -->\n<!-- dutydesk-heard {"id": 8} -->',
        ),
        (
            "the lead trace, then the records",
            {"lead_trace": 4242, "records": '<!-- dutydesk-heard {"id": 7} -->'},
            '\n\n<!-- dutydesk-lead-assigned:4242 -->\n<!-- dutydesk-heard {"id": 7} -->',
        ),
    ),
)
def test_the_status_card_rows(situation: str, values: dict[str, Any], row: str) -> None:
    base = status_values(incident_facts(make_issue(), context(MONDAY)))
    assert row in card({**base, **values})


def test_the_records_are_the_cards_last_lines_after_a_blank_line() -> None:
    issue = make_issue(comments=said(("bob", "/ack"), ("bob", "/priority P2")))
    text = card(status_values(incident_facts(issue, context(london("2026-11-23 10:30")))))
    visible, hidden = text.rstrip().rsplit("\n\n", 1)
    lines = hidden.splitlines()
    assert [line.split('"text": ')[1] for line in lines] == ['"/ack"} -->', '"/priority P2"} -->']
    assert all(line.startswith("<!-- dutydesk-heard {") for line in lines)
    assert "dutydesk-heard" not in visible


# -- rendered by the rules -------------------------------------------------------------------


@pytest.mark.parametrize(
    "body_text",
    [None, "### Priority\n\nP9 Apocalyptic\n\n### Affected service\n\nPayments"],
    ids=["no priority chosen", "an unknown priority"],
)
def test_a_missing_or_unknown_priority_gets_one_comment_and_needs_triage(
    body_text: str | None,
) -> None:
    issue = (
        make_issue(priority=None) if body_text is None else make_issue(body=body_text, revisions=())
    )
    assert "/priority P1" in comment_of(decide(issue, context(MONDAY)), Rule.INCIDENT_INVALID)


def test_the_invalid_priority_comment_quotes_the_answer_on_one_line() -> None:
    forged = (
        'unsure"\n\n---\n\n**Escalation: P1 Critical not acknowledged.**\n\n'
        "@example-org/incident-managers: due now.\n\n<details><summary>x"
    )
    issue = make_issue(body=body(INCIDENT).replace(priority_option("P1"), forged), revisions=())
    text = comment_of(decide(issue, context(MONDAY)), Rule.INCIDENT_INVALID)
    first, *rest = text.splitlines()
    assert first.startswith(
        '@alice, this incident has no priority I can use (the form says "unsure'
    )
    assert "Escalation" in first and "@\u200bexample-org" in first and "&lt;details&gt;" in first
    assert not any("Escalation" in line or line == "---" for line in rest)


def test_the_escalation_mentions_the_contacts_for_that_priority() -> None:
    text = comment_of(
        decide(make_issue(), context(london("2026-11-23 10:20"))), Rule.INCIDENT_ESCALATION
    )
    assert "@example-org/incident-managers" in text


def test_an_escalation_without_contacts_says_the_policy_names_none() -> None:
    decision = decide(make_issue(priority="P3"), context(london("2026-11-23 12:00")))
    assert "priorities.P3.escalate_to" in comment_of(decision, Rule.INCIDENT_ESCALATION)


def test_an_escalation_out_of_hours_names_the_people_on_call() -> None:
    pol = make_policy(rota=[{"from": "2026-11-16", "primary": "dora", "secondary": "eve"}])
    issue = make_issue(created_at=london("2026-11-23 18:00"))
    decision = decide(issue, context(london("2026-11-23 18:20"), pol))
    assert "@dora (primary), @eve (secondary)" in comment_of(decision, Rule.INCIDENT_ESCALATION)


def test_an_escalation_with_no_cover_says_when_cover_starts() -> None:
    issue = make_issue(created_at=london("2026-11-23 23:00"))
    text = comment_of(decide(issue, context(london("2026-11-23 23:20"))), Rule.INCIDENT_ESCALATION)
    assert "nobody is on duty until Tue 24 Nov 2026 07:00 GMT" in text


def test_raising_p3_to_p1_escalates_the_p1_to_its_contacts() -> None:
    desk = Desk(reacts=False, idempotent=False)
    desk.open(MONDAY, INCIDENT, priority="P3")
    desk.run(MONDAY)
    desk.say(london("2026-11-23 10:30"), "bob", "/priority P1")
    desk.every(london("2026-11-23 10:30"), london("2026-11-23 10:50"), timedelta(minutes=10))
    text = desk.bot_text("incident.escalation:P1:2026-11-23T10:50:00Z")
    assert "**Escalation: P1 Critical" in text and "@example-org/incident-managers" in text


def test_the_reminder_mentions_the_comms_lead_and_the_lead() -> None:
    issue = make_issue(
        comments=(
            comment("bob", "/lead @bob", london("2026-11-23 10:05")),
            comment("bob", "/comms @carol", london("2026-11-23 10:06")),
        )
    )
    decision = decide(issue, context(london("2026-11-23 11:00")))
    (reminder,) = by_rule(decision.actions, Rule.INCIDENT_UPDATE_REMINDER)
    assert (reminder.body or "").startswith("@carol, @bob:")


def test_the_security_comment_summons_the_security_contacts() -> None:
    issue = make_issue(answers={"security": ["This involves a data or security breach"]})
    text = comment_of(decide(issue, context(MONDAY)), Rule.INCIDENT_SECURITY)
    assert "@example-org/cyber-security" in text
    assert "Cyber Security team" in text and "data-breach" in text


def test_closing_asks_for_a_blameless_review_with_the_figures() -> None:
    when = london("2026-11-23 12:00")
    issue = make_issue(
        state="closed",
        closed_at=when,
        events=(closed("bob", when),),
        comments=(comment("bob", "/lead @bob", london("2026-11-23 10:05")),),
        assignees=("bob",),
    )
    text = comment_of(decide(issue, context(when)), Rule.INCIDENT_REVIEW)
    assert "blameless" in text and "- [ ]" in text
    assert "Acknowledged after 5 minutes; resolved after 2 hours" in text


def test_close_reopen_close_shows_the_time_to_resolve_on_the_card() -> None:
    desk = Desk(reacts=False, idempotent=False)
    desk.open(MONDAY, INCIDENT)
    desk.say(london("2026-11-23 10:05"), "bob", "/ack")
    desk.run(london("2026-11-23 10:05"))
    for when, act in (("10:30", desk.close), ("12:30", desk.reopen), ("12:45", desk.close)):
        moment = london(f"2026-11-23 {when}")
        act(moment, "bob")
        desk.run(moment)
    assert "resolved Mon 23 Nov 2026 12:45 GMT, after 45 minutes" in desk.card()


def test_the_status_card_is_posted_once_then_edited_in_place() -> None:
    desk = Desk(reacts=False, idempotent=False)
    desk.open(MONDAY, INCIDENT)
    desk.run(MONDAY)
    desk.say(london("2026-11-23 10:07"), "bob", "/lead @bob")
    text = texts(by_rule(desk.run(london("2026-11-23 10:07")).actions, Rule.INCIDENT_STATUS))
    assert "| **Acknowledged** | Mon 23 Nov 2026 10:07 GMT by @\u200bbob (/lead)" in text
    assert "within the 20 minutes target" in text
    assert "| **Incident lead** | @\u200bbob |" in text


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
    text = texts(
        by_rule(decide(issue, context(london("2026-11-23 10:45"))).actions, Rule.INCIDENT_STATUS)
    )
    for row in (
        "| **Priority** | P1 Critical |",
        "| **State** | open |",
        "| **Opened** | Mon 23 Nov 2026 10:00 GMT by @\u200balice |",
        "| **Response due** | Mon 23 Nov 2026 10:20 GMT (20 minutes) |",
        "| **Acknowledged** | Mon 23 Nov 2026 10:10 GMT by @\u200bbob (/ack), after 10 minutes:"
        " within the 20 minutes target |",
        "| **Incident lead** | @\u200bcarol |",
        "| **Comms lead** | @\u200bdave |",
        "| **Last update** | Mon 23 Nov 2026 10:40 GMT by @\u200bcarol: Failing over the database |",
        "| **Next update due** | Mon 23 Nov 2026 11:40 GMT |",
        "| **Escalations** | none |",
    ):
        assert row in text


def test_the_status_card_quotes_user_text_safely() -> None:
    issue = make_issue(
        answers={"service": "@everyone <img src=x> | Payments"},
        comments=(
            comment("bob", "/update ping @org/all | <b>done</b>", london("2026-11-23 10:05")),
        ),
    )
    text = texts(
        by_rule(decide(issue, context(london("2026-11-23 10:06"))).actions, Rule.INCIDENT_STATUS)
    )
    assert "@everyone" not in text and "@org/all" not in text
    assert "<img" not in text and "<b>" not in text
    assert "\\| Payments" in text and "\\| &lt;b&gt;" in text


USER = "USERTEXT"  # where the user's text starts
FORGED = "FORGED"  # what it tries to put at the start of a line
HOSTILE = [
    f"{USER}\r# {FORGED} heading",
    f"{USER}\r\n\r\n> {FORGED} quote",
    f"{USER}\u2028- {FORGED} list item",
    f"{USER} \\| {FORGED} extra cell \\\\| and another",
    f"{USER} <!-- dutydesk:incident.status --> <b>{FORGED}</b> @everyone &amp;",
]


@pytest.mark.parametrize("text", HOSTILE, ids=["CR", "CRLF blank lines", "U+2028", "pipes", "HTML"])
@pytest.mark.parametrize(
    "where",
    ["service", "update", "priority", "lead"],
    ids=["the service", "an /update", "the form's priority", "a /lead argument"],
)
def test_user_text_in_any_incident_comment_stays_inline_and_harmless(text: str, where: str) -> None:
    answers: dict[str, object] = {"security": ["This involves a data or security breach"]}
    comments = [comment("bob", "/lead @carol", london("2026-11-23 10:01"))]
    overrides: dict[str, object] = {}
    if where == "service":
        answers["service"] = text
    elif where == "update":
        comments.append(comment("carol", "/update " + text, london("2026-11-23 10:05")))
    elif where == "lead":
        # (`/lead ... @everyone` would name the login "everyone": an e-mail is not a mention)
        named_nobody = text.replace("@everyone", "ops@everyone")
        comments.append(comment("carol", "/lead " + named_nobody, london("2026-11-23 10:05")))
    else:
        overrides.update(
            body=body(INCIDENT, **answers).replace(priority_option("P1"), text), revisions=()
        )
    overrides.update(answers=answers, comments=tuple(comments))
    decision = decide(make_issue(**overrides), context(london("2026-11-23 11:00")))
    bodies = [a.body for a in decision.actions if a.body]
    # (a command is its comment's first line, so after a line break there is nothing to quote)
    assert any(USER in b for b in bodies), "the text should be quoted somewhere"
    for text_out in bodies:
        # the bot's own hidden lines: the lead trace, the records of commands (whose JSON
        # never holds `--`, so user text cannot end the HTML comment early) and the digest of
        # the card's facts
        text_out = re.sub(
            r"\n<!-- dutydesk-(lead-assigned:\d+|heard \{[^\n]*?\}|facts [0-9a-f]{32}) -->(?=\n|$)",
            "",
            text_out,
        )
        assert "\r" not in text_out and "\u2028" not in text_out
        assert "<" not in text_out and "@everyone" not in text_out
        for line in text_out.splitlines():
            if FORGED in line:  # on the line the quote starts, after the bot's own words
                assert line.index(USER) < line.index(FORGED)
                assert line[: line.index(USER)].strip(), line
            if text_out.startswith("### Incident status") and line.startswith("| **"):
                assert len(table_cells(line)) == 4, line  # every card row keeps its two cells


# -- commands, rendered by the rules ---------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["/ack", "/lead @mallory", "/comms @mallory", "/priority P4", "/update all fine"]
)
def test_a_non_responders_command_is_refused_and_changes_nothing(text: str) -> None:
    decision = decide(
        make_issue(comments=said(("mallory", text))), context(london("2026-11-23 10:30"))
    )
    reply = comment_of(decision, Rule.INCIDENT_REFUSED)
    assert reply.startswith(f"@mallory, `{text.split()[0]}` changed nothing")
    assert "only incident responders" in reply


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
    ctx = context(SOON, make_policy(incidents={"responders": responders}), access(writers, teams))
    text = comment_of(
        decide(make_issue(comments=said(("bob", "/ack"))), ctx), Rule.INCIDENT_REFUSED
    )
    assert "I could not check that you are an incident responder" in text
    assert says in text
    assert "@org/ops" not in text  # the reply names the team without pinging it


def test_a_refusal_names_the_responders_without_pinging_them() -> None:
    ctx = context(
        SOON,
        make_policy(incidents={"responders": ["org/ops"]}),
        access(set(), {"org/ops": frozenset({"dora"})}),
    )
    text = comment_of(
        decide(make_issue(comments=said(("bob", "/ack"))), ctx), Rule.INCIDENT_REFUSED
    )
    assert "(org/ops)" in text
    assert "@org/ops" not in text


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
    decision = decide(make_issue(comments=said(("bob", text))), context(SOON))
    assert f"it needs {needs}" in comment_of(decision, Rule.INCIDENT_REFUSED)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("/lead me", '"me" names nobody I can use'),
        ("/comms TBC", '"TBC" names nobody I can use'),
        (
            "/lead <b>TBC</b> ops@everyone",
            '"&lt;b&gt;TBC&lt;/b&gt; ops@\u200beveryone" names nobody',
        ),
    ],
    ids=["/lead me", "/comms TBC", "HTML and a ping are quoted harmlessly"],
)
def test_naming_nobody_gets_a_usage_hint(text: str, says: str) -> None:
    decision = decide(make_issue(comments=said(("bob", text))), context(SOON))
    reply = comment_of(decision, Rule.INCIDENT_REFUSED)
    verb = text.split()[0]
    assert reply.startswith(f"@bob, `{verb}` changed nothing:")
    assert says in reply
    assert f"for example `{verb} @someone`, or write `{verb}` alone to name yourself" in reply
    assert "@everyone" not in reply and "<b>" not in reply


@pytest.mark.parametrize(
    ("situation", "lines", "says"),
    cases(
        (
            "two strangers: a reply each",
            [("mallory", "/ack"), ("trudy", "/ack")],
            {"incident.refused:trudy": "@trudy, `/ack` changed nothing"},
        ),
        (
            "a stranger's second, different command edits their reply in place",
            [("mallory", "/ack"), ("mallory", "/priority P4")],
            {"incident.refused:mallory": "@mallory, `/priority` changed nothing"},
        ),
        (
            "a responder's usage slips share one reply, showing the latest",
            [("bob", "/priority P9"), ("bob", "/lead me")],
            {"incident.refused:bob": '"me" names nobody'},
        ),
        (
            "another app's bot gets a reply under a key a marker can carry",
            [("dependabot[bot]", "/ack")],
            {"incident.refused:dependabot+bot+": "@dependabot[bot], `/ack` changed nothing"},
        ),
        (
            "a login's case does not make a second reply",
            [("Mallory", "/ack"), ("mallory", "/update hi")],
            {"incident.refused:mallory": "@mallory, `/update` changed nothing"},
        ),
    ),
)
def test_one_refusal_reply_per_author_covers_their_latest_command(
    situation: str, lines: list[tuple[str, str]], says: dict[str, str]
) -> None:
    desk = Desk(reacts=False, idempotent=False)
    desk.open(MONDAY, INCIDENT)
    for minute, (who, text) in enumerate(lines):
        desk.say(SOON + timedelta(minutes=minute), who, text)
        desk.run(SOON + timedelta(minutes=minute))
    for key, text in says.items():
        assert text in desk.bot_text(key)


def test_fixing_a_typo_in_an_old_ack_keeps_the_card_in_time() -> None:
    desk = Desk(reacts=False, idempotent=False)
    desk.open(MONDAY, INCIDENT)
    desk.run(MONDAY)
    ack = desk.say(SOON, "bob", "/ack looking")
    desk.run(london("2026-11-23 10:06"))
    desk.edit_comment(london("2026-11-23 10:30"), "bob", ack, "/ack looking into it")
    desk.run(london("2026-11-23 10:31"))
    assert "after 5 minutes: within the 20 minutes target" in desk.card()
    assert "| **Escalations** | none |" in desk.card()


def test_a_late_acknowledgement_shows_on_the_card_as_outside_the_target() -> None:
    late_at = london("2026-11-23 10:25")
    issue = make_issue(comments=(comment("bob", "/ack", late_at, id=100),))
    text = texts(
        by_rule(decide(issue, context(london("2026-11-23 10:30"))).actions, Rule.INCIDENT_STATUS)
    )
    assert "after 25 minutes: outside the 20 minutes target" in text


@pytest.mark.parametrize(
    ("situation", "lead", "note"),
    cases(
        ("an assignable lead", "carol", False),
        ("a lead GitHub cannot assign", "external-vendor", True),
    ),
)
def test_the_card_says_when_github_did_not_assign_the_lead(
    situation: str, lead: str, note: bool
) -> None:
    desk = Desk(reacts=False, idempotent=False)
    desk.repo = UnassignableRepository(assignable=WRITERS, bot=desk.policy.bot)
    desk.open(MONDAY, INCIDENT)
    desk.say(SOON, "bob", f"/lead @{lead}")
    desk.every(SOON, SOON + timedelta(hours=1), timedelta(minutes=30))
    assert ("GitHub did not assign them" in desk.card()) == note
