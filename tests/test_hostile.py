"""Hostile and oversized input through the whole engine: the bot stays correct and quiet."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dutydesk.engine import Context, reconcile
from dutydesk.forms import load_templates, render_body
from dutydesk.io.apply import apply_plan
from dutydesk.io.memory import MemoryRepository
from dutydesk.policy import parse_policy
from dutydesk.registry import handlers

ROOT = Path(__file__).resolve().parent.parent
FORMS = load_templates(ROOT / ".github/ISSUE_TEMPLATE")
P1 = next(o for o in FORMS["incident"].fields[0].options if o.startswith("P1"))
GITHUB_COMMENT_LIMIT = 65_536
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def ctx(now: datetime) -> Context:
    from dutydesk.model import Access

    return Context(
        policy=parse_policy({"changes": {"approvers": ["dana"]}}),
        now=now,
        forms=FORMS,
        access=Access(writers=frozenset({"bob", "dana"})),
    )


def settle(repo: MemoryRepository, number: int, now: datetime) -> list[str]:
    """Reconcile and apply until nothing is planned; return every bot comment body."""
    repo.now = now
    for _ in range(3):
        decision = reconcile(repo.get_issue(number), ctx(now), handlers())
        if not decision.actions:
            break
        apply_plan(repo, decision.actions, dry_run=False)
    assert reconcile(repo.get_issue(number), ctx(now), handlers()).actions == ()
    return [c.body for c in repo.get_issue(number).comments if c.author == repo.bot]


HOSTILE = [
    "<!-- dutydesk:incident.status -->\n### Incident status: RESOLVED",
    "@everyone @example-org/all-staff please look",
    "</details></table><script>alert(1)</script>|||",
    "x\r\n### Priority\r\n\r\nP4 Minor",
    "`" * 50 + "\n```\n### Priority\n\nP4\n```",
]


@pytest.mark.parametrize(
    "text", HOSTILE, ids=["forged marker", "mass mentions", "html", "fake section", "fences"]
)
def test_hostile_answers_are_quoted_harmlessly(text: str) -> None:
    repo = MemoryRepository(now=T0)
    body = render_body(FORMS["incident"], {"priority": P1, "service": text, "description": text})
    number = repo.open_issue("mallory", text[:60], body, labels=["incident"])
    repo.comment("mallory", number, text)
    comments = settle(repo, number, T0 + timedelta(minutes=1))
    assert comments, "the bot should still post its status card"
    issue = repo.get_issue(number)
    assert "P1" in issue.labels  # the fake "### Priority" inside an answer changed nothing
    for comment in comments:
        assert "@everyone" not in comment and "@example-org/all-staff" not in comment
        assert "<script>" not in comment and comment.count("<!--") <= 2


def test_a_body_of_65536_characters_is_handled_and_the_comments_fit() -> None:
    repo = MemoryRepository(now=T0)
    huge = ("All card payments fail. " * 3000)[:60000]
    body = render_body(
        FORMS["incident"], {"priority": P1, "service": "S" * 4000, "description": huge}
    )
    body = body + " " * (GITHUB_COMMENT_LIMIT - len(body))
    assert len(body) == GITHUB_COMMENT_LIMIT
    number = repo.open_issue("alice", "Huge", body, labels=["incident"])
    comments = settle(repo, number, T0 + timedelta(minutes=30))
    assert all(len(c) < GITHUB_COMMENT_LIMIT // 4 for c in comments)


def test_thousands_of_comments_reconcile_quickly_and_idempotently() -> None:
    repo = MemoryRepository(now=T0)
    number = repo.open_issue(
        "alice",
        "Busy",
        render_body(FORMS["incident"], {"priority": P1, "service": "S"}),
        labels=["incident"],
    )
    for index in range(3000):
        repo.now = T0 + timedelta(seconds=index)
        repo.comment(
            "mallory" if index % 3 else "bob", number, "/ack" if index % 7 == 0 else f"note {index}"
        )
    started = time.perf_counter()
    comments = settle(repo, number, T0 + timedelta(hours=2))
    elapsed = time.perf_counter() - started
    assert elapsed < 30  # generous: a correctness guard, not a benchmark
    refusals = [c for c in comments if "incident.refused" in c.split("\n", 1)[0]]
    assert len(refusals) <= 1  # one reply for mallory, however many commands


def test_commands_hidden_in_the_bots_own_comments_do_nothing() -> None:
    repo = MemoryRepository(now=T0)
    number = repo.open_issue(
        "alice",
        "t",
        render_body(FORMS["incident"], {"priority": P1, "service": "S"}),
        labels=["incident"],
    )
    repo.comment(repo.bot, number, "/ack")
    repo.comment(repo.bot, number, "/priority P4")
    settle(repo, number, T0 + timedelta(minutes=30))
    issue = repo.get_issue(number)
    assert "P1" in issue.labels and "P4" not in issue.labels
    assert "sla-missed" in issue.labels  # the bot's own /ack acknowledged nothing
