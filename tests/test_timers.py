"""Punctual timers (issue 12): P1 and P2 escalations and update reminders are posted within 5
minutes of their due time with the default hourly sweep, even when every scheduled run starts
up to 15 minutes late; the timers workflow runs only while a punctual incident is open.

Pure rules first (rules/incidents/timers.py), then the simulated workflows at many lateness
seeds, then the `dutydesk timers` command and the switch against the local GitHub.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from desk import MONDAY, make_issue, make_policy
from dutydesk.actions import Action, Kind
from dutydesk.engine import Decision
from dutydesk.errors import PolicyError
from dutydesk.forms import load_templates
from dutydesk.registry import handlers
from dutydesk.rules.incidents.timers import (
    LATE_ALLOWANCE,
    horizon,
    is_punctual,
    next_wait,
    punctual_after,
)
from dutydesk.simulate import simulate
from dutydesk.simulate.billing import late_seconds

ROOT = Path(__file__).resolve().parent.parent
POLICY = make_policy()
T0 = datetime.fromisoformat("2026-11-23T10:00:00+00:00")


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


# -- which incidents are punctual -------------------------------------------------------------


@pytest.mark.parametrize(
    "labels,state,punctual,expected",
    [
        (["incident", "P1"], "open", None, True),
        (["incident", "P2"], "open", None, True),
        (["incident", "P3"], "open", None, False),
        (["incident", "P1"], "closed", None, False),
        (["P1"], "open", None, False),  # not an incident
        (["Incident", "p1"], "open", None, True),  # GitHub matches labels ignoring case
        (["incident", "P2"], "open", ["P1"], False),
        (["incident", "P1"], "open", [], False),  # timers off
    ],
)
def test_punctual_incidents(
    labels: list[str], state: str, punctual: list[str] | None, expected: bool
) -> None:
    policy = make_policy(incidents={"punctual": punctual}) if punctual is not None else POLICY
    issue = make_issue(labels=labels, state=state)
    assert is_punctual(issue, policy) is expected


def test_a_renamed_priority_label_is_the_one_looked_for() -> None:
    policy = make_policy(labels={"P1": {"name": "sev-1"}})
    assert is_punctual(make_issue(labels=["incident", "sev-1"]), policy)
    assert not is_punctual(make_issue(labels=["incident", "P1"]), policy)


def test_a_p1_is_punctual_once_its_plan_gives_it_its_label() -> None:
    issue = make_issue(labels=["incident"])
    labelled = Decision((Action(Kind.ADD_LABELS, "incident.priority", 1, labels=("P1",)),))
    assert not is_punctual(issue, POLICY)
    assert punctual_after(issue, labelled, POLICY)
    closing = Decision((*labelled.actions, Action(Kind.CLOSE, "incident.x", 1)))
    assert not punctual_after(issue, closing, POLICY)
    relabelled = Decision((Action(Kind.REMOVE_LABELS, "incident.priority", 1, labels=("P1",)),))
    assert not punctual_after(make_issue(labels=["incident", "P1"]), relabelled, POLICY)


@pytest.mark.parametrize(
    "dues,now,expected",
    [
        ([minutes(20)], T0, minutes(20)),
        ([minutes(25)], T0, minutes(25)),  # exactly at the horizon: it waits
        ([minutes(25) + timedelta(seconds=1)], T0, None),  # past it: the next run sees it
        ([None, minutes(40), minutes(12)], T0, minutes(12)),
        ([T0, minutes(-5)], T0, None),  # due now or before: done at this reconcile
        ([], T0, None),
    ],
)
def test_a_timer_run_waits_only_for_what_is_due_before_the_next_can_be_relied_on(
    dues: list[datetime | None], now: datetime, expected: datetime | None
) -> None:
    assert horizon(POLICY) == timedelta(minutes=10) + LATE_ALLOWANCE == timedelta(minutes=25)
    assert next_wait(dues, now, POLICY) == expected


@pytest.mark.parametrize(
    "incidents,fragment",
    [
        ({"punctual": "P1"}, "incidents.punctual"),
        ({"punctual": ["P5"]}, "incidents.punctual"),
        ({"timers_every": "2 minutes"}, "5 minutes to 1 hour"),
        ({"timers_every": "2 hours"}, "5 minutes to 1 hour"),
        ({"timers_every": "1 office hour"}, "incidents.timers_every"),
    ],
)
def test_bad_timer_settings_are_refused(incidents: dict[str, Any], fragment: str) -> None:
    with pytest.raises(PolicyError, match=fragment):
        make_policy(incidents=incidents)


# -- punctual in the simulated workflows --------------------------------------------------------


P1 = "P1 Critical – Complete outage or ongoing unauthorised access"
P2 = "P2 Major – Substantial degradation of service"


def scenario(seed: int, **extra: Any) -> dict[str, Any]:
    """A P2 nobody acknowledges for two hours and a P1 whose updates come late, with no comment
    near their due times; the hourly sweep and the timers each start late by up to 15 min."""

    def opened(at: str, title: str, priority: str) -> dict[str, Any]:
        fields = {"priority": priority, "service": "Payments", "description": "Errors."}
        return {"at": at, "by": "rita", "open": "incident", "title": title, "fields": fields}

    def say(at: str, issue: int, body: str) -> dict[str, Any]:
        return {"at": at, "by": "bob", "comment": {"issue": issue, "body": body}}

    return {
        "sweep_every": "60 minutes",
        "sweep_late": "15 minutes",
        "sweep_seed": seed,
        "sweeps_from": "2026-11-23T00:17:00Z",
        "until": "2026-11-24T00:00:00Z",
        "people": {"writers": ["bob", "rita"]},
        "steps": [
            opened("2026-11-23T09:20:00Z", "Search slow", P2),
            say("2026-11-23T11:30:00Z", 1, "/ack"),
            opened("2026-11-23T13:00:00Z", "Payments down", P1),
            say("2026-11-23T13:05:00Z", 2, "/ack"),
            say("2026-11-23T15:40:00Z", 2, "/update Failover done."),
            {"at": "2026-11-23T16:00:00Z", "by": "bob", "close": {"issue": 1}},
            {"at": "2026-11-23T17:00:00Z", "by": "bob", "close": {"issue": 2}},
        ],
        **extra,
    }


def simulated(tmp_path: Path, data: dict[str, Any]) -> Any:
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    forms = load_templates(ROOT / ".github/ISSUE_TEMPLATE")
    sim, _ = simulate(path, ROOT / "policy.yaml", forms, handlers())
    return sim


@pytest.mark.parametrize("seed", range(8))
def test_p1_and_p2_timers_are_within_5_minutes_under_a_late_schedule(
    tmp_path: Path, seed: int
) -> None:
    sim = simulated(tmp_path, scenario(seed))
    late = late_seconds(sim.posted)
    escalations, reminders = late["incident.escalation"], late["incident.update_reminder"]
    assert len(escalations) == 1, "the P2's escalation at 10:20"
    assert len(reminders) >= 3, "the P1's at 14:05 and 15:05, and the P2's"
    assert max(escalations + reminders) <= 5 * 60


def test_without_timers_the_same_day_is_late(tmp_path: Path) -> None:
    """The economy setting (incidents.punctual: []): the sweep posts them, late or never."""
    worst = []
    for seed in range(8):
        data = scenario(seed, policy={"incidents": {"punctual": []}})
        late = late_seconds(simulated(tmp_path, data).posted)
        worst.append(max(late.get("incident.escalation", [0]) + late["incident.update_reminder"]))
    assert max(worst) > 30 * 60


def test_the_timers_run_only_while_a_punctual_incident_is_open(tmp_path: Path) -> None:
    sim = simulated(tmp_path, scenario(3))
    runs = sorted((j for j in sim.jobs if j.kind == "timer"), key=lambda j: j.start)
    # the first run of the day finds nothing and switches the workflow off; the P2 at 09:20
    # switches it on; the last run after 17:00 switches it off again
    assert runs[0].start < datetime.fromisoformat("2026-11-23T00:45:00+00:00")
    assert all(
        datetime.fromisoformat("2026-11-23T09:20:00+00:00")
        <= r.start
        <= datetime.fromisoformat("2026-11-23T17:30:00+00:00")
        for r in runs[1:]
    )
    assert not sim.timers.enabled


def test_a_p1_day_bills_at_most_200_minutes(tmp_path: Path) -> None:
    """The issue's target: one P1 acknowledged and open four hours, hourly sweeps all day."""

    def say(at: str, body: str) -> dict[str, Any]:
        return {"at": at, "by": "bob", "comment": {"issue": 1, "body": body}}

    fields = {"priority": P1, "service": "Payments", "description": "Errors."}
    for seed in range(5):
        data = {
            "sweep_every": "60 minutes",
            "sweep_late": "15 minutes",
            "sweep_seed": seed,
            "sweeps_from": "2026-11-24T00:17:00Z",
            "until": "2026-11-25T00:00:00Z",
            "people": {"writers": ["bob", "rita"]},
            "steps": [
                {
                    "at": "2026-11-24T10:00:00Z",
                    "by": "rita",
                    "open": "incident",
                    "title": "Down",
                    "fields": fields,
                },
                say("2026-11-24T10:08:00Z", "/ack"),
                *(
                    say(f"2026-11-24T{t}:00Z", "/update Working on it.")
                    for t in ("10:50", "11:45", "12:40", "13:35")
                ),
                {"at": "2026-11-24T14:00:00Z", "by": "bob", "close": {"issue": 1}},
            ],
        }
        figures = simulated(tmp_path, data).figures()
        assert figures["billed_minutes"] <= 200, figures
        assert figures["jobs_by_kind"]["sweep"] == 24


def test_at_monday_the_desk_policy_is_the_shipped_one() -> None:
    assert MONDAY.weekday() == 0
    assert POLICY.incidents.punctual == ("P1", "P2")
    assert POLICY.incidents.timers_every == timedelta(minutes=10)
