"""What the change-request and planned-maintenance comments say, template by template.

The rule tests (tests/test_changes.py) assert on what is planned, `(rule, kind, key)`; here
each change_*/maintenance_* template is rendered, either from a table of values with
`dutydesk.templating.render` or by driving the rules over the same situations as the rule
tests and reading the body they wrote.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import pytest

from desk import (
    APPROVER,
    BACKUPS,
    CHANGE,
    END,
    MAINTENANCE,
    OPENED,
    OTHER_APPROVER,
    REQUESTER,
    STAKEHOLDERS,
    STRANGER,
    T1,
    T2,
    T3,
    TEAM,
    Desk,
    approved_desk,
    by_rule,
    comments_of,
    context,
    decide,
    done_desk,
    labelled,
    local,
    london,
    make_issue,
    make_policy,
    texts,
    thread,
)
from dutydesk.model import Access
from dutydesk.policy import parse_policy
from dutydesk.rules.ids import Rule
from dutydesk.templating import render

# -- rendered from values ----------------------------------------------------------------------

NOTICE = {
    "given": timedelta(days=1),
    "needed": "48 hours",
    "stated_at": local("2026-11-24 18:00"),
    "start": local("2026-11-25 18:00"),
    "qualifying": local("2026-11-26 18:00"),
    "enough": False,
}
REFUSED = {
    "who": STRANGER,
    "command": "approve",
    "approvers": (APPROVER, OTHER_APPROVER),
    "requester": REQUESTER,
    "label": "approved",
    "by_requester": False,
    "edited": False,
    "removed": False,
    "notice": NOTICE,
    "allow_emergency": True,
}


@pytest.mark.parametrize(
    ("values", "fragments"),
    [
        pytest.param(
            {"reason": "not-approver"},
            ["@sam, only an approver can approve a change request: @dana, @erin. Nothing was"],
            id="not an approver",
        ),
        pytest.param(
            {"reason": "not-approver", "command": "reject", "approvers": ()},
            [
                "only an approver can reject a change request, and policy.yaml lists no "
                "approvers under `changes.approvers`"
            ],
            id="not an approver, and none listed",
        ),
        pytest.param(
            {"reason": "self"},
            ["@sam, you asked for this change, so you cannot approve it yourself"],
            id="the requester",
        ),
        pytest.param(
            {"reason": "label", "command": "label"},
            ["@sam, the `approved` label was removed: only an approver can approve a change"],
            id="a label from a non-approver",
        ),
        pytest.param(
            {"reason": "label", "command": "label", "by_requester": True},
            ["the requester cannot approve their own change"],
            id="a label from the requester",
        ),
        pytest.param(
            {"reason": "label", "command": "label", "who": ""},
            ["@rita, the `approved` label was removed: there is no record of an approver"],
            id="a label nobody is known to have added",
        ),
        pytest.param(
            {"reason": "invalid", "command": "label"},
            ["its scheduled times cannot be used", "The `approved` label you added was taken off."],
            id="unusable times, by label",
        ),
        pytest.param(
            {"reason": "notice"},
            [
                "has 1 day of notice and the policy asks for 48 hours, so a plain `/approve`",
                "/approve emergency <reason>",
            ],
            id="too little notice",
        ),
        pytest.param(
            {"reason": "notice", "command": "label", "allow_emergency": False},
            [
                "so adding the `approved` label by hand does not count",
                "Emergency approvals are turned off in policy.yaml",
                "it needs a start of Thu 26 Nov 2026 18:00 GMT or later",
            ],
            id="too little notice, by label, no emergencies",
        ),
        pytest.param(
            {"reason": "emergency-off"},
            ["emergency approvals are turned off", "With 1 day of notice"],
            id="emergencies turned off",
        ),
        pytest.param(
            {"reason": "emergency-no-reason"},
            ["an emergency approval needs a reason"],
            id="an emergency without a reason",
        ),
        pytest.param(
            {"reason": "reject-no-reason"},
            ["a rejection needs a reason"],
            id="a rejection without a reason",
        ),
    ],
)
def test_change_refused(values: dict[str, Any], fragments: list[str]) -> None:
    body = render("change_refused.md.j2", **{**REFUSED, **values})
    for fragment in fragments:
        assert fragment in body


ANSWER = {
    "who": REQUESTER,
    "command": "done",
    "accepted": True,
    "reason": "",
    "note": "",
    "closing": False,
    "service": "Payments API",
    "start": local("2026-11-25 18:00"),
}


@pytest.mark.parametrize(
    ("values", "fragments"),
    [
        pytest.param(
            {"closing": True},
            ["recorded as **done**. Closing this issue; keep watching Payments API"],
            id="done, closing",
        ),
        pytest.param(
            {}, ["recorded as **done**. Keep watching Payments API"], id="done, not closing"
        ),
        pytest.param(
            {"command": "rolled-back", "note": "migration <b>timed</b> out"},
            ["recorded as **rolled back**", "Note: migration &lt;b&gt;timed&lt;/b&gt; out"],
            id="rolled back, with the note defanged",
        ),
        pytest.param(
            {"accepted": False, "reason": "early"},
            ["has not started yet (it starts Wed 25 Nov 2026 18:00 GMT)"],
            id="too early",
        ),
        pytest.param(
            {"accepted": False, "reason": "no-note", "command": "rolled-back"},
            ["please say what happened"],
            id="rolled back without a note",
        ),
        pytest.param(
            {"accepted": False, "reason": "not-allowed"},
            ["only the requester, the assigned support people"],
            id="not allowed to answer",
        ),
    ],
)
def test_change_post_answer(values: dict[str, Any], fragments: list[str]) -> None:
    body = render("change_post_answer.md.j2", **{**ANSWER, **values})
    for fragment in fragments:
        assert fragment in body


@pytest.mark.parametrize(
    ("unticked", "fragments", "absent"),
    [
        pytest.param(
            [STAKEHOLDERS, BACKUPS],
            [f"- [ ] {STAKEHOLDERS}", f"- [ ] {BACKUPS}", "@rita, @alice-oncall, @bob-oncall:"],
            [],
            id="the unticked checks are listed",
        ),
        pytest.param([BACKUPS], [f"- [ ] {BACKUPS}"], [STAKEHOLDERS], id="only those unticked"),
        pytest.param([], ["all pre-change checks are ticked"], ["- [ ]"], id="all ticked"),
    ],
)
def test_change_pre(unticked: list[str], fragments: list[str], absent: list[str]) -> None:
    body = render(
        "change_pre.md.j2",
        start=local("2026-11-25 18:00"),
        end=local("2026-11-25 20:00"),
        requester=REQUESTER,
        assignees=("alice-oncall", "bob-oncall"),
        unticked=unticked,
    )
    assert "this change is scheduled for Wed 25 Nov 2026 18:00 GMT to 20:00 GMT" in body
    for fragment in fragments:
        assert fragment in body
    for fragment in absent:
        assert fragment not in body


@pytest.mark.parametrize(
    ("what", "fragment"),
    [
        pytest.param(
            "approve", "so this `/approve` was neither accepted nor refused", id="command"
        ),
        pytest.param(
            "label",
            "so the `approved` label you added is not an approval and was taken off",
            id="label",
        ),
    ],
)
def test_change_teams_unreadable(what: str, fragment: str) -> None:
    body = render(
        "change_teams_unreadable.md.j2",
        who=APPROVER,
        what=what,
        label="approved",
        approvers=(TEAM,),
    )
    assert "I cannot tell whether you are an approver" in body
    assert fragment in body
    assert "read:org" in body


# -- notice ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("opened", "start", "fragments"),
    [
        pytest.param(
            "2026-11-23 18:01",
            "2026-11-25 18:00",
            [
                "| Notice given | 1 day 23 hours 59 minutes |",
                "| Notice needed | 48 hours |",
                "| Earliest start with enough notice | Wed 25 Nov 2026 18:01 GMT |",
            ],
            id="one minute short of 48 hours is not enough",
        ),
        pytest.param(
            "2026-03-27 18:00",
            "2026-03-29 18:00",
            ["| Notice given | 1 day 23 hours |"],
            id="47 real hours across the spring clock change are not enough though the clocks show 48",
        ),
    ],
)
def test_change_notice(opened: str, start: str, fragments: list[str]) -> None:
    end = start[:11] + "20:00"
    issue = make_issue(
        CHANGE, created_at=london(opened), answers={"scheduled_start": start, "scheduled_end": end}
    )
    body = texts(by_rule(decide(issue, context(london(opened))).actions, Rule.CHANGE_NOTICE))
    assert "/approve emergency <reason>" in body
    for fragment in fragments:
        assert fragment in body


@pytest.mark.parametrize(
    ("opened", "edits", "stated"),
    [
        pytest.param(
            "2026-11-20 10:00",
            [("2026-11-24 09:00", {"scheduled_start": "2026-11-25 08:00"})],
            "Tue 24 Nov 2026 09:00 GMT",
            id="a start moved earlier by an edit counts its notice from the edit",
        ),
        pytest.param(
            "2026-11-23 18:00",
            [
                ("2026-11-24 10:00", {"scheduled_start": "2026-11-25 18:30"}),
                ("2026-11-24 11:00", {"scheduled_start": "2026-11-25 18:00"}),
            ],
            "Tue 24 Nov 2026 11:00 GMT",
            id="moving the start away and back restarts the count from the move back",
        ),
    ],
)
def test_change_notice_start_time_stated(
    opened: str, edits: list[tuple[str, dict[str, Any]]], stated: str
) -> None:
    issue = make_issue(CHANGE, created_at=london(opened), edits=[(london(t), f) for t, f in edits])
    now = max([london(opened)] + [london(t) for t, _ in edits])
    body = texts(by_rule(decide(issue, context(now)).actions, Rule.CHANGE_NOTICE))
    assert f"| Start time stated | {stated} |" in body


@pytest.mark.parametrize(
    ("opened", "start", "fragments"),
    [
        pytest.param(
            "2026-11-23 10:01",
            "2026-11-30 10:00",
            [
                "at least 5 business days",
                "| Earliest start with enough notice | Mon 30 Nov 2026 10:01 GMT |",
            ],
            id="a minute short of five working days is not enough",
        ),
        pytest.param(
            "2026-12-21 10:00",
            "2026-12-29 16:00",
            ["| Earliest start with enough notice | Wed 30 Dec 2026 10:00 GMT |"],
            id="nine calendar days over Christmas are under five working days",
        ),
    ],
)
def test_maintenance_notice(opened: str, start: str, fragments: list[str]) -> None:
    desk = Desk()
    end = start[:11] + "23:00"
    desk.open(london(opened), MAINTENANCE, downtime_start=start, downtime_end=end)
    body = texts(desk.actions(Rule.MAINTENANCE_NOTICE))
    for fragment in fragments:
        assert fragment in body


# -- hours and invalid times -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "fragments"),
    [
        pytest.param(
            "2026-11-25 10:00",
            "2026-11-25 12:00",
            ["lies wholly inside support hours", "does not need out-of-hours support"],
            id="a window inside support hours needs no out-of-hours support",
        ),
        pytest.param(
            "2026-11-25 21:00",
            "2026-11-25 23:00",
            ["nobody is on call for part", "- Wed 25 Nov 2026 22:00 GMT to 23:00 GMT"],
            id="a window crossing 22:00 names the hours with no cover",
        ),
        pytest.param(
            "2026-12-28 21:00",
            "2026-12-29 08:00",
            ["- Mon 28 Dec 2026 22:00 GMT to Tue 29 Dec 2026 07:00 GMT"],
            id="a night after a bank holiday has no cover until on-call starts",
        ),
        pytest.param(
            "2026-11-28 06:00",
            "2026-11-28 08:00",
            ["- Sat 28 Nov 2026 06:00 GMT to 07:00 GMT"],
            id="a weekend window before 07:00 has no cover",
        ),
    ],
)
def test_change_hours(start: str, end: str, fragments: list[str]) -> None:
    issue = make_issue(
        CHANGE,
        created_at=london("2026-11-01 10:00"),
        answers={"scheduled_start": start, "scheduled_end": end},
    )
    body = texts(
        by_rule(decide(issue, context(london("2026-11-01 10:00"))).actions, Rule.CHANGE_HOURS)
    )
    for fragment in fragments:
        assert fragment in body


@pytest.mark.parametrize(
    ("fields", "fragments"),
    [
        pytest.param(
            {"scheduled_start": "2026-03-29 01:30", "scheduled_end": "2026-03-29 03:00"},
            [
                "**Scheduled start**: '2026-03-29 01:30' does not exist in Europe/London",
                "2026-03-29T01:30+00:00",
            ],
            id="a start in the spring-forward gap does not exist",
        ),
        pytest.param(
            {"scheduled_start": "2026-10-25 00:30", "scheduled_end": "2026-10-25 01:30"},
            [
                "**Scheduled end**: '2026-10-25 01:30' happens twice in Europe/London",
                "2026-10-25T01:30+01:00",
                "2026-10-25T01:30+00:00",
            ],
            id="an end in the autumn repeat is ambiguous",
        ),
        pytest.param(
            {"scheduled_start": "next Tuesday evening"},
            ["**Scheduled start**: 'next Tuesday evening' is not a time dutydesk can read"],
            id="words are not a time",
        ),
        pytest.param(
            {"scheduled_end": "2026-11-25 17:00"},
            ["**Scheduled end** is not after **Scheduled start**"],
            id="an end before its start",
        ),
        pytest.param(
            {"scheduled_end": None},
            ["**Scheduled end** is empty."],
            id="an empty end",
        ),
        pytest.param(
            {"scheduled_start": "@everyone <b>now</b>"},
            ["'@\u200beveryone &lt;b&gt;now&lt;/b&gt;'"],
            id="the quoted text is defanged",
        ),
    ],
)
def test_change_invalid(fields: dict[str, Any], fragments: list[str]) -> None:
    issue = make_issue(CHANGE, created_at=london("2026-01-05 10:00"), answers=fields)
    body = texts(decide(issue, context(london("2026-01-05 10:00"))).actions)
    assert "Times are accepted in two forms" in body
    for fragment in fragments:
        assert fragment in body


def test_maintenance_invalid() -> None:
    desk = Desk()
    desk.open(
        london("2026-03-01 10:00"),
        MAINTENANCE,
        downtime_start="2026-03-29 01:15",
        downtime_end="2026-03-29 03:00",
    )
    assert "does not exist in Europe/London" in texts(desk.actions(Rule.MAINTENANCE_INVALID))


# -- approval, rejection, refusal --------------------------------------------------------------

SHORT = {"created_at": london("2026-11-24 18:00")}  # 24 hours' notice


@pytest.mark.parametrize(
    ("setup", "policy", "access", "fragments"),
    [
        pytest.param(
            {"comments": thread((APPROVER, "/approve", T1))},
            {},
            None,
            [
                "**Approved** by @dana.",
                "@alice-oncall, @bob-oncall (the on-call primary and secondary from the rota)",
                "Wed 25 Nov 2026 18:00 GMT to 20:00 GMT",
                "- [ ] Stakeholders have been informed",
            ],
            id="an approver's /approve labels, assigns the rota pair and confirms",
        ),
        pytest.param(
            {"comments": thread((APPROVER, "/approve @zoe @yan, looks good", T1))},
            {},
            None,
            ["Support: @zoe, @yan, now assigned"],
            id="/approve naming people assigns them instead of the rota",
        ),
        pytest.param(
            {"author": APPROVER, "comments": thread((APPROVER, "/approve", T1))},
            {},
            None,
            ["@dana, you asked for this change, so you cannot approve it yourself"],
            id="self-approval is refused",
        ),
        pytest.param(
            {"comments": thread((STRANGER, "/approve", T1))},
            {},
            None,
            ["@sam, only an approver can approve a change request: @dana, @erin"],
            id="approval by a non-approver is refused",
        ),
        pytest.param(
            {"comments": thread((APPROVER, "/approve", T1))},
            {"approvers": []},
            None,
            ["policy.yaml lists no approvers"],
            id="with no approvers in the policy nobody can approve",
        ),
        pytest.param(
            {**SHORT, "comments": thread((APPROVER, "/approve", london("2026-11-24 19:00")))},
            {},
            None,
            ["has 1 day of notice and the policy asks for 48 hours", "/approve emergency <reason>"],
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
            [
                "as an **emergency change**",
                "Emergency reason: card payments are failing",
                "(Notice given: 1 day; the policy asks for 48 hours.)",
            ],
            id="emergency approval with a reason approves and records the reason",
        ),
        pytest.param(
            {
                **SHORT,
                "comments": thread((APPROVER, "/approve emergency", london("2026-11-24 19:00"))),
            },
            {},
            None,
            ["an emergency approval needs a reason"],
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
            ["emergency approvals are turned off"],
            id="emergency approval is refused when the policy turns it off",
        ),
        pytest.param(
            {"comments": thread((APPROVER, "/approve", T1))},
            {"approvers": [TEAM]},
            Access(teams={TEAM: None}),
            [
                "I cannot tell whether you are an approver",
                "read:org",
                "neither accepted nor refused",
            ],
            id="a team approver that cannot be read gets an explanation, not a decision",
        ),
        pytest.param(
            {"comments": thread((STRANGER, "/approve", T1))},
            {"approvers": [TEAM, APPROVER]},
            Access(teams={TEAM: frozenset({"dana"})}),
            ["only an approver"],
            id="someone in no readable approver team is refused",
        ),
        pytest.param(
            {"comments": thread((APPROVER, "/reject the rollback plan is untested", T1))},
            {},
            None,
            ["**Rejected** by @dana.", "Reason: the rollback plan is untested"],
            id="/reject with a reason rejects",
        ),
        pytest.param(
            {"comments": thread((APPROVER, "/reject", T1))},
            {},
            None,
            ["a rejection needs a reason"],
            id="/reject without a reason is refused",
        ),
        pytest.param(
            {"comments": thread((STRANGER, "/reject no", T1))},
            {},
            None,
            ["only an approver can reject a change request"],
            id="/reject from a non-approver is refused",
        ),
        pytest.param(
            {
                "answers": {"scheduled_start": "soon"},
                "comments": thread((APPROVER, "/approve", T1)),
            },
            {},
            None,
            ["its scheduled times cannot be used"],
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
            ["**Approved** by @erin."],
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
            ["**Rejected** by @erin."],
            id="a rejection after an approval stands",
        ),
        pytest.param(
            {
                "comments": thread((APPROVER, "/approve", T1)),
                "edits": [(T2, {"rollback": "Restore from last night's backup."})],
            },
            {},
            None,
            ["**Approval withdrawn.**", "- **Rollback plan** changed."],
            id="approval before an edit does not count",
        ),
        pytest.param(
            {
                "comments": thread((APPROVER, "/approve", T1)),
                "edits": [(T2, {"checks": [STAKEHOLDERS, BACKUPS]})],
            },
            {},
            None,
            ["All pre-change checks are ticked."],
            id="ticking checks after approval is not a change to the request",
        ),
    ],
)
def test_change_approved_rejected_refused(
    setup: dict[str, Any],
    policy: dict[str, Any],
    access: Access | None,
    fragments: list[str],
) -> None:
    issue = make_issue(CHANGE, **{"edits": [], **setup})
    body = texts(
        decide(issue, context(issue.updated_at, make_policy(changes=policy), access)).actions
    )
    for fragment in fragments:
        assert fragment in body


def test_change_approved_with_no_rota_entry_says_nobody_is_assigned() -> None:
    issue = make_issue(CHANGE, comments=thread((APPROVER, "/approve", T1)))
    decision = decide(issue, context(T1, parse_policy({"changes": {"approvers": [APPROVER]}})))
    assert "**nobody is assigned**" in texts(decision.actions)


def test_change_approved_says_teams_are_not_assigned() -> None:
    issue = make_issue(CHANGE, comments=thread((APPROVER, "/approve @zoe @example-org/dbas", T1)))
    assert "Teams cannot be assigned to an issue, so @example-org/dbas was not assigned" in texts(
        decide(issue, context(T1)).actions
    )


def test_change_approved_again_shows_the_new_window() -> None:
    desk = approved_desk()
    desk.edit(T2, scheduled_start="2026-11-25 18:30")
    desk.say(T3, OTHER_APPROVER, "/approve")
    confirmations = comments_of(desk.actions(Rule.CHANGE_APPROVAL))
    assert "Wed 25 Nov 2026 18:30 GMT to 20:00 GMT" in (confirmations[1].body or "")


LABELLED_AT = london("2026-11-20 10:30")
SHORT_WINDOW = {"scheduled_start": "2026-11-20 16:00", "scheduled_end": "2026-11-20 17:00"}


@pytest.mark.parametrize(
    ("setup", "policy", "fragments"),
    [
        pytest.param(
            {},
            {},
            [
                "**Approved** by @dana, who added the `approved` label.",
                "@alice-oncall, @bob-oncall (the on-call primary and secondary from the rota)",
            ],
            id="with enough notice it approves like /approve: the rota pair is assigned and told",
        ),
        pytest.param(
            {"answers": SHORT_WINDOW},
            {},
            [
                "so adding the `approved` label by hand does not count",
                "use `/approve emergency <reason>`",
                "The `approved` label you added was taken off.",
            ],
            id="with too little notice it is taken off and the approver told to approve an emergency",
        ),
        pytest.param(
            {"answers": SHORT_WINDOW},
            {"allow_emergency": False},
            ["Emergency approvals are turned off in policy.yaml"],
            id="with too little notice and no emergencies allowed it is taken off",
        ),
        pytest.param(
            {"answers": {"scheduled_start": "tomorrow evening"}},
            {},
            ["its scheduled times cannot be used", "The `approved` label you added was taken off."],
            id="on a request with unusable times it is taken off",
        ),
        pytest.param(
            {
                "edits": [
                    (london("2026-11-20 11:00"), {"change_details": "Also drop the audit table"})
                ]
            },
            {},
            [
                "after @dana approved it (by adding the `approved` label) on Fri 20 Nov 2026 10:30 GMT",
                "- **Change details** changed.",
                "the `approved` label has been taken off",
            ],
            id="an edit after it withdraws it",
        ),
        pytest.param(
            {
                "comments": thread(
                    (OTHER_APPROVER, "/reject not this week", london("2026-11-20 11:00"))
                )
            },
            {},
            ["**Rejected** by @erin."],
            id="a rejection after it takes the label off",
        ),
    ],
)
def test_change_comments_on_an_approvers_label(
    setup: dict[str, Any], policy: dict[str, Any], fragments: list[str]
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
    for fragment in fragments:
        assert fragment in texts(decision.actions)


@pytest.mark.parametrize(
    ("actor", "approvers", "teams", "fragment"),
    [
        pytest.param(
            STRANGER,
            [APPROVER],
            None,
            "@sam, the `approved` label was removed: only an approver can approve a change",
            id="a label added by hand by a non-approver is removed",
        ),
        pytest.param(
            REQUESTER,
            [APPROVER, REQUESTER],
            None,
            "the requester cannot approve their own change",
            id="a label added by the requester is removed even if they approve others' changes",
        ),
        pytest.param(
            APPROVER,
            [TEAM],
            {},
            "so the `approved` label you added is not an approval and was taken off",
            id="a label added when the approver team cannot be read is no approval: it comes off",
        ),
    ],
)
def test_change_replies_to_a_label_added_by_hand(
    actor: str, approvers: list[str], teams: dict[str, Iterable[str]] | None, fragment: str
) -> None:
    desk = Desk(make_policy(changes={"approvers": approvers}), teams=teams)
    desk.open(OPENED, CHANGE)
    desk.label(T1, actor, add=["approved"])
    assert fragment in texts(desk.actions())


def test_change_refused_for_a_label_nobody_is_known_to_have_added() -> None:
    issue = make_issue(CHANGE, labels={"change-request", "approved"})
    assert "@rita, the `approved` label was removed: there is no record of an approver" in texts(
        decide(issue, context(T1)).actions
    )


@pytest.mark.parametrize(
    ("said", "fragment"),
    [
        pytest.param(
            [(STRANGER, "/approve")] * 3,
            "@sam, only an approver can approve",
            id="refused /approve",
        ),
        pytest.param(
            [(STRANGER, "/approve"), (STRANGER, "/reject no")],
            "@sam, only an approver can reject",
            id="the reply edited for a different refused command",
        ),
        pytest.param(
            [(STRANGER, "/approve"), (REQUESTER, "/approve")],
            "@rita, you asked for this change",
            id="a reply each",
        ),
        pytest.param(
            [("renovate[bot]", "/approve")],
            "@renovate[bot], only an approver",
            id="a bot account",
        ),
        pytest.param(
            [(APPROVER, "/reject"), (APPROVER, "/reject")],
            "a rejection needs a reason",
            id="an approver's slip",
        ),
    ],
)
def test_change_refused_replies_read_as_the_latest_refusal(
    said: list[tuple[str, str]], fragment: str
) -> None:
    desk = Desk()
    desk.open(OPENED, CHANGE)
    for n, (who, text) in enumerate(said):
        desk.say(T1 + (T2 - T1) * n / 100, who, text)
    assert fragment in "\n".join(c.body for c in desk.from_bot())


def test_change_refused_reply_for_a_label_after_a_command() -> None:
    desk = Desk()
    desk.open(OPENED, CHANGE)
    desk.say(T1, STRANGER, "/approve")
    for moment in (T2, T3):
        desk.label(moment, STRANGER, add=["approved"])
    replies = [c for c in desk.from_bot() if "@sam" in c.body]
    assert len(replies) == 1
    assert "the `approved` label was removed" in replies[0].body


# -- withdrawal ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("edit", "fragments"),
    [
        pytest.param(
            {"scheduled_start": "2026-11-25 18:30"},
            ["- **Scheduled start**: `2026-11-25 18:00` → `2026-11-25 18:30`"],
            id="moving the start withdraws the approval and shows the old and new start",
        ),
        pytest.param(
            {"change_details": "Upgrade to PostgreSQL 17 instead."},
            ["- **Change details** changed."],
            id="changing the details withdraws the approval",
        ),
        pytest.param(
            {"service": "Payments API and Refunds"},
            ["- **Service**: `Payments API` → `Payments API and Refunds`"],
            id="changing the service withdraws the approval",
        ),
    ],
)
def test_change_withdrawn(edit: dict[str, Any], fragments: list[str]) -> None:
    desk = approved_desk()
    desk.edit(T2, **edit)
    body = texts(desk.actions(Rule.CHANGE_WITHDRAWN))
    assert (
        "@rita changed this request on Fri 20 Nov 2026 12:00 GMT, after @dana approved it on Fri 20 Nov 2026 11:00 GMT"
        in body
    )
    assert "@dana, @erin: please review the change again" in body
    for fragment in fragments:
        assert fragment in body


def test_the_withdrawal_quotes_old_and_new_values_as_code() -> None:
    desk = approved_desk()
    desk.edit(T2, service="Pay `ments` & <b>")
    body = texts(comments_of(desk.actions(Rule.CHANGE_WITHDRAWN)))
    assert "- **Service**: `Payments API` → ``Pay `ments` & &lt;b&gt;``" in body


def _retitled(desk: Desk) -> None:
    desk.retitle(T2, REQUESTER, "[Change] Upgrade the `payments` and refunds databases")


def _text_added(desk: Desk) -> None:
    desk.repo.now = T2
    desk.repo.edit_body(REQUESTER, 1, desk.issue().body + "\n\nAlso restart the refunds API.")
    desk.run(T2)


def _label_taken_off(desk: Desk) -> None:
    desk.label(T2, OTHER_APPROVER, remove=["approved"])


@pytest.mark.parametrize(
    ("change", "fragments", "absent"),
    [
        pytest.param(
            _retitled,
            [
                "@rita changed this request's title on Fri 20 Nov 2026 12:00 GMT, after @dana "
                "approved it on Fri 20 Nov 2026 11:00 GMT:",
                "- **Title**: `[Change] Upgrade the payments database` → "
                "``[Change] Upgrade the `payments` and refunds databases``",
                "the `approved` label has been taken off",
            ],
            [],
            id="a title change names the old and new title",
        ),
        pytest.param(
            _text_added,
            [
                "@rita changed this request on Fri 20 Nov 2026 12:00 GMT",
                "- The issue's text changed (other than its answers and the ticks of the "
                "pre-change checks).",
            ],
            [],
            id="text outside the answers is said to have changed",
        ),
        pytest.param(
            _label_taken_off,
            [
                "**Approval withdrawn.** @erin took the `approved` label off on Fri 20 Nov 2026 "
                "12:00 GMT, after @dana approved it on Fri 20 Nov 2026 11:00 GMT.",
                "The approval no longer stands. @dana, @erin: please review",
            ],
            ["has been taken off"],
            id="an approver taking the label off is named",
        ),
    ],
)
def test_change_withdrawn_by_a_title_text_or_label(
    change: Any, fragments: list[str], absent: list[str]
) -> None:
    desk = approved_desk()
    change(desk)
    body = texts(comments_of(desk.actions(Rule.CHANGE_WITHDRAWN)))
    for fragment in fragments:
        assert fragment in body
    for fragment in absent:
        assert fragment not in body


def test_change_approval_void_says_so_once_and_asks_for_a_fresh_approval() -> None:
    desk = approved_desk()
    desk.edit(T2, scheduled_start="2026-11-25 18:30")
    desk.repo.now = T3
    desk.repo.delete_revision(REQUESTER, 1, 1)
    desk.run(T3)
    desk.run(london("2026-11-21 10:00"))
    [void] = [
        c for c in comments_of(desk.actions(Rule.CHANGE_WITHDRAWN)) if "void" in (c.key or "")
    ]
    body = void.body or ""
    for fragment in (
        "**Approval void.** @dana approved this request on Fri 20 Nov 2026 11:00 GMT, but the "
        "version of the request written by @rita on Fri 20 Nov 2026 10:00 GMT has since been "
        "deleted from the issue's edit history",
        "An approval never counts for another version, so it no longer stands.",
        "@rita, this change needs a fresh approval of the request as it is now.",
        "@dana, @erin: please review it",
    ):
        assert fragment in body


@pytest.mark.parametrize(
    ("values", "fragments"),
    [
        pytest.param(
            {"reason": "label", "command": "label", "removed": True},
            [
                "@sam, the `approved` label was put back: the change stays approved, and only an "
                "approver can withdraw the approval (by taking the label off).",
                "Approvers (@dana, @erin) approve with `/approve` in a comment.",
            ],
            id="a label taken off by someone who may not",
        ),
        pytest.param(
            {"reason": "self", "edited": True},
            ["@sam, you edited this request, so you count as one of its requesters and cannot"],
            id="an editor approving",
        ),
        pytest.param(
            {"reason": "label", "command": "label", "by_requester": True, "edited": True},
            ["the `approved` label was removed: someone who edited the request cannot approve it"],
            id="an editor adding the label",
        ),
    ],
)
def test_change_refused_for_labels_taken_off_and_editors(
    values: dict[str, Any], fragments: list[str]
) -> None:
    body = render("change_refused.md.j2", **{**REFUSED, **values})
    for fragment in fragments:
        assert fragment in body


@pytest.mark.parametrize(
    ("text", "fragments", "absent"),
    [
        pytest.param(
            "/approve Run the migration after 19:00, not before.",
            ["Instructions from @dana: Run the migration after 19:00, not before."],
            [],
            id="the text after /approve is the approver's instructions",
        ),
        pytest.param(
            "/approve @zoe check [the runbook](https://evil.example) with @erin <b>",
            [
                "Instructions from @dana: check \\[the runbook\\](https://evil.example) with "
                "@\u200berin &lt;b&gt;",
                "Support: @zoe, now assigned",
            ],
            ["[the runbook](", "<b>"],
            id="instructions are quoted like other user text",
        ),
        pytest.param("/approve", [], ["Instructions from"], id="a bare /approve gives none"),
    ],
)
def test_change_approved_shows_the_approvers_instructions(
    text: str, fragments: list[str], absent: list[str]
) -> None:
    issue = make_issue(CHANGE, comments=thread((APPROVER, text, T1)))
    body = texts(by_rule(decide(issue, context(T1)).actions, Rule.CHANGE_APPROVAL))
    body = without_records(body)
    for fragment in fragments:
        assert fragment in body
    for fragment in absent:
        assert fragment not in body


# -- before and after the change ----------------------------------------------------------------


def test_change_pre_names_the_unticked_checks_and_who_is_assigned() -> None:
    desk = approved_desk()
    desk.edit(T2, checks=[STAKEHOLDERS])
    desk.run(london("2026-11-24 18:00"))
    body = texts(desk.actions(Rule.CHANGE_PRE))
    assert f"- [ ] {BACKUPS}" in body
    assert STAKEHOLDERS not in body
    assert "@rita, @alice-oncall, @bob-oncall" in body


def test_the_first_and_later_post_change_prompts_read_differently() -> None:
    desk = approved_desk()
    desk.run(END)
    desk.run(london("2026-11-26 16:00"))
    first, second = comments_of(desk.actions(Rule.CHANGE_POST))
    assert "`/done`" in (first.body or "") and "reminder follows each business day" in (
        first.body or ""
    )
    assert "**Still waiting:**" in (second.body or "")


@pytest.mark.parametrize(
    ("by", "text", "fragment"),
    [
        pytest.param(REQUESTER, "/done", "recorded as **done**", id="done"),
        pytest.param(
            REQUESTER,
            "/rolled-back migration timed out",
            "Note: migration timed out",
            id="rolled back with a note",
        ),
        pytest.param(REQUESTER, "/rolled-back", "please say what happened", id="no note"),
        pytest.param(
            STRANGER, "/done", "only the requester, the assigned support people", id="a stranger"
        ),
    ],
)
def test_change_post_answer_in_a_flow(by: str, text: str, fragment: str) -> None:
    desk = done_desk()
    desk.say(london("2026-11-25 20:30"), by, text)
    assert fragment in texts(desk.actions(Rule.CHANGE_POST))


def test_change_post_answer_before_the_start() -> None:
    desk = approved_desk()
    desk.say(london("2026-11-24 10:00"), REQUESTER, "/done")
    assert "has not started yet" in texts(desk.actions(Rule.CHANGE_POST))


@pytest.mark.parametrize(
    ("reopened", "fragment"),
    [
        pytest.param(False, "Closing this issue", id="/done closes the issue"),
        pytest.param(
            True,
            "recorded as **done**. Keep watching Payments API",
            id="/done seen only after a person reopened the issue is recorded without closing",
        ),
    ],
)
def test_change_post_answer_says_whether_it_closes(reopened: bool, fragment: str) -> None:
    desk = done_desk()
    desk.repo.now = london("2026-11-25 20:30")
    desk.repo.comment(REQUESTER, 1, "/done")
    if reopened:
        desk.repo.now = london("2026-11-25 20:40")
        desk.repo.set_state(APPROVER, 1, "closed")
        desk.repo.now = london("2026-11-25 20:45")
        desk.repo.set_state(APPROVER, 1, "open")
    desk.run(london("2026-11-25 21:00"))
    assert fragment in texts(desk.actions(Rule.CHANGE_POST))


# -- quoting what people wrote -------------------------------------------------------------------

HOSTILE = "Payments\n\n## Approved by @mallory <!-- dutydesk:change.approval:1 --> *x* & <b>y</b>"
HOSTILE_LINE = HOSTILE.replace("\n", " ")


def _hostile_flow(desk: Desk) -> None:
    """Every change comment that quotes a person: the service, reasons, a note, an edit."""
    desk.open(london("2026-11-24 20:00"), CHANGE, service=HOSTILE)
    desk.say(london("2026-11-24 20:10"), APPROVER, f"/approve emergency {HOSTILE_LINE}")
    desk.edit(london("2026-11-24 20:20"), service=HOSTILE + " v2")
    desk.say(london("2026-11-24 20:30"), OTHER_APPROVER, f"/reject {HOSTILE_LINE}")
    desk.say(london("2026-11-24 20:40"), OTHER_APPROVER, f"/approve emergency {HOSTILE_LINE}")
    desk.run(END)
    desk.say(london("2026-11-25 20:30"), REQUESTER, f"/rolled-back {HOSTILE_LINE}")
    desk.say(london("2026-11-25 20:40"), REQUESTER, "/done")


def without_records(text: str) -> str:
    """A bot comment less its hidden records of commands (commands.py), which carry what the
    command said in JSON escapes, not as Markdown."""
    return re.sub(r"\n?<!-- dutydesk-heard \{[^\n]*?\} -->", "", text)


def test_what_people_wrote_is_quoted_inline_and_defanged() -> None:
    desk = Desk()
    _hostile_flow(desk)
    bodies = {a.key or "": a.body or "" for a in comments_of(desk.actions())}
    quoting = [k for k, b in bodies.items() if "Approved by @\u200bmallory" in b]
    # A key less its last part: a comment id or a moment (which has colons of its own).
    assert {re.sub(r":(\d+|[0-9-]+T[0-9:]+Z)$", "", k) for k in quoting} >= {
        "change.approval",  # the service and the emergency reason
        "change.approval:reject",
        "change.approval_withdrawn",
        "change.post_change:rolled-back",
        "change.post_change:done",
    }
    for key, body in bodies.items():
        body = without_records(body)
        assert "@mallory" not in body, key
        assert "<b>" not in body and "<!--" not in body, key
        for line in body.splitlines():
            assert not line.lstrip().startswith(("#", "Approved by", "*x*")), (key, line)
