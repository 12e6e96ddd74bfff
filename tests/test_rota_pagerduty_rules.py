"""The rules with a PagerDuty rota: the change request's support people and gaps in cover, the
escalation's people on call, and what happens when PagerDuty was not read (nothing that
needs the rota is decided; nobody is ever named as "nobody is on call" by guess).

The rule tests assert on `(rule, kind, key)`; the last section renders the templates' new
wording.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from desk import (
    APPROVER,
    CHANGE,
    OPENED,
    START,
    T1,
    Desk,
    by_rule,
    comments_of,
    context,
    decide,
    incident_facts,
    local,
    london,
    make_issue,
    make_policy,
    plan,
    thread,
)
from dutydesk.actions import Kind
from dutydesk.policy import Policy
from dutydesk.rules.ids import Rule
from dutydesk.rules.incidents.escalation import escalation_values
from dutydesk.templating import render
from dutydesk.time.shifts import Level, Person, RotaUnavailable, Shift, Shifts

P, S = Level.PRIMARY, Level.SECONDARY
ANN = Person("Ann Example", "ann-gh", "PANN001")
BEN = Person("Ben Example", "ben-gh", "PBEN002")
CAT = Person("Cat <b>Unmapped</b>", None, "PCAT003")
SPAN = (london("2026-11-19 00:00"), london("2027-01-01 00:00"))
PAGERDUTY = {"pagerduty": {"primary_schedule": "PPRIMRY", "secondary_schedule": "PSECOND"}}
COVERED = (
    Shift(P, ANN, london("2026-11-20 09:00"), None),
    Shift(S, BEN, london("2026-11-20 09:00"), None),
)


def pd_policy(shifts: tuple[Shift, ...] | None = COVERED, problem: str = "") -> Policy:
    """The tests' policy with a PagerDuty rota, read (`shifts`) or not (`problem`)."""
    policy = make_policy(rota=PAGERDUTY)
    if shifts is None:
        return replace(policy, shifts_problem=problem)
    return replace(policy, shifts=Shifts(*SPAN, shifts))


def secondary_gap(start: str, end: str) -> tuple[Shift, ...]:
    """Ann primary throughout; Ben secondary except from `start` to `end`."""
    return (
        Shift(P, ANN, london("2026-11-20 09:00"), None),
        Shift(S, BEN, london("2026-11-20 09:00"), london(start)),
        Shift(S, BEN, london(end), None),
    )


def approval(policy: Policy, people: str = "") -> Any:
    issue = make_issue(CHANGE, comments=thread((APPROVER, f"/approve {people}".strip(), T1)))
    return decide(issue, context(T1, policy))


# -- change requests -------------------------------------------------------------------------


def test_approval_assigns_the_people_pagerduty_has_on_call_at_the_start() -> None:
    decision = approval(pd_policy())
    assign = [a for a in decision.actions if a.kind is Kind.ASSIGN]
    assert [a.users for a in assign] == [("ann-gh", "ben-gh")]


def test_an_unmapped_person_on_call_is_not_assigned() -> None:
    shifts = (
        Shift(P, ANN, london("2026-11-20 09:00"), None),
        Shift(S, CAT, london("2026-11-20 09:00"), None),
    )
    decision = approval(pd_policy(shifts))
    assert [a.users for a in decision.actions if a.kind is Kind.ASSIGN] == [("ann-gh",)]
    entry = pd_policy(shifts).rota_at(START)
    assert entry is not None and entry.unmapped == ("Cat <b>Unmapped</b>",)


@pytest.mark.parametrize(
    ("shifts", "cover_comment"),
    [
        pytest.param(COVERED, False, id="full cover: no comment"),
        pytest.param(secondary_gap("2026-11-25 19:00", "2026-11-25 19:30"), True, id="a gap"),
        pytest.param(
            secondary_gap("2026-11-25 20:00", "2026-11-25 21:00"), False, id="a gap after the end"
        ),
        pytest.param(
            secondary_gap("2026-11-25 17:00", "2026-11-25 18:00"),
            False,
            id="a gap ending at the start",
        ),
    ],
)
def test_a_gap_in_cover_gets_a_comment_before_approval(
    shifts: tuple[Shift, ...], cover_comment: bool
) -> None:
    desk = Desk(pd_policy(shifts))
    desk.open(OPENED, CHANGE)
    keys = [a.key for a in comments_of(desk.actions(Rule.CHANGE_HOURS))]
    cover = [k for k in keys if k is not None and k.startswith("change.hours:cover:")]
    assert bool(cover) is cover_comment
    if cover_comment:
        assert cover[0].startswith("change.hours:cover:2026-11-25T18:00:00Z-2026-11-25T20:00:00Z:")


def test_the_gaps_comment_comes_again_only_when_the_gaps_change() -> None:
    desk = Desk(pd_policy(secondary_gap("2026-11-25 19:00", "2026-11-25 19:30")))
    desk.open(OPENED, CHANGE)
    desk.run(OPENED + timedelta(hours=1))
    assert len(desk.posted(Rule.CHANGE_HOURS)) == 1
    desk.policy = pd_policy(secondary_gap("2026-11-25 18:30", "2026-11-25 19:30"))
    desk.run(OPENED + timedelta(hours=2))
    assert len(desk.posted(Rule.CHANGE_HOURS)) == 2


def test_a_list_rota_never_gets_the_gaps_comment() -> None:
    issue = make_issue(CHANGE)
    decision = decide(issue, context(T1))
    assert not any(
        a.key and a.key.startswith("change.hours:cover") for a in comments_of(decision.actions)
    )


def test_pagerduty_unread_stops_an_approval_that_needs_the_rota() -> None:
    with pytest.raises(RotaUnavailable, match="answered 503"):
        approval(pd_policy(None, "reading the rota from PagerDuty: answered 503"))


def test_pagerduty_unread_does_not_stop_what_needs_no_rota() -> None:
    policy = pd_policy(None, "answered 503")
    issue = make_issue(CHANGE)
    decision = decide(issue, context(T1, policy))  # no approval yet: nothing needs the rota
    assert not any(a.key and ":cover:" in a.key for a in comments_of(decision.actions))
    named = approval(policy, "@zoe")  # the approver named the support people
    assert [a.users for a in named.actions if a.kind is Kind.ASSIGN] == [("zoe",)]


def test_pagerduty_unread_holds_the_reminder_not_the_approval_already_confirmed() -> None:
    desk = Desk(pd_policy())
    desk.open(OPENED, CHANGE)
    desk.say(T1, APPROVER, "/approve")
    assert "approved" in desk.issue().labels
    desk.policy = pd_policy(None, "answered 503")
    desk.run(T1 + timedelta(hours=1))  # the confirmation is posted: nothing needs the rota
    with pytest.raises(RotaUnavailable):
        desk.run(START - timedelta(hours=23))  # the reminder names the support people
    desk.policy = pd_policy()
    reminder = by_rule(desk.run(START - timedelta(hours=22)).actions, Rule.CHANGE_PRE)
    assert plan(reminder) == [
        (Rule.CHANGE_PRE, "comment", "change.pre_change:2026-11-25T18:00:00Z")
    ]


def test_a_window_beyond_what_pagerduty_answers_is_approved_with_its_people_named_later() -> None:
    """PagerDuty answers at most 90 days ahead (the jobs read 89): for a window past that the
    rota is not known yet, which no later run of today would change. The approval goes ahead,
    says so, assigns nobody and never says "nobody is on call"; the reminder names them."""
    policy = replace(pd_policy(), shifts=Shifts(SPAN[0], london("2026-11-25 00:00"), COVERED))
    decision = approval(policy)
    assert not [a for a in decision.actions if a.kind is Kind.ASSIGN]
    [confirmation] = [a for a in comments_of(decision.actions) if a.rule == Rule.CHANGE_APPROVAL]
    assert confirmation.body is not None
    assert "**not assigned yet**: PagerDuty answers at most 90 days ahead" in confirmation.body
    assert "nobody on call" not in confirmation.body.lower()


def test_a_window_pagerduty_was_not_read_for_is_never_nobody() -> None:
    policy = replace(pd_policy(), shifts=Shifts(london("2026-11-26 00:00"), SPAN[1], COVERED))
    with pytest.raises(RotaUnavailable, match="Wed 25 Nov 2026 18:00 GMT was not read"):
        approval(policy)


# -- incidents -------------------------------------------------------------------------------


def escalation_at(policy: Policy, opened: str = "2026-11-23 18:00") -> dict[str, Any]:
    issue = make_issue(created_at=london(opened))
    due = london(opened) + timedelta(minutes=20)
    ctx = context(due, policy)
    planned = by_rule(decide(issue, ctx).actions, Rule.INCIDENT_ESCALATION)
    assert [a.kind for a in planned] == [Kind.ADD_LABELS, Kind.COMMENT]
    incident = incident_facts(issue, ctx)
    assert incident.period is not None
    return escalation_values(incident, incident.period, due)


def test_an_escalation_names_who_pagerduty_has_on_call() -> None:
    shifts = (
        Shift(P, ANN, london("2026-11-20 09:00"), None),
        Shift(S, CAT, london("2026-11-20 09:00"), None),
    )
    values = escalation_at(pd_policy(shifts))
    assert values["on_call"] == ("@ann-gh", "Cat &lt;b&gt;Unmapped&lt;/b&gt;")
    assert values["rota_unread"] is False


def test_an_escalation_goes_on_when_pagerduty_was_not_read() -> None:
    values = escalation_at(pd_policy(None, "answered 503"))
    assert (values["rota"], values["on_call"], values["rota_unread"]) == (None, (), True)


def test_an_escalation_with_a_gap_says_nobody_for_that_place() -> None:
    values = escalation_at(pd_policy(secondary_gap("2026-11-23 17:00", "2026-11-23 19:00")))
    assert values["on_call"] == ("@ann-gh", "nobody (a gap in PagerDuty's cover)")


# -- the templates' wording ------------------------------------------------------------------

APPROVED = {
    "approver": APPROVER,
    "via_label": False,
    "label": "approved",
    "requester": "rita",
    "service": "Payments",
    "start": local("2026-11-25 18:00"),
    "end": local("2026-11-25 20:00"),
    "from_rota": True,
    "teams": (),
    "emergency": False,
    "reason": "",
    "instructions": "",
    "unticked": (),
    "reminder_before": "24 hours",
    "notice": None,
}


def test_the_confirmation_names_pagerduty_people_and_the_unmapped_without_a_ping() -> None:
    text = render(
        "change_approved.md.j2",
        **APPROVED,
        people=("ann-gh",),
        pagerduty=True,
        unmapped=("Cat <b>Unmapped</b> @everyone",),
        gaps=[],
    )
    assert "Support: @ann-gh (the on-call people in PagerDuty at the start), now assigned" in text
    assert "with no GitHub login in `rota.pagerduty.users` (so not assigned): Cat &lt;b&gt;" in text
    assert "@everyone" not in text


def test_the_confirmation_shows_the_gaps_in_cover() -> None:
    text = render(
        "change_approved.md.j2",
        **APPROVED,
        people=("ann-gh",),
        pagerduty=True,
        unmapped=(),
        gaps=[("secondary", local("2026-11-25 19:00"), local("2026-11-25 19:30"))],
    )
    assert "**Gap in on-call cover:** PagerDuty has nobody on call for part of this window:" in text
    assert "- no secondary from Wed 25 Nov 2026 19:00 GMT to Wed 25 Nov 2026 19:30 GMT" in text


@pytest.mark.parametrize(
    ("people", "unmapped", "says"),
    [
        ((), (), "PagerDuty has nobody on call at Wed 25 Nov 2026 18:00 GMT"),
        ((), ("Cat",), "nobody on call in PagerDuty at Wed 25 Nov 2026 18:00 GMT has a GitHub"),
    ],
    ids=["nobody on call", "only people with no login"],
)
def test_the_confirmation_when_nobody_can_be_assigned(
    people: tuple[str, ...], unmapped: tuple[str, ...], says: str
) -> None:
    text = render(
        "change_approved.md.j2", **APPROVED, people=people, pagerduty=True, unmapped=unmapped
    )
    assert f"Support: **nobody is assigned**: {says}" in text


def test_the_gaps_comment_lists_each_gap() -> None:
    gaps = [
        ("primary", local("2026-11-25 18:00"), local("2026-11-25 18:30")),
        ("secondary", local("2026-11-25 19:00"), local("2026-11-25 19:30")),
    ]
    text = render(
        "change_cover.md.j2",
        gaps=gaps,
        more=0,
        start=local("2026-11-25 18:00"),
        end=local("2026-11-25 20:00"),
    )
    assert text.splitlines()[:4] == [
        "**Warning:** PagerDuty has a gap in on-call cover during this change's window "
        "(Wed 25 Nov 2026 18:00 GMT to 20:00 GMT), in the policy's on-call hours:",
        "",
        "- no primary on call from Wed 25 Nov 2026 18:00 GMT to 18:30 GMT",
        "- no secondary on call from Wed 25 Nov 2026 19:00 GMT to 19:30 GMT",
    ]
    assert "an override on the schedule" in text


def test_the_gaps_comment_as_the_rule_posts_it() -> None:
    desk = Desk(pd_policy(secondary_gap("2026-11-25 19:00", "2026-11-25 19:30")))
    desk.open(OPENED, CHANGE)
    (key,) = [k for k in (a.key for a in desk.actions(Rule.CHANGE_HOURS)) if k and ":cover:" in k]
    assert "- no secondary on call from Wed 25 Nov 2026 19:00 GMT to 19:30 GMT" in desk.bot_text(
        key
    )


def test_the_escalation_says_pagerduty_could_not_be_read() -> None:
    values = escalation_at(pd_policy(None, "answered 503"))
    text = render("incident_escalation.md.j2", **values)
    assert "Who is on call could not be read from PagerDuty just now: check PagerDuty" in text
    assert "On call now" not in text


def test_the_escalation_names_an_unmapped_person_without_a_mention() -> None:
    shifts = (
        Shift(P, ANN, london("2026-11-20 09:00"), None),
        Shift(S, CAT, london("2026-11-20 09:00"), None),
    )
    text = render("incident_escalation.md.j2", **escalation_at(pd_policy(shifts)))
    assert "On call now: @ann-gh (primary), Cat &lt;b&gt;Unmapped&lt;/b&gt; (secondary)." in text


def test_the_escalation_says_when_pagerduty_has_nobody_on_call_at_either_level() -> None:
    nobody = (Shift(P, ANN, london("2026-11-20 09:00"), london("2026-11-21 09:00")),)
    values = escalation_at(pd_policy(nobody))
    assert values["rota"] is None and values["rota_unread"] is False
    text = render("incident_escalation.md.j2", **values)
    assert "PagerDuty has nobody on call now, at either level" in text
    assert "could not be read" not in text
