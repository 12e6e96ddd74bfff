"""Time `dutydesk simulate` over 30 days: 200 incidents and change requests, a sweep every
5 minutes. Target: under 20 seconds. Prints the figures; run with
`python benchmarks/simulate_month.py` from the repository root."""

from __future__ import annotations

import random
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PRIORITIES = [
    "P1 Critical – Complete outage, or ongoing unauthorised access",
    "P2 Major – Substantial degradation of service",
    "P3 Significant – Users experiencing intermittent or degraded service due to platform issue",
    "P4 Minor – Component failure that does not immediately impact a service, or an unsuccessful DoS attempt",
]


def scenario(items: int = 200, days: int = 30, seed: int = 7) -> dict[str, object]:
    rng = random.Random(seed)
    start = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)
    events: list[tuple[datetime, dict[str, object]]] = []
    for number in range(1, items + 1):
        opened = start + timedelta(minutes=rng.randrange(0, days * 24 * 60 - 600))
        if number % 4 == 0:
            begin = opened + timedelta(hours=rng.choice([24, 49, 72, 120]))
            local = begin.strftime("%Y-%m-%d %H:%M")
            events.append(
                (
                    opened,
                    {
                        "by": "dev",
                        "open": "out-of-hours-change",
                        "title": f"Change {number}",
                        "fields": {
                            "service": "Payments",
                            "change-details": "Upgrade the database",
                            "scheduled-start": local,
                            "scheduled-end": (begin + timedelta(hours=2)).strftime(
                                "%Y-%m-%d %H:%M"
                            ),
                            "impact": "Short read-only period",
                            "rollback": "Restore the snapshot",
                        },
                    },
                )
            )
            events.append(
                (
                    opened + timedelta(hours=3),
                    {"by": "dana", "comment": {"issue": number, "body": "/approve"}},
                )
            )
        else:
            events.append(
                (
                    opened,
                    {
                        "by": "reporter",
                        "open": "incident",
                        "title": f"Incident {number}",
                        "fields": {
                            "priority": rng.choice(PRIORITIES),
                            "service": "Payments",
                            "description": "Errors",
                        },
                    },
                )
            )
            events.append(
                (
                    opened + timedelta(minutes=rng.randrange(5, 40)),
                    {"by": "bob", "comment": {"issue": number, "body": "/ack"}},
                )
            )
            events.append(
                (
                    opened + timedelta(minutes=rng.randrange(50, 200)),
                    {"by": "bob", "comment": {"issue": number, "body": "/update Mitigated"}},
                )
            )
            events.append(
                (
                    opened + timedelta(hours=rng.randrange(3, 72)),
                    {"by": "bob", "close": {"issue": number}},
                )
            )
    # issue numbers follow the order of opening: renumber to match
    opens = sorted((at, i) for i, (at, step) in enumerate(events) if "open" in step)
    renumber = {}
    for new, (_, index) in enumerate(opens, start=1):
        renumber[index] = new
    original = {}
    number = 0
    for index, (_, step) in enumerate(events):
        if "open" in step:
            number += 1
            original[number] = renumber[index]
    steps = []
    for at, step in sorted(events, key=lambda e: e[0]):
        for verb in ("comment", "close"):
            if verb in step:
                step = {**step, verb: {**step[verb], "issue": original[step[verb]["issue"]]}}
        steps.append({"at": at.isoformat(), **step})
    return {
        "description": f"{items} incidents and change requests over {days} days",
        "policy": {"changes": {"approvers": ["dana"]}},
        "sweep_every": "5 minutes",
        "until": max(start + timedelta(days=days), max(at for at, _ in events)).isoformat(),
        "steps": steps,
    }


def main() -> int:
    sys.path.insert(0, str(ROOT / "scripts"))
    from dutydesk.forms import load_templates
    from dutydesk.registry import handlers
    from dutydesk.simulate import simulate

    path = ROOT / "benchmarks" / ".month.yaml"
    path.write_text(
        yaml.safe_dump(scenario(), allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    tracemalloc.start()
    started = time.perf_counter()
    sim, entries = simulate(
        path, ROOT / "policy.yaml", load_templates(ROOT / ".github/ISSUE_TEMPLATE"), handlers()
    )
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    actions = sum(1 for e in entries if e.action is not None)
    print(
        f"simulate 30 days: {len(sim.scenario.steps)} steps, {sim.sweeps} sweeps, "
        f"{sim.reconciles} reconciles, {actions} bot actions"
    )
    print(f"{sim.skipped} unchanged items passed by at sweeps")
    print(f"wall time {elapsed:.2f} s (target < 20 s), peak traced memory {peak:.0f} MB")
    path.unlink()
    return 0 if elapsed < 20 else 1


if __name__ == "__main__":
    raise SystemExit(main())
