"""The `notifications:` section of policy.yaml (issue 16): what it accepts, and the errors that
name the key, the value found and what is allowed."""

from __future__ import annotations

from typing import Any

import pytest

from dutydesk.errors import PolicyError
from dutydesk.policy import parse_policy
from dutydesk.policy.notifications import PAGERDUTY_EVENTS_URL, Event, RouteTo, Transport, When

CHANNELS: dict[str, Any] = {
    "ops": {"slack": {"webhook_url_env": "OPS_SLACK_WEBHOOK"}},
    "teams": {"teams": {"webhook_url_env": "OPS_TEAMS_WEBHOOK"}},
    "oncall": {"email": {"to": ["oncall@example.org"]}},
    "pager": {"pagerduty": {"routing_key_env": "PD_ROUTING_KEY"}},
}
ISSUE_EXAMPLE = {
    "channels": CHANNELS,
    "routes": [
        {
            "channel": "ops",
            "events": [
                "incident.opened",
                "incident.escalated",
                "incident.updated",
                "incident.resolved",
            ],
            "priorities": ["P1", "P2"],
        },
        {
            "channel": "oncall",
            "events": ["incident.opened"],
            "priorities": ["P1"],
            "when": "out-of-hours",
        },
    ],
}


def notifications(section: Any) -> Any:
    return parse_policy({"notifications": section}).notifications


def test_no_section_means_no_notifications() -> None:
    policy = parse_policy({})
    assert not policy.notifications.enabled
    assert policy.notifications.channels == {} and policy.notifications.routes == ()


def test_the_issues_example_reads_as_written() -> None:
    found = notifications(ISSUE_EXAMPLE)
    assert {n: c.transport for n, c in found.channels.items()} == {
        "ops": Transport.SLACK,
        "teams": Transport.TEAMS,
        "oncall": Transport.EMAIL,
        "pager": Transport.PAGERDUTY,
    }
    assert found.channels["ops"].secret_env == "OPS_SLACK_WEBHOOK"
    assert found.channels["oncall"].to == ("oncall@example.org",)
    assert found.channels["pager"].events_url == PAGERDUTY_EVENTS_URL
    first, second = found.routes
    assert first.events[0] is Event.INCIDENT_OPENED and first.priorities == ("P1", "P2")
    assert first.when is When.ALWAYS and second.when is When.OUT_OF_HOURS
    assert found.max_age.amount.days == 1


def test_a_bot_token_channel_and_a_route_to_owner_slack_read_as_written() -> None:
    found = notifications(
        {
            "channels": {
                "hook": {"slack": {"webhook_url_env": "OPS_SLACK_WEBHOOK"}},
                "bot": {"slack": {"token_env": "SLACK_BOT_TOKEN", "channel": "#ops"}},
                "test": {
                    "slack": {
                        "token_env": "SLACK_BOT_TOKEN",
                        "channel": "C0123ABCD",
                        "api_url": "http://127.0.0.1:8080/api/",
                    }
                },
            },
            "routes": [
                {"channel": "bot", "events": ["runbook.review_opened"], "to": "owner_slack"},
                {"channel": "hook", "events": ["runbook.review_opened", "incident.opened"]},
            ],
        }
    )
    hook, bot, test = found.channels.values()
    assert (hook.web_api, bot.web_api, test.web_api) == (False, True, True)
    assert (bot.secret_env, bot.slack_channel, bot.api_url) == (
        "SLACK_BOT_TOKEN",
        "#ops",
        "https://slack.com/api/",
    )
    assert test.api_url == "http://127.0.0.1:8080/api/"
    owner, plain = found.routes
    assert owner.to is RouteTo.OWNER_SLACK and plain.to is RouteTo.CHANNEL
    assert owner.events == (Event.RUNBOOK_REVIEW_OPENED,)


def with_route(**route: Any) -> dict[str, Any]:
    return {
        "channels": CHANNELS,
        "routes": [{"channel": "ops", "events": ["incident.opened"], **route}],
    }


BAD = [
    pytest.param(
        {"channels": {"ops": {"sms": {"to": "x"}}}},
        "notifications.channels.ops.sms",
        "exactly one transport: slack, teams, email, pagerduty",
        id="unknown transport",
    ),
    pytest.param(
        {
            "channels": {
                "ops": {"slack": {"webhook_url_env": "A"}, "teams": {"webhook_url_env": "B"}}
            }
        },
        "notifications.channels.ops",
        "exactly one transport",
        id="two transports on one channel",
    ),
    pytest.param(
        {
            "channels": {
                "ops": {"slack": {"webhook_url_env": "https://hooks.slack.com/services/T/B/X"}}
            }
        },
        "notifications.channels.ops.slack.webhook_url_env",
        "the NAME of an environment variable",
        id="a secret written where its variable's name goes",
    ),
    pytest.param(
        {"channels": {"ops": {"slack": {"webhook_url": "OPS"}}}},
        "notifications.channels.ops.slack.webhook_url",
        "unknown key",
        id="unknown setting",
    ),
    pytest.param(
        {"channels": {"oncall": {"email": {"to": ["not an address"]}}}},
        "notifications.channels.oncall.email.to",
        "an email address",
        id="bad address",
    ),
    pytest.param(
        {"channels": CHANNELS, "routes": [{"channel": "sms", "events": ["incident.opened"]}]},
        "notifications.routes[0].channel",
        "a channel defined under channels (oncall, ops, pager, teams)",
        id="route to an unknown channel",
    ),
    pytest.param(
        with_route(events=["incident.opend"]),
        "notifications.routes[0].events",
        "a list of events: incident.opened",
        id="unknown event name",
    ),
    pytest.param(
        with_route(when="evenings"),
        "notifications.routes[0].when",
        "one of always, support-hours, out-of-hours, on-call, no-cover",
        id="bad when",
    ),
    pytest.param(
        with_route(priorities=["P5"]),
        "notifications.routes[0].priorities",
        "among P1, P2, P3, P4",
        id="unknown priority",
    ),
    pytest.param(
        with_route(channels="ops"),
        "notifications.routes[0].channels",
        "unknown key",
        id="unknown route key",
    ),
    pytest.param(
        {"channels": CHANNELS, "max_age": "2 office hours"},
        "notifications.max_age",
        "one of these clocks: wall",
        id="max_age on the office clock",
    ),
    pytest.param({"chanels": {}}, "notifications.chanels", "unknown key", id="typo in the section"),
    pytest.param(
        {"channels": {"ops": {"slack": {"webhook_url_env": "A", "token_env": "B"}}}},
        "notifications.channels.ops.slack.webhook_url_env",
        "exactly one of webhook_url_env or token_env",
        id="a webhook and a bot token on one channel",
    ),
    pytest.param(
        {"channels": {"ops": {"slack": {"token_env": "SLACK_BOT_TOKEN"}}}},
        "notifications.channels.ops.slack.channel",
        'a Slack channel such as "#ops" (in quotes: # starts a YAML comment)',
        id="a bot token with no channel (or #ops unquoted, a YAML comment)",
    ),
    pytest.param(
        {"channels": {"ops": {"slack": {"token_env": "SLACK_BOT_TOKEN", "channel": "ops"}}}},
        "notifications.channels.ops.slack.channel",
        "an ID such as C0123ABCD",
        id="a channel without its #",
    ),
    pytest.param(
        {"channels": {"ops": {"slack": {"token_env": "xoxb-123-456", "channel": "#ops"}}}},
        "notifications.channels.ops.slack.token_env",
        "the NAME of an environment variable",
        id="a bot token written where its variable's name goes",
    ),
    pytest.param(
        {"channels": {"ops": {"slack": {"webhook_url_env": "A", "api_url": "http://x"}}}},
        "notifications.channels.ops.slack.api_url",
        "an incoming webhook posts only to the channel it was made for",
        id="api_url on a webhook",
    ),
    pytest.param(
        {
            "channels": {
                "ops": {"slack": {"token_env": "T", "channel": "#ops", "api_url": "slack.com"}}
            }
        },
        "notifications.channels.ops.slack.api_url",
        "an https URL such as https://slack.com/api/",
        id="api_url not a URL",
    ),
    pytest.param(
        with_route(events=["runbook.review_opened"], to="owner_slack"),
        "notifications.routes[0].to",
        "owner_slack needs a Slack channel with token_env, and ops cannot choose where it posts",
        id="to owner_slack on a webhook channel",
    ),
    pytest.param(
        {
            "channels": {**CHANNELS, "bot": {"slack": {"token_env": "T", "channel": "#ops"}}},
            "routes": [
                {
                    "channel": "bot",
                    "events": ["runbook.review_opened", "incident.opened"],
                    "to": "owner_slack",
                }
            ],
        },
        "notifications.routes[0].to",
        "owner_slack is for runbook events only (runbook.review_opened), not incident.opened",
        id="to owner_slack for an incident event",
    ),
    pytest.param(
        {
            "channels": CHANNELS,
            "routes": [{"channel": "pager", "events": ["incident.opened", "change.approved"]}],
        },
        "notifications.routes[0].events",
        "incident events only: pager is a PagerDuty channel",
        id="a change event routed to PagerDuty, which would never send it",
    ),
    pytest.param(
        with_route(to="owners"),
        "notifications.routes[0].to",
        "one of channel, owner_slack",
        id="unknown to",
    ),
]


@pytest.mark.parametrize(("section", "key", "allowed"), BAD)
def test_a_bad_section_names_the_key_and_what_is_allowed(
    section: dict[str, Any], key: str, allowed: str
) -> None:
    with pytest.raises(PolicyError) as raised:
        notifications(section)
    assert raised.value.key == key
    assert allowed in raised.value.allowed


def test_validate_reports_a_route_to_an_unknown_channel(tmp_path: Any) -> None:
    from click.testing import CliRunner

    from dutydesk.cli import cli

    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "notifications:\n  channels: {ops: {slack: {webhook_url_env: OPS}}}\n"
        "  routes: [{channel: pager, events: [incident.opened]}]\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["validate", "--policy", str(policy)])
    assert result.exit_code == 1, result.output
    assert "notifications.routes[0].channel: found 'pager'" in result.output


SECRET = "xoxb-1234-5678-SECRETTOKEN"


@pytest.mark.parametrize(
    "slack",
    [
        {"token_env": SECRET, "channel": "#ops"},
        {"webhook_url_env": f"https://hooks.slack.com/services/T0/B0/{SECRET}"},
        {"webhook_url_env": "OPS_HOOK", "token_env": SECRET, "channel": "#ops"},
    ],
    ids=["a bot token pasted", "a webhook pasted", "both forms, one a pasted token"],
)
def test_a_secret_pasted_where_its_variables_name_goes_is_never_repeated(
    slack: dict[str, str],
) -> None:
    """The policy's errors go to the Actions log and annotations."""
    with pytest.raises(PolicyError) as raised:
        notifications({"channels": {"ops": {"slack": slack}}})
    assert "SECRETTOKEN" not in str(raised.value), str(raised.value)


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://slack.example.org/api/", False),
        ("http://127.0.0.1:8080/api/", True),
        ("http://localhost:8080/api/", True),
        ("https://slack.example.org/api/", True),
    ],
)
def test_a_bot_token_travels_over_https_or_to_a_local_stand_in_only(
    url: str, allowed: bool
) -> None:
    section = {
        "channels": {"ops": {"slack": {"token_env": "T", "channel": "#ops", "api_url": url}}}
    }
    if allowed:
        assert notifications(section).channels["ops"].api_url == url
        return
    with pytest.raises(PolicyError, match=r"plain http only to 127\.0\.0\.1 or localhost"):
        notifications(section)
