"""Approvals nobody can forge: a change request's approval, as GitHub's own record of who did
what shows it (issue 11, the change-request part).

On github.com anyone with write access can edit or delete anyone's comment, the issue's author
or a writer can delete revisions from the body's edit history, and people set labels from the
sidebar. So: a command counts only as its author wrote it; an approval covers the whole
request (title and text, the pre-change ticks excepted) and any visible change withdraws it;
a deleted revision is a gap that voids the approvals it was needed for, said once; whoever
edited the request counts as a requester; only an approver's hand on the `approved` label
counts, and anyone else's is undone with one reply.

The flows run on a `Desk` (the in-memory repository, the real rules, a reconcile after every
act and a check that reconciling again plans nothing); they assert on what stands and on
`(rule, kind, key)`. What the comments say is tested in tests/templates/test_change_templates.py.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from desk import (
    APPROVER,
    CHANGE,
    END,
    FORMS,
    HANDLERS,
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
    body,
    cases,
    comments_of,
    context,
    london,
    make_issue,
    make_policy,
)
from dutydesk.errors import ScenarioError
from dutydesk.io.memory import MemoryRepository
from dutydesk.markers import key_time
from dutydesk.model import BodyRevision, EventKind
from dutydesk.policy import load_policy
from dutydesk.rules.changes.approval import Cause
from dutydesk.rules.changes.fields import CHANGE_SPEC
from dutydesk.rules.changes.revisions import edits, read_revisions, upto
from dutydesk.rules.ids import Refusal, Rule
from dutydesk.simulate import Simulation, parse_scenario
from dutydesk.simulate.steps import parse_step

T4 = london("2026-11-20 14:00")
T5 = london("2026-11-20 15:00")
LATER = london("2026-11-21 10:00")
NEW_START = "2026-11-25 18:30"
VOID = "change.approval_withdrawn:void:"


def _withdrawn_at(moment: datetime) -> str:
    return f"{Rule.CHANGE_WITHDRAWN}:{key_time(moment)}"


def _keys(desk: Desk, rule: Rule) -> list[str | None]:
    """The keys of the comments `rule` posted (edits of a comment in place not counted)."""
    return [a.key for a in comments_of(desk.actions(rule)) if a.comment_id is None]


def _replies(desk: Desk, when: datetime) -> dict[str, dict[str, Any]]:
    return {r.key: dict(r.values) for r in desk.change_facts(when).outcome.replies}


# -- attack 1: a requester edits an approver's comment into /approve ----------------------------


@pytest.mark.parametrize(
    ("situation", "editor", "text", "approved"),
    cases(
        ("the requester edits it into /approve: nothing", REQUESTER, "/approve", False),
        (
            "the requester edits it into /approve emergency: nothing",
            REQUESTER,
            "/approve emergency x",
            False,
        ),
        ("the approver's own edit approves, from the edit", APPROVER, "/approve", True),
    ),
)
def test_an_edit_into_approve_counts_only_as_the_approver_wrote_it(
    situation: str, editor: str, text: str, approved: bool
) -> None:
    desk = Desk()
    desk.open(OPENED, CHANGE)
    question = desk.say(T1, APPROVER, "Is the snapshot tested?")
    desk.edit_comment(T2, editor, question, text)
    outcome = desk.change_facts(T2).outcome
    assert outcome.approved is approved
    assert ("approved" in desk.issue().labels) is approved
    if approved:
        assert outcome.approval is not None and outcome.approval.at == T2
        assert _keys(desk, Rule.CHANGE_APPROVAL) == [f"change.approval:{question}"]
    else:
        assert _keys(desk, Rule.CHANGE_APPROVAL) == []


# -- attack 2: a requester edits or deletes a second approver's /reject -------------------------


def _edit_the_rejection(desk: Desk, rejection: int) -> None:
    desk.edit_comment(T3, REQUESTER, rejection, "Fine by me.")


def _delete_the_rejection(desk: Desk, rejection: int) -> None:
    desk.repo.now = T3
    desk.repo.delete_comment(REQUESTER, 1, rejection)
    desk.run(T3)


@pytest.mark.parametrize(
    ("situation", "undo"),
    [
        pytest.param("edited into plain text", _edit_the_rejection, id="edited into plain text"),
        pytest.param("deleted", _delete_the_rejection, id="deleted"),
    ],
)
def test_a_rejection_is_not_undone_by_editing_or_deleting_it(
    situation: str, undo: Callable[[Desk, int], None]
) -> None:
    desk = approved_desk()
    rejection = desk.say(T2, OTHER_APPROVER, "/reject clashes with the release")
    assert {"rejected"} <= desk.issue().labels - {"approved"}
    undo(desk, rejection)
    desk.run(LATER)
    outcome = desk.change_facts(LATER).outcome
    assert not outcome.approved and outcome.rejection is not None
    assert "approved" not in desk.issue().labels and "rejected" in desk.issue().labels
    assert _keys(desk, Rule.CHANGE_APPROVAL)[-1] == f"change.approval:reject:{rejection}"
    assert len(_keys(desk, Rule.CHANGE_APPROVAL)) == 2  # the approval and the rejection, once


def test_a_later_approval_still_approves_after_a_deleted_rejection() -> None:
    desk = approved_desk()
    rejection = desk.say(T2, OTHER_APPROVER, "/reject clashes with the release")
    _delete_the_rejection(desk, rejection)
    desk.say(T4, OTHER_APPROVER, "/approve moved the release")
    assert desk.change_facts(T4).outcome.approved
    assert "approved" in desk.issue().labels


# -- attack 3: deleted body revisions are gaps --------------------------------------------------


def _approve_move_delete_original(desk: Desk) -> None:
    """Approve; the requester moves the start (withdrawn); then deletes the original."""
    desk.say(T1, APPROVER, "/approve")
    desk.edit(T2, scheduled_start=NEW_START)
    desk.delete_revision(T3, REQUESTER, 1)


def _approve_t2_revert_delete_t2(desk: Desk) -> None:
    """The requester moves the start; the approver approves the new times; the requester
    puts the first times back (withdrawn) and deletes the revision that was approved."""
    desk.edit(T1, scheduled_start=NEW_START)
    desk.say(T2, APPROVER, "/approve")
    desk.edit(T3, scheduled_start="2026-11-25 18:00")
    desk.delete_revision(T4, REQUESTER, 2)


def _approve_edit_undo_delete_edit(desk: Desk) -> None:
    """Approve; the requester moves the start and moves it back (withdrawn), then deletes the
    move: the versions either side of the gap say the same, and the gap still counts."""
    desk.say(T1, APPROVER, "/approve")
    desk.edit(T2, scheduled_start=NEW_START)
    desk.edit(T3, scheduled_start="2026-11-25 18:00")
    desk.delete_revision(T4, REQUESTER, 2)


@pytest.mark.parametrize(
    ("situation", "acts", "gap_at", "withdrawn"),
    cases(
        (
            "approve, move the start, delete the original: void, not approved for the new times",
            _approve_move_delete_original,
            OPENED,
            [_withdrawn_at(T2)],
        ),
        (
            "approve T2, revert to T1, delete the T2 revision: void, not approved for T1",
            _approve_t2_revert_delete_t2,
            T1,
            [_withdrawn_at(T3)],
        ),
        (
            "approve, edit, undo the edit, delete the edit: void",
            _approve_edit_undo_delete_edit,
            T2,
            [_withdrawn_at(T2)],
        ),
    ),
)
def test_a_deleted_revision_voids_the_approval_it_was_needed_for_once(
    situation: str, acts: Callable[[Desk], None], gap_at: datetime, withdrawn: list[str]
) -> None:
    desk = Desk()
    desk.open(OPENED, CHANGE)
    acts(desk)
    for moment in (LATER, london("2026-11-24 18:00"), END):
        desk.run(moment)
    facts = desk.change_facts(END)
    assert not facts.approved
    assert facts.outcome.void is not None and facts.outcome.void.approval.by == APPROVER
    assert "approved" not in desk.issue().labels
    assert _keys(desk, Rule.CHANGE_WITHDRAWN) == [*withdrawn, VOID + key_time(gap_at)]
    assert desk.actions(Rule.CHANGE_PRE) == desk.actions(Rule.CHANGE_POST) == []


def test_after_a_void_approval_a_fresh_approval_approves() -> None:
    desk = Desk()
    desk.open(OPENED, CHANGE)
    _approve_move_delete_original(desk)
    desk.say(T4, OTHER_APPROVER, "/approve")
    facts = desk.change_facts(T4)
    assert facts.approved and facts.window.start == london(NEW_START)
    assert "approved" in desk.issue().labels
    assert _keys(desk, Rule.CHANGE_WITHDRAWN).count(VOID + key_time(OPENED)) == 1


def test_an_approval_given_after_the_gap_on_a_known_version_stands() -> None:
    desk = Desk()
    desk.open(OPENED, CHANGE)
    desk.edit(T1, scheduled_start=NEW_START)
    desk.delete_revision(T2, REQUESTER, 1)
    desk.say(T3, APPROVER, "/approve")
    assert desk.change_facts(T3).approved
    assert _keys(desk, Rule.CHANGE_WITHDRAWN) == []


def test_a_label_approval_of_a_deleted_version_is_void_and_comes_off() -> None:
    desk = Desk()
    desk.open(OPENED, CHANGE)
    desk.label(T1, APPROVER, add=["approved"])
    desk.edit(T2, scheduled_start=NEW_START)
    desk.delete_revision(T3, REQUESTER, 1)
    assert "approved" not in desk.issue().labels
    void = desk.change_facts(T3).outcome.void
    assert void is not None and void.approval.via_label


# -- the revisions as read: a gap is never filled -----------------------------------------------


def test_upto_never_answers_with_a_later_version() -> None:
    issue = make_issue(
        CHANGE,
        edits=[(T2, {"scheduled_start": NEW_START})],
    )
    gapped = (BodyRevision(OPENED, None, REQUESTER), *issue.revisions[1:])
    from dutydesk.engine import view

    item = view(
        make_issue(CHANGE, revisions=gapped, body=issue.body, edits=[]), context(T3), CHANGE
    )
    revisions = read_revisions(item, context(T3), CHANGE_SPEC)
    assert [r.deleted for r in revisions] == [True, False]
    assert [r.deleted for r in upto(revisions, T1)] == [True]
    assert upto(revisions, london("2026-11-20 09:00")) == ()
    assert edits(revisions) == (revisions[1],)


def test_an_unknown_original_is_a_gap_at_the_opening() -> None:
    from dutydesk.engine import view

    later = (BodyRevision(T2, body(CHANGE), REQUESTER),)
    issue = make_issue(CHANGE, revisions=later)
    revisions = read_revisions(view(issue, context(T3), CHANGE), context(T3), CHANGE_SPEC)
    assert [(r.at, r.deleted) for r in revisions] == [(OPENED, True), (T2, False)]


# -- approval covers the whole request ------------------------------------------------------------


def _retitle(desk: Desk) -> None:
    desk.retitle(T2, REQUESTER, "[Change] Upgrade the payments and refunds databases")


def _add_text(desk: Desk) -> None:
    desk.repo.now = T2
    desk.repo.edit_body(REQUESTER, 1, desk.issue().body + "\n\nAlso restart the refunds API.")
    desk.run(T2)


def _rename_a_check(desk: Desk) -> None:
    desk.repo.now = T2
    text = desk.issue().body.replace(STAKEHOLDERS, "Stakeholders will not be informed")
    desk.repo.edit_body(REQUESTER, 1, text)
    desk.run(T2)


def _tick(desk: Desk) -> None:
    desk.edit(T2, checks=[STAKEHOLDERS])


def _tick_with_a_capital_x(desk: Desk) -> None:
    desk.repo.now = T2
    text = desk.issue().body.replace(f"- [ ] {STAKEHOLDERS}", f"- [x] {STAKEHOLDERS}")
    desk.repo.edit_body(REQUESTER, 1, text.replace("\n", "\r\n"))
    desk.run(T2)


def _same_body(desk: Desk) -> None:
    desk.repo.now = T2
    desk.repo.edit_body(REQUESTER, 1, desk.issue().body)
    desk.run(T2)


@pytest.mark.parametrize(
    ("situation", "change", "cause"),
    cases(
        ("a title change withdraws", _retitle, Cause.TITLE),
        ("text outside the answers withdraws", _add_text, Cause.EDIT),
        ("rewording a pre-change check withdraws", _rename_a_check, Cause.EDIT),
        ("ticking a pre-change check does not", _tick, None),
        ("ticking one by hand, with CRLF line ends, does not", _tick_with_a_capital_x, None),
        ("saving the body unchanged does not", _same_body, None),
    ),
)
def test_any_visible_change_after_approval_withdraws_it(
    situation: str, change: Callable[[Desk], None], cause: Cause | None
) -> None:
    desk = approved_desk()
    change(desk)
    outcome = desk.change_facts(T2).outcome
    assert outcome.approved is (cause is None)
    assert ("approved" in desk.issue().labels) is (cause is None)
    if cause is None:
        assert desk.actions(Rule.CHANGE_WITHDRAWN) == []
        return
    assert outcome.withdrawal is not None
    assert (outcome.withdrawal.cause, outcome.withdrawal.by) == (cause, REQUESTER)
    assert _keys(desk, Rule.CHANGE_WITHDRAWN) == [_withdrawn_at(T2)]


def test_a_title_change_before_approval_changes_nothing() -> None:
    desk = Desk()
    desk.open(OPENED, CHANGE)
    desk.retitle(T1, REQUESTER, "[Change] Upgrade the payments database (again)")
    desk.say(T2, APPROVER, "/approve")
    assert desk.change_facts(T2).approved


# -- someone who edited the request is a requester ------------------------------------------------


@pytest.mark.parametrize(
    ("situation", "edit", "approver", "approved", "reply"),
    cases(
        (
            "an approver who edited a field cannot approve",
            {"rollback": "Fail over to the standby."},
            APPROVER,
            False,
            ("change.refused:dana", Refusal.SELF, True),
        ),
        (
            "another approver can",
            {"rollback": "Fail over to the standby."},
            OTHER_APPROVER,
            True,
            None,
        ),
        (
            "an approver who only ticked a check can",
            {"checks": [STAKEHOLDERS]},
            APPROVER,
            True,
            None,
        ),
    ),
)
def test_someone_who_edited_the_request_cannot_approve_it(
    situation: str,
    edit: dict[str, Any],
    approver: str,
    approved: bool,
    reply: tuple[str, Refusal, bool] | None,
) -> None:
    desk = Desk()
    desk.open(OPENED, CHANGE)
    desk.edit(T1, by=APPROVER, **edit)
    desk.say(T2, approver, "/approve")
    assert desk.change_facts(T2).approved is approved
    if reply is not None:
        key, reason, edited = reply
        values = _replies(desk, T2)[key]
        assert (values["reason"], values["edited"]) == (reason, edited)


def test_an_editor_adding_the_label_is_refused_as_a_requester() -> None:
    desk = Desk()
    desk.open(OPENED, CHANGE)
    desk.edit(T1, by=APPROVER, impact="None.")
    desk.label(T2, APPROVER, add=["approved"])
    assert "approved" not in desk.issue().labels
    values = _replies(desk, T2)["change.refused:dana"]
    assert (values["reason"], values["by_requester"], values["edited"]) == ("label", True, True)


# -- the `approved` label: only an approver's hand counts -----------------------------------------


def test_an_approver_taking_the_label_off_withdraws_the_approval() -> None:
    desk = approved_desk()
    desk.label(T2, OTHER_APPROVER, remove=["approved"])
    outcome = desk.change_facts(T2).outcome
    assert not outcome.approved
    assert outcome.withdrawal is not None
    assert (outcome.withdrawal.cause, outcome.withdrawal.by) == (Cause.LABEL, OTHER_APPROVER)
    assert "approved" not in desk.issue().labels
    assert _keys(desk, Rule.CHANGE_WITHDRAWN) == [_withdrawn_at(T2)]
    desk.label(T3, APPROVER, add=["approved"])  # and an approver's hand approves again
    assert desk.change_facts(T3).approved


@pytest.mark.parametrize(
    ("situation", "who"),
    cases(
        ("a stranger taking it off: put back", STRANGER),
        ("the requester taking it off: put back", REQUESTER),
    ),
)
def test_anyone_else_taking_the_label_off_is_undone_with_one_reply(
    situation: str, who: str
) -> None:
    desk = approved_desk()
    for moment in (T2, T3, T4):
        desk.label(moment, who, remove=["approved"])
        assert "approved" in desk.issue().labels
    assert desk.change_facts(T4).approved
    key = f"change.refused:{who}"
    assert _keys(desk, Rule.CHANGE_REFUSED) == [key]
    values = _replies(desk, T4)[key]
    assert (values["reason"], values["removed"]) == ("label", True)
    assert desk.actions(Rule.CHANGE_WITHDRAWN) == []


def test_a_team_approver_who_cannot_be_checked_taking_the_label_off_withdraws() -> None:
    desk = Desk(make_policy(changes={"approvers": [APPROVER, TEAM]}), teams={TEAM: None})
    desk.open(OPENED, CHANGE)
    desk.say(T1, APPROVER, "/approve")
    desk.label(T2, "carol", remove=["approved"])  # fail closed: it is withdrawn
    withdrawal = desk.change_facts(T2).outcome.withdrawal
    assert withdrawal is not None and withdrawal.by == "carol"
    assert "approved" not in desk.issue().labels


@pytest.mark.parametrize(
    ("situation", "approvers", "who", "key"),
    cases(
        ("a stranger adding it: taken off, one reply", [APPROVER], STRANGER, "change.refused:sam"),
        (
            "the requester adding it: taken off, one reply",
            [TEAM],
            REQUESTER,
            "change.refused:rita",
        ),
        (
            "an approver team that cannot be read: taken off, one reply saying why",
            [TEAM],
            APPROVER,
            "change.approval:teams:dana",
        ),
        (
            "anyone, while that team cannot be read: taken off, one reply saying why",
            [TEAM],
            STRANGER,
            "change.approval:teams:sam",
        ),
    ),
)
def test_a_hand_added_label_that_is_no_approval_comes_off_with_one_reply(
    situation: str, approvers: list[str], who: str, key: str
) -> None:
    desk = Desk(make_policy(changes={"approvers": approvers}), teams={TEAM: None})
    desk.open(OPENED, CHANGE)
    for moment in (T1, T2):
        desk.label(moment, who, add=["approved"])
        assert "approved" not in desk.issue().labels
    assert [a.key for a in comments_of(desk.actions()) if a.comment_id is None][-1:] == [key]
    assert len([a for a in comments_of(desk.actions()) if a.key == key]) == 1
    assert not desk.change_facts(T2).approved


# -- a stranger's /done -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("situation", "who", "when", "reason"),
    cases(
        ("a stranger before the start: not allowed", STRANGER, T3, Refusal.NOT_ALLOWED),
        ("a stranger after the end: not allowed", STRANGER, END, Refusal.NOT_ALLOWED),
        ("the requester before the start: not started yet", REQUESTER, T3, Refusal.EARLY),
    ),
)
def test_a_strangers_answer_is_not_allowed_before_it_is_early(
    situation: str, who: str, when: datetime, reason: Refusal
) -> None:
    desk = approved_desk()
    desk.say(when, who, "/done")
    assert [why for _, why in desk.change_facts(when).answers.refused] == [reason]


# -- the in-memory repository: revisions and titles as on github.com -------------------------------


def _repo() -> MemoryRepository:
    repo = MemoryRepository(writers=["bob"], now=T1)
    repo.open_issue("ann", "Upgrade", "as opened")
    repo.now = T2
    repo.edit_body("ann", 1, "edited")
    return repo


@pytest.mark.parametrize(
    ("situation", "act", "error"),
    cases(
        ("the author deletes the original", lambda r: r.delete_revision("ann", 1, 1), None),
        ("a writer deletes the original", lambda r: r.delete_revision("bob", 1, 1), None),
        (
            "an outsider cannot",
            lambda r: r.delete_revision("olivia", 1, 1),
            (PermissionError, "no write or triage access"),
        ),
        (
            "the current one cannot be deleted",
            lambda r: r.delete_revision("ann", 1, 2),
            (PermissionError, "it is the current one"),
        ),
        (
            "there is no third",
            lambda r: r.delete_revision("ann", 1, 3),
            (KeyError, "no revision 3"),
        ),
        (
            "nor a second deletion",
            lambda r: (r.delete_revision("ann", 1, 1), r.delete_revision("ann", 1, 1)),
            (KeyError, "already deleted"),
        ),
    ),
)
def test_deleting_a_body_revision_is_as_on_github(
    situation: str, act: Callable[[MemoryRepository], Any], error: tuple[type, str] | None
) -> None:
    repo = _repo()
    if error is not None:
        with pytest.raises(error[0], match=error[1]):
            act(repo)
        return
    act(repo)
    issue = repo.get_issue(1)
    assert [(r.at, r.author, r.body, r.deleted) for r in issue.revisions] == [
        (T1, "ann", None, True),
        (T2, "ann", "edited", False),
    ]
    assert issue.body == "edited"


def test_a_title_change_records_who_renamed_it_from_what_to_what() -> None:
    repo = _repo()
    repo.now = T3
    repo.edit_title("bob", 1, "Upgrade, again")
    repo.edit_title("bob", 1, "Upgrade, again")  # the same title: GitHub records nothing
    issue = repo.get_issue(1)
    renames = [e for e in issue.events if e.kind is EventKind.RENAMED]
    assert [(e.actor, e.at, e.before, e.after) for e in renames] == [
        ("bob", T3, "Upgrade", "Upgrade, again")
    ]
    assert issue.title == "Upgrade, again"
    with pytest.raises(PermissionError, match="olivia cannot retitle #1"):
        repo.edit_title("olivia", 1, "mine")


# -- scenario steps -------------------------------------------------------------------------------

AT = "2026-11-23T10:30:00+00:00"


@pytest.mark.parametrize(
    ("situation", "verb", "data", "error"),
    cases(
        ("delete_revision", "delete_revision", {"issue": 1, "revision": 1}, None),
        ("edit with a title only", "edit", {"issue": 1, "title": "New"}, None),
        ("edit with a title and fields", "edit", {"issue": 1, "title": "N", "fields": {}}, None),
        ("edit with neither", "edit", {"issue": 1}, "needs `fields`"),
        ("an empty title", "edit", {"issue": 1, "title": " "}, "new title, as text"),
        ("revision 0", "delete_revision", {"issue": 1, "revision": 0}, "1 for the body"),
        ("revision as text", "delete_revision", {"issue": 1, "revision": "1"}, "1 for the body"),
        ("no revision", "delete_revision", {"issue": 1}, "missing revision"),
    ),
)
def test_the_new_steps_are_checked_when_read(
    situation: str, verb: str, data: dict[str, Any], error: str | None
) -> None:
    raw = {"at": AT, "by": "rita", verb: data}
    if error is not None:
        with pytest.raises(ScenarioError, match=f"step 2: .*{error}"):
            parse_step(raw, 2, "step 2", 1)
        return
    step = parse_step(raw, 2, "step 2", 1)
    assert step.describe().startswith("rita ")


def test_the_new_steps_say_what_they_do() -> None:
    deletion = parse_step(
        {"at": AT, "by": "rita", "delete_revision": {"issue": 1, "revision": 2}}, 2, "s", 1
    )
    assert deletion.describe() == "rita deletes revision 2 of #1 from its edit history"
    retitle = parse_step({"at": AT, "by": "rita", "edit": {"issue": 1, "title": "New"}}, 2, "s", 1)
    assert retitle.describe() == "rita edits #1: title"


# -- end to end through the simulator (needs simulate/run.py to take the new steps) ---------------

RUNS_NEW_STEPS = "delete_revision" in inspect.getsource(Simulation)
needs_run = pytest.mark.skipif(
    not RUNS_NEW_STEPS, reason="simulate/run.py does not run delete_revision and edit.title yet"
)
CHANGE_FIELDS = {
    "service": "Payments API",
    "change-details": "Upgrade the payments database.",
    "scheduled-start": "2026-11-25 18:00",
    "scheduled-end": "2026-11-25 20:00",
    "impact": "Card payments unavailable for up to 30 minutes.",
    "rollback": "Restore the snapshot.",
    "checks": [],
}


def _scenario(*steps: dict[str, Any]) -> Simulation:
    opening = {
        "at": "2026-11-23T10:00:00+00:00",
        "by": "rita",
        "open": "out-of-hours-change",
        "title": "Upgrade",
        "fields": CHANGE_FIELDS,
    }
    text = yaml.safe_dump(
        {
            "policy": {"changes": {"approvers": ["dana", "erin"]}},
            "people": {"writers": ["rita", "dana", "erin"]},
            "steps": [opening, *steps],
        }
    )
    scenario = parse_scenario(yaml.safe_load(text), "test")
    policy = load_policy(Path(ROOT) / "policy.yaml", overrides=scenario.policy_overrides)
    return Simulation(scenario, policy, FORMS, HANDLERS)


def _at(minute: int) -> str:
    return f"2026-11-23T{10 + minute // 60:02d}:{minute % 60:02d}:00+00:00"


def _keys_of(simulation: Simulation) -> list[str | None]:
    return [e.action.key for e in simulation.run() if e.action is not None and e.action.key]


@needs_run
def test_in_a_scenario_a_deleted_original_voids_the_approval() -> None:
    simulation = _scenario(
        {"at": _at(30), "by": "dana", "comment": {"issue": 1, "body": "/approve"}},
        {
            "at": _at(40),
            "by": "rita",
            "edit": {"issue": 1, "fields": {"scheduled-start": "2026-11-25 18:30"}},
        },
        {"at": _at(50), "by": "rita", "delete_revision": {"issue": 1, "revision": 1}},
    )
    keys = _keys_of(simulation)
    assert keys[-1] == VOID + "2026-11-23T10:00:00Z"
    assert "approved" not in simulation.repo.get_issue(1).labels


@needs_run
def test_in_a_scenario_a_title_edit_withdraws_the_approval() -> None:
    simulation = _scenario(
        {"at": _at(30), "by": "dana", "comment": {"issue": 1, "body": "/approve"}},
        {"at": _at(40), "by": "rita", "edit": {"issue": 1, "title": "Upgrade both databases"}},
    )
    assert "change.approval_withdrawn:2026-11-23T10:40:00Z" in _keys_of(simulation)
    issue = simulation.repo.get_issue(1)
    assert issue.title == "Upgrade both databases" and "approved" not in issue.labels


@needs_run
@pytest.mark.parametrize(
    ("situation", "step", "error"),
    cases(
        (
            "an outsider deleting a revision",
            {"at": _at(30), "by": "olivia", "delete_revision": {"issue": 1, "revision": 1}},
            r"step 2: .*olivia cannot delete a revision of #1",
        ),
        (
            "deleting the current revision",
            {"at": _at(30), "by": "rita", "delete_revision": {"issue": 1, "revision": 1}},
            r"step 2: .*it is the current one",
        ),
        (
            "an outsider retitling",
            {"at": _at(30), "by": "olivia", "edit": {"issue": 1, "title": "Mine"}},
            r"step 2: .*olivia cannot retitle #1",
        ),
    ),
)
def test_a_revision_or_title_step_github_would_refuse_is_a_scenario_error(
    situation: str, step: dict[str, Any], error: str
) -> None:
    simulation = _scenario(step)
    with pytest.raises(ScenarioError, match=error):
        list(simulation.run())
