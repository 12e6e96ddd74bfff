"""One grammar for logins and mentions, one format for comment keys, and the keys earlier
versions wrote still recognised (an upgraded repository never gets a comment twice)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from dutydesk.engine import Item, post_once
from dutydesk.markers import bot_comments, current_key, key_time, with_marker
from dutydesk.model import Comment, Issue
from dutydesk.people import Mention, is_login, is_person_or_team, login_key, mention_word, mentions

BOT = "github-actions[bot]"
T = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (T, "2026-11-23T22:00:00Z"),
        (datetime(2026, 11, 24, 0, 0, tzinfo=timezone(timedelta(hours=2))), "2026-11-23T22:00:00Z"),
        (T.replace(microsecond=999_999), "2026-11-23T22:00:00Z"),
    ],
    ids=["utc", "an offset", "to the second"],
)
def test_a_moment_in_a_key_is_utc_to_the_second(moment: datetime, text: str) -> None:
    assert key_time(moment) == text


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("change.notice:20261124T120000Z", "change.notice:2026-11-24T12:00:00Z"),
        (
            "change.hours:20261123T220000Z-20261124T020000Z",
            "change.hours:2026-11-23T22:00:00Z-2026-11-24T02:00:00Z",
        ),
        ("change.approval:label:20261123T220000Z", "change.approval:label:2026-11-23T22:00:00Z"),
        ("incident.refused:dependabot-bot-", "incident.refused:dependabot+bot+"),
        ("incident.refused:ann-lee", "incident.refused:ann-lee"),
        ("incident.status", "incident.status"),
        (
            "incident.escalation:P1:2026-11-23T10:22:00Z",
            "incident.escalation:P1:2026-11-23T10:22:00Z",
        ),
        ("change.approval:123456789", "change.approval:123456789"),
    ],
)
def test_keys_written_by_earlier_versions_read_as_todays(written: str, read: str) -> None:
    assert current_key(written) == read


def test_a_comment_posted_under_an_old_key_is_not_posted_again() -> None:
    old = Comment(1, BOT, with_marker("change.notice:20261124T120000Z", "notice"), T, T)
    issue = Issue(1, "t", "", "ann", "open", T, T, comments=(old,))
    item = Item(issue=issue, form=None, answers={}, mine=bot_comments(issue.comments, BOT))
    assert (
        post_once(item, "change.notice", f"change.notice:{key_time(T + timedelta(hours=14))}", "x")
        == ()
    )


@pytest.mark.parametrize(
    ("login", "key"),
    [("Alice", "alice"), ("ann-lee", "ann-lee"), ("dependabot[bot]", "dependabot+bot+")],
)
def test_a_login_in_a_key(login: str, key: str) -> None:
    assert login_key(login) == key


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("@bob", [Mention("bob")]),
        ("ask @org/ops-team now", [Mention("org", "ops-team")]),
        ("mail bob@example.org", []),
        ("@a--b", []),
        ("@-x", []),
        ("(@carol)", [Mention("carol")]),
        ("@dana, @erin.", [Mention("dana"), Mention("erin")]),
    ],
)
def test_mentions_as_github_reads_them(text: str, found: list[Mention]) -> None:
    assert list(mentions(text)) == found


@pytest.mark.parametrize(
    ("word", "found"),
    [
        ("@bob,", Mention("bob")),
        ("@org/team:", Mention("org", "team")),
        ("bob", None),
        ("@bob's", None),
    ],
)
def test_a_word_that_is_a_mention(word: str, found: Mention | None) -> None:
    assert mention_word(word) == found


@pytest.mark.parametrize(
    ("text", "login", "either"),
    [
        ("alice", True, True),
        ("a" * 39, True, True),
        ("a" * 40, False, False),
        ("-alice", False, False),
        ("alice-", False, False),
        ("al--ice", False, False),
        ("renovate[bot]", False, True),
        ("@org/team", False, True),
        ("@alice", False, True),
    ],
)
def test_what_is_a_login(text: str, login: bool, either: bool) -> None:
    assert is_login(text) is login
    assert is_person_or_team(text, app=True) is either
