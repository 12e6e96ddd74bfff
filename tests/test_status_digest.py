"""The status card is compared by the facts it shows, not by rendering it again (issue 13).

The card carries a digest of its facts and of its template (`<!-- dutydesk-facts … -->`). A run
whose facts digest to what the bot's own text of the card says, in a card nobody else has
edited, plans nothing and renders nothing; any other card is rendered and compared as before.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from desk import INCIDENT, MONDAY, Desk, london, make_policy
from dutydesk.rules.ids import Rule
from dutydesk.rules.incidents import status

ROOT = Path(__file__).resolve().parent.parent
POLICY = make_policy(incidents={"responders": ["bob", "carol"]})
WRITERS = ["alice", "bob", "carol", "mallory"]


def desk() -> Desk:
    d = Desk(POLICY, writers=WRITERS)
    d.open(MONDAY, INCIDENT)
    return d


def card_comment(d: Desk) -> Any:
    return next(c for c in d.from_bot() if "Incident status" in c.body)


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The templates the status rule renders from now on."""
    seen: list[str] = []
    real = status.render

    def spy(name: str, **values: Any) -> str:
        seen.append(name)
        return real(name, **values)

    monkeypatch.setattr(status, "render", spy)
    return seen


def test_a_card_whose_facts_are_unchanged_is_not_rendered_again(renders: list[str]) -> None:
    d = desk()
    d.say(london("2026-11-23 10:05"), "bob", "/ack")
    renders.clear()
    for minute in (6, 7, 8):
        assert d.run(london(f"2026-11-23 10:{minute:02d}")).actions == ()
    assert renders == []


def test_a_fact_that_changes_renders_the_card_and_edits_it(renders: list[str]) -> None:
    d = desk()
    before = status.card_digest(card_comment(d).body)
    renders.clear()
    d.say(london("2026-11-23 10:05"), "bob", "/ack")
    assert renders == [status.TEMPLATE]
    after = card_comment(d).body
    assert status.card_digest(after) not in (None, before)
    assert "by @\u200bbob (/ack)" in after


def test_the_digest_is_the_last_line_and_hidden() -> None:
    body = card_comment(desk()).body
    last = body.rstrip().splitlines()[-1]
    assert last.startswith("<!-- dutydesk-facts ") and last.endswith(" -->")
    assert status.card_digest(body) == last.split()[2]


def test_a_writer_who_edits_the_card_but_keeps_its_digest_gets_the_bots_text_back() -> None:
    d = desk()
    card = card_comment(d)
    forged = card.body.replace("P1 Critical", "P4 Minor")
    assert status.card_digest(forged) == status.card_digest(card.body)
    d.edit_comment(london("2026-11-23 10:05"), "mallory", card.id, forged)
    restored = card_comment(d)
    assert restored.body == card.body, "the bot's own text, digest and all"
    when, edit = d.planned(Rule.INCIDENT_STATUS)[-1]
    assert (when, edit.comment_id) == (london("2026-11-23 10:05"), card.id)


def test_a_digest_a_writer_pastes_into_the_card_is_not_believed() -> None:
    d = desk()
    d.say(london("2026-11-23 10:05"), "bob", "/ack")  # the facts now differ from the first card
    card = card_comment(d)
    stale = f"Nothing to see.\n<!-- dutydesk-facts {'0' * 32} -->\n"
    d.edit_comment(london("2026-11-23 10:06"), "mallory", card.id, stale)
    assert card_comment(d).body == card.body


def test_a_card_written_before_digests_is_edited_once_then_left_alone() -> None:
    d = Desk(POLICY, writers=WRITERS, reacts=False)
    d.open(MONDAY, INCIDENT)
    d.run(MONDAY)
    card = card_comment(d)
    old = card.body.rsplit("\n<!-- dutydesk-facts", 1)[0] + "\n"
    d.repo.now = MONDAY
    d.repo.edit_comment(d.policy.bot, 1, card.id, old)  # the bot's text of an earlier release
    assert status.card_digest(card_comment(d).body) is None
    first = d.run(london("2026-11-23 10:01"))
    assert [a.rule for a in first.actions] == [Rule.INCIDENT_STATUS]
    assert status.card_digest(card_comment(d).body) is not None
    assert d.run(london("2026-11-23 10:02")).actions == ()


def test_the_digest_covers_the_template() -> None:
    values = {"number": 1, "service": "Payments"}
    digest = status.facts_digest(values)
    status._template_digest.cache_clear()
    try:
        original = status.template_source
        status.template_source = lambda name: original(name) + "\n"  # type: ignore[assignment]
        assert status.facts_digest(values) != digest
    finally:
        status.template_source = original  # type: ignore[assignment]
        status._template_digest.cache_clear()
    assert status.facts_digest(values) == digest


def test_the_digest_is_the_same_in_every_process() -> None:
    """Nothing in the facts has an address or a hash-seeded order in its repr."""

    def digests(seed: str) -> list[str]:
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT / "scripts")}
        out = subprocess.run(
            [sys.executable, "-m", "dutydesk", "simulate", "--json", "examples/p1-outage.yaml"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        bodies = [json.loads(line).get("body") or "" for line in out.splitlines()]
        return [d for d in map(status.card_digest, bodies) if d]

    first = digests("1")
    assert len(first) >= 5
    assert digests("2") == first == digests("3")
