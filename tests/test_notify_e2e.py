"""Notifications end to end (issue 16): `dutydesk sweep` against the local GitHub of the e2e
tests, with Slack, Teams and PagerDuty stand-ins on 127.0.0.1 (tests/notify_servers.py), both
sides failing on purpose. Every notification arrives exactly once, and the GitHub side converges
to what a fault-free run leaves."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from dutydesk.notify import transports
from e2e import faults
from e2e.faults import (
    UNAMBIGUOUS,
    FaultInjector,
    client_settings,
    compare,
    converge,
    final_state,
    operations_repository,
)
from e2e.server import GitHubServer
from notify_servers import ROUTING_KEY, Hooks

ROUTES = [
    {
        "channel": "ops",
        "events": [
            "incident.opened",
            "incident.escalated",
            "incident.acknowledged",
            "incident.updated",
            "incident.security",
        ],
        "priorities": ["P1", "P2"],
    },
    {
        "channel": "teams",
        "events": ["change.requested", "change.approved", "change.done", "maintenance.announced"],
    },
    {"channel": "pager", "events": ["incident.opened", "incident.escalated"], "priorities": ["P1"]},
]


@pytest.fixture
def notifying(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Hooks]:
    """The repository's policy.yaml with notifications, and the stand-ins' addresses as secrets."""
    with Hooks() as hooks:
        data: dict[str, Any] = yaml.safe_load(faults.POLICY_PATH.read_text(encoding="utf-8"))
        data["notifications"] = {
            "channels": {
                "ops": {"slack": {"webhook_url_env": "OPS_SLACK_WEBHOOK"}},
                "teams": {"teams": {"webhook_url_env": "OPS_TEAMS_WEBHOOK"}},
                "pager": {
                    "pagerduty": {
                        "routing_key_env": "PD_ROUTING_KEY",
                        "events_url": f"{hooks.url}/pagerduty/v2/enqueue",
                    }
                },
            },
            "routes": ROUTES,
        }
        policy = tmp_path / "policy.yaml"
        policy.write_text(yaml.safe_dump(data), encoding="utf-8")
        monkeypatch.setattr(faults, "POLICY_PATH", policy)
        monkeypatch.setenv("OPS_SLACK_WEBHOOK", f"{hooks.url}/slack/T0/B0/secretToken")
        monkeypatch.setenv("OPS_TEAMS_WEBHOOK", f"{hooks.url}/teams/webhookb2/secretToken")
        monkeypatch.setenv("PD_ROUTING_KEY", ROUTING_KEY)
        monkeypatch.setattr(transports, "TIMEOUT", 0.5)
        with client_settings(timeout=0.5):
            yield hooks


def delivered(hooks: Hooks) -> Counter[str]:
    """Each message that arrived, by what identifies it."""
    found: Counter[str] = Counter()
    for received in hooks.received:
        body = received.body
        if received.service == "slack":
            found["slack " + body["text"].split("\n")[0]] += 1
        elif received.service == "teams":
            found["teams " + body["attachments"][0]["content"]["body"][0]["text"]] += 1
        else:
            summary = body.get("payload", {}).get("summary", "")
            found[f"pagerduty {body['dedup_key']} {body['event_action']} {summary}"] += 1
    return found


def run(hooks: Hooks, github_faults: FaultInjector | None = None) -> tuple[Counter[str], Any, Any]:
    with GitHubServer(operations_repository(), lenient=False) as server:
        if github_faults is not None:
            github_faults.attach(server)
        sweeps = converge(server, faults.NOW, cap=10)
        if github_faults is not None:
            with github_faults.paused():
                state = final_state(server.state)
        else:
            state = final_state(server.state)
        assert server.problems() == []
    return delivered(hooks), sweeps, state


def test_a_fault_free_sweep_tells_each_channel_once_and_converges(notifying: Hooks) -> None:
    messages, sweeps, _ = run(notifying)
    assert sweeps[-1].done and len(sweeps) == 2, [s.stderr for s in sweeps]
    assert notifying.problems == []
    assert set(messages.values()) == {1}, messages
    services = Counter(m.split(" ", 1)[0] for m in messages)
    assert services["slack"] >= 4 and services["teams"] >= 2 and services["pagerduty"] >= 1, (
        messages
    )


@pytest.mark.parametrize("seed", range(3))
def test_with_faults_on_both_sides_every_message_arrives_exactly_once(
    notifying: Hooks, seed: int
) -> None:
    expected_messages, _, expected_state = run(notifying)
    notifying.received.clear()
    notifying.random.seed(seed)
    notifying.rate = 0.35  # of the stand-ins' requests: 429, 5xx, timeouts, dropped connections
    # GitHub faults that GitHub answers before doing anything (after an ambiguous one, the
    # record may exist though the client was told it failed; that is covered below too)
    github = FaultInjector(seed, rate=0.1, kinds=UNAMBIGUOUS, slow_seconds=0.75)
    messages, sweeps, state = run(notifying, github)
    assert notifying.injected, "no fault was injected into the stand-ins"
    assert sweeps[-1].done, [s.stderr for s in sweeps]
    assert messages == expected_messages
    assert compare(expected_state, state).same, compare(expected_state, state).lines()
    failed_runs = [s for s in sweeps if "### Notifications not delivered" in s.summary]
    assert failed_runs, "a failed delivery is listed in the job summary"
    assert all("secretToken" not in s.summary + s.stderr for s in sweeps)


def test_a_record_written_though_github_said_502_is_not_sent_again(notifying: Hooks) -> None:
    expected_messages, _, _ = run(notifying)
    notifying.received.clear()
    # every write GitHub answers with 502 after doing it: the records exist, the client errs
    github = FaultInjector(0, rate=0.3, kinds=[faults.Kind.BAD_GATEWAY_APPLIED])
    messages, sweeps, _ = run(notifying, github)
    assert sweeps[-1].done
    assert messages == expected_messages
