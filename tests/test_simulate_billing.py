"""`simulate` counts the jobs the workflows would run and what they bill (issue 12).

A small scenario's figures are worked out by hand here; the lateness of scheduled runs is
reproducible jitter from `sweep_seed`; the waiting job is billed as GitHub would bill it (from
the event to its last check, or until a newer waiter in its group replaces it).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from dutydesk.actions import Action, Kind
from dutydesk.cli import cli
from dutydesk.forms import load_templates
from dutydesk.registry import handlers
from dutydesk.simulate import parse_scenario, simulate
from dutydesk.simulate.billing import SETUP, JobRun, due_of, lateness
from dutydesk.simulate.run import RUNBOOKS_CRON

ROOT = Path(__file__).resolve().parent.parent
P1 = "P1 Critical – Complete outage or ongoing unauthorised access"
OPEN = {
    "at": "2026-11-23T10:00:00Z",  # a Monday
    "by": "alice",
    "open": "incident",
    "title": "Payments down",
    "fields": {"priority": P1, "service": "Payments", "description": "Errors."},
}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def run(tmp_path: Path, **scenario: Any) -> Any:
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(scenario, allow_unicode=True), encoding="utf-8")
    forms = load_templates(ROOT / ".github/ISSUE_TEMPLATE")
    sim, _ = simulate(path, ROOT / "policy.yaml", forms, handlers())
    return sim


def test_a_small_scenario_bills_what_is_worked_out_by_hand(tmp_path: Path) -> None:
    """A P1 at 10:00 (response due 10:20, update due 11:00), /ack at 10:10, closed at 10:50;
    sweeps at 10:00 and 11:00; the timers workflow every 10 minutes from 10:00, on time.

    - events: open, /ack, close: 3 jobs of 1 minute;
    - sweeps: 2 jobs of 1 minute;
    - the open's reconcile sees 10:20 within wait_for_due: a waiting job from 10:00, looking
      every minute; at 10:10 it sees the /ack, nothing due by its 10:30 deadline, and ends:
      10 minutes + 20 s of set-up = 11 minutes;
    - timers: the 10:00 run waits for 10:20 (within 10 + 15 minutes), sees the /ack at 10:10
      and ends (11 minutes); the 10:10, 10:20 and 10:30 runs find 11:00 beyond their horizon
      (1 minute each); the 10:40 run waits for 11:00, sees the close at 10:50 and ends (11);
      the 10:50 run finds no punctual incident and switches the workflow off (1); none at
      11:00: 6 jobs, 26 minutes.
    """
    sim = run(
        tmp_path,
        sweep_every="60 minutes",
        until="2026-11-23T11:00:00Z",
        people={"writers": ["alice", "bob"]},
        steps=[
            OPEN,
            {"at": "2026-11-23T10:10:00Z", "by": "bob", "comment": {"issue": 1, "body": "/ack"}},
            {"at": "2026-11-23T10:50:00Z", "by": "bob", "close": {"issue": 1}},
        ],
    )
    figures = sim.figures()
    assert figures["jobs_by_kind"] == {"event": 3, "sweep": 2, "timer": 6, "wait": 1}
    assert figures["minutes_by_kind"] == {"event": 3, "sweep": 2, "timer": 26, "wait": 11}
    assert (figures["jobs"], figures["billed_minutes"]) == (12, 42)
    assert (figures["steps"], figures["sweeps"]) == (3, 2)
    assert figures["lateness"] == {}, "acknowledged in time: nothing was timed"
    assert not sim.timers.enabled, "switched off once no punctual incident is open"


def test_a_job_bills_whole_minutes_with_its_set_up() -> None:
    start = at("2026-11-23T10:00:00Z")
    assert timedelta(seconds=20) == SETUP
    assert JobRun("sweep", "sweep", start, start).billed_minutes == 1
    assert JobRun("events", "wait", start, start + timedelta(seconds=40)).billed_minutes == 1
    assert JobRun("events", "wait", start, start + timedelta(seconds=41)).billed_minutes == 2
    assert JobRun("events", "wait", start, start + timedelta(minutes=30)).billed_minutes == 31


def test_a_newer_waiter_replaces_the_one_running_in_its_group(tmp_path: Path) -> None:
    """Two events each seeing a due soon: the first waiter is billed until the second starts."""
    sim = run(
        tmp_path,
        until="2026-11-23T10:40:00Z",
        people={"writers": ["alice", "bob"]},
        steps=[
            OPEN,
            {"at": "2026-11-23T10:05:00Z", "by": "bob", "comment": {"issue": 1, "body": "hm"}},
        ],
    )
    waits = [(j.start, j.end) for j in sim.jobs if j.kind == "wait"]
    assert waits == [
        (at("2026-11-23T10:00:00Z"), at("2026-11-23T10:05:00Z")),  # replaced at 10:05
        (at("2026-11-23T10:05:00Z"), at("2026-11-23T10:20:00Z")),  # escalates at 10:20, ends
    ]


def test_an_outsiders_comment_starts_no_waiting_job(tmp_path: Path) -> None:
    sim = run(
        tmp_path,
        until="2026-11-23T10:40:00Z",
        people={"writers": ["alice"]},
        steps=[
            OPEN,
            {"at": "2026-11-23T10:05:00Z", "by": "mallory", "comment": {"issue": 1, "body": "x"}},
        ],
    )
    assert [j.start for j in sim.jobs if j.kind == "wait"] == [at("2026-11-23T10:00:00Z")]
    assert sum(1 for j in sim.jobs if j.kind == "event") == 2, "its event job still runs"


def test_lateness_is_jitter_drawn_per_run_from_the_seed() -> None:
    def scenario(seed: int, late: str | None = "15 minutes") -> Any:
        data: dict[str, Any] = {"sweep_every": "60 minutes", "sweep_seed": seed, "steps": [OPEN]}
        if late is not None:
            data["sweep_late"] = late
        return parse_scenario(data)

    draws = [scenario(0).lateness("sweep", k) for k in range(50)]
    assert draws == [scenario(0).lateness("sweep", k) for k in range(50)], "reproducible"
    assert draws != [scenario(1).lateness("sweep", k) for k in range(50)], "the seed matters"
    assert all(timedelta(0) <= d <= timedelta(minutes=15) for d in draws)
    assert len(set(draws)) > 40, "jitter, not a fixed shift"
    assert scenario(0).lateness("sweep", 3) != scenario(0).lateness("runbooks", 3)
    assert {scenario(0, None).lateness("sweep", k) for k in range(5)} == {timedelta(0)}


@pytest.mark.parametrize(
    "data,message",
    [
        ({"sweep_late": "soon"}, "sweep_late"),
        ({"sweep_late": "1 office hour"}, "wall-clock"),
        ({"sweep_seed": "zero"}, "sweep_seed must be a whole number"),
        ({"sweep_seed": True}, "sweep_seed must be a whole number"),
    ],
)
def test_bad_lateness_keys_are_refused(data: dict[str, Any], message: str) -> None:
    from dutydesk.errors import ScenarioError

    with pytest.raises(ScenarioError, match=message):
        parse_scenario({"steps": [OPEN], **data})


def test_late_sweeps_run_late_and_the_actions_they_post_say_how_late(tmp_path: Path) -> None:
    """With no timers (incidents.punctual: []), no waiter covers a P2's 60-minute response:
    the late sweep posts its escalation late, and the summary says by how much."""
    p2 = {
        **OPEN,
        "fields": {**OPEN["fields"], "priority": "P2 Major – Substantial degradation of service"},
    }
    sim = run(
        tmp_path,
        sweep_every="60 minutes",
        sweep_late="15 minutes",
        sweep_seed=4,
        until="2026-11-23T12:30:00Z",
        policy={"incidents": {"punctual": []}},
        steps=[p2],
    )
    sweeps = sorted(j.start for j in sim.jobs if j.kind == "sweep")
    nominal = [at("2026-11-23T10:00:00Z") + timedelta(hours=k) for k in range(3)]
    assert [s - n for s, n in zip(sweeps, nominal, strict=True)] == [
        sim.scenario.lateness("sweep", k) for k in range(3)
    ]
    escalation = sim.figures()["lateness"]["incident.escalation"]
    late = next(s for s in sweeps if s >= at("2026-11-23T11:00:00Z")) - at("2026-11-23T11:00:00Z")
    assert escalation["count"] == 1 and escalation["max_s"] == late.total_seconds()


def test_the_runbooks_schedule_is_the_workflows() -> None:
    workflow = yaml.safe_load((ROOT / ".github/workflows/dutydesk-runbooks.yml").read_text())
    on = workflow.get("on") or workflow[True]
    (cron,) = [entry["cron"] for entry in on["schedule"]]
    minute, hour, _, _, days = cron.split()
    hour_, minute_, weekdays = RUNBOOKS_CRON
    assert (int(hour), int(minute)) == (hour_, minute_)
    first, last = (int(d) for d in days.split("-"))  # cron: 1 = Monday; Python: 0 = Monday
    assert list(weekdays) == list(range(first - 1, last))


def test_the_due_moment_is_read_from_a_timed_actions_key() -> None:
    action = Action(
        Kind.COMMENT,
        "incident.escalation",
        1,
        body="x",
        key="incident.escalation:P1:2026-11-23T10:20:00Z",
    )
    assert due_of(action) == datetime(2026, 11, 23, 10, 20, tzinfo=UTC)
    posted = [(at("2026-11-23T10:21:30Z"), action), (at("2026-11-23T10:20:00Z"), action)]
    assert lateness(posted)["incident.escalation"] == {
        "count": 2,
        "median_s": 45.0,
        "p95_s": 90.0,
        "max_s": 90.0,
    }


def test_the_json_summary_is_the_last_line_and_every_at_is_utc(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        yaml.safe_dump(
            {"sweep_every": "60 minutes", "until": "2026-11-23T11:00:00Z", "steps": [OPEN]}
        ),
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["simulate", str(path), "--json"])
    assert result.exit_code == 0, result.output
    *actions, summary = [json.loads(line) for line in result.output.splitlines()]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", a["at"]) for a in actions)
    assert summary["kind"] == "summary"
    assert {"steps", "sweeps", "jobs", "billed_minutes", "lateness"} <= set(summary)
    text = CliRunner().invoke(cli, ["simulate", str(path)]).output
    assert f"Actions: {summary['jobs']} jobs, {summary['billed_minutes']} billed minutes" in text
