"""Commands as their authors wrote them: on github.com anyone with write access can edit or
delete anyone's comment on an issue (GraphQL `CommentCannotEditReason`: "You must be the author
or have write access to this repository to edit this comment"), so an edit by someone else
never makes, changes or removes a command, and the in-memory repository allows exactly that."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from dutydesk.commands import parse_command
from dutydesk.errors import ScenarioError
from dutydesk.forms import load_templates
from dutydesk.io.memory import MemoryRepository
from dutydesk.model import Comment, CommentRevision
from dutydesk.policy import load_policy
from dutydesk.registry import handlers
from dutydesk.simulate import Simulation, parse_scenario

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)


def _comment(author: str, *versions: tuple[int, str, str | None]) -> Comment:
    """A comment by `author` whose versions are (minutes after T0, editor, text or None)."""
    revisions = tuple(CommentRevision(T0 + m * MIN, who, text) for m, who, text in versions)
    body = next((r.body for r in reversed(revisions) if r.body is not None), "")
    return Comment(1, author, body, revisions[0].at, revisions[-1].at, revisions)


# -- the command reader: (versions of the comment) -> the command counted and its time ----------


@pytest.mark.parametrize(
    ("versions", "expected"),
    [
        ([(0, "bob", "/ack")], ("ack", 0)),
        ([(0, "bob", "/ack"), (30, "bob", "/ack looking into it")], ("ack", 0)),
        ([(0, "bob", "looking into it"), (30, "bob", "/ack")], ("ack", 30)),
        ([(0, "bob", "looking into it"), (30, "mallory", "/ack")], None),
        ([(0, "bob", "/ack"), (30, "mallory", "thanks")], ("ack", 0)),
        ([(0, "bob", "/ack"), (30, "mallory", "/priority P4")], ("ack", 0)),
        ([(0, "bob", None), (30, "bob", "/ack")], ("ack", 30)),
        ([(0, "bob", "/ack"), (10, "bob", None), (30, "mallory", "/ack")], None),
        ([(0, "bob", "/ack"), (10, "bob", "/lead @bob")], ("lead", 10)),
        ([(0, "Bob", "/ack")], ("ack", 0)),
    ],
    ids=[
        "as written",
        "the author's typo fix keeps the time",
        "the author's own edit counts from the edit",
        "a writer's edit makes no command",
        "a writer's edit removes no command",
        "a writer's edit changes no command",
        "a deleted version: only later ones count",
        "a gap, then only someone else's text",
        "a new command from the author counts from its edit",
        "logins ignore case",
    ],
)
def test_a_command_counts_as_its_author_wrote_it(
    versions: list[tuple[int, str, str | None]], expected: tuple[str, int] | None
) -> None:
    command = parse_command(_comment("bob", *versions))
    found = None if command is None else (command.name, int((command.at - T0) / MIN))
    assert found == expected


# -- the in-memory repository allows what github.com allows ----------------------------------


def test_writers_edit_and_delete_others_comments_and_outsiders_cannot() -> None:
    repo = MemoryRepository(writers=["alice", "bob"], now=T0)
    number = repo.open_issue("alice", "t", "body")
    comment_id = repo.comment("bob", number, "looking into it")
    repo.now = T0 + 5 * MIN
    repo.edit_comment("alice", number, comment_id, "/ack")
    [comment] = repo.get_issue(number).comments
    assert [(r.editor, r.body) for r in comment.history()] == [
        ("bob", "looking into it"),
        ("alice", "/ack"),
    ]
    with pytest.raises(PermissionError, match="only its author or someone with write access"):
        repo.edit_comment("mallory", number, comment_id, "/ack")
    repo.delete_comment("alice", number, comment_id)
    issue = repo.get_issue(number)
    assert issue.comments == ()
    assert [(e.kind, e.actor) for e in issue.events][-1] == ("comment_deleted", "alice")


def test_an_earlier_version_can_be_deleted_but_not_the_current_one() -> None:
    repo = MemoryRepository(writers=["bob"], now=T0)
    number = repo.open_issue("bob", "t", "body")
    comment_id = repo.comment("bob", number, "/ack")
    repo.edit_comment("bob", number, comment_id, "/ack on it")
    repo.delete_comment_revision("bob", number, comment_id, 1)
    [comment] = repo.get_issue(number).comments
    assert [r.body for r in comment.history()] == [None, "/ack on it"]
    with pytest.raises(KeyError):
        repo.delete_comment_revision("bob", number, comment_id, 2)


# -- end to end through the simulator -----------------------------------------------------------

FORMS = load_templates(ROOT / ".github" / "ISSUE_TEMPLATE")
CHANGE_FIELDS = {
    "service": "Payments API",
    "change-details": "Upgrade the payments database.",
    "scheduled-start": "2026-11-25 18:00",
    "scheduled-end": "2026-11-25 20:00",
    "impact": "Card payments unavailable for up to 30 minutes.",
    "rollback": "Restore the snapshot.",
    "checks": [],
}


def _run(text: str) -> list[tuple[str, str | None]]:
    scenario = parse_scenario(yaml.safe_load(text), "test")
    policy = load_policy(ROOT / "policy.yaml", overrides=scenario.policy_overrides)
    simulation = Simulation(scenario, policy, FORMS, handlers())
    return [(e.action.rule, e.action.key) for e in simulation.run() if e.action is not None]


def _change(*steps: dict[str, Any]) -> str:
    opening = {
        "at": "2026-11-23T10:00:00+00:00",
        "by": "rita",
        "open": "out-of-hours-change",
        "title": "Upgrade",
        "fields": CHANGE_FIELDS,
    }
    return yaml.safe_dump(
        {
            "policy": {"changes": {"approvers": ["dana", "erin"]}},
            "people": {"writers": ["rita", "dana", "erin", "sam"]},
            "steps": [opening, *steps],
        }
    )


def _step(minute: int, by: str, **verb: Any) -> dict[str, Any]:
    return {"at": (T0 + minute * MIN).isoformat(), "by": by, **verb}


def _approvals(plan: list[tuple[str, str | None]]) -> list[str | None]:
    return [key for rule, key in plan if rule == "change.approval" and key]


def test_a_requester_editing_an_approvers_question_into_approve_approves_nothing() -> None:
    plan = _run(
        _change(
            _step(30, "dana", comment={"issue": 1, "body": "Is the snapshot tested?", "name": "q"}),
            _step(40, "rita", edit_comment={"issue": 1, "name": "q", "body": "/approve"}),
            _step(
                50, "rita", edit_comment={"issue": 1, "name": "q", "body": "/approve emergency x"}
            ),
        )
    )
    assert _approvals(plan) == []


def test_an_approver_editing_their_own_comment_into_approve_approves_from_the_edit() -> None:
    plan = _run(
        _change(
            _step(30, "dana", comment={"issue": 1, "body": "Is the snapshot tested?", "name": "q"}),
            _step(40, "dana", edit_comment={"issue": 1, "name": "q", "body": "/approve"}),
        )
    )
    assert len(_approvals(plan)) == 1


def test_a_writer_who_is_not_a_responder_cannot_forge_an_acknowledgement() -> None:
    opening = {
        "at": T0.isoformat(),
        "by": "alice",
        "open": "incident",
        "title": "Payments down",
        "fields": {
            "service": "Payments",
            "priority": "P1 Critical – Complete outage or ongoing unauthorised access",
        },
    }
    text = yaml.safe_dump(
        {
            "policy": {"incidents": {"responders": ["bob"]}},
            "people": {"writers": ["alice", "bob", "mallory"]},
            "until": (T0 + 60 * MIN).isoformat(),
            "sweep_every": "10 minutes",
            "steps": [
                opening,
                _step(5, "bob", comment={"issue": 1, "body": "looking into it", "name": "b"}),
                _step(30, "mallory", edit_comment={"issue": 1, "name": "b", "body": "/ack"}),
            ],
        }
    )
    scenario = parse_scenario(yaml.safe_load(text), "test")
    policy = load_policy(ROOT / "policy.yaml", overrides=scenario.policy_overrides)
    simulation = Simulation(scenario, policy, FORMS, handlers())
    entries = list(simulation.run())
    card = simulation.repo.get_issue(1).comments
    status = next(c.body for c in card if "dutydesk:incident.status" in c.body)
    assert "within the 20 minutes target" not in status
    assert any(e.action and e.action.rule == "incident.escalation" for e in entries)


def test_a_step_github_would_refuse_is_a_scenario_error_naming_the_step() -> None:
    text = _change(
        _step(30, "dana", comment={"issue": 1, "body": "question", "name": "q"}),
        _step(40, "olivia", edit_comment={"issue": 1, "name": "q", "body": "/approve"}),
    )
    with pytest.raises(ScenarioError, match=r"step 3: .*olivia cannot edit dana's comment"):
        _run(text)


def test_editing_a_comment_that_has_no_name_is_explained() -> None:
    text = _change(_step(40, "rita", edit_comment={"issue": 1, "name": "q", "body": "x"}))
    with pytest.raises(ScenarioError, match="step 2: #1 has no comment named 'q'"):
        _run(text)


# -- what the GitHub adapter reads: IssueComment.editor and lastEditedAt ----------------------


def _graphql_issue() -> dict[str, Any]:
    import json

    path = ROOT / "tests" / "fixtures" / "graphql" / "issue.json"
    issue: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))["data"]["repository"][
        "issue"
    ]
    return issue


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (None, ("ack", "2026-11-23T10:01:00+00:00")),
        ({"login": "bob", "__typename": "User"}, ("ack", "2026-11-23T10:30:00+00:00")),
        ({"login": "mallory", "__typename": "User"}, None),
        ({}, None),
    ],
    ids=[
        "never edited: as created",
        "edited by its author: from the edit",
        "edited by another writer: no command",
        "edited by a deleted account: no command",
    ],
)
def test_a_comment_read_from_github_counts_only_its_authors_text(
    edit: dict[str, str] | None, expected: tuple[str, str] | None
) -> None:
    from dutydesk.io.github_snapshot import snapshot

    node = _graphql_issue()
    [bob] = [c for c in node["comments"]["nodes"] if c["author"]["login"] == "bob"]
    bob.update(body="/ack", createdAt="2026-11-23T10:01:00Z")
    if edit is not None:
        bob.update(lastEditedAt="2026-11-23T10:30:00Z", editor=edit or None)
    comment = next(c for c in snapshot(node).comments if c.author == "bob")
    command = parse_command(comment)
    found = None if command is None else (command.name, command.at.isoformat())
    assert found == expected


# -- acknowledgement by assignment: only a responder's ---------------------------------------

P1 = "P1 Critical – Complete outage or ongoing unauthorised access"


def _incident(*steps: dict[str, Any], responders: list[str] | None = None) -> list[str]:
    opening = {
        "at": T0.isoformat(),
        "by": "alice",
        "open": "incident",
        "title": "Payments down",
        "fields": {"service": "Payments", "priority": P1},
    }
    text = yaml.safe_dump(
        {
            "policy": {"incidents": {"responders": responders or ["bob"]}},
            "people": {"writers": ["alice", "bob", "mallory"]},
            "until": (T0 + 60 * MIN).isoformat(),
            "sweep_every": "10 minutes",
            "steps": [opening, *steps],
        }
    )
    return [rule for rule, _ in _run(text)]


@pytest.mark.parametrize(
    ("by", "escalated"),
    [("bob", False), ("mallory", True), ("alice", True)],
    ids=[
        "a responder's assignment acknowledges",
        "a writer who is not a responder assigning themselves acknowledges nothing",
        "the reporter assigning a responder acknowledges nothing",
    ],
)
def test_only_a_responders_assignment_acknowledges(by: str, escalated: bool) -> None:
    users = ["bob"] if by == "alice" else [by]
    rules = _incident(_step(5, by, assign={"issue": 1, "users": users}))
    assert ("incident.escalation" in rules) is escalated


@pytest.mark.parametrize(
    ("versions", "expected"),
    [
        ([(0, "bob", "/priority P1"), (30, "bob", "/priority P4")], ("priority", "P4", 30)),
        ([(0, "bob", "/priority P1"), (30, "bob", "/priority P1")], ("priority", "P1", 0)),
        ([(0, "bob", "/lead @ann"), (30, "bob", "/lead @cat")], ("lead", "@cat", 30)),
        ([(0, "bob", "/ack"), (30, "bob", "/ack on it")], ("ack", "on it", 0)),
    ],
    ids=[
        "new arguments: from the edit",
        "the same arguments: as first written",
        "a new lead: from the edit",
        "/ack takes no arguments: as first written",
    ],
)
def test_an_edit_that_changes_a_commands_arguments_is_a_new_command(
    versions: list[tuple[int, str, str | None]], expected: tuple[str, str, int]
) -> None:
    command = parse_command(_comment("bob", *versions))
    assert command is not None
    assert (command.name, command.args, int((command.at - T0) / MIN)) == expected


def test_a_comment_with_no_author_carries_no_command() -> None:
    ghost = Comment(1, "", "/ack", T0, T0)
    assert parse_command(ghost) is None


# -- an update says something ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "update", "refused"),
    [
        ("/update Failover done; next update by 12:00", True, False),
        ("/update", False, True),
        ("/update   ", False, True),
    ],
    ids=["with text: an update", "bare: not an update, one reply", "only spaces: the same"],
)
def test_an_empty_update_is_not_an_update(text: str, update: bool, refused: bool) -> None:
    from dutydesk.templating import render

    rules = _incident(
        _step(5, "bob", comment={"issue": 1, "body": "/ack"}),
        _step(8, "bob", comment={"issue": 1, "body": text}),
    )
    assert ("incident.refused" in rules) is refused
    scenario = yaml.safe_dump(
        {
            "policy": {"incidents": {"responders": ["bob"]}},
            "people": {"writers": ["alice", "bob"]},
            "steps": [
                {
                    "at": T0.isoformat(),
                    "by": "alice",
                    "open": "incident",
                    "title": "Payments down",
                    "fields": {"service": "Payments", "priority": P1},
                },
                _step(8, "bob", comment={"issue": 1, "body": text}),
            ],
        }
    )
    parsed = parse_scenario(yaml.safe_load(scenario), "test")
    policy = load_policy(ROOT / "policy.yaml", overrides=parsed.policy_overrides)
    simulation = Simulation(parsed, policy, FORMS, handlers())
    list(simulation.run())
    card = next(
        c.body for c in simulation.repo.get_issue(1).comments if "incident.status" in c.body
    )
    assert ("Failover done" in card) is update
    wording = render(
        "incident_refused.md.j2",
        author="bob",
        command="update",
        reason="usage",
        detail="what changed and what is next",
        given="",
    )
    assert "`/update Failover done; next update by 12:00`" in wording


@pytest.mark.parametrize(
    ("act", "allowed"),
    [
        (lambda r: r.set_labels("olivia", 1, ["P1"], []), False),
        (lambda r: r.set_assignees("olivia", 1, ["olivia"]), False),
        (lambda r: r.edit_body("olivia", 1, "mine now"), False),
        (lambda r: r.set_state("olivia", 1, "closed"), False),
        (lambda r: r.set_state("ann", 1, "closed"), True),
        (lambda r: r.edit_body("ann", 1, "fixed a typo"), True),
        (lambda r: r.set_labels("bob", 1, ["P1"], []), True),
        (lambda r: r.set_assignees("bob", 1, ["bob"]), True),
    ],
    ids=[
        "an outsider cannot label",
        "an outsider cannot assign",
        "an outsider cannot edit someone's issue",
        "an outsider cannot close someone's issue",
        "the author closes their own issue",
        "the author edits their own issue",
        "a writer labels",
        "a writer assigns",
    ],
)
def test_labels_assignments_and_edits_need_the_access_github_asks(act: Any, allowed: bool) -> None:
    repo = MemoryRepository(writers=["bob"], now=T0)
    repo.open_issue("ann", "t", "body")
    if allowed:
        act(repo)
    else:
        with pytest.raises(PermissionError, match="no write or triage access"):
            act(repo)


# -- the bot's own comments: trusted only in the text the bot wrote ----------------------------

BOT = "github-actions[bot]"


def _bot_comment(cid: int, *versions: tuple[int, str, str | None]) -> Comment:
    revisions = tuple(CommentRevision(T0 + m * MIN, who, text) for m, who, text in versions)
    body = next((r.body for r in reversed(revisions) if r.body is not None), "")
    return Comment(cid, BOT, body, revisions[0].at, revisions[-1].at, revisions)


@pytest.mark.parametrize(
    ("versions", "key", "restored"),
    [
        ([(0, BOT, "<!-- dutydesk:a -->\nmine")], "a", False),
        ([(0, BOT, "<!-- dutydesk:a -->\nmine"), (5, "mallory", "<!-- dutydesk:b -->")], "a", True),
        ([(0, BOT, None), (5, "mallory", "<!-- dutydesk:b -->\nforged")], None, False),
        (
            [
                (0, BOT, "<!-- dutydesk:a -->\nv1"),
                (5, "mallory", "x"),
                (9, BOT, "<!-- dutydesk:a -->\nv2"),
            ],
            "a",
            False,
        ),
    ],
    ids=[
        "never edited",
        "a writer's edit: read as the bot left it",
        "unknown text: not trusted",
        "the bot put its text back",
    ],
)
def test_a_bot_comment_is_read_as_the_bot_wrote_it(
    versions: list[tuple[int, str, str | None]], key: str | None, restored: bool
) -> None:
    from dutydesk.engine import Item, upsert
    from dutydesk.markers import bot_comments

    comment = _bot_comment(7, *versions)
    mine = bot_comments([comment], BOT)
    assert list(mine) == ([key] if key else [])
    if key is None:
        return
    bot_text = mine[key].body.split("\n", 1)[1].strip()
    from desk import make_issue

    item = Item(issue=make_issue(), form=None, answers={}, mine=mine)
    actions = upsert(item, "incident.status", key, bot_text)
    assert bool(actions) is restored  # the bot puts its own text back over someone else's


def _approval(cid: int, by: str, text: str, minutes: int) -> Comment:
    return Comment(cid, by, text, T0 + minutes * MIN, T0 + minutes * MIN)


def _confirmation(cid: int, *heard: Comment, editor: str = BOT, minutes: int = 1) -> Comment:
    from dutydesk.commands import records

    found = [parse_command(c) for c in heard]
    body = "<!-- dutydesk:change.approval:1 -->\nApproved\n" + records(c for c in found if c)
    at = T0 + minutes * MIN
    versions = (CommentRevision(at, BOT, body),)
    if editor != BOT:
        versions += (CommentRevision(at + MIN, editor, body + "\nedited"),)
    return Comment(cid, BOT, versions[-1].body or "", at, versions[-1].at, versions)


def _heard(
    *comments: Comment, names: tuple[str, ...] = ("approve", "reject", "priority")
) -> list[tuple[int, str, str, int]]:
    from dutydesk.commands import commands

    return [
        (c.comment.id, c.name, c.args, int((c.at - T0) / MIN))
        for c in commands(tuple(comments), BOT, names)
    ]


def test_a_recorded_decision_outlives_its_comment() -> None:
    approve = _approval(1, "dana", "/approve take a snapshot first", 0)
    card = _confirmation(50, approve)
    assert _heard(approve, card) == [(1, "approve", "take a snapshot first", 0)]
    # The requester deletes the /approve: the bot's record of it still counts, as written.
    assert _heard(card) == [(1, "approve", "take a snapshot first", 0)]
    # The author's own later edit is a new command beside the recorded one, not instead of it.
    edited = Comment(
        1,
        "dana",
        "/priority P4",
        T0,
        T0 + 9 * MIN,
        (
            CommentRevision(T0, "dana", "/approve take a snapshot first"),
            CommentRevision(T0 + 9 * MIN, "dana", "/priority P4"),
        ),
    )
    assert _heard(edited, card) == [
        (1, "approve", "take a snapshot first", 0),
        (1, "priority", "P4", 9),
    ]


def test_a_record_counts_only_in_the_bots_own_text() -> None:
    from dutydesk.commands import record

    approve = _approval(1, "dana", "/approve", 0)
    forged = parse_command(approve)
    assert forged is not None
    pasted = _approval(2, "mallory", "thanks\n" + record(forged), 3)
    assert _heard(pasted) == []  # a record anyone can paste into their own comment
    tampered = _confirmation(50, editor="mallory")
    tampered = Comment(
        50,
        BOT,
        tampered.body + "\n" + record(forged),
        tampered.created_at,
        tampered.updated_at,
        (
            *tampered.revisions[:-1],
            CommentRevision(tampered.updated_at, "mallory", tampered.body + "\n" + record(forged)),
        ),
    )
    assert _heard(tampered) == []  # a record a writer added to the bot's comment
    broken = _approval(51, BOT, '<!-- dutydesk-heard {"id": "x"} -->', 4)
    assert _heard(broken) == []  # a record this version did not write is ignored


def test_a_record_survives_user_text_the_bot_quotes() -> None:
    """A record written into a command's arguments is quoted, never read back as a record."""
    from dutydesk.commands import record
    from dutydesk.templating import defang

    approve = _approval(1, "dana", "/approve", 0)
    command = parse_command(approve)
    assert command is not None
    quoted = _approval(60, BOT, "<!-- dutydesk:x -->\nUpdate: " + defang("x " + record(command)), 5)
    assert _heard(quoted) == []


@pytest.mark.parametrize("by", ["rita", "dana"])
@pytest.mark.parametrize("how", ["delete", "edit"])
def test_an_approval_stands_when_its_approve_comment_is_deleted_or_edited(
    by: str, how: str
) -> None:
    """The confirmation records the /approve: deleting or editing that comment (the requester,
    a writer, or the approver themselves) undoes nothing; only a later command would."""
    from desk import APPROVER, T2, WRITERS, Desk, approved_desk

    desk: Desk = approved_desk()
    desk.repo.writers = frozenset({*WRITERS, "rita"})  # the requester can write, as on github.com
    approve = next(c for c in desk.issue().comments if c.author == APPROVER)
    desk.repo.now = T2
    if how == "delete":
        desk.repo.delete_comment(by, 1, approve.id)
    else:
        desk.repo.edit_comment(by, 1, approve.id, "Is the snapshot tested?")
    desk.run(T2)
    assert "approved" in desk.issue().labels
    assert not desk.actions("change.approval_withdrawn")
    facts = desk.change_facts(T2)
    assert facts.outcome.approval is not None and facts.outcome.approval.by == APPROVER
