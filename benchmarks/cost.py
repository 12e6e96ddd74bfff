"""What the workflows cost in Actions minutes, and how late the timed actions are: `dutydesk
simulate` over the README's cost scenarios, with the hourly sweep starting late by up to 15
minutes (jitter drawn per run from `sweep_seed`).

Scenarios (generated here, reproducibly, and written to a temporary folder):

* `quiet`: a month with no incidents (one planned-maintenance notice, so the month has a step);
* `5-incidents` and `100-incidents`: a month with that many incidents (1 in 10 a P1, 2 in 10 a
  P2, the rest P3 and P4), each acknowledged 5-40 minutes after it is filed (one in five only
  after 40-120 minutes), updated about as
  often as its priority asks (sometimes late), with other comments, and closed after hours
  (P1/P2) or days (P3/P4): about 20 events each for a P1 or P2;
* `unattended`: a day with a P2 nobody acknowledges for two hours and a P1 whose updates are
  late, with no comment near their due times (the case a busy thread hides);
* `p1-day`: one day of hourly sweeps with one P1 filed at 10:00, acknowledged at 10:08, updated
  at 10:50, 11:45, 12:40 and 13:35, and resolved at 14:00 (the issue's 200-minute target).

For each scenario and each of `--seeds` seeds it runs the real simulator and prints the jobs and
billed minutes (min/median/max over the seeds) and the lateness of each kind of timed action
over all seeds (median, 95th percentile, maximum). Run from the repository root:
`python benchmarks/cost.py [--seeds 5] [--late "15 minutes"] [--only p1-day] [--economy]`
(`--economy`: the timers off, `incidents.punctual: []`).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from simulate_month import _steps as numbered  # noqa: E402  (issues numbered as opened)

START = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday
PRIORITIES = {
    "P1": "P1 Critical – Complete outage or ongoing unauthorised access",
    "P2": "P2 Major – Substantial degradation of service",
    "P3": "P3 Significant – Users experiencing intermittent or degraded service due to platform issue",
    "P4": "P4 Minor – Component failure that does not immediately impact a service or an unsuccessful DoS attempt",
}
UPDATE_EVERY = {"P1": 60, "P2": 120}  # minutes (policy.yaml)
Event = tuple[datetime, dict[str, Any]]


def incident(number: int, opened: datetime, priority: str, rng: random.Random) -> list[Event]:
    """An incident: filed, acknowledged, commented on, updated about as often as asked, closed."""
    fields = {"priority": PRIORITIES[priority], "service": "Payments", "description": "Errors"}
    events: list[Event] = [
        (opened, {"by": "reporter", "open": "incident", "title": f"#{number}", "fields": fields})
    ]
    say = lambda when, body: (when, {"by": "bob", "comment": {"issue": number, "body": body}})  # noqa: E731
    # most are acknowledged within 5-40 minutes; one in five only after 40-120 minutes
    slow = rng.random() < 0.2
    ack = opened + timedelta(minutes=rng.randrange(40, 120) if slow else rng.randrange(5, 40))
    events.append(say(ack, "/ack"))
    if priority in UPDATE_EVERY:
        close = opened + timedelta(hours=rng.uniform(2, 8))
        every = UPDATE_EVERY[priority]
        at = ack
        while True:
            at += timedelta(minutes=every * rng.uniform(0.7, 1.15))  # sometimes late
            if at >= close:
                break
            events.append(say(at, "/update Still working on it; next update within the hour."))
        talk = opened
        while len(events) < 19:
            talk += timedelta(minutes=rng.randrange(3, 15))
            if talk >= close:
                break
            events.append(say(talk, "Looking at the logs."))
    else:
        close = opened + timedelta(days=rng.uniform(1, 4))
        events.append(say(ack + timedelta(hours=rng.uniform(4, 30)), "/update Fix planned."))
    events.append((close, {"by": "bob", "close": {"issue": number}}))
    return events


def month(incidents: int, seed: int = 11) -> dict[str, Any]:
    rng = random.Random(seed)
    events: list[Event] = []
    for number in range(1, incidents + 1):
        opened = START + timedelta(minutes=rng.randrange(0, 27 * 24 * 60))
        priority = rng.choices(["P1", "P2", "P3", "P4"], weights=[1, 2, 4, 3])[0]
        events += incident(number, opened, priority, rng)
    if not events:  # a quiet month: one maintenance notice, far ahead
        events.append((START + timedelta(hours=9), maintenance()))
    return scenario(f"{incidents} incidents in 30 days", START + timedelta(days=30), events)


def maintenance() -> dict[str, Any]:
    begin = START + timedelta(days=20, hours=19)
    fields = {
        "service": "Payments",
        "downtime-start": begin.strftime("%Y-%m-%d %H:%M"),
        "downtime-end": (begin + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M"),
        "user-impact": "Read-only for two hours",
        "communication": "Banner on the service",
    }
    return {
        "by": "bob",
        "open": "planned-maintenance",
        "title": "Database upgrade",
        "fields": fields,
    }


def p1_day() -> dict[str, Any]:
    day = START + timedelta(days=1)
    at = lambda hh, mm: day.replace(hour=hh, minute=mm)  # noqa: E731
    events: list[Event] = [
        (at(10, 0), incident(1, at(10, 0), "P1", random.Random(0))[0][1]),
        (at(10, 8), {"by": "bob", "comment": {"issue": 1, "body": "/ack"}}),
    ]
    for hh, mm in ((10, 50), (11, 45), (12, 40), (13, 35)):
        events.append(
            (at(hh, mm), {"by": "bob", "comment": {"issue": 1, "body": "/update Working on it."}})
        )
    events.append((at(14, 0), {"by": "bob", "close": {"issue": 1}}))
    first = day.replace(hour=0, minute=17)
    return scenario(
        "one P1 acknowledged and open for four hours", day + timedelta(days=1), events, first
    )


def scenario(
    description: str, until: datetime, events: list[Event], first: datetime | None = None
) -> dict[str, Any]:
    """The scenario: steps in time order, the hourly sweep (from `first` if given)."""
    events = [(at.replace(microsecond=0), step) for at, step in events]
    until = max(until, max(at for at, _ in events) + timedelta(hours=1))
    steps = numbered(events)
    data: dict[str, Any] = {
        "description": description,
        "sweep_every": "60 minutes",
        "until": until.isoformat(),
        "people": {"writers": ["bob", "reporter"]},
        "steps": steps,
    }
    if first is not None:
        data["sweeps_from"] = first.isoformat()
    return data


def unattended() -> dict[str, Any]:
    """The cases a busy thread hides: a P2 nobody acknowledges for two hours, and a P1 whose
    updates are late, with no comment near their due times to start a waiting job."""
    day = START + timedelta(days=1)
    at = lambda hh, mm: day.replace(hour=hh, minute=mm)  # noqa: E731
    say = lambda n, body: {"by": "bob", "comment": {"issue": n, "body": body}}  # noqa: E731
    p2 = incident(1, at(9, 20), "P2", random.Random(0))[0][1]
    p1 = incident(2, at(13, 0), "P1", random.Random(0))[0][1]
    events: list[Event] = [
        (at(9, 20), p2),
        (at(11, 30), say(1, "/ack")),
        (at(13, 0), p1),
        (at(13, 5), say(2, "/ack")),
        (at(15, 40), say(2, "/update Failover done; next update by 16:40.")),
        (at(16, 0), {"by": "bob", "close": {"issue": 1}}),
        (at(17, 0), {"by": "bob", "close": {"issue": 2}}),
    ]
    first = day.replace(hour=0, minute=17)
    return scenario(
        "a P2 unacknowledged for two hours, a P1 with late updates",
        day + timedelta(days=1),
        events,
        first,
    )


SCENARIOS = {
    "quiet": lambda: month(0),
    "5-incidents": lambda: month(5),
    "100-incidents": lambda: month(100),
    "p1-day": p1_day,
    "unattended": unattended,
}


def economy_policy(folder: Path) -> Path:
    """policy.yaml with the timers off (`incidents.punctual: []`), the economy setting."""
    data = yaml.safe_load((ROOT / "policy.yaml").read_text(encoding="utf-8"))
    data.setdefault("incidents", {})["punctual"] = []
    path = folder / "policy-economy.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def run(
    data: dict[str, Any], late: str, seed: int, folder: Path, policy: Path = ROOT / "policy.yaml"
) -> dict[str, Any]:
    from dutydesk.forms import load_templates
    from dutydesk.registry import handlers
    from dutydesk.simulate import simulate
    from dutydesk.simulate.billing import late_seconds

    data = {**data, "sweep_late": late, "sweep_seed": seed}
    path = folder / f"s{seed}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    forms = load_templates(ROOT / ".github/ISSUE_TEMPLATE")
    sim, _ = simulate(path, policy, forms, handlers())
    figures: dict[str, Any] = sim.figures()
    figures["late"] = late_seconds(sim.posted)
    return figures


def spread(values: list[float]) -> str:
    return "/".join(f"{v:.0f}" for v in (min(values), statistics.median(values), max(values)))


def report(name: str, results: list[dict[str, Any]]) -> None:
    kinds = sorted({k for r in results for k in r["minutes_by_kind"]})
    by_kind = ", ".join(
        f"{k} {spread([r['minutes_by_kind'].get(k, 0) for r in results])}" for k in kinds
    )
    print(
        f"{name:<14} jobs {spread([r['jobs'] for r in results]):>14}  billed minutes "
        f"{spread([r['billed_minutes'] for r in results]):>14}  ({by_kind})"
    )
    rules = sorted({rule for r in results for rule in r["late"]})
    for rule in rules:
        values = sorted(v for r in results for v in r["late"].get(rule, []))
        p95 = values[min(len(values) - 1, int(0.95 * len(values) + 0.999) - 1)]
        print(
            f"{'':<14} {rule:<26} {len(values):>5} posted, late: median "
            f"{statistics.median(values) / 60:5.1f} min, p95 {p95 / 60:5.1f}, max "
            f"{values[-1] / 60:5.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--late", default="15 minutes", help="sweep_late of every scenario")
    parser.add_argument("--only", choices=sorted(SCENARIOS), nargs="+")
    parser.add_argument(
        "--economy",
        action="store_true",
        help="the economy setting: policy.yaml with incidents.punctual: [] (no timers workflow)",
    )
    args = parser.parse_args()
    print(
        f"hourly sweep, each scheduled run late by up to {args.late}; {args.seeds} seeds; "
        "figures min/median/max over the seeds"
        + ("; economy setting (incidents.punctual: [])" if args.economy else "")
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        policy = economy_policy(folder) if args.economy else ROOT / "policy.yaml"
        for name, make in SCENARIOS.items():
            if args.only and name not in args.only:
                continue
            data = make()
            report(name, [run(data, args.late, seed, folder, policy) for seed in range(args.seeds)])


if __name__ == "__main__":
    main()
