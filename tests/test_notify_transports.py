"""The wire (issue 16): real requests to stand-ins on 127.0.0.1 (tests/notify_servers.py) that
check each payload against the service's format, with 429, 5xx, timeouts and dropped
connections; an SMTP server (aiosmtpd) that requires STARTTLS and AUTH. No client is mocked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dutydesk.actions import Notification
from dutydesk.notify import transports
from dutydesk.notify.deliver import Notifier
from dutydesk.notify.summary import summary_markdown
from dutydesk.policy import parse_policy
from notify_servers import (
    BOT_TOKEN,
    PASSWORD,
    ROUTING_KEY,
    USER,
    Hooks,
    Mailbox,
    self_signed,
)

SLACK_TOKEN = "T000/B000/XXXXsecretSLACKtoken"
TEAMS_TOKEN = "webhookb2/secretTEAMStoken"


@pytest.fixture(autouse=True)
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transports, "TIMEOUT", 0.5)


@pytest.fixture
def hooks() -> Iterator[Hooks]:
    with Hooks() as server:
        yield server


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def mailbox(certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailbox]:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    with Mailbox(*certificate) as server:
        yield server


def notifier(hooks: Hooks, smtp_port: int = 0) -> Notifier:
    policy = parse_policy(
        {
            "notifications": {
                "channels": {
                    "ops": {"slack": {"webhook_url_env": "OPS_SLACK_WEBHOOK"}},
                    "bot": {
                        "slack": {
                            "token_env": "SLACK_BOT_TOKEN",
                            "channel": "#ops",
                            "api_url": f"{hooks.url}/api/",
                        }
                    },
                    "teams": {"teams": {"webhook_url_env": "OPS_TEAMS_WEBHOOK"}},
                    "oncall": {"email": {"to": ["oncall@example.org", "lead@example.org"]}},
                    "pager": {
                        "pagerduty": {
                            "routing_key_env": "PD_ROUTING_KEY",
                            "events_url": f"{hooks.url}/pagerduty/v2/enqueue",
                        }
                    },
                },
                "routes": [{"channel": "ops", "events": ["incident.opened"]}],
            }
        }
    ).notifications
    environ = {
        "OPS_SLACK_WEBHOOK": f"{hooks.url}/slack/{SLACK_TOKEN}",
        "OPS_TEAMS_WEBHOOK": f"{hooks.url}/teams/{TEAMS_TOKEN}",
        "PD_ROUTING_KEY": ROUTING_KEY,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_port),
        "SMTP_USER": USER,
        "SMTP_PASSWORD": PASSWORD,
        "SMTP_FROM": "dutydesk@example.org",
    }
    return Notifier(policy, environ, repository="example-org/ops", server_url="https://github.com")


def note(channel: str, transport: str, **more: Any) -> Notification:
    values: dict[str, Any] = {
        "event": "incident.opened",
        "key": "incident.opened",
        "subject": "#7 P1 incident opened: Payments down",
        "text": "*#7* P1 incident opened: Payments down\nAcknowledge it with /ack on the issue.",
        "priority": "P1",
        **more,
    }
    return Notification(channel=channel, transport=transport, **values)


LINK = "https://github.com/example-org/ops/issues/7"


def test_slack_gets_mrkdwn_text_with_a_link_to_the_issue(hooks: Hooks) -> None:
    assert notifier(hooks).deliver(7, note("ops", "slack"))
    (body,) = hooks.of("slack")
    assert body["text"].startswith("*#7* P1 incident opened: Payments down\n")
    assert body["text"].endswith(f"<{LINK}|Open #7 on GitHub>")
    assert body["unfurl_links"] is False
    assert hooks.received[0].path == f"/slack/{SLACK_TOKEN}" and hooks.problems == []


def test_teams_gets_an_adaptive_card_in_a_message(hooks: Hooks) -> None:
    assert notifier(hooks).deliver(7, note("teams", "teams", text="**#7** P1 incident opened"))
    (body,) = hooks.of("teams")
    card = body["attachments"][0]["content"]
    assert card["body"][0]["text"] == "**#7** P1 incident opened"
    assert card["actions"] == [{"type": "Action.OpenUrl", "title": "Open #7", "url": LINK}]
    assert hooks.problems == []


def test_pagerduty_triggers_with_a_dedup_key_from_the_repository_and_issue_then_resolves(
    hooks: Hooks,
) -> None:
    sender = notifier(hooks)
    assert sender.deliver(7, note("pager", "pagerduty", action="trigger"))
    assert sender.deliver(
        7, note("pager", "pagerduty", action="resolve", event="incident.acknowledged")
    )
    trigger, resolve = hooks.of("pagerduty")
    assert trigger["event_action"] == "trigger" and resolve["event_action"] == "resolve"
    assert trigger["dedup_key"] == resolve["dedup_key"] == "dutydesk/example-org/ops#7"
    assert trigger["payload"]["severity"] == "critical"
    assert trigger["payload"]["source"] == "example-org/ops"
    assert trigger["payload"]["summary"] == "#7 P1 incident opened: Payments down"
    assert "payload" not in resolve and hooks.problems == []


@pytest.mark.parametrize(
    ("channel", "transport", "service"),
    [
        ("ops", "slack", "slack"),
        ("bot", "slack", "slack_api"),
        ("teams", "teams", "teams"),
        ("pager", "pagerduty", "pagerduty"),
    ],
)
def test_a_429_with_retry_after_is_waited_out_and_the_message_arrives_once(
    hooks: Hooks, channel: str, transport: str, service: str
) -> None:
    hooks.planned = ["429"]
    assert notifier(hooks).deliver(
        7, note(channel, transport, action="trigger" if service == "pagerduty" else "")
    )
    assert len(hooks.of(service)) == 1 and hooks.injected == ["429"]


@pytest.mark.parametrize("fault", ["500", "503", "timeout", "dropped"])
@pytest.mark.parametrize(
    ("channel", "transport"),
    [("ops", "slack"), ("bot", "slack"), ("teams", "teams"), ("pager", "pagerduty")],
)
def test_a_failure_is_kept_without_its_secret_and_the_next_try_delivers(
    hooks: Hooks, fault: str, channel: str, transport: str
) -> None:
    hooks.planned = [fault]
    sender = notifier(hooks)
    message = note(channel, transport, action="trigger" if transport == "pagerduty" else "")
    assert not sender.deliver(7, message)
    (failed,) = sender.failed
    assert failed.channel == channel and failed.issue == 7
    shown = failed.sentence() + summary_markdown(sender.failed) + repr(sender)
    for secret in (SLACK_TOKEN, TEAMS_TOKEN, ROUTING_KEY, BOT_TOKEN, "secretSLACK", "s3cretB0T"):
        assert secret not in shown
    assert hooks.received == []
    assert sender.deliver(7, message)  # the next run's try
    assert len(hooks.received) == 1


def test_a_channel_whose_secret_is_not_set_fails_naming_the_variable(hooks: Hooks) -> None:
    sender = notifier(hooks)
    del sender.environ["OPS_SLACK_WEBHOOK"]  # type: ignore[attr-defined]
    assert not sender.deliver(7, note("ops", "slack"))
    assert "OPS_SLACK_WEBHOOK is not set" in sender.failed[0].reason


def test_reprs_hold_no_secret(hooks: Hooks) -> None:
    sender = notifier(hooks)
    channels = sender.policy.channels
    shown = repr(sender) + "".join(repr(sender.sender(c)) for c in channels.values())
    for secret in (SLACK_TOKEN, TEAMS_TOKEN, ROUTING_KEY, PASSWORD, BOT_TOKEN):
        assert secret not in shown


# -- Slack with a bot token (the Web API) -------------------------------------------------------


def test_an_incoming_webhook_cannot_choose_its_channel_so_owner_slack_needs_a_bot_token() -> None:
    """Slack's incoming webhooks post to the one channel chosen when the webhook was made: "You
    cannot override the default channel (chosen by the user who installed your app), username,
    or icon when you're using Incoming Webhooks to post messages" (api.slack.com/messaging/
    webhooks). So a runbook's `owner_slack` can be a message's destination only through the Web
    API's `chat.postMessage`, whose `channel` is "an encoded ID or channel name" and which needs
    a bot token with the `chat:write` scope (docs.slack.dev/reference/methods/chat.postMessage).
    The webhook form refuses a `channel`, and sends no `channel` field."""
    from dutydesk.errors import PolicyError

    with pytest.raises(PolicyError) as raised:
        parse_policy(
            {
                "notifications": {
                    "channels": {"ops": {"slack": {"webhook_url_env": "A", "channel": "#x"}}}
                }
            }
        )
    assert raised.value.key == "notifications.channels.ops.slack.channel"
    assert "an incoming webhook posts only to the channel it was made for" in raised.value.allowed


def test_a_bot_token_posts_to_its_channel_with_the_token_in_the_authorization_header(
    hooks: Hooks,
) -> None:
    assert notifier(hooks).deliver(7, note("bot", "slack"))
    (body,) = hooks.of("slack_api")
    assert body["channel"] == "#ops"
    assert body["text"].startswith("*#7* P1 incident opened: Payments down\n")
    assert body["text"].endswith(f"<{LINK}|Open #7 on GitHub>")
    assert body["unfurl_links"] is False and "token" not in body
    assert hooks.problems == []


def test_a_target_and_a_link_replace_the_channels_own_and_the_issues(hooks: Hooks) -> None:
    pull = "https://github.com/example-org/ops/pull/12"
    assert notifier(hooks).deliver(12, note("bot", "slack", target="#platform-alerts", link=pull))
    (body,) = hooks.of("slack_api")
    assert body["channel"] == "#platform-alerts"
    assert body["text"].endswith(f"<{pull}|Open #12 on GitHub>")


def test_an_unknown_channel_fails_with_slacks_error_and_the_next_try_delivers(
    hooks: Hooks,
) -> None:
    sender = notifier(hooks)
    assert not sender.deliver(7, note("bot", "slack", target="#nowhere"))
    assert sender.failed[0].reason == "Slack answered 200 channel_not_found for #nowhere"
    assert hooks.refused == [("#nowhere", "channel_not_found")] and hooks.received == []
    hooks.conversations["#nowhere"] = "C0NOWHERE1"  # the bot was invited
    assert sender.deliver(7, note("bot", "slack", target="#nowhere"))
    assert len(hooks.of("slack_api")) == 1


def test_a_wrong_token_fails_without_showing_either(hooks: Hooks) -> None:
    sender = notifier(hooks)
    sender.environ["SLACK_BOT_TOKEN"] = "xoxb-wrong-token-0000"  # type: ignore[index]
    assert not sender.deliver(7, note("bot", "slack"))
    assert "invalid_auth" in sender.failed[0].reason
    assert "xoxb" not in sender.failed[0].sentence() + summary_markdown(sender.failed)


@pytest.mark.parametrize(("channel", "service"), [("ops", "slack"), ("bot", "slack_api")])
def test_a_retry_after_longer_than_the_cap_is_left_for_the_next_run(
    hooks: Hooks, channel: str, service: str
) -> None:
    hooks.planned, hooks.retry_after = ["429"], "3600"
    sender = notifier(hooks)
    assert not sender.deliver(7, note(channel, "slack"))  # no hour-long wait
    assert hooks.injected == ["429"] and "429" in sender.failed[0].reason
    assert sender.deliver(7, note(channel, "slack"))  # the next run's try
    assert len(hooks.of(service)) == 1


# -- email ---------------------------------------------------------------------------------------


def test_email_goes_over_starttls_with_login_and_one_line_headers(
    hooks: Hooks, mailbox: Mailbox
) -> None:
    sender = notifier(hooks, mailbox.port)
    assert sender.deliver(
        7, note("oncall", "email", subject="[dutydesk] #7 P1 opened", text="#7 P1 opened")
    )
    (message,) = mailbox.messages
    assert message["Subject"] == "[dutydesk] #7 P1 opened"
    assert message["To"] == "oncall@example.org, lead@example.org"
    assert message["From"] == "dutydesk@example.org"
    assert message["Message-ID"].endswith("@dutydesk>")
    assert LINK in message.get_payload()
    assert mailbox.envelopes == [
        ("dutydesk@example.org", ["oncall@example.org", "lead@example.org"])
    ]


def test_a_subject_cannot_add_a_header(hooks: Hooks, mailbox: Mailbox) -> None:
    from dutydesk.notify.escape import plain

    subject = plain("Payments down\r\nBcc: everyone@example.org\nX-Evil: 1", 250)
    assert notifier(hooks, mailbox.port).deliver(7, note("oncall", "email", subject=subject))
    (message,) = mailbox.messages
    assert message["Bcc"] is None and message["X-Evil"] is None
    assert "Bcc: everyone@example.org" in message["Subject"]


def test_a_refused_message_is_kept_as_failed_and_the_next_try_delivers_it_once(
    hooks: Hooks, mailbox: Mailbox
) -> None:
    mailbox.refuse = 1
    sender = notifier(hooks, mailbox.port)
    assert not sender.deliver(7, note("oncall", "email"))
    assert "451" in sender.failed[0].reason and PASSWORD not in sender.failed[0].sentence()
    assert sender.deliver(7, note("oncall", "email"))
    assert len(mailbox.messages) == 1


def test_a_wrong_password_fails_without_showing_it(hooks: Hooks, mailbox: Mailbox) -> None:
    sender = notifier(hooks, mailbox.port)
    sender.environ["SMTP_PASSWORD"] = "wrong-password-1"  # type: ignore[index]
    assert not sender.deliver(7, note("oncall", "email"))
    assert "wrong-password-1" not in sender.failed[0].sentence()
    assert mailbox.messages == []
