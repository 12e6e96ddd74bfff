"""Tests for dutydesk.rules.changes: out-of-hours change requests and planned maintenance.

The default request (see tests/desk.py) is for Wednesday 25 November 2026 18:00-20:00 GMT,
inside on-call hours, filed by rita; dana and erin are the approvers; the rota puts
alice-oncall and bob-oncall on call that week. Snapshot tables use `make_issue(CHANGE, ...)`;
flows use a `Desk` over the in-memory repository, where the bot reacts to every act and which
also checks at every step that reconciling again at the same moment plans nothing.

These tests assert on what is planned, `(rule, kind, key)`, and on the facts the rules read
(`change_facts`, `Desk.change_facts`); what the comments say is tested per template in
tests/templates/test_change_templates.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import pytest

from desk import (
    APPROVER,
    BACKUPS,
    BOT,
    CHANGE,
    END,
    FORMS,
    HANDLERS,
    MAINTENANCE,
    OPENED,
    OTHER_APPROVER,
    REQUESTER,
    ROOT,
    STAKEHOLDERS,
    STRANGER,
    T1,
    T2,
    T3,
    TEAM,
    Desk,
    approved_desk,
    by_rule,
    change_facts,
    comments_of,
    context,
    decide,
    done_desk,
    kinds,
    labelled,
    london,
    make_issue,
    make_policy,
    plan,
    thread,
)
from dutydesk.actions import Action, Kind
from dutydesk.markers import key_time
from dutydesk.model import Access
from dutydesk.policy import load_policy, parse_policy
from dutydesk.rules.changes import parse_approve
from dutydesk.rules.changes.facts import PromptAnswers, Support
from dutydesk.rules.ids import Refusal, Rule
from dutydesk.simulate import Simulation, load_scenario

# -- notice ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("opened", "start", "given", "qualifying"),
    [
        pytest.param(
            "2026-11-23 18:00",
            "2026-11-25 18:00",
            None,
            None,
            id="exactly 48 hours of notice is enough",
        ),
        pytest.param(
            "2026-11-23 18:01",
            "2026-11-25 18:00",
            timedelta(days=1, hours=23, minutes=59),
            "2026-11-25 18:01",
            id="one minute short of 48 hours is not enough",
        ),
        pytest.param(
            "2026-10-23 19:00",
            "2026-10-25 18:00",
            None,
            None,
            id="48 real hours across the autumn clock change are enough though the clocks show 47",
        ),
        pytest.param(
            "2026-03-27 18:00",
            "2026-03-29 18:00",
            timedelta(hours=47),
            "2026-03-29 19:00",
            id="47 real hours across the spring clock change are not enough though the clocks show 48",
        ),
    ],
)
def test_notice(opened: str, start: str, given: timedelta | None, qualifying: str | None) -> None:
    end = start[:11] + "20:00"
    issue = make_issue(
        CHANGE, created_at=london(opened), answers={"scheduled_start": start, "scheduled_end": end}
    )
    actions = by_rule(decide(issue, context(london(opened))).actions, Rule.CHANGE_NOTICE)
    notice = change_facts(issue, context(london(opened))).notice
    assert notice is not None
    if given is None:
        assert actions == []
        assert notice.enough
        return
    assert plan(actions) == [
        (Rule.CHANGE_NOTICE, "add_labels", None),
        (Rule.CHANGE_NOTICE, "comment", f"change.notice:{key_time(london(opened))}"),
    ]
    assert actions[0].labels == ("insufficient-notice",)
    assert (notice.given, notice.qualifying) == (given, london(qualifying or ""))


@pytest.mark.parametrize(
    ("opened", "edits", "short", "stated"),
    [
        pytest.param(
            "2026-11-20 10:00",
            [("2026-11-24 09:00", {"scheduled_start": "2026-11-25 08:00"})],
            True,
            "2026-11-24 09:00",
            id="a start moved earlier by an edit counts its notice from the edit",
        ),
        pytest.param(
            "2026-11-23 12:00",
            [
                ("2026-11-23 12:00", {}),
                (
                    "2026-11-23 20:00",
                    {"scheduled_start": "2026-11-25 19:00", "scheduled_end": "2026-11-25 21:00"},
                ),
            ],
            True,
            "2026-11-23 20:00",
            id="a start moved later by an edit counts its notice from the edit, not the opening",
        ),
        pytest.param(
            "2026-11-23 12:00",
            [
                (
                    "2026-11-23 13:00",
                    {"scheduled_start": "2026-11-26 18:00", "scheduled_end": "2026-11-26 20:00"},
                )
            ],
            False,
            "",
            id="a start moved later with enough notice from the edit is enough",
        ),
        pytest.param(
            "2026-11-23 18:00",
            [("2026-11-24 10:00", {"checks": [STAKEHOLDERS]})],
            False,
            "",
            id="ticking a check does not restart the count",
        ),
        pytest.param(
            "2026-11-23 18:00",
            [("2026-11-24 10:00", {"scheduled_start": "2026-11-25T18:00+00:00"})],
            False,
            "",
            id="writing the same start in ISO form does not restart the count",
        ),
        pytest.param(
            "2026-11-23 18:00",
            [
                ("2026-11-24 10:00", {"scheduled_start": "2026-11-25 18:30"}),
                ("2026-11-24 11:00", {"scheduled_start": "2026-11-25 18:00"}),
            ],
            True,
            "2026-11-24 11:00",
            id="moving the start away and back restarts the count from the move back",
        ),
    ],
)
def test_notice_after_edits(
    opened: str, edits: list[tuple[str, dict[str, Any]]], short: bool, stated: str
) -> None:
    issue = make_issue(CHANGE, created_at=london(opened), edits=[(london(t), f) for t, f in edits])
    now = max([london(opened)] + [london(t) for t, _ in edits])
    actions = by_rule(decide(issue, context(now)).actions, Rule.CHANGE_NOTICE)
    assert bool(actions) is short
    if short:
        assert comments_of(actions)[0].key == f"change.notice:{key_time(london(stated))}"


def test_moving_the_start_later_clears_the_insufficient_notice_label() -> None:
    desk = Desk()
    desk.open(london("2026-11-24 12:00"), CHANGE)
    assert "insufficient-notice" in desk.issue().labels
    desk.edit(
        london("2026-11-24 12:30"),
        scheduled_start="2026-11-26 18:00",
        scheduled_end="2026-11-26 20:00",
    )
    assert "insufficient-notice" not in desk.issue().labels
    assert kinds(desk.actions(Rule.CHANGE_NOTICE))[-1] == (Rule.CHANGE_NOTICE, "remove_labels")


def test_a_new_start_with_short_notice_gets_a_new_notice_comment() -> None:
    desk = Desk()
    desk.open(london("2026-11-24 12:00"), CHANGE)
    desk.edit(london("2026-11-24 13:00"), scheduled_start="2026-11-25 19:00")
    notices = comments_of(desk.actions(Rule.CHANGE_NOTICE))
    assert [a.key for a in notices] == [
        "change.notice:2026-11-24T12:00:00Z",
        "change.notice:2026-11-24T13:00:00Z",
    ]


# -- hours -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        pytest.param(
            "2026-11-25 10:00",
            "2026-11-25 12:00",
            [("add_labels", "in-hours"), ("comment", "in")],
            id="a window inside support hours needs no out-of-hours support",
        ),
        pytest.param(
            "2026-12-28 10:00",
            "2026-12-28 12:00",
            [],
            id="a window over a bank holiday is on call, not in support hours",
        ),
        pytest.param(
            "2026-11-30 10:00",
            "2026-11-30 12:00",
            [("add_labels", "in-hours"), ("comment", "in")],
            id="the same window on an ordinary Monday is in support hours",
        ),
        pytest.param(
            "2026-11-25 21:00",
            "2026-11-25 23:00",
            [("comment", "uncovered")],
            id="a window crossing 22:00 names the hours with no cover",
        ),
        pytest.param(
            "2026-12-28 21:00",
            "2026-12-29 08:00",
            [("comment", "uncovered")],
            id="a night after a bank holiday has no cover until on-call starts",
        ),
        pytest.param(
            "2026-11-25 15:00",
            "2026-11-25 17:00",
            [],
            id="a window from support into on-call hours is covered throughout",
        ),
        pytest.param(
            "2026-11-28 06:00",
            "2026-11-28 08:00",
            [("comment", "uncovered")],
            id="a weekend window before 07:00 has no cover",
        ),
    ],
)
def test_hours(start: str, end: str, expected: list[tuple[str, str]]) -> None:
    """The label for a window wholly in support hours; the comment's key says which case
    (the periods it names are checked in tests/templates/test_change_templates.py)."""
    issue = make_issue(
        CHANGE,
        created_at=london("2026-11-01 10:00"),
        answers={"scheduled_start": start, "scheduled_end": end},
    )
    actions = by_rule(decide(issue, context(london("2026-11-01 10:00"))).actions, Rule.CHANGE_HOURS)
    window = f"{key_time(london(start))}-{key_time(london(end))}"
    shapes = [
        (str(a.kind), a.labels[0]) if a.labels else (str(a.kind), a.key or "") for a in actions
    ]
    assert shapes == [
        (kind, f"change.hours:{what}:{window}" if kind == "comment" else what)
        for kind, what in expected
    ]


def test_moving_out_of_support_hours_removes_the_in_hours_label() -> None:
    desk = Desk()
    desk.open(OPENED, CHANGE, scheduled_start="2026-11-25 10:00", scheduled_end="2026-11-25 12:00")
    assert "in-hours" in desk.issue().labels
    desk.edit(london("2026-11-20 11:00"))  # unchanged: nothing happens
    desk.edit(
        london("2026-11-20 12:00"),
        scheduled_start="2026-11-25 18:00",
        scheduled_end="2026-11-25 20:00",
    )
    assert "in-hours" not in desk.issue().labels


# -- invalid requests --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "problems"),
    [
        pytest.param(
            {"scheduled_start": "2026-03-29 01:30", "scheduled_end": "2026-03-29 03:00"},
            [("Scheduled start", "unreadable")],
            id="a start in the spring-forward gap does not exist",
        ),
        pytest.param(
            {"scheduled_start": "2026-10-25 00:30", "scheduled_end": "2026-10-25 01:30"},
            [("Scheduled end", "unreadable")],
            id="an end in the autumn repeat is ambiguous",
        ),
        pytest.param(
            {"scheduled_start": "next Tuesday evening"},
            [("Scheduled start", "unreadable")],
            id="words are not a time",
        ),
        pytest.param(
            {"scheduled_end": "2026-11-25 17:00"},
            [("Scheduled end", "order")],
            id="an end before its start",
        ),
        pytest.param(
            {"scheduled_end": None},
            [("Scheduled end", "missing")],
            id="an empty end",
        ),
        pytest.param(
            {"scheduled_start": "@everyone <b>now</b>"},
            [("Scheduled start", "unreadable")],
            id="the quoted text is defanged",
        ),
    ],
)
def test_invalid_requests(fields: dict[str, Any], problems: list[tuple[str, str]]) -> None:
    issue = make_issue(CHANGE, created_at=london("2026-01-05 10:00"), answers=fields)
    actions = decide(issue, context(london("2026-01-05 10:00"))).actions
    assert kinds(actions) == [
        (Rule.CHANGE_INVALID, "add_labels"),
        (Rule.CHANGE_INVALID, "comment"),
    ]
    assert actions[0].labels == ("needs-info",)
    assert (actions[1].key or "").startswith("change.invalid:")
    window = change_facts(issue, context(london("2026-01-05 10:00"))).window
    assert [(p.field, p.kind) for p in window.problems] == problems


def test_fixing_the_times_removes_needs_info_and_a_new_mistake_gets_a_new_comment() -> None:
    desk = Desk()
    desk.open(OPENED, CHANGE, scheduled_start="tomorrow")
    assert "needs-info" in desk.issue().labels
    desk.edit(london("2026-11-20 10:10"), scheduled_start="2026-11-25 18:00")
    assert "needs-info" not in desk.issue().labels
    desk.edit(london("2026-11-20 10:20"), scheduled_end="2026-11-25 17:00")
    assert "needs-info" in desk.issue().labels
    assert len(comments_of(desk.actions(Rule.CHANGE_INVALID))) == 2


def test_a_needs_info_label_added_by_a_person_is_left_alone() -> None:
    issue = make_issue(
        CHANGE,
        labels={"change-request", "needs-info"},
        events=[labelled(APPROVER, "needs-info", london("2026-11-20 10:05"))],
    )
    assert (
        by_rule(decide(issue, context(london("2026-11-20 10:10"))).actions, Rule.CHANGE_INVALID)
        == []
    )


# -- approval ----------------------------------------------------------------------------

SHORT = {"created_at": london("2026-11-24 18:00")}  # 24 hours' notice


APPROVED = "change.approval:2000"  # the confirmation of the first comment's /approve
APPROVE = [("approve", "add_labels"), ("approve", "assign"), ("approve", "comment")]
SHORT_NOTICE = [("notice", "add_labels"), ("notice", "comment")]
#: The rules whose comments say what became of an approval, a rejection or a label.
DECIDING = (Rule.CHANGE_APPROVAL, Rule.CHANGE_REFUSED, Rule.CHANGE_WITHDRAWN)


@pytest.mark.parametrize(
    ("setup", "policy", "access", "expected", "key", "reason"),
    [
        pytest.param(
            {"comments": thread((APPROVER, "/approve", T1))},
            {},
            None,
            APPROVE,
            APPROVED,
            None,
            id="an approver's /approve labels, assigns the rota pair and confirms",
        ),
        pytest.param(
            {"comments": thread((APPROVER, "/approve @zoe @yan, looks good", T1))},
            {},
            None,
            APPROVE,
            APPROVED,
            None,
            id="/approve naming people assigns them instead of the rota",
        ),
        pytest.param(
            {"author": APPROVER, "comments": thread((APPROVER, "/approve", T1))},
            {},
            None,
            [("refused", "comment")],
            "change.refused:dana",
            Refusal.SELF,
            id="self-approval is refused",
        ),
        pytest.param(
            {"comments": thread((STRANGER, "/approve", T1))},
            {},
            None,
            [("refused", "comment")],
            "change.refused:sam",
            Refusal.NOT_APPROVER,
            id="approval by a non-approver is refused",
        ),
        pytest.param(
            {"comments": thread((APPROVER, "/approve", T1))},
            {"approvers": []},
            None,
            [("refused", "comment")],
            "change.refused:dana",
            Refusal.NOT_APPROVER,
            id="with no approvers in the policy nobody can approve",
        ),
        pytest.param(
            {**SHORT, "comments": thread((APPROVER, "/approve", london("2026-11-24 19:00")))},
            {},
            None,
            [*SHORT_NOTICE, ("refused", "comment")],
            "change.refused:dana",
            Refusal.NOTICE,
            id="approval with too little notice is refused",
        ),
        pytest.param(
            {
                **SHORT,
                "comments": thread(
                    (
                        APPROVER,
                        "/approve emergency card payments are failing",
                        london("2026-11-24 19:00"),
                    )
                ),
            },
            {},
            None,
            [*SHORT_NOTICE, *APPROVE],
            APPROVED,
            None,
            id="emergency approval with a reason approves and records the reason",
        ),
        pytest.param(
            {
                **SHORT,
                "comments": thread((APPROVER, "/approve emergency", london("2026-11-24 19:00"))),
            },
            {},
            None,
            [*SHORT_NOTICE, ("refused", "comment")],
            "change.refused:dana",
            Refusal.EMERGENCY_NO_REASON,
            id="emergency approval without a reason is refused",
        ),
        pytest.param(
            {
                **SHORT,
                "comments": thread(
                    (APPROVER, "/approve emergency it is urgent", london("2026-11-24 19:00"))
                ),
            },
            {"allow_emergency": False},
            None,
            [*SHORT_NOTICE, ("refused", "comment")],
            "change.refused:dana",
            Refusal.EMERGENCY_OFF,
            id="emergency approval is refused when the policy turns it off",
        ),
        pytest.param(
            {"comments": thread((APPROVER, "/approve", T1))},
            {"approvers": [TEAM]},
            Access(teams={TEAM: None}),
            [("approve", "comment")],
            "change.approval:teams:dana",
            None,
            id="a team approver that cannot be read gets an explanation, not a decision",
        ),
        pytest.param(
            {"comments": thread((APPROVER, "/approve", T1))},
            {"approvers": [TEAM]},
            Access(teams={TEAM: frozenset({"dana"})}),
            APPROVE,
            APPROVED,
            None,
            id="a member of a readable approver team approves",
        ),
        pytest.param(
            {"comments": thread((STRANGER, "/approve", T1))},
            {"approvers": [TEAM, APPROVER]},
            Access(teams={TEAM: frozenset({"dana"})}),
            [("refused", "comment")],
            "change.refused:sam",
            Refusal.NOT_APPROVER,
            id="someone in no readable approver team is refused",
        ),
        pytest.param(
            {"comments": thread((APPROVER, "/reject the rollback plan is untested", T1))},
            {},
            None,
            [("approve", "add_labels"), ("approve", "comment")],
            "change.approval:reject:2000",
            None,
            id="/reject with a reason rejects",
        ),
        pytest.param(
            {"comments": thread((APPROVER, "/reject", T1))},
            {},
            None,
            [("refused", "comment")],
            "change.refused:dana",
            Refusal.REJECT_NO_REASON,
            id="/reject without a reason is refused",
        ),
        pytest.param(
            {"comments": thread((STRANGER, "/reject no", T1))},
            {},
            None,
            [("refused", "comment")],
            "change.refused:sam",
            Refusal.NOT_APPROVER,
            id="/reject from a non-approver is refused",
        ),
        pytest.param(
            {
                "answers": {"scheduled_start": "soon"},
                "comments": thread((APPROVER, "/approve", T1)),
            },
            {},
            None,
            [("invalid", "add_labels"), ("invalid", "comment"), ("refused", "comment")],
            "change.refused:dana",
            Refusal.INVALID,
            id="approval of an invalid request is refused",
        ),
        pytest.param(
            {
                "comments": thread(
                    (APPROVER, "/reject not yet", T1), (OTHER_APPROVER, "/approve", T2)
                )
            },
            {},
            None,
            APPROVE,
            "change.approval:2001",
            None,
            id="an approval after a rejection stands",
        ),
        pytest.param(
            {
                "comments": thread(
                    (APPROVER, "/approve", T1),
                    (OTHER_APPROVER, "/reject clashes with the release", T2),
                )
            },
            {},
            None,
            [("approve", "add_labels"), ("approve", "comment")],
            "change.approval:reject:2001",
            None,
            id="a rejection after an approval stands",
        ),
        pytest.param(
            {
                "comments": thread((APPROVER, "/approve", T1)),
                "edits": [(T2, {"rollback": "Restore from last night's backup."})],
            },
            {},
            None,
            [("withdrawn", "comment")],
            "change.approval_withdrawn:2026-11-20T12:00:00Z",
            None,
            id="approval before an edit does not count",
        ),
        pytest.param(
            {
                "edits": [(T1, {"rollback": "Restore from last night's backup."})],
                "comments": thread((APPROVER, "/approve", T2)),
            },
            {},
            None,
            APPROVE,
            APPROVED,
            None,
            id="approval after an edit counts",
        ),
        pytest.param(
            {
                "comments": thread((APPROVER, "/approve", T1)),
                "edits": [(T2, {"checks": [STAKEHOLDERS, BACKUPS]})],
            },
            {},
            None,
            APPROVE,
            APPROVED,
            None,
            id="ticking checks after approval is not a change to the request",
        ),
        pytest.param(
            {"comments": thread((APPROVER, "Looks fine to me.\n/approve", T1))},
            {},
            None,
            [],
            None,
            None,
            id="a command not on the first line is not a command",
        ),
        pytest.param(
            {
                "comments": thread(
                    (APPROVER, "/approve", T1),
                    (STRANGER, "<!-- dutydesk:change.approval:2000 -->\nApproved!", T2),
                )
            },
            {},
            None,
            APPROVE,
            APPROVED,
            None,
            id="a forged confirmation marker in a person's comment does not stop the real one",
        ),
    ],
)
def test_approval(
    setup: dict[str, Any],
    policy: dict[str, Any],
    access: Access | None,
    expected: list[tuple[str, str]],
    key: str | None,
    reason: Refusal | None,
) -> None:
    """What the approval rules plan, the key of the comment that decides, and (for a reply)
    why it was refused."""
    setup = dict(setup)
    setup["edits"] = setup.get("edits", [])
    issue = make_issue(CHANGE, **setup)
    now = max([issue.updated_at])
    decision = decide(issue, context(now, make_policy(changes=policy), access))
    short = {
        Rule.CHANGE_APPROVAL: "approve",
        Rule.CHANGE_REFUSED: "refused",
        Rule.CHANGE_NOTICE: "notice",
        Rule.CHANGE_INVALID: "invalid",
        Rule.CHANGE_WITHDRAWN: "withdrawn",
    }
    planned = [
        (short[Rule(a.rule)], str(a.kind))
        for a in decision.actions
        if a.rule not in (Rule.CHANGE_HOURS, Rule.CHANGE_PRE, Rule.CHANGE_POST)
    ]
    assert planned == expected
    decisive = [a.key for a in comments_of(decision.actions) if a.rule in DECIDING]
    assert decisive[-1:] == ([key] if key else [])
    outcome = change_facts(issue, context(now, make_policy(changes=policy), access)).outcome
    assert {r.key: dict(r.values).get("reason") for r in outcome.replies}.get(key or "") == reason


def test_approval_assigns_the_rota_pair_for_the_window_not_for_today() -> None:
    issue = make_issue(
        CHANGE,
        answers={"scheduled_start": "2026-12-01 18:00", "scheduled_end": "2026-12-01 20:00"},
        comments=thread((APPROVER, "/approve", T1)),
    )
    assign = [a for a in decide(issue, context(T1)).actions if a.kind is Kind.ASSIGN]
    assert assign[0].users == ("bob-oncall", "carol-oncall")


def test_approval_with_no_rota_entry_assigns_nobody_and_says_so() -> None:
    issue = make_issue(CHANGE, comments=thread((APPROVER, "/approve", T1)))
    decision = decide(issue, context(T1, parse_policy({"changes": {"approvers": [APPROVER]}})))
    assert [a.kind for a in decision.actions if a.rule == Rule.CHANGE_APPROVAL] == [
        Kind.ADD_LABELS,
        Kind.COMMENT,
    ]
    policy = parse_policy({"changes": {"approvers": [APPROVER]}})
    assert change_facts(issue, context(T1, policy)).support == Support(people=(), from_rota=True)


def test_teams_named_in_approve_are_not_assigned() -> None:
    issue = make_issue(CHANGE, comments=thread((APPROVER, "/approve @zoe @example-org/dbas", T1)))
    decision = decide(issue, context(T1))
    assign = [a for a in decision.actions if a.kind is Kind.ASSIGN]
    assert assign[0].users == ("zoe",)
    approval = change_facts(issue, context(T1)).outcome.approval
    assert approval is not None and approval.args.teams == ("example-org/dbas",)


@pytest.mark.parametrize(
    ("args", "emergency", "people", "teams", "reason"),
    [
        pytest.param("", False, (), (), "", id="a bare approve"),
        pytest.param(
            "emergency disk is full", True, (), (), "disk is full", id="an emergency with a reason"
        ),
        pytest.param(
            "Emergency: disk is full",
            True,
            (),
            (),
            "disk is full",
            id="emergency is read in any case and with a colon",
        ),
        pytest.param("@a @b", False, ("a", "b"), (), "", id="people to assign"),
        pytest.param("@a, @b.", False, ("a", "b"), (), "", id="punctuation after names"),
        pytest.param(
            "emergency @a fix @b now",
            True,
            ("a",),
            (),
            "fix @b now",
            id="names after the reason are part of the reason",
        ),
        pytest.param("@org/team @a", False, ("a",), ("org/team",), "", id="teams are kept apart"),
        pytest.param("@a @a", False, ("a",), (), "", id="a name given twice counts once"),
    ],
)
def test_parse_approve(
    args: str, emergency: bool, people: tuple[str, ...], teams: tuple[str, ...], reason: str
) -> None:
    parsed = parse_approve(args)
    assert (parsed.emergency, parsed.people, parsed.teams, parsed.reason) == (
        emergency,
        people,
        teams,
        reason,
    )


# -- withdrawal and labels by hand --------------------------------------------------------


@pytest.mark.parametrize(
    ("edit", "changed"),
    [
        pytest.param(
            {"scheduled_start": "2026-11-25 18:30"},
            ["scheduled-start"],
            id="moving the start withdraws the approval and shows the old and new start",
        ),
        pytest.param(
            {"change_details": "Upgrade to PostgreSQL 17 instead."},
            ["change-details"],
            id="changing the details withdraws the approval",
        ),
        pytest.param(
            {"service": "Payments API and Refunds"},
            ["service"],
            id="changing the service withdraws the approval",
        ),
    ],
)
def test_an_edit_after_approval_withdraws_it(edit: dict[str, Any], changed: list[str]) -> None:
    desk = approved_desk()
    desk.edit(T2, **edit)
    issue = desk.issue()
    assert "approved" not in issue.labels
    withdrawn = desk.actions(Rule.CHANGE_WITHDRAWN)
    assert kinds(withdrawn) == [
        (Rule.CHANGE_WITHDRAWN, "remove_labels"),
        (Rule.CHANGE_WITHDRAWN, "comment"),
    ]
    assert withdrawn[1].key == "change.approval_withdrawn:2026-11-20T12:00:00Z"
    withdrawal = desk.change_facts(T2).outcome.withdrawal
    assert withdrawal is not None
    assert (withdrawal.approval.by, withdrawal.approval.at) == (APPROVER, T1)
    assert (withdrawal.after.author, withdrawal.after.at) == (REQUESTER, T2)
    before, after = withdrawal.before.fields, withdrawal.after.fields
    assert [f for (f, old), (_, new) in zip(before, after, strict=True) if old != new] == changed


def test_ticking_checks_after_approval_keeps_it() -> None:
    desk = approved_desk()
    desk.edit(T2, checks=[STAKEHOLDERS])
    assert "approved" in desk.issue().labels
    assert desk.actions(Rule.CHANGE_WITHDRAWN) == []


def test_a_new_approval_after_a_withdrawal_approves_again() -> None:
    desk = approved_desk()
    desk.edit(T2, scheduled_start="2026-11-25 18:30")
    desk.say(T3, OTHER_APPROVER, "/approve")
    assert "approved" in desk.issue().labels
    confirmations = [a.key for a in comments_of(desk.actions(Rule.CHANGE_APPROVAL))]
    assert len(set(confirmations)) == 2
    facts = desk.change_facts(T3)
    assert facts.outcome.approval is not None and facts.outcome.approval.by == OTHER_APPROVER
    assert facts.window.start == london("2026-11-25 18:30")


def test_a_late_sweep_after_approval_and_edit_never_approves() -> None:
    desk = Desk(make_policy())
    desk.open(OPENED, CHANGE)
    desk.repo.now = T1
    desk.repo.comment(APPROVER, 1, "/approve")  # the event was missed
    desk.edit(T2, scheduled_start="2026-11-25 18:30")
    assert "approved" not in desk.issue().labels
    assert not desk.issue().assignees
    assert [a.kind for a in desk.actions(Rule.CHANGE_APPROVAL)] == []
    assert len(comments_of(desk.actions(Rule.CHANGE_WITHDRAWN))) == 1


@pytest.mark.parametrize(
    ("actor", "approvers", "teams", "kept", "reply"),
    [
        pytest.param(
            STRANGER,
            [APPROVER],
            None,
            False,
            ("change.refused:sam", {"reason": "label", "by_requester": False}),
            id="a label added by hand by a non-approver is removed",
        ),
        pytest.param(
            REQUESTER,
            [APPROVER, REQUESTER],
            None,
            False,
            ("change.refused:rita", {"reason": "label", "by_requester": True}),
            id="a label added by the requester is removed even if they approve others' changes",
        ),
        pytest.param(
            APPROVER,
            [APPROVER],
            None,
            True,
            None,
            id="a label added by hand by an approver is left alone",
        ),
        pytest.param(
            APPROVER,
            [TEAM],
            {},
            False,
            ("change.approval:teams:dana", {"what": "label"}),
            id="a label added when the approver team cannot be read is no approval: it comes off",
        ),
    ],
)
def test_a_label_added_by_hand(
    actor: str,
    approvers: list[str],
    teams: dict[str, Iterable[str]] | None,
    kept: bool,
    reply: tuple[str, dict[str, Any]] | None,
) -> None:
    desk = Desk(make_policy(changes={"approvers": approvers}), teams=teams)
    desk.open(OPENED, CHANGE)
    desk.label(T1, actor, add=["approved"])
    assert ("approved" in desk.issue().labels) is kept
    if reply is None:
        assert comments_of(desk.actions(Rule.CHANGE_REFUSED)) == []
        return
    key, values = reply
    assert key in [a.key for a in comments_of(desk.actions())]
    replies = {r.key: dict(r.values) for r in desk.change_facts(T1).outcome.replies}
    assert {name: replies[key][name] for name in values} == values


def test_a_label_added_by_hand_after_approval_changes_nothing() -> None:
    desk = approved_desk()
    desk.repo.now = T3
    desk.repo.set_labels(STRANGER, 1, [], ["approved"])
    desk.repo.set_labels(STRANGER, 1, ["approved"], [])  # taken off and put back before a run
    desk.run(T3)
    assert "approved" in desk.issue().labels
    assert desk.change_facts(T3).approved
    # taking it off was not theirs to do: one reply (see tests/test_change_provenance.py)
    refused = comments_of(desk.actions(Rule.CHANGE_REFUSED))
    assert [a.key for a in refused] == ["change.refused:sam"]


# -- before and after the change ------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "reminds", "next_check"),
    [
        pytest.param(
            "2026-11-24 17:59",
            False,
            "2026-11-24 18:00",
            id="a minute before the lead time nothing yet, and the next check is the reminder",
        ),
        pytest.param(
            "2026-11-24 18:00",
            True,
            "2026-11-25 20:00",
            id="at the lead time the reminder is posted and the next check is the end",
        ),
        pytest.param(
            "2026-11-25 17:00",
            True,
            "2026-11-25 20:00",
            id="a late sweep an hour before the start still reminds",
        ),
        pytest.param(
            "2026-11-25 18:30",
            False,
            "2026-11-25 20:00",
            id="after the start it is too late to remind",
        ),
    ],
)
def test_pre_change_reminder(now: str, reminds: bool, next_check: str) -> None:
    desk = approved_desk()
    decision = desk.run(london(now))
    reminder = by_rule(decision.actions, Rule.CHANGE_PRE)
    assert bool(reminder) is reminds
    assert decision.next_check == london(next_check)
    if reminds:
        assert plan(reminder) == [
            (Rule.CHANGE_PRE, "comment", "change.pre_change:2026-11-25T18:00:00Z")
        ]
        facts = desk.change_facts(london(now))
        assert facts.unticked == (STAKEHOLDERS, BACKUPS)
        assert facts.support.people == ("alice-oncall", "bob-oncall")


def test_pre_change_reminder_names_only_the_unticked_checks_and_comes_once() -> None:
    desk = approved_desk()
    desk.edit(T2, checks=[STAKEHOLDERS])
    desk.run(london("2026-11-24 18:00"))
    desk.run(london("2026-11-24 18:05"))
    reminders = desk.actions(Rule.CHANGE_PRE)
    assert len(reminders) == 1
    assert desk.change_facts(london("2026-11-24 18:00")).unticked == (BACKUPS,)


def test_pre_change_reminder_when_all_checks_are_ticked() -> None:
    desk = approved_desk()
    desk.edit(T2, checks=[STAKEHOLDERS, BACKUPS])
    desk.run(london("2026-11-24 18:00"))
    assert len(desk.actions(Rule.CHANGE_PRE)) == 1
    assert desk.change_facts(london("2026-11-24 18:00")).unticked == ()


def test_an_emergency_approved_inside_the_lead_time_is_reminded_at_once() -> None:
    desk = Desk()
    desk.open(london("2026-11-25 12:00"), CHANGE)
    desk.say(london("2026-11-25 12:30"), APPROVER, "/approve emergency certificate expires tonight")
    assert len(desk.actions(Rule.CHANGE_PRE)) == 1


@pytest.mark.parametrize(
    ("sweeps", "prompts", "next_check"),
    [
        pytest.param(
            ["2026-11-25 19:59"],
            [],
            "2026-11-25 20:00",
            id="before the end nothing, and the next check is the end",
        ),
        pytest.param(
            ["2026-11-25 20:00"],
            ["2026-11-25T20:00:00Z"],
            "2026-11-26 16:00",
            id="at the end the first prompt, and the next is a business day later",
        ),
        pytest.param(
            ["2026-11-25 20:00", "2026-11-26 16:00"],
            ["2026-11-25T20:00:00Z", "2026-11-26T16:00:00Z"],
            "2026-11-27 16:00",
            id="a business day later the prompt repeats",
        ),
        pytest.param(
            ["2026-11-25 20:00", "2026-11-30 10:00"],
            ["2026-11-25T20:00:00Z", "2026-11-27T16:00:00Z"],
            "2026-11-30 16:00",
            id="a late sweep after a missed day posts one prompt, not two",
        ),
        pytest.param(
            ["2026-11-27 16:00", "2026-11-28 12:00"],
            ["2026-11-27T16:00:00Z"],
            "2026-11-30 16:00",
            id="weekends are not business days",
        ),
    ],
)
def test_post_change_prompts(sweeps: list[str], prompts: list[str], next_check: str) -> None:
    desk = approved_desk()
    decision = None
    for moment in sweeps:
        decision = desk.run(london(moment))
    keys = [a.key for a in comments_of(desk.actions(Rule.CHANGE_POST))]
    assert keys == [f"change.post_change:{p}" for p in prompts]
    assert decision is not None and decision.next_check == london(next_check)


@pytest.mark.parametrize(
    ("by", "text", "closed", "answer", "refusal"),
    [
        pytest.param(
            REQUESTER,
            "/done",
            True,
            "done",
            None,
            id="/done from the requester closes the issue",
        ),
        pytest.param(
            "alice-oncall",
            "/done all good",
            True,
            "done",
            None,
            id="/done from an assignee closes the issue",
        ),
        pytest.param(
            APPROVER,
            "/done",
            True,
            "done",
            None,
            id="/done from an approver closes the issue",
        ),
        pytest.param(
            REQUESTER,
            "/rolled-back migration timed out",
            False,
            "rolled-back",
            None,
            id="/rolled-back with a note is recorded and the issue stays open",
        ),
        pytest.param(
            REQUESTER,
            "/rolled-back",
            False,
            None,
            "no-note",
            id="/rolled-back without a note is refused",
        ),
        pytest.param(
            STRANGER,
            "/done",
            False,
            None,
            "not-allowed",
            id="/done from a stranger is refused",
        ),
    ],
)
def test_answers_to_the_post_change_prompt(
    by: str, text: str, closed: bool, answer: str | None, refusal: str | None
) -> None:
    desk = approved_desk()
    desk.run(END)
    said = desk.say(london("2026-11-25 20:30"), by, text)
    assert (desk.issue().state == "closed") is closed
    keys = [a.key for a in comments_of(desk.actions(Rule.CHANGE_POST))]
    answers = desk.change_facts(london("2026-11-25 20:30")).answers
    if answer is not None:
        assert keys[-1] == f"change.post_change:{answer}:{said}"
        assert answers.accepted is not None and answers.accepted.comment.id == said
    else:
        assert keys[-1] == f"change.post_change:refused:{by}"
        assert [(c.comment.id, why) for c, why in answers.refused] == [(said, refusal)]


def test_an_answered_change_gets_no_more_prompts() -> None:
    desk = approved_desk()
    answer = desk.say(london("2026-11-25 19:50"), REQUESTER, "/rolled-back the upgrade failed")
    decision = desk.run(london("2026-11-27 16:00"))
    assert [a.key for a in comments_of(desk.actions(Rule.CHANGE_POST))] == [
        f"change.post_change:rolled-back:{answer}"
    ]
    assert decision.next_check is None


def test_done_before_the_start_is_refused() -> None:
    desk = approved_desk()
    desk.say(london("2026-11-24 10:00"), REQUESTER, "/done")
    assert desk.issue().state == "open"
    assert [a.key for a in comments_of(desk.actions(Rule.CHANGE_POST))] == [
        "change.post_change:refused:rita"
    ]
    assert [why for _, why in desk.change_facts(london("2026-11-24 10:00")).answers.refused] == [
        "early"
    ]


def test_an_unapproved_change_gets_no_prompts() -> None:
    desk = Desk()
    desk.open(OPENED, CHANGE)
    for moment in ("2026-11-24 18:00", "2026-11-25 20:00", "2026-11-26 16:00"):
        decision = desk.run(london(moment))
        assert decision.next_check is None
    assert desk.actions(Rule.CHANGE_PRE) == desk.actions(Rule.CHANGE_POST) == []


def test_a_closed_request_plans_nothing() -> None:
    issue = make_issue(CHANGE, state="closed", comments=thread((APPROVER, "/approve", T1)))
    assert decide(issue, context(T1)).actions == ()


# -- a whole change, start to finish ---------------------------------------------------------


def test_an_approved_change_from_request_to_done() -> None:
    desk = Desk()
    desk.open(OPENED, CHANGE)
    desk.say(T1, STRANGER, "/approve")
    desk.say(T2, REQUESTER, "/approve")
    desk.say(T3, APPROVER, "/approve")
    desk.edit(london("2026-11-23 09:00"), checks=[STAKEHOLDERS])
    for moment in ("2026-11-24 18:00", "2026-11-25 18:00", "2026-11-25 20:00", "2026-11-26 09:00"):
        desk.run(london(moment))
    desk.say(london("2026-11-26 09:30"), REQUESTER, "/done")
    issue = desk.issue()
    assert issue.state == "closed"
    assert set(issue.assignees) == {"alice-oncall", "bob-oncall"}
    assert [(a.rule, a.summary().split(" [")[0]) for _, a in desk.log] == [
        (Rule.CHANGE_REFUSED, "comment"),
        (Rule.CHANGE_REFUSED, "comment"),
        (Rule.CHANGE_APPROVAL, "add labels approved"),
        (Rule.CHANGE_APPROVAL, "assign @alice-oncall, @bob-oncall"),
        (Rule.CHANGE_APPROVAL, "comment"),
        (Rule.CHANGE_PRE, "comment"),
        (Rule.CHANGE_POST, "comment"),
        (Rule.CHANGE_POST, "comment"),
        (Rule.CHANGE_POST, "close"),
    ]
    assert all(c.author in (REQUESTER, STRANGER, APPROVER, BOT) for c in issue.comments)


# -- planned maintenance ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("opened", "start", "qualifying"),
    [
        pytest.param(
            "2026-11-23 10:00",
            "2026-11-30 10:00",
            None,
            id="exactly five working days is enough",
        ),
        pytest.param(
            "2026-11-23 10:01",
            "2026-11-30 10:00",
            "2026-11-30 10:01",
            id="a minute short of five working days is not enough",
        ),
        pytest.param(
            "2026-12-21 10:00",
            "2026-12-30 10:00",
            None,
            id="bank holidays are not working days",
        ),
        pytest.param(
            "2026-12-21 10:00",
            "2026-12-29 16:00",
            "2026-12-30 10:00",
            id="nine calendar days over Christmas are under five working days",
        ),
    ],
)
def test_maintenance_notice(opened: str, start: str, qualifying: str | None) -> None:
    desk = Desk()
    end = start[:11] + "23:00"
    desk.open(london(opened), MAINTENANCE, downtime_start=start, downtime_end=end)
    actions = desk.actions(Rule.MAINTENANCE_NOTICE)
    short = qualifying is not None
    assert ("insufficient-notice" in desk.issue().labels) is short
    if not short:
        assert actions == []
        return
    assert plan(actions) == [
        (Rule.MAINTENANCE_NOTICE, "add_labels", None),
        (Rule.MAINTENANCE_NOTICE, "comment", f"maintenance.notice:{key_time(london(opened))}"),
    ]
    notice = desk.maintenance_facts(london(opened)).notice
    assert notice is not None and notice.qualifying == london(qualifying or "")


def test_maintenance_with_unusable_times() -> None:
    desk = Desk()
    desk.open(
        london("2026-03-01 10:00"),
        MAINTENANCE,
        downtime_start="2026-03-29 01:15",
        downtime_end="2026-03-29 03:00",
    )
    assert "needs-info" in desk.issue().labels
    assert kinds(desk.actions(Rule.MAINTENANCE_INVALID)) == [
        (Rule.MAINTENANCE_INVALID, "add_labels"),
        (Rule.MAINTENANCE_INVALID, "comment"),
    ]
    problems = desk.maintenance_facts(london("2026-03-01 10:00")).revisions[-1].window.problems
    assert [(p.field, p.kind) for p in problems] == [("Downtime start", "unreadable")]
    desk.edit(london("2026-03-01 10:05"), downtime_start="2026-03-29 00:15")
    assert "needs-info" not in desk.issue().labels
    assert desk.actions(Rule.MAINTENANCE_NOTICE) == []


def test_maintenance_rule_ids() -> None:
    assert {Rule.MAINTENANCE_INVALID.value, Rule.MAINTENANCE_NOTICE.value} == {
        "maintenance.invalid",
        "maintenance.notice",
    }


def test_change_rule_ids_are_the_issue_s() -> None:
    assert {r.value for r in Rule if r.value.startswith("change.")} == {
        "change.invalid",
        "change.notice",
        "change.hours",
        "change.approval",
        "change.refused",
        "change.approval_withdrawn",
        "change.pre_change",
        "change.post_change",
    }


# -- idempotency -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "now",
    [
        pytest.param(datetime.fromisoformat(t), id=f"at {t}")
        for t in (
            "2026-11-20T10:00:00+00:00",
            "2026-11-24T18:00:00+00:00",
            "2026-11-25T20:00:00+00:00",
            "2026-11-27T16:00:00+00:00",
        )
    ],
)
def test_the_same_moment_twice_plans_nothing(now: datetime) -> None:
    desk = Desk(idempotent=False)
    desk.open(OPENED, CHANGE, scheduled_start="2026-11-25 21:00", scheduled_end="2026-11-25 23:00")
    desk.say(T1, STRANGER, "/approve")
    desk.say(T2, APPROVER, "/approve")
    desk.label(T3, STRANGER, add=["rejected"])
    first = desk.run(now)
    second = desk.run(now)
    assert second.actions == ()
    assert first.next_check == second.next_check


def test_an_answer_about_an_earlier_approval_does_not_answer_for_new_times() -> None:
    desk = approved_desk()
    desk.say(london("2026-11-25 20:10"), REQUESTER, "/rolled-back replica lag, restored")
    desk.edit(
        london("2026-11-26 09:00"),
        scheduled_start="2026-12-02 18:00",
        scheduled_end="2026-12-02 20:00",
    )
    desk.say(london("2026-11-26 09:30"), APPROVER, "/approve")
    desk.run(london("2026-12-02 20:00"))
    post = comments_of(desk.actions(Rule.CHANGE_POST))
    assert [a.key for a in post][-1] == "change.post_change:2026-12-02T20:00:00Z"
    assert not [a for a in post if ":refused:" in (a.key or "")]
    assert desk.change_facts(london("2026-12-02 20:00")).answers == PromptAnswers()


# -- /done closes once -----------------------------------------------------------------------

REOPEN = london("2026-11-26 09:00")


@pytest.mark.parametrize(
    ("steps", "state", "closes", "recorded"),
    [
        pytest.param(
            [("say", "2026-11-25 20:30", REQUESTER, "/done")],
            "closed",
            1,
            ["done"],
            id="/done closes the issue",
        ),
        pytest.param(
            [
                ("say", "2026-11-25 20:30", REQUESTER, "/done"),
                ("reopen", "2026-11-26 09:00", REQUESTER, ""),
                ("run", "2026-11-26 09:00", "", ""),
                ("run", "2026-11-26 16:00", "", ""),
                ("run", "2026-11-30 10:00", "", ""),
            ],
            "open",
            1,
            ["done"],
            id="an issue reopened after /done stays open on every later run",
        ),
        pytest.param(
            [
                ("quiet", "2026-11-25 20:30", REQUESTER, "/done"),
                ("close", "2026-11-25 20:40", APPROVER, ""),
                ("reopen", "2026-11-25 20:45", APPROVER, ""),
                ("run", "2026-11-25 21:00", "", ""),
            ],
            "open",
            0,
            ["done"],
            id="/done seen only after a person reopened the issue is recorded without closing",
        ),
        pytest.param(
            [
                ("say", "2026-11-25 20:30", REQUESTER, "/done"),
                ("reopen", "2026-11-26 09:00", REQUESTER, ""),
                ("say", "2026-11-26 11:00", REQUESTER, "/done follow-up finished"),
            ],
            "closed",
            2,
            ["done", "done"],
            id="a new /done after a reopen closes the issue again",
        ),
        pytest.param(
            [
                ("say", "2026-11-25 20:30", REQUESTER, "/done"),
                ("reopen", "2026-11-26 09:00", REQUESTER, ""),
                ("say", "2026-11-26 11:00", REQUESTER, "/rolled-back errors came back overnight"),
            ],
            "open",
            1,
            ["done", "rolled-back"],
            id="/rolled-back after a reopen is recorded and the issue stays open",
        ),
    ],
)
def test_done_closes_once(
    steps: list[tuple[str, str, str, str]], state: str, closes: int, recorded: list[str]
) -> None:
    desk = done_desk()
    for what, moment, who, text in steps:
        if what == "say":
            desk.say(london(moment), who, text)
        elif what == "quiet":  # the event was missed
            desk.repo.now = london(moment)
            desk.repo.comment(who, 1, text)
        elif what in ("close", "reopen"):
            desk.repo.now = london(moment)
            desk.repo.set_state(who, 1, "closed" if what == "close" else "open")
        else:
            desk.run(london(moment))
    assert desk.issue().state == state
    assert [a.kind for a in desk.actions(Rule.CHANGE_POST)].count(Kind.CLOSE) == closes
    keys = [(a.key or "").split(":") for a in comments_of(desk.actions(Rule.CHANGE_POST))]
    assert [k[1] for k in keys if k[1] in ("done", "rolled-back")] == recorded


# -- an `approved` label added by hand by an approver -------------------------------------------

LABELLED_AT = london("2026-11-20 10:30")


@pytest.mark.parametrize(
    ("setup", "policy", "expected", "key", "reason"),
    [
        pytest.param(
            {},
            {},
            [("approval", "assign"), ("approval", "comment")],
            "change.approval:label:2026-11-20T10:30:00Z",
            None,
            id="with enough notice it approves like /approve: the rota pair is assigned and told",
        ),
        pytest.param(
            {
                "answers": {
                    "scheduled_start": "2026-11-20 16:00",
                    "scheduled_end": "2026-11-20 17:00",
                }
            },
            {},
            [
                ("notice", "add_labels"),
                ("notice", "comment"),
                ("refused", "remove_labels"),
                ("refused", "comment"),
            ],
            "change.refused:dana",
            Refusal.NOTICE,
            id="with too little notice it is taken off and the approver told to approve an emergency",
        ),
        pytest.param(
            {
                "answers": {
                    "scheduled_start": "2026-11-20 16:00",
                    "scheduled_end": "2026-11-20 17:00",
                }
            },
            {"allow_emergency": False},
            [
                ("notice", "add_labels"),
                ("notice", "comment"),
                ("refused", "remove_labels"),
                ("refused", "comment"),
            ],
            "change.refused:dana",
            Refusal.NOTICE,
            id="with too little notice and no emergencies allowed it is taken off",
        ),
        pytest.param(
            {"answers": {"scheduled_start": "tomorrow evening"}},
            {},
            [
                ("invalid", "add_labels"),
                ("invalid", "comment"),
                ("refused", "remove_labels"),
                ("refused", "comment"),
            ],
            "change.refused:dana",
            Refusal.INVALID,
            id="on a request with unusable times it is taken off",
        ),
        pytest.param(
            {
                "edits": [
                    (london("2026-11-20 11:00"), {"change_details": "Also drop the audit table"})
                ]
            },
            {},
            [("withdrawn", "remove_labels"), ("withdrawn", "comment")],
            "change.approval_withdrawn:2026-11-20T11:00:00Z",
            None,
            id="an edit after it withdraws it",
        ),
        pytest.param(
            {
                "edits": [
                    (london("2026-11-20 10:15"), {"change_details": "Also drop the audit table"})
                ]
            },
            {},
            [("approval", "assign"), ("approval", "comment")],
            "change.approval:label:2026-11-20T10:30:00Z",
            None,
            id="an edit before it does not withdraw it",
        ),
        pytest.param(
            {
                "comments": thread(
                    (OTHER_APPROVER, "/reject not this week", london("2026-11-20 11:00"))
                )
            },
            {},
            [("approval", "remove_labels"), ("approval", "add_labels"), ("approval", "comment")],
            "change.approval:reject:2000",
            None,
            id="a rejection after it takes the label off",
        ),
    ],
)
def test_an_approvers_label_counts_as_approve(
    setup: dict[str, Any],
    policy: dict[str, Any],
    expected: list[tuple[str, str]],
    key: str,
    reason: Refusal | None,
) -> None:
    issue = make_issue(
        CHANGE,
        labels={"change-request", "approved"},
        events=[labelled(APPROVER, "approved", LABELLED_AT)],
        **setup,
    )
    decision = decide(
        issue, context(max(issue.updated_at, LABELLED_AT), make_policy(changes=policy))
    )
    short = {
        Rule.CHANGE_APPROVAL: "approval",
        Rule.CHANGE_REFUSED: "refused",
        Rule.CHANGE_NOTICE: "notice",
        Rule.CHANGE_INVALID: "invalid",
        Rule.CHANGE_WITHDRAWN: "withdrawn",
    }
    planned = [
        (short[Rule(a.rule)], str(a.kind))
        for a in decision.actions
        if a.rule not in (Rule.CHANGE_HOURS, Rule.CHANGE_PRE, Rule.CHANGE_POST)
    ]
    assert planned == expected
    removed = [lbl for a in decision.actions if a.kind is Kind.REMOVE_LABELS for lbl in a.labels]
    assert removed.count("approved") == ("remove_labels" in {k for _, k in expected})
    decisive = [a.key for a in comments_of(decision.actions) if a.rule in DECIDING]
    assert decisive[-1] == key
    now = max(issue.updated_at, LABELLED_AT)
    outcome = change_facts(issue, context(now, make_policy(changes=policy))).outcome
    assert {r.key: dict(r.values).get("reason") for r in outcome.replies}.get(key) == reason


@pytest.mark.parametrize(
    ("opened", "reminders"),
    [
        pytest.param("2026-11-20 10:00", 1, id="an approval by label leads to the reminder"),
        pytest.param(
            "2026-11-24 20:00", 0, id="a label taken off for short notice leads to no reminder"
        ),
    ],
)
def test_an_approvers_label_in_a_flow(opened: str, reminders: int) -> None:
    desk = Desk()
    desk.open(london(opened), CHANGE)
    desk.label(london(opened) + (T1 - OPENED), APPROVER, add=["approved"])
    desk.run(london("2026-11-25 17:00"))
    assert ("approved" in desk.issue().labels) is bool(reminders)
    assert len(desk.actions(Rule.CHANGE_PRE)) == reminders


def test_an_approvers_label_taken_off_and_added_again_replies_once() -> None:
    desk = Desk()
    desk.open(london("2026-11-24 20:00"), CHANGE)
    desk.label(london("2026-11-24 20:10"), APPROVER, add=["approved"])
    desk.label(london("2026-11-24 20:20"), APPROVER, add=["approved"])
    assert "approved" not in desk.issue().labels
    assert [a.kind for a in desk.actions(Rule.CHANGE_REFUSED)] == [
        Kind.REMOVE_LABELS,
        Kind.COMMENT,
        Kind.REMOVE_LABELS,
    ]


def test_an_approved_label_with_no_record_of_who_added_it_is_taken_off() -> None:
    issue = make_issue(CHANGE, labels={"change-request", "approved"})
    decision = decide(issue, context(T1))
    assert kinds(by_rule(decision.actions, Rule.CHANGE_REFUSED)) == [
        (Rule.CHANGE_REFUSED, "remove_labels"),
        (Rule.CHANGE_REFUSED, "comment"),
    ]
    assert comments_of(by_rule(decision.actions, Rule.CHANGE_REFUSED))[0].key == (
        "change.refused:label:unknown"
    )


# -- labels a person changed -------------------------------------------------------------------


def _short_notice(desk: Desk) -> None:
    desk.open(london("2026-11-24 12:00"), CHANGE)


def _in_hours(desk: Desk) -> None:
    desk.open(OPENED, CHANGE, scheduled_start="2026-11-25 10:00", scheduled_end="2026-11-25 12:00")


def _rejected(desk: Desk) -> None:
    desk.open(OPENED, CHANGE)
    desk.say(T1, APPROVER, "/reject not this week")


def _invalid(desk: Desk) -> None:
    desk.open(OPENED, CHANGE, scheduled_start="tomorrow")


def _maintenance_notice(desk: Desk) -> None:
    desk.open(london("2026-11-24 12:00"), MAINTENANCE)


def _new_start(desk: Desk) -> None:
    desk.edit(london("2026-11-24 15:00"), scheduled_start="2026-11-25 17:30")


def _new_window(desk: Desk) -> None:
    desk.edit(
        london("2026-11-24 15:00"),
        scheduled_start="2026-11-26 10:00",
        scheduled_end="2026-11-26 11:00",
    )


def _new_rejection(desk: Desk) -> None:
    desk.say(london("2026-11-24 15:00"), OTHER_APPROVER, "/reject still not this week")


def _new_mistake(desk: Desk) -> None:
    desk.edit(london("2026-11-24 15:00"), scheduled_start="the day after tomorrow")


def _new_downtime(desk: Desk) -> None:
    desk.edit(london("2026-11-24 15:00"), downtime_start="2026-11-30 17:00")


@pytest.mark.parametrize(
    ("setup", "label", "change"),
    [
        pytest.param(_short_notice, "insufficient-notice", _new_start, id="insufficient-notice"),
        pytest.param(_in_hours, "in-hours", _new_window, id="in-hours"),
        pytest.param(_rejected, "rejected", _new_rejection, id="rejected"),
        pytest.param(_invalid, "needs-info", _new_mistake, id="needs-info"),
        pytest.param(
            _maintenance_notice, "insufficient-notice", _new_downtime, id="maintenance notice"
        ),
    ],
)
def test_a_label_a_person_removed_stays_off_until_the_situation_changes(
    setup: Any, label: str, change: Any
) -> None:
    desk = Desk()
    setup(desk)
    assert label in desk.issue().labels
    desk.label(london("2026-11-24 13:00"), "carol", remove=[label])
    for moment in ("2026-11-24 13:05", "2026-11-24 14:00"):
        desk.run(london(moment))
    assert label not in desk.issue().labels
    change(desk)
    assert label in desk.issue().labels
    added = [a for a in desk.actions() if a.kind is Kind.ADD_LABELS and label in a.labels]
    assert len(added) == 2


@pytest.mark.parametrize(
    ("setup", "label"),
    [
        pytest.param(_rejected, "insufficient-notice", id="insufficient-notice on enough notice"),
        pytest.param(_short_notice, "in-hours", id="in-hours on an on-call window"),
        pytest.param(_rejected, "needs-info", id="needs-info on usable times"),
    ],
)
def test_a_label_a_person_added_is_theirs(setup: Any, label: str) -> None:
    desk = Desk()
    setup(desk)
    desk.label(london("2026-11-24 13:00"), "carol", add=[label])
    desk.run(london("2026-11-24 14:00"))
    assert label in desk.issue().labels
    assert [a for a in desk.actions() if a.kind is Kind.REMOVE_LABELS] == []


def test_a_rejected_label_a_person_added_is_not_removed_by_an_approval() -> None:
    desk = Desk()
    desk.open(OPENED, CHANGE)
    desk.label(T1, "carol", add=["rejected"])
    desk.say(T2, APPROVER, "/approve")
    assert {"approved", "rejected"} <= desk.issue().labels


@pytest.mark.parametrize("rounds", [1, 3])
def test_no_label_tug_of_war_with_a_person(rounds: int) -> None:
    desk = Desk()
    _short_notice(desk)
    moment = london("2026-11-24 13:00")
    for _ in range(rounds):
        desk.label(moment, "carol", remove=["insufficient-notice"])
        desk.run(moment + (T1 - OPENED))
        desk.label(moment + (T2 - OPENED), "carol", add=["insufficient-notice"])
        desk.run(moment + (T3 - OPENED))
        moment += T3 - OPENED
    label_actions = [a for a in desk.actions() if a.kind in (Kind.ADD_LABELS, Kind.REMOVE_LABELS)]
    assert len(label_actions) == 1  # the bot's first label, and nothing after


# -- one reply per person ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "posted", "edited", "reply"),
    [
        pytest.param(
            [(STRANGER, "/approve")] * 50,
            1,
            0,
            ("change.refused:sam", "not-approver", "approve"),
            id="50 refused /approve from one person get one reply",
        ),
        pytest.param(
            [(STRANGER, "/approve"), (STRANGER, "/reject no")],
            1,
            1,
            ("change.refused:sam", "not-approver", "reject"),
            id="a different refused command edits that person's reply",
        ),
        pytest.param(
            [(STRANGER, "/approve"), (REQUESTER, "/approve"), (STRANGER, "/approve")],
            2,
            0,
            ("change.refused:rita", "self", "approve"),
            id="two people get a reply each",
        ),
        pytest.param(
            [("renovate[bot]", "/approve")] * 3,
            1,
            0,
            ("change.refused:renovate+bot+", "not-approver", "approve"),
            id="a bot account's login makes a valid key",
        ),
        pytest.param(
            [(APPROVER, "/reject"), (APPROVER, "/reject")],
            1,
            0,
            ("change.refused:dana", "reject-no-reason", "reject"),
            id="an approver's repeated slip gets one reply",
        ),
    ],
)
def test_one_refusal_reply_per_person(
    said: list[tuple[str, str]], posted: int, edited: int, reply: tuple[str, str, str]
) -> None:
    desk = Desk()
    desk.open(OPENED, CHANGE)
    for n, (who, text) in enumerate(said):
        desk.say(T1 + (T2 - T1) * n / 100, who, text)
    refused = comments_of(desk.actions(Rule.CHANGE_REFUSED))
    assert len([a for a in refused if a.comment_id is None]) == posted
    assert len([a for a in refused if a.comment_id is not None]) == edited
    key, reason, command = reply
    assert key in {a.key for a in refused}
    replies = {r.key: dict(r.values) for r in desk.change_facts(T2).outcome.replies}
    assert (replies[key]["reason"], replies[key]["command"]) == (reason, command)


def test_a_person_s_label_and_command_refusals_share_one_reply() -> None:
    desk = Desk()
    desk.open(OPENED, CHANGE)
    desk.say(T1, STRANGER, "/approve")
    for moment in (T2, T3):
        desk.label(moment, STRANGER, add=["approved"])
    refused = comments_of(desk.actions(Rule.CHANGE_REFUSED))
    assert {a.key for a in refused} == {"change.refused:sam"}
    assert len([a for a in refused if a.comment_id is None]) == 1
    replies = {r.key: dict(r.values) for r in desk.change_facts(T3).outcome.replies}
    assert replies["change.refused:sam"]["reason"] == "label"


def test_teams_that_cannot_be_read_are_explained_once_per_person() -> None:
    desk = Desk(make_policy(changes={"approvers": [TEAM]}), teams={})
    desk.open(OPENED, CHANGE)
    for moment in (T1, T2, T3):
        desk.say(moment, APPROVER, "/approve")
    notes = comments_of(desk.actions(Rule.CHANGE_APPROVAL))
    assert [a.key for a in notes] == ["change.approval:teams:dana"]


def test_refused_answers_to_the_prompt_get_one_reply_per_person() -> None:
    desk = done_desk()
    for minute in range(5):
        desk.say(london(f"2026-11-25 20:3{minute}"), STRANGER, "/done")
    refused = comments_of(desk.actions(Rule.CHANGE_POST))
    assert [a.key for a in refused if "refused" in (a.key or "")] == [
        "change.post_change:refused:sam"
    ]
    assert desk.issue().state == "open"


# -- the example scenarios ---------------------------------------------------------------------


def run_example(name: str) -> tuple[Simulation, list[tuple[str, Action]]]:
    scenario = load_scenario(ROOT / "examples" / name)
    policy = load_policy(ROOT / "policy.yaml", overrides=scenario.policy_overrides)
    simulation = Simulation(scenario, policy, FORMS, HANDLERS)
    entries = [(e.source, e.action) for e in simulation.run() if e.action is not None]
    return simulation, entries


def test_the_approved_change_example_closes_once_and_stays_reopened() -> None:
    simulation, entries = run_example("approved-change.yaml")
    closes = [a for _, a in entries if a.kind is Kind.CLOSE]
    assert [a.rule for a in closes] == [Rule.CHANGE_POST]
    issue = simulation.repo.get_issue(1)
    assert issue.state == "open"
    assert "approved" in issue.labels
    assert [a.key for _, a in entries if a.rule == Rule.CHANGE_REFUSED] == ["change.refused:sam"]


def test_the_refused_change_example_refuses_every_approval_and_rejects() -> None:
    simulation, entries = run_example("refused-change.yaml")
    refused = [
        (str(a.kind), a.key, a.comment_id is not None)
        for _, a in entries
        if a.rule == Rule.CHANGE_REFUSED
    ]
    assert refused == [
        ("comment", "change.refused:rita", False),
        ("comment", "change.refused:dana", False),
        ("remove_labels", None, False),
        ("comment", "change.refused:dana", True),  # her reply, updated for the label
        ("remove_labels", None, False),
        ("comment", "change.refused:sam", False),
    ]
    assert simulation.repo.get_issue(1).labels == {
        "change-request",
        "insufficient-notice",
        "rejected",
    }


@pytest.mark.parametrize(
    ("end", "too_long"),
    [
        ("2026-12-02 18:00", False),  # exactly 7 days after the start
        ("2026-12-02 18:01", True),
        ("2999-11-25 20:00", True),  # a typo that would cost the calendar minutes of CPU
    ],
    ids=["exactly the longest window", "a minute longer", "an end in 2999"],
)
def test_a_window_longer_than_the_policy_allows_is_invalid(end: str, too_long: bool) -> None:
    issue = make_issue(CHANGE, answers={"scheduled-end": end})
    actions = by_rule(decide(issue, context(OPENED)).actions, Rule.CHANGE_INVALID)
    said = " ".join(a.body or "" for a in actions)
    assert ("is more than 1 week after the start (`changes.max_window`)" in said) is too_long
