"""Outsiders cannot make the bot page people again and again: on a public repository anyone
can file an incident, tick its security box and flip its priority in the body. Until a
responder confirms such an incident, each contact is @mentioned on it at most once."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from desk import INCIDENT, MONDAY, Desk, london, make_policy, priority_option
from dutydesk.rules.incidents.contacts import pinged

OUTSIDER = "olivia"  # not a writer
MANAGERS = "example-org/incident-managers"
SECURITY = "example-org/cyber-security"
BREACH = "This involves a data or security breach"


def pings(desk: Desk) -> Counter[str]:
    """How many times the bot's comments @mention each person or team."""
    return Counter(handle for c in desk.from_bot() for handle in pinged(c.body))


def flip_flop(desk: Desk, by: str, times: int) -> None:
    """`by` flips the priority between P1 and P2 in the body, each after its target passed."""
    moment = MONDAY
    for n in range(times):
        moment += timedelta(hours=2)
        desk.every(moment - timedelta(minutes=90), moment, timedelta(minutes=30))
        desk.edit(moment, by=by, priority=priority_option("P2" if n % 2 == 0 else "P1"))
    desk.every(moment, moment + timedelta(hours=2), timedelta(minutes=30))


def test_an_outsiders_incident_pages_each_contact_once_however_often_it_flips() -> None:
    policy = make_policy(priorities={"P2": {"escalate_to": [MANAGERS, "ops-lead"]}})
    desk = Desk(policy)
    desk.open(MONDAY, INCIDENT, by=OUTSIDER, security=[BREACH])
    flip_flop(desk, OUTSIDER, 4)

    escalations = [c for c in desk.from_bot() if "Escalation:" in c.body]
    assert len(escalations) >= 3  # every missed target is still said, in the issue
    assert pings(desk) == {
        MANAGERS: 1,
        SECURITY: 1,
        "ops-lead": 1,
        "alice-oncall": 1,
        "bob-oncall": 1,
    }
    later = escalations[-1].body
    assert f"`{MANAGERS}`" in later and "Already told on this incident" in later


def test_a_writers_incident_pages_as_usual() -> None:
    desk = Desk()
    desk.open(MONDAY, INCIDENT, by="alice", security=[BREACH])
    flip_flop(desk, "alice", 2)
    assert pings(desk)[MANAGERS] >= 2
    assert "Already told" not in "".join(c.body for c in desk.from_bot())


def test_once_a_responder_confirms_it_contacts_are_mentioned_again() -> None:
    desk = Desk()
    desk.open(MONDAY, INCIDENT, by=OUTSIDER)
    desk.every(MONDAY, london("2026-11-23 11:00"), timedelta(minutes=30))
    assert pings(desk)[MANAGERS] == 1
    desk.say(london("2026-11-23 11:05"), "bob", "/priority P2")  # bob confirms: P2 it is
    desk.every(london("2026-11-23 11:30"), london("2026-11-23 14:00"), timedelta(minutes=30))
    assert pings(desk)[MANAGERS] == 2
