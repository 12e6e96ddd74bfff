"""`dutydesk simulate`: the real rules against the in-memory repository over a timeline."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from dutydesk.actions import Action
from dutydesk.apply import apply_plan
from dutydesk.durations import Clock, DurationError, parse_duration
from dutydesk.engine import Context, Decision, Handler, reconcile, teams_in
from dutydesk.errors import DutydeskError, ScenarioError
from dutydesk.forms import FormTemplate, parse_body, render_body
from dutydesk.memory import MemoryRepository
from dutydesk.policy import Policy, load_policy

STEP_VERBS = ("open", "comment", "edit", "assign", "label", "close", "reopen")
SCENARIO_KEYS = ("description", "policy", "sweep_every", "until", "steps", "people")


@dataclass(frozen=True)
class Step:
    index: int
    at: datetime
    by: str
    verb: str
    data: Mapping[str, Any]

    def describe(self) -> str:
        d = self.data
        match self.verb:
            case "open":
                return f"{self.by} opens {d['form']}: {d.get('title', '')}"
            case "comment":
                first = str(d.get("body", "")).strip().splitlines()[0:1]
                return f"{self.by} comments on #{d['issue']}: {first[0] if first else ''}"
            case "edit":
                return f"{self.by} edits #{d['issue']}: " + ", ".join(d.get("fields", {}))
            case "assign":
                return f"{self.by} assigns #{d['issue']} to " + ", ".join(d.get("users", []))
            case "label":
                return f"{self.by} labels #{d['issue']}: +{d.get('add', [])} -{d.get('remove', [])}"
            case _:
                return f"{self.by} {self.verb}s #{d['issue']}"


@dataclass(frozen=True)
class Scenario:
    description: str
    policy_overrides: Mapping[str, Any]
    sweep_every: timedelta | None
    until: datetime
    steps: tuple[Step, ...]
    writers: tuple[str, ...]
    teams: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class Entry:
    """One line of the simulated timeline: a person's step, or the bot's action."""

    at: datetime
    source: str  # "step", "event", "wait", "sweep"
    text: str
    action: Action | None = None


def _when(value: Any, where: str) -> datetime:
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            raise ScenarioError(f"{where}: {value!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise ScenarioError(
            f"{where}: '{moment.isoformat()}' has no UTC offset (write e.g. +00:00)"
        )
    return moment


def load_scenario(path: Path) -> Scenario:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot be read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: invalid YAML: {exc}") from None
    return parse_scenario(data, str(path))


def parse_scenario(data: Any, source: str = "scenario") -> Scenario:
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: a scenario is a mapping with `steps`")
    for key in data:
        if key not in SCENARIO_KEYS:
            raise ScenarioError(
                f"{source}: unknown key {key!r}; allowed: " + ", ".join(SCENARIO_KEYS)
            )
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise ScenarioError(f"{source}: `steps` must be a non-empty list")
    steps: list[Step] = []
    opened = 0
    for index, raw in enumerate(raw_steps, start=1):
        where = f"{source}: step {index}"
        steps.append(_step(raw, index, where, opened))
        if steps[-1].verb == "open":
            opened += 1
        if len(steps) > 1 and steps[-1].at < steps[-2].at:
            raise ScenarioError(f"{where}: at {steps[-1].at.isoformat()} is before the step above")
    sweep_every = None
    if data.get("sweep_every") is not None:
        try:
            every = parse_duration(str(data["sweep_every"]))
        except DurationError as exc:
            raise ScenarioError(f"{source}: sweep_every: {exc}") from None
        if every.clock is not Clock.WALL or every.amount <= timedelta(0):
            raise ScenarioError(
                f"{source}: sweep_every must be a wall-clock duration like 5 minutes"
            )
        sweep_every = every.amount
    until = _when(data["until"], f"{source}: until") if data.get("until") else steps[-1].at
    policy = data.get("policy") or {}
    if not isinstance(policy, dict):
        raise ScenarioError(f"{source}: policy must be a mapping merged over policy.yaml")
    people = data.get("people") or {}
    if not isinstance(people, dict):
        raise ScenarioError(f"{source}: people must be a mapping with writers and teams")
    writers = people.get("writers")
    if writers is None:
        writers = sorted({s.by for s in steps})
    teams = people.get("teams") or {}
    if not isinstance(writers, list) or not isinstance(teams, dict):
        raise ScenarioError(f"{source}: people.writers is a list, people.teams a mapping")
    return Scenario(
        description=str(data.get("description") or ""),
        policy_overrides=policy,
        sweep_every=sweep_every,
        until=until,
        steps=tuple(steps),
        writers=tuple(str(w) for w in writers),
        teams={str(k): tuple(str(m) for m in v or []) for k, v in teams.items()},
    )


def _step(raw: Any, index: int, where: str, opened: int) -> Step:
    if not isinstance(raw, dict):
        raise ScenarioError(f"{where}: a step is a mapping with at, by and one action")
    if "at" not in raw or "by" not in raw:
        raise ScenarioError(f"{where}: needs `at` and `by`")
    at = _when(raw["at"], where)
    verbs = [v for v in STEP_VERBS if v in raw]
    if len(verbs) != 1:
        raise ScenarioError(f"{where}: needs exactly one of " + ", ".join(STEP_VERBS))
    verb = verbs[0]
    extra = set(raw) - {"at", "by", verb, "title", "fields"}
    if extra:
        raise ScenarioError(f"{where}: unknown keys " + ", ".join(sorted(map(str, extra))))
    value = raw[verb]
    if verb == "open":
        if not isinstance(value, str):
            raise ScenarioError(f"{where}: open names a form, e.g. `open: incident`")
        fields = raw.get("fields") or {}
        if not isinstance(fields, dict):
            raise ScenarioError(f"{where}: fields are answers by field id")
        data: dict[str, Any] = {
            "form": value,
            "title": str(raw.get("title") or ""),
            "fields": fields,
        }
    else:
        if not isinstance(value, dict) or not isinstance(value.get("issue"), int):
            raise ScenarioError(f"{where}: {verb} needs a mapping with `issue: N`")
        if not 1 <= value["issue"] <= opened:
            raise ScenarioError(f"{where}: there is no issue #{value['issue']} yet")
        data = dict(value)
        if verb == "comment" and not isinstance(value.get("body"), str):
            raise ScenarioError(f"{where}: comment needs a `body`")
        if verb == "edit" and not isinstance(value.get("fields"), dict):
            raise ScenarioError(f"{where}: edit needs `fields`, answers by field id")
        if verb == "assign" and not isinstance(value.get("users"), list):
            raise ScenarioError(f"{where}: assign needs `users`, a list of logins")
    return Step(index=index, at=at, by=str(raw["by"]), verb=verb, data=data)


# -- running -------------------------------------------------------------------------------


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
        teams = teams_in(self.policy.incidents.responders) | teams_in(self.policy.changes.approvers)
        self.access = self.repo.access(teams)
        self._seen: dict[int, tuple[int, datetime | None]] = {}

    def context(self, now: datetime) -> Context:
        return Context(policy=self.policy, now=now, forms=self.forms, access=self.access)

    def check(self, number: int, now: datetime, source: str) -> tuple[list[Entry], Decision]:
        self.repo.now = now
        self.reconciles += 1
        decision = reconcile(self.repo.get_issue(number), self.context(now), self.handlers)
        apply_plan(self.repo, decision.actions, dry_run=False)
        self._seen[number] = (self.repo.version(number), decision.next_check)
        return [Entry(now, source, a.summary(), a) for a in decision.actions], decision

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

    def do_step(self, step: Step) -> int:
        repo, d = self.repo, step.data
        repo.now = step.at
        if step.verb == "open":
            form = self.forms.get(d["form"])
            if form is None:
                raise ScenarioError(
                    f"step {step.index}: no form {d['form']!r}; forms: " + ", ".join(self.forms)
                )
            body = render_body(form, _answers(form, d["fields"], step.index))
            return repo.open_issue(step.by, d["title"], body, labels=form.labels)
        number = int(d["issue"])
        match step.verb:
            case "comment":
                repo.comment(step.by, number, d["body"])
            case "edit":
                issue = repo.get_issue(number)
                form = next((f for f in self.forms.values() if set(f.labels) <= issue.labels), None)
                if form is None:
                    raise ScenarioError(f"step {step.index}: #{number} did not come from a form")
                answers: dict[str, Any] = _as_answers(form, parse_body(form, issue.body))
                answers.update(_answers(form, d["fields"], step.index))
                repo.edit_body(step.by, number, render_body(form, answers))
            case "assign":
                repo.set_assignees(step.by, number, [str(u) for u in d["users"]])
            case "label":
                repo.set_labels(step.by, number, d.get("add") or [], d.get("remove") or [])
            case "close":
                repo.set_state(step.by, number, "closed")
            case "reopen":
                repo.set_state(step.by, number, "open")
        return number

    def run(self) -> Iterator[Entry]:
        """Steps, the event reconcile after each, the waiting event job, and the sweeps."""
        queue: list[tuple[datetime, int, int, str, Any]] = []
        order = 0

        def push(at: datetime, priority: int, kind: str, payload: Any) -> None:
            nonlocal order
            order += 1
            heapq.heappush(queue, (at, priority, order, kind, payload))

        for step in self.scenario.steps:
            push(step.at, 0, "step", step)
        if self.scenario.sweep_every is not None:
            at = self.scenario.steps[0].at
            while at <= self.scenario.until:
                push(at, 2, "sweep", None)
                at += self.scenario.sweep_every
        wait = self.policy.incidents.wait_for_due.amount
        while queue:
            at, _, _, kind, payload = heapq.heappop(queue)
            if kind == "step":
                step = payload
                try:
                    number = self.do_step(step)
                except (KeyError, PermissionError) as exc:
                    raise ScenarioError(f"step {step.index}: {exc}") from None
                yield Entry(at, "step", step.describe())
                entries, decision = self.check(number, at, "event")
                yield from entries
                self._follow(push, number, at, decision, deadline=at + wait)
            elif kind == "wait":
                number, deadline = payload
                if self.repo.get_issue(number).is_open:
                    entries, decision = self.check(number, at, "wait")
                    yield from entries
                    self._follow(push, number, at, decision, deadline)
            else:
                self.sweeps += 1
                for number in self.repo.open_numbers():
                    if self.unchanged(number, at):
                        self.skipped += 1
                        continue
                    entries, _ = self.check(number, at, "sweep")
                    yield from entries

    @staticmethod
    def _follow(
        push: Callable[[datetime, int, str, Any], None],
        number: int,
        now: datetime,
        decision: Decision,
        deadline: datetime,
    ) -> None:
        """The event job waits for a check due before its deadline, as the workflow does."""
        due = decision.next_check
        if due is not None and now < due <= deadline:
            push(due, 1, "wait", (number, deadline))


def _answers(form: FormTemplate, fields: Mapping[str, Any], index: int) -> dict[str, Any]:
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
        out[str(key)] = (
            [str(v) for v in value]
            if isinstance(value, list)
            else (None if value is None else str(value))
        )
    return out


def _as_answers(form: FormTemplate, parsed: Mapping[str, Any]) -> dict[str, Any]:
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
    policy = load_policy(policy_path, overrides=scenario.policy_overrides)
    sim = Simulation(scenario, policy, forms, handlers, exhaustive=exhaustive)
    try:
        entries = list(sim.run())
    except DutydeskError:
        raise
    return sim, entries
