"""The timers workflow in a simulation: its scheduled runs while it is switched on, each one
reconciling the punctual incidents and waiting for what falls due within the horizon
(rules/incidents/timers.py), one run at a time (its concurrency group keeps at most one more
pending), and the switch: on when an event job or a sweep leaves a punctual incident open, off
when a run finds none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from dutydesk.engine import Decision
from dutydesk.io.memory import MemoryRepository
from dutydesk.jobs import poll
from dutydesk.policy import Policy
from dutydesk.rules.incidents.timers import is_punctual, next_wait, punctual_labels
from dutydesk.simulate.billing import JobRun

Check = Callable[[int, datetime], Decision]


@dataclass
class TimerRun:
    """One run of the timers workflow: when it started, and what it is waiting for."""

    start: datetime
    dues: dict[int, datetime | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Wake:
    """The run waits: wake it at `at`."""

    run: TimerRun
    at: datetime


#: What a timer run yields: a reconcile's decision at a moment, or when to wake it.
Step = tuple[datetime, Decision] | Wake


@dataclass
class Timers:
    policy: Policy
    repo: MemoryRepository
    check: Check
    jobs: list[JobRun]
    enabled: bool = True  # a workflow file is switched on when it is pushed
    running: TimerRun | None = None
    pending: bool = False

    @property
    def in_use(self) -> bool:
        return bool(self.policy.incidents.punctual)

    def arm(self) -> None:
        """After an event job or a sweep: switched on if a punctual incident is open."""
        if self.in_use and self._punctual():
            self.enabled = True

    def tick(self, at: datetime) -> Iterator[Step]:
        """A scheduled run's moment: it runs if the workflow is on, after the one running."""
        if not self.enabled:
            return
        if self.running is not None:
            self.pending = True  # GitHub keeps one pending run in the group
            return
        yield from self._start(at)

    def wake(self, run: TimerRun, at: datetime) -> Iterator[Step]:
        """The waiting run looks at the incidents again (an /ack or /update may have met the
        due), then waits again or ends."""
        for number in list(run.dues):
            decision = self.check(number, at)
            run.dues[number] = decision.next_check
            yield at, decision
        yield from self._next(run, at)

    def _start(self, at: datetime) -> Iterator[Step]:
        run = TimerRun(at)
        self.running = run
        numbers = self._punctual()
        if not numbers:
            self.enabled = False
            yield from self._end(run, at)
            return
        for number in numbers:
            decision = self.check(number, at)
            run.dues[number] = decision.next_check
            yield at, decision
        yield from self._next(run, at)

    def _next(self, run: TimerRun, at: datetime) -> Iterator[Step]:
        due = next_wait(run.dues.values(), at, self.policy)
        if due is not None:
            yield Wake(run, poll(at, due))
            return
        yield from self._end(run, at)

    def _end(self, run: TimerRun, at: datetime) -> Iterator[Step]:
        self.jobs.append(JobRun("timers", "timer", run.start, at))
        self.running = None
        if self.pending and self.enabled:
            self.pending = False
            yield from self._start(at)
        self.pending = False

    def _punctual(self) -> list[int]:
        issues = self.repo.open_issues(punctual_labels(self.policy))
        return [i.number for i in issues if is_punctual(i, self.policy)]
