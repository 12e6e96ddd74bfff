"""Running a scenario: the people's steps, the event job after each, and the sweeps, in time
order, against the in-memory repository, with the real rules and the jobs the CLI runs."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import IntEnum
from pathlib import Path
from typing import Any

from dutydesk.actions import Action
from dutydesk.engine import Decision, Handler
from dutydesk.errors import ScenarioError
from dutydesk.forms import FormTemplate, parse_body, render_body
from dutydesk.io.memory import MemoryRepository
from dutydesk.jobs import Job, Wait, poll, read_access, sweep
from dutydesk.policy import Policy, load_policy
from dutydesk.simulate.billing import JobRun, bill, lateness
from dutydesk.simulate.on_call import with_on_call
from dutydesk.simulate.scenario import Scenario, load_scenario
from dutydesk.simulate.steps import Step
from dutydesk.simulate.timers import Timers, Wake

#: The runbooks workflow's schedule (dutydesk-runbooks.yml `cron: "41 8 * * 1-5"`, UTC):
#: weekdays at 08:41. tests/test_simulate_billing.py checks the two agree.
RUNBOOKS_CRON = (8, 41, range(0, 5))


@dataclass
class Waiter:
    """The events workflow's waiting job: from the event that started it to its last check,
    unless a newer one in its concurrency group replaced it."""

    key: str
    start: datetime
    end: datetime
    running: bool = True  # a check is still due; False once it ends or is replaced

    def stop(self, at: datetime) -> JobRun:
        self.running, self.end = False, at.astimezone(UTC)
        return JobRun("events", "wait", self.start, self.end)


@dataclass(frozen=True)
class Entry:
    """One line of the simulated timeline: a person's step, or the bot's action."""

    at: datetime
    source: str  # "step", "event", "wait", "sweep"
    text: str
    action: Action | None = None


class Due(IntEnum):
    """What falls due on the timeline; at the same moment, in this order."""

    STEP = 0
    WAIT = 1
    TIMER_WAKE = 2
    SWEEP = 3
    TIMER = 4


class Timeline:
    """What falls due, earliest first; at one moment by kind, then in the order added."""

    def __init__(self) -> None:
        self._queue: list[tuple[datetime, Due, int, Any]] = []
        self._added = itertools.count()

    def add(self, at: datetime, due: Due, payload: Any = None) -> None:
        heapq.heappush(self._queue, (at, due, next(self._added), payload))

    def __iter__(self) -> Iterator[tuple[datetime, Due, Any]]:
        while self._queue:
            at, due, _, payload = heapq.heappop(self._queue)
            yield at, due, payload


@dataclass
class Simulation:
    scenario: Scenario
    policy: Policy
    forms: Mapping[str, FormTemplate]
    handlers: Mapping[str, Handler]
    repo: MemoryRepository = field(init=False)
    exhaustive: bool = False
    sweeps: int = 0
    reconciles: int = 0
    skipped: int = 0
    jobs: list[JobRun] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.repo = MemoryRepository(
            bot=self.policy.bot,
            writers=self.scenario.writers,
            teams={k: v for k, v in self.scenario.teams.items()},
        )
        self.access = read_access(self.repo, self.policy)
        self.job = Job(self.repo, self.policy, self.forms, self.handlers, access=self.access)
        self._seen: dict[int, tuple[int, datetime | None]] = {}
        self._forms_of: dict[int, FormTemplate] = {}
        self._names: dict[tuple[int, str], int] = {}  # (issue, comment name) -> comment id
        self._waiters: dict[str, Waiter] = {}  # the running waiting job of each group
        self.posted: list[tuple[datetime, Action]] = []
        self.timers = Timers(self.policy, self.repo, self.look, self.jobs)

    def check(self, number: int, now: datetime) -> Decision:
        """The job's step (read, reconcile, apply) at `now`, noting what the issue was."""
        self.repo.now = now
        self.reconciles += 1
        decision = self.job.check(number, now)
        self._seen[number] = (self.repo.version(number), decision.next_check)
        return decision

    def look(self, number: int, now: datetime) -> Decision:
        """A timer run's look at an incident (one a minute while it waits): passed by, as the
        sweep passes items by, when nothing happened to it and nothing is due yet; then its
        next check is the one remembered. `exhaustive` reconciles at every look."""
        if self.unchanged(number, now):
            self.skipped += 1
            return Decision(next_check=self._seen[number][1])
        return self.check(number, now)

    def unchanged(self, number: int, now: datetime) -> bool:
        """Nothing happened to the issue since its last reconcile and nothing is due yet.

        The rules promise that an unchanged issue needs nothing before its `next_check`, so
        the sweep may pass it by; `exhaustive` reconciles everything, as the real sweep does
        (tests compare the two timelines).
        """
        if self.exhaustive or number not in self._seen:
            return False
        version, due = self._seen[number]
        return version == self.repo.version(number) and (due is None or now < due)

    # -- the timeline ---------------------------------------------------------------------

    def run(self) -> Iterator[Entry]:
        """Steps, the event job after each (and its waits), and the sweeps, in time order."""
        timeline = Timeline()
        for step in self.scenario.steps:
            timeline.add(step.at, Due.STEP, step)
        for at in self._sweep_times():
            timeline.add(at, Due.SWEEP)
        for at in self._timer_times():
            timeline.add(at, Due.TIMER)
        for at, due, payload in timeline:
            if due is Due.STEP:
                entries = self._event(timeline, payload)
            elif due is Due.WAIT:
                entries = self._wait(timeline, at, *payload)
            elif due is Due.SWEEP:
                entries = self._sweep(at)
            elif due is Due.TIMER:
                entries = self._timer(timeline, self.timers.tick(at))
            else:
                entries = self._timer(timeline, self.timers.wake(payload, at))
            for entry in entries:
                if entry.action is not None:
                    self.posted.append((entry.at, entry.action))
                yield entry
        self._close_waiters()
        self.jobs += self._runbook_runs()

    def figures(self) -> dict[str, Any]:
        """The summary: steps, sweeps, the jobs and their bill, the timed actions' lateness."""
        return {
            "steps": len(self.scenario.steps),
            "sweeps": self.sweeps,
            **bill(self.jobs),
            "lateness": lateness(self.posted),
        }

    def _sweep_times(self) -> Iterator[datetime]:
        """Each scheduled sweep, as late as the scenario's `sweep_late` makes it."""
        every = self.scenario.sweep_every
        if every is None:
            return
        at, run = self.scenario.sweeps_from or self.scenario.steps[0].at, 0
        while at <= self.scenario.until:
            yield at + self.scenario.lateness("sweep", run)
            at, run = at + every, run + 1

    def _timer_times(self) -> Iterator[datetime]:
        """Each scheduled run of the timers workflow (every incidents.timers_every; it runs
        only while switched on), as late as `sweep_late` makes it."""
        if not self.timers.in_use:
            return
        every = self.policy.incidents.timers_every
        at, run = self.scenario.sweeps_from or self.scenario.steps[0].at, 0
        while at <= self.scenario.until:
            yield at + self.scenario.lateness("timers", run)
            at, run = at + every, run + 1

    def _timer(self, timeline: Timeline, steps: Iterator[Any]) -> Iterator[Entry]:
        """A timer run's reconciles, and its next wake on the timeline."""
        for step in steps:
            if isinstance(step, Wake):
                timeline.add(step.at, Due.TIMER_WAKE, step.run)
            else:
                yield from _entries(step[1], step[0], "timers")

    def _runbook_runs(self) -> list[JobRun]:
        """The runbooks workflow's scheduled runs in the scenario's time (it posts no issue
        actions here, but each run is billed)."""
        hour, minute, weekdays = RUNBOOKS_CRON
        start, until = self.scenario.steps[0].at.astimezone(UTC), self.scenario.until
        day = start.replace(hour=hour, minute=minute, second=0, microsecond=0)
        runs: list[JobRun] = []
        while day <= until:
            if day >= start and day.weekday() in weekdays:
                at = day + self.scenario.lateness("runbooks", len(runs))
                runs.append(JobRun("runbooks", "runbooks", at, at))
            day += timedelta(days=1)
        return runs

    def _event(self, timeline: Timeline, step: Step) -> Iterator[Entry]:
        """A person's step, the event jobs it starts and, when something falls due soon, the
        waiting job (not for a comment from someone without write access)."""
        try:
            number = self.do_step(step)
        except (KeyError, PermissionError) as exc:
            raise ScenarioError(f"step {step.index}: {exc}") from None
        yield Entry(step.at, "step", step.describe())
        self.jobs += [JobRun("events", "event", step.at, step.at, number)] * events_sent(step)
        wait = Wait.after(self.policy, step.at)
        decision = self.check(number, step.at)
        yield from _entries(decision, step.at, "event")
        self.timers.arm()
        due = wait.until(decision, step.at)
        if due is not None and self._may_wait(step):
            waiter = self._start_waiter(number, step.at)
            timeline.add(poll(step.at, due), Due.WAIT, (number, wait, waiter))

    def _wait(
        self, timeline: Timeline, at: datetime, number: int, wait: Wait, waiter: Waiter
    ) -> Iterator[Entry]:
        """The waiting job, unless replaced, checks again when a check falls due."""
        if not waiter.running:
            return
        if self.repo.get_issue(number).is_open:
            decision = self.check(number, at)
            yield from _entries(decision, at, "wait")
            due = wait.until(decision, at)
            if due is not None:
                timeline.add(poll(at, due), Due.WAIT, (number, wait, waiter))
                return
        self.jobs.append(waiter.stop(at))

    def _may_wait(self, step: Step) -> bool:
        """The waiting job's `if:`: a comment starts one only from a writer."""
        commented = step.verb in ("comment", "edit_comment")
        return not commented or step.by.lower() in {w.lower() for w in self.scenario.writers}

    def _start_waiter(self, number: int, at: datetime) -> Waiter:
        """A waiting job in the issue's concurrency group (one group for all the issues of
        people without write access), replacing the one running there."""
        author = self.repo.get_issue(number).author.lower()
        writers = {w.lower() for w in self.scenario.writers}
        key = str(number) if author in writers else "outsiders"
        old = self._waiters.get(key)
        if old is not None and old.running:
            self.jobs.append(old.stop(at))
        self._waiters[key] = Waiter(key, at.astimezone(UTC), at.astimezone(UTC))
        return self._waiters[key]

    def _close_waiters(self) -> None:
        """A waiter still waiting when the scenario ends is billed to the end."""
        for waiter in self._waiters.values():
            if waiter.running:
                self.jobs.append(waiter.stop(self.scenario.until))
        self._waiters.clear()

    def _sweep(self, at: datetime) -> Iterator[Entry]:
        self.sweeps += 1
        self.jobs.append(JobRun("sweep", "sweep", at, at))
        for turn in sweep(self._to_sweep(at), lambda number: self.check(number, at)):
            if turn.decision is not None:
                yield from _entries(turn.decision, at, "sweep")
        self.timers.arm()

    def _to_sweep(self, at: datetime) -> Iterator[int]:
        """The open issues the sweep reconciles: all but those passed by as unchanged."""
        for number in self.repo.open_numbers():
            if self.unchanged(number, at):
                self.skipped += 1
            else:
                yield number

    # -- a person's step --------------------------------------------------------------------

    def do_step(self, step: Step) -> int:
        """Take the step in the repository; the number of the issue it acted on."""
        self.repo.now = step.at
        if step.verb == "open":
            return self._open(step)
        number = int(step.data["issue"])
        self._act(step, number)
        return number

    def _act(self, step: Step, number: int) -> None:
        repo, d = self.repo, step.data
        match step.verb:
            case "comment":
                self._comment(step, number)
            case "edit_comment":
                repo.edit_comment(step.by, number, self._named(step, number), d["body"])
            case "delete_comment":
                repo.delete_comment(step.by, number, self._named(step, number))
            case "delete_revision":
                repo.delete_revision(step.by, number, int(d["revision"]))
            case "edit":
                self._edit(step, number)
            case "assign":
                repo.set_assignees(step.by, number, [str(u) for u in d["users"]])
            case "label":
                repo.set_labels(step.by, number, d.get("add") or [], d.get("remove") or [])
            case "close":
                repo.set_state(step.by, number, "closed")
            case "reopen":
                repo.set_state(step.by, number, "open")

    def _comment(self, step: Step, number: int) -> None:
        comment_id = self.repo.comment(step.by, number, step.data["body"])
        if "name" in step.data:
            self._names[(number, step.data["name"])] = comment_id

    def _named(self, step: Step, number: int) -> int:
        name = step.data["name"]
        if (number, name) not in self._names:
            named = sorted(n for i, n in self._names if i == number)
            raise ScenarioError(
                f"step {step.index}: #{number} has no comment named {name!r}"
                + (f"; named: {', '.join(named)}" if named else "; name one with comment.name")
            )
        return self._names[(number, name)]

    def _open(self, step: Step) -> int:
        d = step.data
        form = self.forms.get(d["form"])
        if form is None:
            raise ScenarioError(
                f"step {step.index}: no form {d['form']!r}; forms: " + ", ".join(self.forms)
            )
        body = _render(form, _answers(form, d["fields"], step.index), step.index)
        number = self.repo.open_issue(step.by, d["title"], body, labels=form.labels)
        self._forms_of[number] = form
        return number

    def _edit(self, step: Step, number: int) -> None:
        """The title first, then the answers (each as GitHub records it: a rename, an edit)."""
        if "title" in step.data:
            self.repo.edit_title(step.by, number, step.data["title"])
        if "fields" not in step.data:
            return
        form = self._forms_of[number]
        answers = _as_answers(parse_body(form, self.repo.get_issue(number).body))
        answers.update(_answers(form, step.data["fields"], step.index))
        self.repo.edit_body(step.by, number, _render(form, answers, step.index))


def events_sent(step: Step) -> int:
    """How many runs of the events workflow a step starts: GitHub sends an event per label
    added or removed and per person assigned; deleting a comment or a body revision sends
    none the workflow listens to (issue_comment: created, edited)."""
    d = step.data
    match step.verb:
        case "label":
            return len(d.get("add") or []) + len(d.get("remove") or [])
        case "assign":
            return max(1, len(d.get("users") or []))
        case "edit":
            return ("title" in d) + ("fields" in d)
        case "delete_comment" | "delete_revision":
            return 0
    return 1


def _entries(decision: Decision, at: datetime, source: str) -> Iterator[Entry]:
    return (Entry(at, source, a.summary(), a) for a in decision.actions)


def _answers(form: FormTemplate, fields: Mapping[str, Any], index: int) -> dict[str, Any]:
    """A step's answers by field id, checked against the form."""
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if form.field(str(key)) is None:
            ids = ", ".join(f.id for f in form.fields)
            raise ScenarioError(
                f"step {index}: form {form.name} has no field {key!r}; fields: {ids}"
            )
        if value is not None and not isinstance(value, (str, list, int, float)):
            raise ScenarioError(
                f"step {index}: field {key!r} takes text or a list of ticked labels"
            )
        out[str(key)] = _answer(value)
    return out


def _answer(value: Any) -> Any:
    if isinstance(value, list):
        return [str(v) for v in value]
    return None if value is None else str(value)


def _render(form: FormTemplate, answers: Mapping[str, Any], index: int) -> str:
    try:
        return render_body(form, answers)
    except ValueError as exc:
        raise ScenarioError(f"step {index}: {exc}") from None


def _as_answers(parsed: Mapping[str, Any]) -> dict[str, Any]:
    """Parsed answers back into the input shape render_body takes."""
    out: dict[str, Any] = {}
    for key, value in parsed.items():
        if isinstance(value, dict):
            out[key] = list(value.get("selected", []))
        elif isinstance(value, list):
            out[key] = ", ".join(value) if value else None
        else:
            out[key] = value
    return out


def simulate(
    scenario_path: Path,
    policy_path: Path,
    forms: Mapping[str, FormTemplate],
    handlers: Mapping[str, Handler],
    exhaustive: bool = False,
) -> tuple[Simulation, list[Entry]]:
    scenario = load_scenario(scenario_path)
    policy = load_policy(
        policy_path, overrides=scenario.policy_overrides, overrides_from=str(scenario_path)
    )
    start = scenario.steps[0].at
    policy = with_on_call(policy, scenario.on_call, start, scenario.until, str(scenario_path))
    sim = Simulation(scenario, policy, forms, handlers, exhaustive=exhaustive)
    try:
        entries = list(sim.run())
    except ScenarioError as exc:
        raise ScenarioError(f"{scenario_path}: {exc}") from None
    return sim, entries
