"""`runbook.review_opened` (issue 16): a runbook's review pull request told outside GitHub, once
per channel, recorded in a bot comment on the pull request; a page's `owner_slack` as the
Slack target of a bot-token channel. Pure planning over tables; the executor's
deliver-then-record against the in-memory store; the GitHub store's read of a pull request's
comments against GitHub's schema."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from dutydesk.actions import Action, DeliveryLog, Kind, Notification
from dutydesk.io.apply import apply_plan
from dutydesk.markers import with_marker
from dutydesk.notify.records import SENT_KEY, Sent, recorded
from dutydesk.policy import Policy, parse_policy
from dutydesk.rules.runbooks import PullInfo, PullState, Reason, Runbook, Verdict, parse_runbook
from dutydesk.rules.runbooks.notices import (
    ReviewPull,
    open_reviews,
    pulls_within,
    review_notices,
    slack_conversations,
)
from memory_runbook_store import MemoryRunbookStore

BOT = "github-actions[bot]"
TODAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 9, 41, tzinfo=UTC)  # the runbooks workflow, a Wednesday
SATURDAY = datetime(2026, 11, 28, 9, 41, tzinfo=UTC)
URL = "https://github.com/example-org/ops/pull/12"
CHANNELS: dict[str, Any] = {
    "ops": {"slack": {"webhook_url_env": "OPS_SLACK_WEBHOOK"}},
    "bot": {"slack": {"token_env": "SLACK_BOT_TOKEN", "channel": "#ops"}},
    "teams": {"teams": {"webhook_url_env": "OPS_TEAMS_WEBHOOK"}},
    "mail": {"email": {"to": ["docs@example.org"]}},
}
EVENT = "runbook.review_opened"


def policy_with(*routes: dict[str, Any], **more: Any) -> Policy:
    return parse_policy({"notifications": {"channels": CHANNELS, "routes": list(routes), **more}})


def page(
    owner_slack: str | None = None, title: str = "Payments API", expires: str = "2026-11-02"
) -> Runbook:
    slack = f"owner_slack: {owner_slack}\n" if owner_slack is not None else ""
    text = (
        f"---\ncategory: runbooks\nexpires: {expires}\nowner: [alice-oncall, example-org/payments]\n"
        f"{slack}---\n# {title} Runbook\n"
    )
    return parse_runbook("runbooks/payments-api.md", text)


def pull(runbook: Runbook, at: datetime = NOW, number: int | None = 12, **more: Any) -> ReviewPull:
    return ReviewPull(runbook, number, URL if number else "", at, **more)


def notes(decision_actions: tuple[Action, ...]) -> list[tuple[str, str, str]]:
    """(channel, key, target) of each planned notification."""
    return [
        (a.payload.channel, a.payload.key, a.payload.target)
        for a in decision_actions
        if a.kind is Kind.NOTIFY and isinstance(a.payload, Notification)
    ]


WEBHOOK = {"channel": "ops", "events": [EVENT]}
OWNER_SLACK = {"channel": "bot", "events": [EVENT], "to": "owner_slack"}
BOT_OWN = {"channel": "bot", "events": [EVENT]}

# routes; the page's owner_slack (front matter); when the pull request was opened; what is sent
ROUTING = [
    pytest.param(
        [WEBHOOK], "'#payments'", NOW, [("ops", EVENT, "")], id="a-webhook-names-owner-slack-only"
    ),
    pytest.param(
        [OWNER_SLACK],
        "'#payments'",
        NOW,
        [("bot", f"{EVENT}:#payments", "#payments")],
        id="to-owner-slack-posts-to-the-pages-channel",
    ),
    pytest.param(
        [OWNER_SLACK],
        "['#payments', '@alice', 'C0PAYMENT9', '<!channel>']",
        NOW,
        [("bot", f"{EVENT}:#payments", "#payments"), ("bot", f"{EVENT}:C0PAYMENT9", "C0PAYMENT9")],
        id="each-conversation-once-a-handle-is-only-named",
    ),
    pytest.param(
        [OWNER_SLACK], "'@alice'", NOW, [("bot", EVENT, "")], id="only-a-handle-falls-back"
    ),
    pytest.param([OWNER_SLACK], None, NOW, [("bot", EVENT, "")], id="no-owner-slack-falls-back"),
    pytest.param(
        [BOT_OWN], "'#payments'", NOW, [("bot", EVENT, "")], id="a-bot-channel-without-to"
    ),
    pytest.param(
        [WEBHOOK, OWNER_SLACK, WEBHOOK],
        "'#payments'",
        NOW,
        [("ops", EVENT, ""), ("bot", f"{EVENT}:#payments", "#payments")],
        id="several-routes-each-place-once",
    ),
    pytest.param(
        [{**WEBHOOK, "when": "support-hours"}],
        None,
        SATURDAY,
        [],
        id="when-is-judged-at-the-opening",
    ),
    pytest.param(
        [{**WEBHOOK, "when": "out-of-hours"}],
        None,
        SATURDAY,
        [("ops", EVENT, "")],
        id="out-of-hours",
    ),
    pytest.param(
        [{**WEBHOOK, "priorities": ["P1"]}],
        None,
        NOW,
        [("ops", EVENT, "")],
        id="priorities-do-not-filter",
    ),
    pytest.param(
        [{"channel": "ops", "events": ["incident.opened"]}],
        None,
        NOW,
        [],
        id="a-route-without-the-event",
    ),
]


@pytest.mark.parametrize(("routes", "owner_slack", "opened", "sent"), ROUTING)
def test_routing_and_owner_slack_targets(
    routes: list[dict[str, Any]], owner_slack: str | None, opened: datetime, sent: list[Any]
) -> None:
    policy = policy_with(*routes)
    decision = review_notices(pull(page(owner_slack), opened), TODAY, opened, policy)
    assert notes(decision.actions) == sent
    if sent:  # then the record comment, on the pull request
        record = decision.actions[-1]
        assert (record.kind, record.key, record.issue) == (Kind.COMMENT, SENT_KEY, 12)
        assert isinstance(record.payload, DeliveryLog)
    else:
        assert decision.actions == ()


@pytest.mark.parametrize(
    ("owner_slack", "found"),
    [
        (("#payments",), ("#payments",)),
        ((" #payments ", "#payments"), ("#payments",)),
        (("@alice", "payments", "#Payments", "<!here>"), ()),
        (
            ("C0123ABCD", "U0ALICE12", "D0DMDMDM1", "G0PRIVATE"),
            ("C0123ABCD", "U0ALICE12", "D0DMDMDM1", "G0PRIVATE"),
        ),
    ],
)
def test_only_slack_conversations_are_targets(
    owner_slack: tuple[str, ...], found: tuple[str, ...]
) -> None:
    assert slack_conversations(owner_slack) == found


def test_no_notifications_section_plans_nothing() -> None:
    assert review_notices(pull(page()), TODAY, NOW, parse_policy({})).actions == ()


# -- what the message says -------------------------------------------------------------------


def test_the_message_says_which_review_is_overdue_asks_the_owners_and_links_the_pull_request() -> (
    None
):
    policy = policy_with(WEBHOOK, {"channel": "mail", "events": [EVENT]})
    actions = review_notices(pull(page("'#payments'")), TODAY, NOW, policy).actions
    slack, mail = (a.payload for a in actions if isinstance(a.payload, Notification))
    assert slack.text == (
        "*#12* Runbook review overdue (due 2026-11-02): Payments API\n"
        "alice-oncall, example-org/payments, #payments: please review the runbook and merge the "
        "pull request."
    )
    assert slack.link == URL and slack.event == EVENT
    assert mail.subject == "[dutydesk] #12 Runbook review overdue (due 2026-11-02): Payments API"


def test_a_review_due_today_says_so_and_a_page_nobody_owns_asks_anyone() -> None:
    runbook = parse_runbook(
        "runbooks/x.md", "---\nexpires: 2026-11-25\ncategory: runbooks\n---\n# Orphan Runbook\n"
    )
    [action, _] = review_notices(pull(runbook), TODAY, NOW, policy_with(WEBHOOK)).actions
    assert isinstance(action.payload, Notification)
    assert action.payload.text == (
        "*#12* Runbook review due today: Orphan\n"
        "It has no owner: whoever knows the service, please review it."
    )


def test_user_text_cannot_ping_or_forge_a_link_in_slack() -> None:
    runbook = page(
        "['<!channel>', '@here', '<https://evil.example|docs>']", title="<!here> Pay & go"
    )
    [action, _] = review_notices(pull(runbook), TODAY, NOW, policy_with(WEBHOOK)).actions
    assert isinstance(action.payload, Notification)
    text = action.payload.text
    assert "<!" not in text and "<https://" not in text and "@here" not in text
    assert (
        "&lt;!here&gt; Pay &amp; go" in text
        and "&lt;!channel&gt;" in text
        and "@\u200bhere" in text
    )


def test_a_dry_run_plans_a_pull_request_not_opened_yet_without_a_number_or_link() -> None:
    actions = review_notices(pull(page(), number=None), TODAY, NOW, policy_with(WEBHOOK)).actions
    assert [a.issue for a in actions] == [None, None]
    note = actions[0].payload
    assert isinstance(note, Notification)
    assert note.text.startswith("Runbook review overdue") and note.link == ""
    assert "link" not in actions[0].to_json(NOW)


# -- exactly once, across runs ---------------------------------------------------------------


@dataclass
class Deliveries:
    """Fails for the channels (or conversations) in `failing`; keeps what it delivered."""

    failing: set[str] = field(default_factory=set)
    sent: list[tuple[int, Notification]] = field(default_factory=list)
    failed: list[Any] = field(default_factory=list)

    def deliver(self, issue: int, note: Notification) -> bool:
        if note.channel in self.failing or note.target in self.failing:
            return False
        self.sent.append((issue, note))
        return True

    def said(self) -> list[tuple[int, str, str]]:
        return [(issue, n.channel, n.key) for issue, n in self.sent]


@dataclass
class Desk:
    """The in-memory store with review pull request #1 open, and runs of the notices."""

    policy: Policy
    deliveries: Deliveries = field(default_factory=Deliveries)
    store: MemoryRunbookStore = field(default_factory=MemoryRunbookStore)
    runbook: Runbook = field(default_factory=lambda: page("'#payments'"))

    def __post_init__(self) -> None:
        self.store.files[self.runbook.path] = self.runbook.text
        self.store.now = NOW
        self.store.open_pull_request(
            branch="dutydesk/runbook-review/runbooks-payments-api",
            base="main",
            base_sha="0" * 40,
            path=self.runbook.path,
            old_text=self.runbook.text,
            new_text=self.runbook.text,
            message="m",
            title="Review runbook: Payments API",
            body="b",
            reviewers=(),
            labels=("runbook-review",),
        )

    def plan(self, now: datetime) -> tuple[Action, ...]:
        info = self.store.pulls_for_prefix("dutydesk/")
        [open_pull] = info.values()
        verdict = Verdict(self.runbook, open_pull.branch, Reason.OPEN, open_pull)
        if not open_reviews([verdict], now, self.policy):
            return ()
        assert open_pull.created_at is not None
        comments = self.store.review_comments(open_pull.number)
        review = ReviewPull(
            self.runbook, open_pull.number, open_pull.url, open_pull.created_at, comments
        )
        return review_notices(review, now.date(), now, self.policy).actions

    def run(self, now: datetime) -> tuple[Action, ...]:
        self.store.now = now
        actions = self.plan(now)
        apply_plan(self.store.github, actions, False, bot=BOT, notifier=self.deliveries)
        return actions


def test_a_rerun_and_the_next_days_run_never_send_it_twice() -> None:
    desk = Desk(policy_with(WEBHOOK, OWNER_SLACK))
    desk.run(NOW)
    assert desk.deliveries.said() == [(1, "ops", EVENT), (1, "bot", f"{EVENT}:#payments")]
    assert desk.plan(NOW) == ()
    assert desk.plan(NOW + timedelta(hours=23)) == ()
    [log] = [c for c in desk.store.github.get_issue(1).comments if SENT_KEY in c.body]
    assert log.author == BOT
    assert {(s.channel, s.key) for s in recorded([log], BOT)} == {
        ("ops", EVENT),
        ("bot", f"{EVENT}:#payments"),
    }


def test_a_failed_delivery_is_retried_on_the_next_run_and_then_recorded_once() -> None:
    desk = Desk(policy_with(WEBHOOK, OWNER_SLACK), Deliveries(failing={"#payments"}))
    desk.run(NOW)
    assert desk.deliveries.said() == [(1, "ops", EVENT)]
    assert notes(desk.plan(NOW + timedelta(minutes=5))) == [
        ("bot", f"{EVENT}:#payments", "#payments")
    ]
    desk.deliveries.failing.clear()
    desk.run(NOW + timedelta(hours=1))
    assert desk.deliveries.said() == [(1, "ops", EVENT), (1, "bot", f"{EVENT}:#payments")]
    assert desk.plan(NOW + timedelta(hours=2)) == ()
    logs = [c for c in desk.store.github.get_issue(1).comments if SENT_KEY in c.body]
    assert len(logs) == 1  # one record comment, edited in place


def test_when_every_delivery_fails_nothing_is_written_on_the_pull_request() -> None:
    desk = Desk(policy_with(WEBHOOK), Deliveries(failing={"ops"}))
    desk.run(NOW)
    assert desk.store.github.get_issue(1).comments == ()


def test_a_failed_notice_lives_to_the_next_weeks_runs_and_is_given_up_after_a_week() -> None:
    """The runbooks workflow runs on weekdays at 08:41, often late: with the default max_age
    (1 day) a notice that failed on a Friday, or on the day before a bank holiday, would be
    dropped before the next run, so a runbook's notice lives at least a week (RUNBOOK_HORIZON),
    and longer with a longer max_age. The desk's pull request was opened at NOW (Wednesday)."""
    next_monday = datetime(2026, 11, 30, 8, 41, tzinfo=UTC)
    desk = Desk(policy_with(WEBHOOK), Deliveries(failing={"ops"}))
    desk.run(NOW)
    assert notes(desk.plan(next_monday)) == [("ops", EVENT, "")]
    assert notes(desk.plan(NOW + timedelta(days=7))) == [("ops", EVENT, "")]
    assert desk.plan(NOW + timedelta(days=7, minutes=1)) == ()
    longer = Desk(policy_with(WEBHOOK, max_age="10 days"), Deliveries(failing={"ops"}))
    longer.run(NOW)
    assert notes(longer.plan(NOW + timedelta(days=9))) == [("ops", EVENT, "")]


def test_a_record_pasted_by_a_person_on_the_pull_request_sends_nothing_and_stops_nothing() -> None:
    desk = Desk(policy_with(WEBHOOK))
    forged = Sent("ops", EVENT, "2026-11-25T09:41:00Z").line()
    desk.store.github.comment("mallory", 1, with_marker(SENT_KEY, forged))
    desk.run(NOW)
    assert desk.deliveries.said() == [(1, "ops", EVENT)]


def test_a_writer_editing_the_bots_record_does_not_make_it_send_again() -> None:
    desk = Desk(policy_with(WEBHOOK))
    desk.run(NOW)
    [log] = [c for c in desk.store.github.get_issue(1).comments if SENT_KEY in c.body]
    desk.store.github.edit_comment("bob", 1, log.id, "nothing was sent")
    assert desk.plan(NOW + timedelta(hours=1)) == ()


def test_only_open_review_pull_requests_younger_than_a_week_are_read() -> None:
    policy = policy_with(WEBHOOK)
    runbook = page()

    def verdict(reason: Reason, state: PullState, opened: datetime | None) -> Verdict:
        info = PullInfo(3, state, url=URL, branch="b", created_at=opened)
        return Verdict(runbook, "b", reason, info)

    fresh = verdict(Reason.OPEN, PullState.OPEN, NOW - timedelta(hours=3))
    old = verdict(Reason.OPEN, PullState.OPEN, NOW - timedelta(days=7, minutes=1))
    closed = verdict(Reason.CLOSED_RECENTLY, PullState.CLOSED, NOW - timedelta(hours=3))
    unknown = verdict(Reason.OPEN, PullState.OPEN, None)
    assert open_reviews([fresh, old, closed, unknown], NOW, policy) == [fresh]
    assert (
        open_reviews([fresh], NOW, policy_with({"channel": "ops", "events": ["incident.opened"]}))
        == []
    )


@pytest.mark.parametrize(
    ("max_writes", "routed", "open_fresh", "within"),
    [
        (300, False, 0, 50),  # 6 writes a pull request
        (300, True, 0, 42),  # and the comment recording its notices: 7
        (300, True, 6, 42),  # six records owed by open ones: 294 // 7
        (300, True, 7, 41),  # seven: 293 // 7
        (20, True, 0, 2),
        (20, True, 7, 1),  # 13 // 7
        (5, True, 9, 1),  # never none: a run moves on
        (6, False, 0, 1),
    ],
)
def test_the_write_budget_counts_each_review_pull_request_and_the_records_it_may_owe(
    max_writes: int, routed: bool, open_fresh: int, within: int
) -> None:
    route = {"channel": "ops", "events": [EVENT if routed else "incident.opened"]}
    policy = policy_with(route)
    runbook = page()
    fresh = [
        Verdict(
            runbook,
            "b",
            Reason.OPEN,
            PullInfo(n, PullState.OPEN, url=URL, branch="b", created_at=NOW - timedelta(hours=n)),
        )
        for n in range(1, open_fresh + 1)
    ]
    old = Verdict(
        runbook,
        "b",
        Reason.OPEN,
        PullInfo(99, PullState.OPEN, url=URL, branch="b", created_at=NOW - timedelta(days=30)),
    )
    assert pulls_within(max_writes, [*fresh, old], NOW, policy) == within


# -- the GitHub store: one GraphQL read of the pull request's comments ----------------------

GRAPHQL_FIXTURES = Path(__file__).parent / "fixtures" / "runbooks" / "graphql"


def test_the_comments_query_validates_against_githubs_schema() -> None:
    graphql = pytest.importorskip("graphql")
    from dutydesk.io.review_comments import REVIEW_COMMENTS_QUERY

    schema = graphql.build_schema((GRAPHQL_FIXTURES / "schema.graphql").read_text(encoding="utf-8"))
    assert [e.message for e in graphql.validate(schema, graphql.parse(REVIEW_COMMENTS_QUERY))] == []


def answer(*comments: dict[str, Any]) -> dict[str, Any]:
    return {
        "data": {
            "repository": {"pullRequest": {"number": 12, "comments": {"nodes": list(comments)}}}
        }
    }


def comment(body: str, author: str = "github-actions", **more: Any) -> dict[str, Any]:
    return {
        "fullDatabaseId": "4001",
        "author": {"__typename": "Bot" if author == "github-actions" else "User", "login": author},
        "body": body,
        "createdAt": "2026-11-25T09:41:05Z",
        "updatedAt": "2026-11-25T09:41:05Z",
        "lastEditedAt": None,
        "includesCreatedEdit": False,
        "editor": None,
        "userContentEdits": {"pageInfo": {"hasNextPage": False, "endCursor": None}, "nodes": []},
        **more,
    }


RECORD = with_marker(SENT_KEY, Sent("ops", EVENT, "2026-11-25T09:41:00Z").line())


def test_the_store_reads_the_pull_requests_comments_with_who_wrote_them() -> None:
    import responses
    from github import Auth, Github

    from dutydesk.io.runbook_store import GitHubRunbookStore

    edited = comment(
        "nothing",
        lastEditedAt="2026-11-25T10:00:00Z",
        editor={"__typename": "User", "login": "bob"},
        includesCreatedEdit=True,
        userContentEdits={
            "pageInfo": {"hasNextPage": False, "endCursor": None},
            "nodes": [
                {
                    "editedAt": "2026-11-25T10:00:00Z",
                    "deletedAt": None,
                    "editor": {"__typename": "User", "login": "bob"},
                    "diff": "nothing",
                },
                {
                    "editedAt": "2026-11-25T09:41:05Z",
                    "deletedAt": None,
                    "editor": {"__typename": "Bot", "login": "github-actions"},
                    "diff": RECORD,
                },
            ],
        },
    )
    repo = Github(auth=Auth.Token("t0ken"), lazy=True).get_repo("example-org/ops")
    with responses.RequestsMock() as mock:
        mock.post(
            "https://api.github.com:443/graphql", json=answer(edited, comment(RECORD, "mallory"))
        )
        comments = GitHubRunbookStore(repo).review_comments(12)
        sent = json.loads(mock.calls[0].request.body or "{}")
    assert sent["variables"] == {"owner": "example-org", "name": "ops", "number": 12}
    assert "pullRequest(number: $number)" in sent["query"]
    assert [c.author for c in comments] == ["github-actions[bot]", "mallory"]
    # the bot's text as it wrote it counts; bob's edit and mallory's copy do not
    assert [(s.channel, s.key) for s in recorded(comments, BOT)] == [("ops", EVENT)]


def test_a_pull_request_github_does_not_know_is_an_error_naming_it() -> None:
    from dutydesk.errors import GitHubError
    from dutydesk.io.review_comments import review_comments

    with pytest.raises(GitHubError, match="#12"):
        review_comments({"data": {"repository": {"pullRequest": None}}}, 12)


@pytest.mark.parametrize("where", ["comments", "edits"])
def test_a_list_cut_short_is_an_error_not_a_guess(where: str) -> None:
    """Past the first 100 comments a record could be missed (the notice sent again); past
    the first 100 edits of one, the oldest edit read would be taken for the author's text."""
    from dutydesk.errors import GitHubError
    from dutydesk.io.review_comments import review_comments

    more = {"pageInfo": {"hasNextPage": True, "endCursor": "Y3Vyc29y"}, "nodes": []}
    if where == "comments":
        data = answer(comment(RECORD))
        data["data"]["repository"]["pullRequest"]["comments"]["pageInfo"] = more["pageInfo"]
    else:
        data = answer(comment(RECORD, userContentEdits=more))
    with pytest.raises(GitHubError, match="over 100 comments or edits"):
        review_comments(data, 12)
    assert review_comments(answer(comment(RECORD)), 12)  # complete lists read as ever
