"""Markers, commands, events, the executor and the in-memory repository."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dutydesk.actions import Action, Kind
from dutydesk.commands import commands, parse_command
from dutydesk.engine import Item, post_once, upsert
from dutydesk.errors import EventError
from dutydesk.io.apply import apply_plan
from dutydesk.io.events import read_event, target_of
from dutydesk.io.memory import MemoryRepository
from dutydesk.markers import bot_comments, marker, marker_key, with_marker
from dutydesk.model import Access, Comment

BOT = "github-actions[bot]"
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def comment(author: str, body: str, id: int = 1) -> Comment:
    return Comment(id=id, author=author, body=body, created_at=T0, updated_at=T0)


def test_a_marker_counts_only_in_the_bots_own_comment() -> None:
    forged = comment("mallory", with_marker("incident.status", "I am the bot"), id=1)
    real = comment(BOT, with_marker("incident.status", "status card"), id=2)
    found = bot_comments([forged, real], BOT)
    assert found == {"incident.status": real}


def test_a_bot_comment_without_a_marker_is_not_trusted_as_state() -> None:
    assert bot_comments([comment(BOT, "plain text")], BOT) == {}


@pytest.mark.parametrize(
    ("body", "key"),
    [
        (marker("a.b:2026-11-23T10:00+00:00") + "\ntext", "a.b:2026-11-23T10:00+00:00"),
        ("text first\n" + marker("a.b"), None),
        ("<!-- dutydesk:a b -->", None),
    ],
    ids=["marker on the first line", "marker not at the start", "marker with a space"],
)
def test_marker_key(body: str, key: str | None) -> None:
    assert marker_key(body) == key


def test_a_marker_key_with_markup_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot carry"):
        marker("x --> <b>")


@pytest.mark.parametrize(
    ("body", "name", "args"),
    [
        ("/ack", "ack", ""),
        ("  /lead @alice\nmore text", "lead", "@alice"),
        ("/APPROVE emergency db down", "approve", "emergency db down"),
        ("please /ack", None, None),
        ("", None, None),
    ],
    ids=["bare", "with args and text below", "upper case", "not at the start", "empty"],
)
def test_parse_command(body: str, name: str | None, args: str | None) -> None:
    command = parse_command(comment("alice", body))
    assert (command.name if command else None, command.args if command else None) == (name, args)


def test_commands_ignore_the_bots_own_comments_and_other_names() -> None:
    found = commands(
        (comment(BOT, "/ack", 1), comment("bob", "/ack", 2), comment("bob", "/dance", 3)),
        BOT,
        ("ack",),
    )
    assert [c.comment.id for c in found] == [2]


def test_mentions_in_a_command() -> None:
    command = parse_command(comment("a", "/approve @alice @org/team now"))
    assert command is not None and command.mentions == ("alice", "org/team")


@pytest.mark.parametrize(
    ("name", "payload", "number"),
    [
        ("issues", {"action": "opened", "issue": {"number": 7}}, 7),
        ("issue_comment", {"action": "created", "issue": {"number": 3}}, 3),
        ("issue_comment", {"action": "deleted", "issue": {"number": 3}}, None),
        ("issue_comment", {"action": "created", "issue": {"number": 3, "pull_request": {}}}, 3),
        (
            "issue_comment",
            {"action": "created", "issue": {"number": 3, "pull_request": {"url": "x"}}},
            None,
        ),
        ("push", {}, None),
    ],
    ids=[
        "issue opened",
        "comment",
        "comment deleted",
        "empty pr key",
        "comment on a pull request",
        "push",
    ],
)
def test_which_issue_an_event_names(
    name: str, payload: dict[str, object], number: int | None
) -> None:
    assert target_of(name, payload).number == number


@pytest.mark.parametrize("number", [True, -1, 0, 2**40, "7", None], ids=str)
def test_an_impossible_issue_number_is_an_event_error(number: object) -> None:
    with pytest.raises(EventError, match=r"valid issue\.number"):
        target_of("issues", {"action": "opened", "issue": {"number": number}})


def test_a_broken_payload_is_an_event_error(tmp_path: Path) -> None:
    path = tmp_path / "event.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(EventError, match="not JSON"):
        read_event("issues", path)
    path.write_text(json.dumps({"action": "opened", "issue": {}}), encoding="utf-8")
    with pytest.raises(EventError, match=r"issue"):
        read_event("issues", path)


def test_access_membership_is_unknown_when_a_team_is_unreadable() -> None:
    access = Access(
        writers=frozenset({"alice"}), teams={"org/ops": None, "org/dev": frozenset({"bob"})}
    )
    assert access.member("bob", ["org/dev"]) is True
    assert access.member("carol", ["org/dev"]) is False
    assert access.member("carol", ["org/ops"]) is None
    assert access.member("ALICE", ["alice", "org/ops"]) is True
    assert access.can_write("alice") and not access.can_write("bob")


def _item(repo: MemoryRepository, number: int) -> Item:
    issue = repo.get_issue(number)
    return Item(issue=issue, form=None, answers={}, mine=bot_comments(issue.comments, BOT))


def test_upsert_posts_once_then_edits_only_when_the_text_changes() -> None:
    repo = MemoryRepository(now=T0)
    number = repo.open_issue("alice", "t", "b")
    first = upsert(_item(repo, number), "r", "card", "version 1")
    assert [a.comment_id for a in first] == [None]
    apply_plan(repo, first, dry_run=False)
    assert upsert(_item(repo, number), "r", "card", "version 1") == ()
    second = upsert(_item(repo, number), "r", "card", "version 2")
    assert len(second) == 1 and second[0].comment_id is not None
    apply_plan(repo, second, dry_run=False)
    assert len(repo.get_issue(number).comments) == 1
    assert "version 2" in repo.get_issue(number).comments[0].body


def test_post_once_never_repeats_a_key() -> None:
    repo = MemoryRepository(now=T0)
    number = repo.open_issue("alice", "t", "b")
    apply_plan(repo, post_once(_item(repo, number), "r", "k", "hello"), dry_run=False)
    assert post_once(_item(repo, number), "r", "k", "hello") == ()


def test_dry_run_writes_nothing() -> None:
    repo = MemoryRepository(now=T0)
    number = repo.open_issue("alice", "t", "b")
    apply_plan(repo, [Action(Kind.ADD_LABELS, "r", number, labels=("P1",))], dry_run=True)
    assert repo.get_issue(number).labels == frozenset()
    assert repo.writes == 0


def test_memory_records_who_did_what_and_each_body_revision() -> None:
    repo = MemoryRepository(now=T0)
    number = repo.open_issue("alice", "t", "v1", labels=["incident"])
    repo.now = T0 + timedelta(minutes=5)
    repo.edit_body("alice", number, "v2")
    repo.set_labels("bob", number, add=["approved"], remove=["incident"])
    repo.set_state("bob", number, "closed")
    issue = repo.get_issue(number)
    assert [r.body for r in issue.body_history()] == ["v1", "v2"]
    assert [(e.kind.value, e.actor, e.label) for e in issue.events] == [
        ("labeled", "alice", "incident"),
        ("edited", "alice", None),
        ("labeled", "bob", "approved"),
        ("unlabeled", "bob", "incident"),
        ("closed", "bob", None),
    ]
    assert issue.closed_at == T0 + timedelta(minutes=5)
    assert repo.open_issues() == []


def test_json_of_an_action_has_the_documented_keys() -> None:
    action = Action(
        Kind.COMMENT, "incident.status", 4, body="x", key="incident.status", comment_id=9
    )
    out = action.to_json(T0)
    assert out["kind"] == "comment" and out["update"] is True and out["issue"] == 4
    assert out["at"] == "2026-11-23T10:00:00Z" and out["rule"] == "incident.status"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@everyone look", "@\u200beveryone look"),
        ("ping @org/team", "ping @\u200borg/team"),
        ("unsure\n---\n**Escalation**", "unsure --- **Escalation**"),
        ("fine\r\r# Incident RESOLVED", "fine # Incident RESOLVED"),
        ("a\u2028b", "a b"),
        ("<!-- dutydesk:incident.status -->", "&lt;!-- dutydesk:incident.status --&gt;"),
        ("&lt;b&gt;", "&amp;lt;b&amp;gt;"),
        ("x" * 400, "x" * 299 + "…"),
        (None, ""),
        ("see [the runbook](https://evil.example)", r"see \[the runbook\](https://evil.example)"),
        ("![pixel](https://evil.example/t.png)", r"!\[pixel\](https://evil.example/t.png)"),
        (r"\[x](y)", r"\\\[x\](y)"),
        ("pay \u202eusd 001\u202c now", "pay usd 001 now"),
        ("a\u2066b\u2069c", "abc"),
        ("bell\x07 nul\x00 del\x7f c1\x9b", "bell nul del c1"),
        ("tab\there", "tab here"),
    ],
    ids=[
        "mention",
        "team mention",
        "newline breakout",
        "lone CR breakout",
        "unicode line separator",
        "html comment marker",
        "entities",
        "long text",
        "nothing",
        "a link shows as text",
        "an image shows as text",
        "an escaped bracket cannot reopen a link",
        "bidi override",
        "bidi isolates",
        "control characters",
        "tab",
    ],
)
def test_defang_quotes_user_text_inline_and_harmless(text: str | None, expected: str) -> None:
    from dutydesk.templating import defang

    assert defang(text) == expected


def test_an_email_address_is_not_a_mention() -> None:
    command = parse_command(comment("a", "/approve @alice, cc bob@example.com"))
    assert command is not None and command.mentions == ("alice",)
