"""Running a scenario: the people's steps, the event job after each, and the sweeps, in time
order, against the in-memory repository, with the real rules and the jobs the CLI runs."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum
from pathlib import Path
from typing import Any

from dutydesk.actions import Action
from dutydesk.engine import Decision, Handler
from dutydesk.errors import ScenarioError
from dutydesk.forms import FormTemplate, parse_body, render_body
from dutydesk.io.memory import MemoryRepository
from dutydesk.jobs import Job, Wait, read_access, sweep
from dutydesk.policy import Policy, load_policy
from dutydesk.simulate.scenario import Scenario, load_scenario
from dutydesk.simulate.steps import Step


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
    SWEEP = 2


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

    def check(self, number: int, now: datetime) -> Decision:
        """The job's step (read, reconcile, apply) at `now`, noting what the issue was."""
        self.repo.now = now
        self.reconciles += 1
        decision = self.job.check(number, now)
        self._seen[number] = (self.repo.version(number), decision.next_check)
        return decision

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
        for at, due, payload in timeline:
            if due is Due.STEP:
                yield from self._event(timeline, payload)
            elif due is Due.WAIT:
                yield from self._wait(timeline, at, *payload)
            else:
                yield from self._sweep(at)

    def _sweep_times(self) -> Iterator[datetime]:
        every = self.scenario.sweep_every
        if every is None:
            return
        at = self.scenario.steps[0].at
        while at <= self.scenario.until:
            yield at
            at += every

    def _event(self, timeline: Timeline, step: Step) -> Iterator[Entry]:
        """A person's step, and the event job it starts."""
        try:
            number = self.do_step(step)
        except (KeyError, PermissionError) as exc:
            raise ScenarioError(f"step {step.index}: {exc}") from None
        yield Entry(step.at, "step", step.describe())
        yield from self._event_check(timeline, number, step.at, Wait.after(self.policy, step.at))

    def _wait(self, timeline: Timeline, at: datetime, number: int, wait: Wait) -> Iterator[Entry]:
        """The event job, still waiting, checks again when a check falls due."""
        if self.repo.get_issue(number).is_open:
            yield from self._event_check(timeline, number, at, wait, source="wait")

    def _event_check(
        self, timeline: Timeline, number: int, at: datetime, wait: Wait, source: str = "event"
    ) -> Iterator[Entry]:
        decision = self.check(number, at)
        yield from _entries(decision, at, source)
        due = wait.until(decision, at)
        if due is not None:
            timeline.add(due, Due.WAIT, (number, wait))

    def _sweep(self, at: datetime) -> Iterator[Entry]:
        self.sweeps += 1
        for turn in sweep(self._to_sweep(at), lambda number: self.check(number, at)):
            if turn.decision is not None:
                yield from _entries(turn.decision, at, "sweep")

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
    sim = Simulation(scenario, policy, forms, handlers, exhaustive=exhaustive)
    try:
        entries = list(sim.run())
    except ScenarioError as exc:
        raise ScenarioError(f"{scenario_path}: {exc}") from None
    return sim, entries
