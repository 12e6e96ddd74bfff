"""A closed item's failed notification is retried by the next sweep, once (issue 16).

The sweep lists open items; an incident closed while Slack was down owes its `incident.resolved`
message, and nothing but the sweep would look at it again. The sweep reads the items updated
within `notifications.max_age` and applies, of each closed one, only the notify rule's plan.
Against the local GitHub of the e2e tests and the Slack stand-in on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from dutydesk.actions import Action, Kind
from dutydesk.engine import Decision
from dutydesk.model import Issue
from dutydesk.notify import transports
from dutydesk.retries import closed_owing, notify_only, retry_since
from dutydesk.rules.ids import Rule
from e2e import faults
from e2e.faults import client_settings
from e2e.server import GitHubServer
from e2e.state import RepoState
from notify_servers import Hooks

NOW = faults.NOW
POLICY = faults.POLICY


def issue(number: int, state: str = "closed") -> Issue:
    return Issue(
        number=number,
        title="x",
        body="",
        author="alice",
        state=state,
        labels=frozenset({"incident"}),
        assignees=(),
        created_at=NOW,
        updated_at=NOW,
        comments=(),
    )


def test_closed_items_are_looked_at_only_while_notifications_are_on() -> None:
    assert retry_since(POLICY, NOW) is None  # the repository's policy has no notifications


def test_the_closed_items_owing_are_those_not_swept_already_once_each() -> None:
    listed = [issue(1), issue(2, "open"), issue(3), issue(1), issue(4)]
    assert [i.number for i in closed_owing(listed, swept=[4], now=NOW)] == [1, 3]


@pytest.mark.parametrize(("closed_minutes_ago", "owing"), [(14, False), (15, True), (60, True)])
def test_an_item_closed_moments_ago_is_left_to_its_close_events_job(
    closed_minutes_ago: int, owing: bool
) -> None:
    closed = replace(issue(1), closed_at=NOW - timedelta(minutes=closed_minutes_ago))
    assert bool(closed_owing([closed], swept=[], now=NOW)) is owing


def test_of_a_closed_items_plan_only_the_notify_rule_is_kept() -> None:
    notify = Action(Kind.COMMENT, Rule.NOTIFY, 1, body="records", key="notify.message:sent")
    card = Action(Kind.COMMENT, Rule.INCIDENT_STATUS, 1, body="card", key="incident.status")
    kept = notify_only(Decision((card, notify), next_check=NOW))
    assert kept.actions == (notify,) and kept.next_check is None


# -- end to end ---------------------------------------------------------------------------


@pytest.fixture
def slack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Hooks]:
    """The repository's policy with one Slack channel told of P1 openings and resolutions."""
    with Hooks() as hooks:
        data: dict[str, Any] = yaml.safe_load(faults.POLICY_PATH.read_text(encoding="utf-8"))
        data["notifications"] = {
            "channels": {"ops": {"slack": {"webhook_url_env": "OPS_SLACK_WEBHOOK"}}},
            "routes": [
                {"channel": "ops", "events": ["incident.opened", "incident.resolved"]},
            ],
        }
        policy = tmp_path / "policy.yaml"
        policy.write_text(yaml.safe_dump(data), encoding="utf-8")
        monkeypatch.setattr(faults, "POLICY_PATH", policy)
        monkeypatch.setenv("OPS_SLACK_WEBHOOK", f"{hooks.url}/slack/T0/B0/secretToken")
        monkeypatch.setattr(transports, "TIMEOUT", 0.5)
        with client_settings(timeout=0.5):
            yield hooks


def closed_incidents() -> RepoState:
    """Two closed P1 incidents: one closed half an hour ago (its messages are owed), one
    closed two days ago, past notifications.max_age (1 day): never told."""
    state = RepoState(clock=lambda: NOW)
    for login in ("alice", "bob"):
        state.add_collaborator(login, "push")
    for spec in POLICY.labels.values():
        state.create_label(spec.name, spec.color, spec.description)
    body = faults._incident("P1")
    for hours in (3, 50):
        opened = NOW - timedelta(hours=hours)
        item = state.open_issue(
            "alice", "[Incident] Payments down", body, ["incident", "P1"], opened
        )
        state.comment("bob", item.number, "/ack", at=opened + timedelta(minutes=5))
        state.set_state("bob", item.number, "closed", at=opened + timedelta(hours=2, minutes=30))
    return state


def told(hooks: Hooks) -> list[str]:
    return sorted(body["text"].split("\n")[0] for body in hooks.of("slack"))


def test_a_closed_incidents_failed_messages_are_sent_by_the_next_sweep_once(slack: Hooks) -> None:
    with GitHubServer(closed_incidents(), lenient=False) as server:
        slack.rate, slack.kinds = 1.0, ["500"]  # Slack down for the first sweep
        first = faults.sweep(server, NOW)
        assert "### Notifications not delivered" in first.summary, first.stderr
        assert first.exit_code == 0 and slack.received == []
        slack.rate = 0.0
        second = faults.sweep(server, NOW + timedelta(minutes=60))
        third = faults.sweep(server, NOW + timedelta(minutes=120))
        recent, old = server.state.issues[1], server.state.issues[2]
        bot = server.state.bot
        assert server.problems() == []
    assert second.exit_code == 0 and third.done, (second.stderr, third.stdout)
    messages = told(slack)
    assert len(messages) == 2 and len(set(messages)) == 2, messages
    assert all("#1" in m for m in messages), messages
    # the closed item got the record of its deliveries and nothing else; the old one nothing
    mine = [c for c in server.state.comments_on(recent.number) if c.author == bot]
    assert len(mine) == 1 and "dutydesk-sent" in mine[0].body
    assert [c for c in server.state.comments_on(old.number) if c.author == bot] == []


def test_the_secrets_may_come_in_the_workflows_bundle(
    slack: Hooks, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reusable workflows pass the channels' secrets as one (service_secrets.py)."""
    monkeypatch.setenv("DUTYDESK_SERVICE_SECRETS", f"OPS_SLACK_WEBHOOK={slack.url}/slack/T0/B0/x")
    monkeypatch.delenv("OPS_SLACK_WEBHOOK")
    with GitHubServer(closed_incidents(), lenient=False) as server:
        swept = faults.sweep(server, NOW)
    assert swept.exit_code == 0, swept.stderr
    assert len(told(slack)) == 2


def test_a_bundle_that_cannot_be_read_stops_the_notifications_not_the_sweep(
    slack: Hooks, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUTYDESK_SERVICE_SECRETS", "OPS_SLACK_WEBHOOK secretToken")
    monkeypatch.delenv("OPS_SLACK_WEBHOOK")
    with GitHubServer(closed_incidents(), lenient=False) as server:
        swept = faults.sweep(server, NOW)
    assert swept.exit_code == 0 and slack.received == []
    assert "line 1 is not NAME=value" in swept.stderr and "secretToken" not in swept.stderr
    assert "OPS_SLACK_WEBHOOK is not set" in swept.stderr


def test_the_look_at_closed_items_reads_closed_ones_only() -> None:
    """The sweep read its open items already: the retry listing asks GitHub for closed issues
    updated since notifications.max_age (`states: [CLOSED]`), so an open item updated today is
    not read twice."""
    from dutydesk.io.github import connect
    from e2e.server import TOKEN

    state = closed_incidents()
    body = faults._incident("P3")
    open_one = state.open_issue("alice", "[Incident] Slow", body, ["incident", "P3"], NOW)
    with GitHubServer(state, lenient=False) as server:
        repo = connect(TOKEN, f"{state.owner}/{state.name}", server.url)
        found = repo.closed_since("incident", NOW - timedelta(days=1))
        assert server.problems() == []
    assert [i.number for i in found] == [1]  # the one closed within the day, not #2 nor the open
    assert open_one.number not in {i.number for i in found}
    assert all(not i.is_open for i in found)
