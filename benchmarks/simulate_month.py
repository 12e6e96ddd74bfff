"""Time `dutydesk simulate` over 30 days: 200 incidents and change requests, a sweep every
5 minutes. Target: a median under 20 seconds. Prints the figures; run with
`python benchmarks/simulate_month.py [--runs N] [--memory]` from the repository root.

The timed runs run without tracemalloc (tracing allocations slows Python several times over);
with --memory, peak memory comes from one more run with tracing on, which is not timed."""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
PRIORITIES = [
    "P1 Critical – Complete outage or ongoing unauthorised access",
    "P2 Major – Substantial degradation of service",
    "P3 Significant – Users experiencing intermittent or degraded service due to platform issue",
    "P4 Minor – Component failure that does not immediately impact a service or an unsuccessful DoS attempt",
]


Event = tuple[datetime, dict[str, Any]]


def scenario(items: int = 200, days: int = 30, seed: int = 7) -> dict[str, object]:
    rng = random.Random(seed)
    start = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)
    events: list[Event] = []
    for number in range(1, items + 1):
        opened = start + timedelta(minutes=rng.randrange(0, days * 24 * 60 - 600))
        item = _change if number % 4 == 0 else _incident
        events += item(number, opened, rng)
    return {
        "description": f"{items} incidents and change requests over {days} days",
        "policy": {"changes": {"approvers": ["dana"]}},
        "sweep_every": "5 minutes",
        "until": max(start + timedelta(days=days), max(at for at, _ in events)).isoformat(),
        "steps": _steps(events),
    }


def _change(number: int, opened: datetime, rng: random.Random) -> list[Event]:
    """A change request, approved three hours after it is opened."""
    begin = opened + timedelta(hours=rng.choice([24, 49, 72, 120]))
    fields = {
        "service": "Payments",
        "change-details": "Upgrade the database",
        "scheduled-start": begin.strftime("%Y-%m-%d %H:%M"),
        "scheduled-end": (begin + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M"),
        "impact": "Short read-only period",
        "rollback": "Restore the snapshot",
    }
    opens = {"by": "dev", "open": "out-of-hours-change", "title": f"Change {number}"}
    return [
        (opened, {**opens, "fields": fields}),
        (
            opened + timedelta(hours=3),
            {"by": "dana", "comment": {"issue": number, "body": "/approve"}},
        ),
    ]


def _incident(number: int, opened: datetime, rng: random.Random) -> list[Event]:
    """An incident, acknowledged, updated and closed."""
    fields = {"priority": rng.choice(PRIORITIES), "service": "Payments", "description": "Errors"}
    opens = {"by": "reporter", "open": "incident", "title": f"Incident {number}"}
    ack = opened + timedelta(minutes=rng.randrange(5, 40))
    update = opened + timedelta(minutes=rng.randrange(50, 200))
    close = opened + timedelta(hours=rng.randrange(3, 72))
    return [
        (opened, {**opens, "fields": fields}),
        (ack, {"by": "bob", "comment": {"issue": number, "body": "/ack"}}),
        (update, {"by": "bob", "comment": {"issue": number, "body": "/update Mitigated"}}),
        (close, {"by": "bob", "close": {"issue": number}}),
    ]


def _steps(events: list[Event]) -> list[dict[str, Any]]:
    """The events in time order as steps; issue numbers follow the order of opening."""
    opens = sorted((at, i) for i, (at, step) in enumerate(events) if "open" in step)
    renumber = {index: new for new, (_, index) in enumerate(opens, start=1)}
    actual = {}  # the number an item was generated with -> the number it gets when opened
    for generated, index in enumerate((i for i, (_, s) in enumerate(events) if "open" in s), 1):
        actual[generated] = renumber[index]
    steps = []
    for at, step in sorted(events, key=lambda e: e[0]):
        for verb in ("comment", "close"):
            if verb in step:
                step = {**step, verb: {**step[verb], "issue": actual[step[verb]["issue"]]}}
        steps.append({"at": at.isoformat(), **step})
    return steps


def _run(path: Path) -> tuple[Any, list[Any], float]:
    """One simulation of the scenario at `path`: (the simulation, its entries, seconds)."""
    from dutydesk.forms import load_templates
    from dutydesk.registry import handlers
    from dutydesk.simulate import simulate

    forms = load_templates(ROOT / ".github/ISSUE_TEMPLATE")
    started = time.perf_counter()
    sim, entries = simulate(path, ROOT / "policy.yaml", forms, handlers())
    return sim, entries, time.perf_counter() - started


def _peak_memory(path: Path) -> float:
    """Peak traced memory of one more run, in MB (tracing slows it, so it is not timed)."""
    tracemalloc.start()
    try:
        _run(path)
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs (default 5)")
    parser.add_argument(
        "--memory", action="store_true", help="one more, untimed run that traces peak memory"
    )
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT / "scripts"))
    path = ROOT / "benchmarks" / ".month.yaml"
    path.write_text(
        yaml.safe_dump(scenario(), allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    try:
        runs = [_run(path) for _ in range(max(1, args.runs))]
        peak = _peak_memory(path) if args.memory else None
    finally:
        path.unlink()
    sim, entries, _ = runs[0]
    times = [seconds for _, _, seconds in runs]
    actions = sum(1 for e in entries if e.action is not None)
    print(
        f"simulate 30 days: {len(sim.scenario.steps)} steps, {sim.sweeps} sweeps, "
        f"{sim.reconciles} reconciles, {actions} bot actions"
    )
    print(f"{sim.skipped} unchanged items passed by at sweeps and timer looks")
    print(
        f"wall time over {len(times)} run(s): min {min(times):.2f} s, "
        f"median {statistics.median(times):.2f} s, max {max(times):.2f} s (target < 20 s)"
    )
    if peak is not None:
        print(f"peak traced memory {peak:.0f} MB (a separate, untimed run)")
    return 0 if statistics.median(times) < 20 else 1


if __name__ == "__main__":
    raise SystemExit(main())
