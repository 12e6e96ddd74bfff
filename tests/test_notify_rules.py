"""Which events go to which channels, and each once (issue 16): the pure rule `rules/notify.py`
over the events of `rules/notify_events.py`, and the executor's deliver-then-record."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest

from desk import (
    APPROVER,
    CHANGE,
    INCIDENT,
    MAINTENANCE,
    REQUESTER,
    Desk,
    london,
    make_policy,
    priority_option,
    utc,
)
from dutydesk.actions import Action, Kind, Notification
from dutydesk.engine import Decision
from dutydesk.errors import GitHubError
from dutydesk.io.apply import apply_plan
from dutydesk.io.memory import MemoryRepository
from dutydesk.markers import with_marker
from dutydesk.notify.records import SENT_KEY, Sent
from dutydesk.policy import Policy
from dutydesk.policy.notifications import Event, Route, When
from dutydesk.rules.notify import applies, holds
from dutydesk.rules.notify_events import Happening

BOT = "github-actions[bot]"
CHANNELS = {
    "ops": {"slack": {"webhook_url_env": "OPS_SLACK_WEBHOOK"}},
    "teams": {"teams": {"webhook_url_env": "OPS_TEAMS_WEBHOOK"}},
    "oncall": {"email": {"to": ["oncall@example.org"]}},
    "pager": {"pagerduty": {"routing_key_env": "PD_ROUTING_KEY"}},
}
ROUTES = [
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
    {"channel": "pager", "events": ["incident.opened", "incident.escalated"], "priorities": ["P1"]},
    {
        "channel": "teams",
        "events": [
            "change.requested",
            "change.approved",
            "change.starting",
            "change.done",
            "maintenance.announced",
        ],
    },
]


def notifying(**more: Any) -> Policy:
    return make_policy(notifications={"channels": CHANNELS, "routes": ROUTES, **more})


# -- when, at awkward moments (England and Wales, Europe/London, the default hours) ---------

MOMENTS = [
    ("Wed 25 Nov 10:00, support hours", london("2026-11-25 10:00"), "support"),
    ("Wed 25 Nov 08:30, on call before support", london("2026-11-25 08:30"), "on-call"),
    ("Sat 28 Nov 18:00, weekend on call", london("2026-11-28 18:00"), "on-call"),
    ("Sat 28 Nov 23:30, no cover", london("2026-11-28 23:30"), "none"),
    ("Fri 25 Dec 10:00, Christmas Day", london("2026-12-25 10:00"), "on-call"),
    ("Mon 28 Dec 10:00, Boxing Day's substitute", london("2026-12-28 10:00"), "on-call"),
    ("Tue 29 Dec 10:00, a working day again", london("2026-12-29 10:00"), "support"),
    # 29 March: clocks go forward at 01:00 GMT; 06:30 UTC is 07:30 BST, on call
    ("Sun 29 Mar 06:30 UTC, spring forward", utc("2026-03-29 06:30"), "on-call"),
    ("Mon 30 Mar 08:30 UTC is 09:30 BST", utc("2026-03-30 08:30"), "support"),
    # 25 October: clocks go back at 02:00 BST; 21:30 UTC is 21:30 GMT, still on call
    ("Sun 25 Oct 21:30 UTC, fall back", utc("2026-10-25 21:30"), "on-call"),
    ("Sun 25 Oct 22:30 UTC, after on call", utc("2026-10-25 22:30"), "none"),
]
HOLDS = {
    "support": {When.ALWAYS, When.SUPPORT_HOURS},
    "on-call": {When.ALWAYS, When.OUT_OF_HOURS, When.ON_CALL},
    "none": {When.ALWAYS, When.OUT_OF_HOURS, When.NO_COVER},
}


@pytest.mark.parametrize(("moment", "cover"), [m[1:] for m in MOMENTS], ids=[m[0] for m in MOMENTS])
@pytest.mark.parametrize("when", list(When))
def test_when_is_judged_by_the_calendar_at_the_moment_of_the_event(
    moment: datetime, cover: str, when: When
) -> None:
    calendar = notifying().calendar
    happening = Happening(Event.INCIDENT_OPENED, "incident.opened", moment, "P1")
    assert holds(when, calendar, happening) is (when in HOLDS[cover])


ROUTE_TABLE = [
    # route events, priorities, when; the event, its priority, moment; sent?
    (
        ("incident.opened",),
        ("P1", "P2"),
        When.ALWAYS,
        Event.INCIDENT_OPENED,
        "P2",
        "2026-11-25 10:00",
        True,
    ),
    (
        ("incident.opened",),
        ("P1", "P2"),
        When.ALWAYS,
        Event.INCIDENT_OPENED,
        "P3",
        "2026-11-25 10:00",
        False,
    ),
    (("incident.opened",), (), When.ALWAYS, Event.INCIDENT_OPENED, "P4", "2026-11-25 10:00", True),
    (
        ("incident.opened",),
        ("P1",),
        When.ALWAYS,
        Event.INCIDENT_RESOLVED,
        "P1",
        "2026-11-25 10:00",
        False,
    ),
    (
        ("incident.opened",),
        ("P1",),
        When.OUT_OF_HOURS,
        Event.INCIDENT_OPENED,
        "P1",
        "2026-11-25 10:00",
        False,
    ),
    (
        ("incident.opened",),
        ("P1",),
        When.OUT_OF_HOURS,
        Event.INCIDENT_OPENED,
        "P1",
        "2026-12-28 10:00",
        True,
    ),
    (
        ("incident.opened",),
        ("P1",),
        When.NO_COVER,
        Event.INCIDENT_OPENED,
        "P1",
        "2026-11-28 23:30",
        True,
    ),
    (
        ("incident.opened",),
        ("P1",),
        When.ON_CALL,
        Event.INCIDENT_OPENED,
        "P1",
        "2026-11-28 23:30",
        False,
    ),
    # priorities filter incidents only: a change request has none and is not filtered out
    (
        ("change.requested",),
        ("P1",),
        When.ALWAYS,
        Event.CHANGE_REQUESTED,
        None,
        "2026-11-25 10:00",
        True,
    ),
    (
        ("change.starting",),
        (),
        When.SUPPORT_HOURS,
        Event.CHANGE_STARTING,
        None,
        "2026-11-25 18:00",
        False,
    ),
    # an incident event with no priority (untriaged) passes only routes without priorities
    (
        ("incident.acknowledged",),
        ("P1",),
        When.ALWAYS,
        Event.INCIDENT_ACKNOWLEDGED,
        None,
        "2026-11-25 10:00",
        False,
    ),
]


@pytest.mark.parametrize(
    ("events", "priorities", "when", "event", "priority", "at", "sent"), ROUTE_TABLE
)
def test_a_route_sends_its_events_of_its_priorities_when_its_when_holds(
    events: tuple[str, ...],
    priorities: tuple[str, ...],
    when: When,
    event: Event,
    priority: str | None,
    at: str,
    sent: bool,
) -> None:
    route = Route("ops", tuple(Event(e) for e in events), priorities, when)
    happening = Happening(event, str(event), london(at), priority)
    assert applies(route, happening, notifying().calendar) is sent


# -- planning and delivering, once ------------------------------------------------------------


@dataclass
class Deliveries:
    """A deliverer that fails for the channels in `failing` and keeps what it delivered."""

    failing: set[str] = field(default_factory=set)
    sent: list[tuple[int, Notification]] = field(default_factory=list)
    tried: int = 0

    def deliver(self, issue: int, note: Notification) -> bool:
        self.tried += 1
        if note.channel in self.failing:
            return False
        self.sent.append((issue, note))
        return True

    def said(self) -> list[tuple[str, str]]:
        return [(n.channel, n.key) for _, n in self.sent]


class NotifyDesk(Desk):
    """A desk whose bot delivers notifications through `deliveries`."""

    def __init__(self, policy: Policy, deliveries: Deliveries, **kwargs: Any) -> None:
        super().__init__(policy, idempotent=False, **kwargs)
        self.deliveries = deliveries

    def run(self, when: datetime, number: int = 1) -> Decision:
        decision = self._decide(when, number)
        apply_plan(self.repo, decision.actions, False, bot=BOT, notifier=self.deliveries)
        self.log += [(when, a) for a in decision.actions]
        return decision

    def notes(self, when: datetime, number: int = 1) -> list[tuple[str, str]]:
        """What a run at `when` would send, (channel, key), without running it."""
        return [
            (a.payload.channel, a.payload.key)
            for a in self._decide(when, number).actions
            if a.kind is Kind.NOTIFY and isinstance(a.payload, Notification)
        ]


SATURDAY = london("2026-11-28 18:02")


def p1_on_saturday(deliveries: Deliveries | None = None, **policy: Any) -> NotifyDesk:
    desk = NotifyDesk(notifying(**policy), deliveries or Deliveries())
    desk.open(SATURDAY, INCIDENT, priority=priority_option("P1"))
    return desk


def test_no_section_plans_no_notification() -> None:
    desk = NotifyDesk(make_policy(), Deliveries())
    desk.open(SATURDAY, INCIDENT, priority=priority_option("P1"))
    assert not [a for _, a in desk.log if a.rule == "notify.message"]
    assert desk.deliveries.tried == 0


def test_a_p1_opened_out_of_hours_goes_to_slack_email_and_pagerduty_once() -> None:
    desk = p1_on_saturday()
    assert desk.deliveries.said() == [
        ("ops", "incident.opened"),
        ("oncall", "incident.opened"),
        ("pager", "incident.opened"),
    ]
    assert desk.notes(SATURDAY) == []  # recorded: a rerun at the same moment sends nothing
    assert desk.notes(SATURDAY + timedelta(minutes=10)) == []  # nor a sweep after it


def test_a_p1_opened_in_support_hours_does_not_email_the_on_call_address() -> None:
    desk = NotifyDesk(notifying(), Deliveries())
    desk.open(london("2026-11-25 10:00"), INCIDENT, priority=priority_option("P1"))
    assert ("oncall", "incident.opened") not in desk.deliveries.said()
    assert ("ops", "incident.opened") in desk.deliveries.said()


def test_a_failed_delivery_is_not_recorded_and_is_tried_again_on_the_next_run() -> None:
    deliveries = Deliveries(failing={"oncall"})
    desk = p1_on_saturday(deliveries)
    text = desk.bot_text(SENT_KEY)
    assert "ops" in text and "oncall" not in text
    assert desk.notes(SATURDAY + timedelta(minutes=5)) == [("oncall", "incident.opened")]
    deliveries.failing.clear()
    desk.run(SATURDAY + timedelta(minutes=5))
    assert desk.deliveries.said().count(("oncall", "incident.opened")) == 1
    assert desk.notes(SATURDAY + timedelta(minutes=6)) == []


def test_when_every_delivery_fails_nothing_is_written_to_github() -> None:
    desk = p1_on_saturday(Deliveries(failing={"ops", "oncall", "pager"}))
    assert not any(SENT_KEY in c.body for c in desk.from_bot())
    # the incident's own GitHub writes were all made regardless
    assert any("incident.status" in c.body for c in desk.from_bot())


def test_the_records_are_one_comment_edited_in_place() -> None:
    desk = p1_on_saturday()
    desk.run(SATURDAY + timedelta(minutes=21))  # escalation due at 18:22
    logs = [c for c in desk.from_bot() if c.body.startswith(f"<!-- dutydesk:{SENT_KEY} -->")]
    assert len(logs) == 1
    assert logs[0].body.count("<!-- dutydesk-sent ") == 5  # 3 opened, ops and pager escalated


def test_a_record_pasted_by_a_person_sends_nothing_and_stops_nothing() -> None:
    desk = NotifyDesk(notifying(), Deliveries(), reacts=False)
    desk.open(SATURDAY, INCIDENT, priority=priority_option("P1"))
    forged = Sent("ops", "incident.opened", "2026-11-28T18:02:00Z").line()
    desk.say(SATURDAY, "bob", with_marker(SENT_KEY, forged))
    desk.run(SATURDAY)
    assert ("ops", "incident.opened") in desk.deliveries.said()


def test_a_record_a_writer_edits_out_of_the_bots_comment_still_counts() -> None:
    desk = p1_on_saturday()
    log = next(c for c in desk.from_bot() if SENT_KEY in c.body)
    desk.repo.edit_comment("bob", 1, log.id, "nothing was sent")
    assert desk.notes(SATURDAY + timedelta(minutes=1)) == []


def test_an_event_older_than_max_age_is_never_sent() -> None:
    desk = NotifyDesk(notifying(max_age="2 hours"), Deliveries(), reacts=False)
    desk.open(SATURDAY, INCIDENT, priority=priority_option("P1"))
    assert ("ops", "incident.opened") not in desk.notes(SATURDAY + timedelta(hours=3))
    assert ("ops", "incident.opened") in desk.notes(SATURDAY + timedelta(hours=1))


def test_pagerduty_is_resolved_once_the_incident_is_acknowledged_then_not_paged_again() -> None:
    desk = p1_on_saturday()
    desk.say(SATURDAY + timedelta(minutes=10), "bob", "/ack")
    pager = [(n.key, n.action) for _, n in desk.deliveries.sent if n.channel == "pager"]
    assert pager == [("incident.opened", "trigger"), ("incident.acknowledged", "resolve")]
    desk.close(SATURDAY + timedelta(minutes=40), "bob")  # resolved: PagerDuty already is
    desk.run(SATURDAY + timedelta(minutes=41))
    assert [n.action for _, n in desk.deliveries.sent if n.channel == "pager"] == [
        "trigger",
        "resolve",
    ]
    assert ("ops", "incident.resolved:2026-11-28T18:42:00Z") in desk.deliveries.said()


def test_an_incident_acknowledged_before_it_was_routed_pages_nobody() -> None:
    desk = NotifyDesk(notifying(), Deliveries(), reacts=False)
    desk.open(SATURDAY, INCIDENT, priority=priority_option("P1"))
    desk.say(SATURDAY + timedelta(minutes=1), "bob", "/ack")
    desk.run(SATURDAY + timedelta(minutes=2))
    assert [n for _, n in desk.deliveries.sent if n.channel == "pager"] == []


def test_each_update_is_told_once_with_its_words_escaped_for_slack() -> None:
    desk = p1_on_saturday()
    desk.say(SATURDAY + timedelta(minutes=5), "bob", "/ack")
    desk.say(
        SATURDAY + timedelta(minutes=30),
        "carol",
        "/update <!here> see <https://x.example|this> & @channel",
    )
    updates = [n for _, n in desk.deliveries.sent if n.event == "incident.updated"]
    assert len(updates) == 1
    text = updates[0].text
    assert "<!here>" not in text and "<https://" not in text
    assert "&lt;!here&gt;" in text and "&amp;" in text and "@\u200bchannel" in text


def test_a_change_request_is_told_on_request_approval_start_and_done() -> None:
    desk = NotifyDesk(notifying(), Deliveries())
    desk.open(london("2026-11-20 10:00"), CHANGE)
    desk.say(london("2026-11-21 10:00"), APPROVER, "/approve")
    assert desk.notes(london("2026-11-25 17:59")) == []
    assert desk._decide(london("2026-11-25 17:00"), 1).next_check == london("2026-11-25 18:00")
    desk.run(london("2026-11-25 18:00"))
    desk.say(london("2026-11-25 20:05"), REQUESTER, "/done all went well")
    events = [n.event for _, n in desk.deliveries.sent]
    assert events == ["change.requested", "change.approved", "change.starting", "change.done"]


def test_a_maintenance_notice_is_announced_once() -> None:
    desk = NotifyDesk(notifying(), Deliveries())
    desk.open(london("2026-11-16 10:00"), MAINTENANCE)
    desk.run(london("2026-11-16 11:00"))
    assert [n.event for _, n in desk.deliveries.sent] == ["maintenance.announced"]


def test_dry_run_delivers_nothing_and_writes_nothing() -> None:
    desk = NotifyDesk(notifying(), Deliveries(), reacts=False)
    desk.open(SATURDAY, INCIDENT, priority=priority_option("P1"))
    actions = desk._decide(SATURDAY, 1).actions
    assert [a.kind for a in actions if a.rule == "notify.message"] == [Kind.NOTIFY] * 3 + [
        Kind.COMMENT
    ]
    apply_plan(desk.repo, actions, True, notifier=desk.deliveries)
    assert desk.deliveries.tried == 0 and desk.from_bot() == []


def test_the_write_budget_counts_the_record_not_the_notifications() -> None:
    from dutydesk.budget import writes

    desk = NotifyDesk(notifying(), Deliveries(), reacts=False)
    desk.open(SATURDAY, INCIDENT, priority=priority_option("P1"))
    mine: list[Action] = [
        a for a in desk._decide(SATURDAY, 1).actions if a.rule == "notify.message"
    ]
    assert [writes(a) for a in mine] == [0, 0, 0, 1]


# -- the one window: delivered, then the record could not be written ---------------------------


class RecordsFail(MemoryRepository):
    """GitHub refuses the record comment (every other write succeeds)."""

    failing = True

    def create_comment(self, number: int, body: str) -> str | None:
        if self.failing and SENT_KEY in body:
            raise GitHubError(f"commenting on #{number}: GitHub answered 502")
        return super().create_comment(number, body)


def test_a_record_that_cannot_be_written_fails_the_item_and_the_next_run_sends_again() -> None:
    """Deliver, then record: when the record write fails, the item fails loudly (the sweep
    exits 1) after the message went, and the next run, seeing no record, sends it again. This
    is the one way a message is sent twice; PagerDuty's dedup key absorbs it there."""
    deliveries = Deliveries()
    desk = NotifyDesk(notifying(), deliveries, reacts=False)
    desk.repo = RecordsFail(bot=BOT)
    desk.open(SATURDAY, INCIDENT, priority=priority_option("P1"))
    with pytest.raises(GitHubError):
        desk.run(SATURDAY)
    assert deliveries.said().count(("ops", "incident.opened")) == 1
    assert any("incident.status" in c.body for c in desk.from_bot())  # GitHub's writes went first
    desk.repo.failing = False
    desk.run(SATURDAY + timedelta(minutes=1))
    assert deliveries.said().count(("ops", "incident.opened")) == 2
    assert desk.notes(SATURDAY + timedelta(minutes=2)) == []
