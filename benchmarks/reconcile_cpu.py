"""Reconcile CPU per item, in memory: no network, no adapter, no profiler.

Builds N realistic open items in an in-memory repository (four in five incidents, of every
priority, opened 2 to 72 hours ago, acknowledged, with chat, an `/update`, some a `/lead`, some
a body edit, and the bot's status card and labels; one in five a change request edited once
and approved), lets the bot settle them (it reconciles and applies its plan as the events come,
then once more at `now`), and then times `reconcile` of every item at `now` (the steady sweep:
nothing left to do) with `time.process_time`. Several runs; prints the min, median and max CPU
per item in milliseconds, and the actions planned (0 once settled).

Run from the repository root: `python benchmarks/reconcile_cpu.py [--items 500] [--runs 7]`.
To time another tree (the code before a change), point PYTHONPATH at its `scripts/`:
`PYTHONPATH=/tmp/before/scripts python benchmarks/reconcile_cpu.py`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if not any(Path(p).name == "scripts" for p in sys.path if p):
    sys.path.insert(0, str(ROOT / "scripts"))

import dutydesk  # noqa: E402  (from the tree on PYTHONPATH, else this one)

TREE = Path(dutydesk.__file__).resolve().parents[2]
"""The tree timed: its package, its policy.yaml and its issue forms."""

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # a Wednesday afternoon, in support hours
PRIORITIES = [
    "P1 Critical – Complete outage or ongoing unauthorised access",
    "P2 Major – Substantial degradation of service",
    "P3 Significant – Users experiencing intermittent or degraded service due to platform issue",
    "P4 Minor – Component failure that does not immediately impact a service or an unsuccessful DoS attempt",
]
RESPONDERS = ["alice", "bob", "carol"]
TEAM = "example-org/platform-team"


class Bench:
    """The repository, the policy and forms, and the bot that settles each item."""

    def __init__(self) -> None:
        from dutydesk.forms import load_templates
        from dutydesk.io.memory import MemoryRepository
        from dutydesk.policy import load_policy
        from dutydesk.registry import handlers

        self.policy = load_policy(TREE / "policy.yaml")
        self.forms = load_templates(TREE / ".github" / "ISSUE_TEMPLATE")
        self.handlers = handlers()
        self.repo = MemoryRepository(
            bot=self.policy.bot, writers=RESPONDERS, teams={TEAM: ["dana", "erin"]}
        )

    def context(self, now: datetime) -> Any:
        from dutydesk.engine import Context

        access = self.repo.access([TEAM, *self._teams()])
        return Context(policy=self.policy, now=now, forms=self.forms, access=access)

    def _teams(self) -> list[str]:
        people = [*self.policy.incidents.security_contacts, *self.policy.changes.approvers]
        for prio in self.policy.priorities.values():
            people += list(prio.escalate_to)
        return sorted({p for p in people if "/" in p})

    def at(self, when: datetime, act: Callable[[], object], number: int) -> None:
        """Someone acts at `when`; the bot reconciles the item then and applies its plan."""
        self.repo.now = when
        act()
        self.settle(when, number)

    def settle(self, when: datetime, number: int) -> None:
        from dutydesk.engine import reconcile
        from dutydesk.io.apply import apply_plan

        self.repo.now = when
        ctx = self.context(when)
        for _ in range(3):
            decision = reconcile(self.repo.get_issue(number), ctx, self.handlers)
            if not decision.actions:
                return
            apply_plan(self.repo, decision.actions, dry_run=False)

    # -- the items

    def incident(self, index: int) -> None:
        from dutydesk.forms import render_body

        opened = NOW - timedelta(hours=2 + (index * 7) % 70, minutes=index % 50)
        answers = {
            "priority": PRIORITIES[index % 4],
            "service": f"Service {index}",
            "description": "Errors since this morning: card payments fail with a 502.",
        }
        body = render_body(self.forms["incident"], answers)
        self.repo.now = opened
        number = self.repo.open_issue("alice", f"[Incident] {index}", body, ["incident"])
        self.settle(opened, number)
        responder = RESPONDERS[index % 3]
        repo = self.repo
        self.at(
            opened + timedelta(minutes=4), lambda: repo.comment(responder, number, "/ack"), number
        )
        for k in range(5):
            text = f"Looking at the logs ({k}): nothing unusual in the load balancer."
            who = RESPONDERS[(index + k) % 3]
            when = opened + timedelta(minutes=10 + 7 * k)
            self.at(when, lambda t=text, w=who: repo.comment(w, number, t), number)
        if index % 4 == 1:
            lead = opened + timedelta(minutes=50)
            self.at(lead, lambda: repo.comment(responder, number, "/lead @bob"), number)
        if index % 3 == 2:
            answers["description"] += "\n\nSince 09:40 also the refunds page."
            edited = render_body(self.forms["incident"], answers)
            when = opened + timedelta(minutes=55)
            self.at(when, lambda: repo.edit_body("alice", number, edited), number)
        update = "/update Mitigation in place (traffic moved to the standby), monitoring."
        self.at(
            opened + timedelta(minutes=60), lambda: repo.comment(responder, number, update), number
        )
        self.settle(NOW, number)

    def change(self, index: int) -> None:
        from dutydesk.forms import render_body

        opened = NOW - timedelta(days=2, minutes=index % 50)
        start = (NOW + timedelta(days=3)).replace(hour=18, minute=0)
        answers = {
            "service": f"Service {index}",
            "change-details": "Upgrade the database from PostgreSQL 14 to 16.",
            "scheduled-start": start.strftime("%Y-%m-%d %H:%M"),
            "scheduled-end": (start + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M"),
            "impact": "Read-only for 10 minutes.",
            "rollback": "Restore the snapshot taken before the upgrade.",
            "checks": [],
        }
        form = self.forms["out-of-hours-change"]
        self.repo.now = opened
        number = self.repo.open_issue(
            "rita", f"[Change] {index}", render_body(form, answers), form.labels
        )
        self.settle(opened, number)
        answers["impact"] = "Read-only for 10 minutes; the admin pages are down for 20."
        edited = render_body(form, answers)
        repo = self.repo
        self.at(opened + timedelta(hours=1), lambda: repo.edit_body("rita", number, edited), number)
        self.at(
            opened + timedelta(hours=3), lambda: repo.comment("dana", number, "/approve"), number
        )
        self.settle(NOW, number)


def build(items: int) -> Bench:
    bench = Bench()
    for index in range(items):
        if index % 5 == 4:
            bench.change(index)
        else:
            bench.incident(index)
    return bench


def timed(runs: int, once: Callable[[], object], count: int) -> list[float]:
    """CPU milliseconds per item of `once()` (which handles `count` items), for each run."""
    per_item: list[float] = []
    for _ in range(runs):
        began = time.process_time()
        once()
        per_item.append((time.process_time() - began) * 1000 / count)
    return per_item


def figures(per_item: list[float]) -> str:
    low, mid, high = min(per_item), statistics.median(per_item), max(per_item)
    return f"min {low:.3f} ms, median {mid:.3f} ms, max {high:.3f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=500, help="open items (default 500)")
    parser.add_argument("--runs", type=int, default=7, help="timed runs (default 7)")
    args = parser.parse_args()

    from dutydesk.engine import reconcile
    from dutydesk.views.summary import summary_markdown

    bench = build(args.items)
    issues = [bench.repo.get_issue(n) for n in sorted(bench.repo.issues)]
    ctx = bench.context(NOW)
    planned = sum(len(reconcile(i, ctx, bench.handlers).actions) for i in issues)  # warm up

    def reconcile_all() -> list[Any]:
        return [(issue, reconcile(issue, ctx, bench.handlers)) for issue in issues]

    def sweep() -> str:
        """What a steady sweep computes: every plan, then the job summary over them."""
        return summary_markdown(ctx, reconcile_all(), [])

    comments = sum(len(i.comments) for i in issues) / len(issues)
    print(
        f"{len(issues)} items ({comments:.1f} comments each), {args.runs} runs, "
        f"{planned} action(s) planned at now; timing {TREE}"
    )
    print(
        "reconcile CPU per item:           " + figures(timed(args.runs, reconcile_all, len(issues)))
    )
    print("reconcile + job summary per item: " + figures(timed(args.runs, sweep, len(issues))))


if __name__ == "__main__":
    main()
