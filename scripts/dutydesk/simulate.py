"""`dutydesk simulate`: the real rules against the in-memory repository over a timeline."""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from dutydesk.actions import Action
from dutydesk.engine import Context, Decision, Handler, reconcile, teams_in
from dutydesk.errors import ScenarioError
from dutydesk.forms import FormTemplate, parse_body, render_body
from dutydesk.io.apply import apply_plan
from dutydesk.io.memory import MemoryRepository
from dutydesk.policy import Policy, load_policy, load_yaml
from dutydesk.time.durations import Clock, DurationError, parse_duration

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


MAX_SWEEPS = 100_000
_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$")
VERB_KEYS: dict[str, tuple[set[str], set[str]]] = {
    # verb: (required keys, optional keys) of its mapping
    "comment": ({"issue", "body"}, set()),
    "edit": ({"issue", "fields"}, set()),
    "assign": ({"issue", "users"}, set()),
    "label": ({"issue"}, {"add", "remove"}),
    "close": ({"issue"}, set()),
    "reopen": ({"issue"}, set()),
}


def load_scenario(path: Path) -> Scenario:
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot be read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not UTF-8 text; save it as UTF-8") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: invalid YAML: {exc}") from None
    return parse_scenario(data, str(path))


def _strings(value: Any, where: str, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ScenarioError(f"{where}: {what} must be a list of names, e.g. [alice, bob]")
    return tuple(value)


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
    description = data.get("description") or ""
    if not isinstance(description, str):
        raise ScenarioError(f"{source}: description must be text")
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
    if until < steps[-1].at:
        raise ScenarioError(
            f"{source}: until ({until.isoformat()}) is before the last step "
            f"({steps[-1].at.isoformat()}); move it after, or leave it out"
        )
    if sweep_every is not None and (until - steps[0].at) / sweep_every > MAX_SWEEPS:
        raise ScenarioError(
            f"{source}: sweep_every {data['sweep_every']} until {until.isoformat()} makes more "
            f"than {MAX_SWEEPS:,} sweeps; sweep less often or simulate a shorter period"
        )
    policy = data.get("policy") or {}
    if not isinstance(policy, dict):
        raise ScenarioError(f"{source}: policy must be a mapping merged over policy.yaml")
    people = data.get("people") or {}
    if not isinstance(people, dict):
        raise ScenarioError(f"{source}: people must be a mapping with writers and teams")
    unknown = set(people) - {"writers", "teams"}
    if unknown:
        raise ScenarioError(
            f"{source}: people: unknown keys {sorted(unknown)}; allowed: writers, teams"
        )
    writers = people.get("writers")
    if writers is None:
        writers = sorted({s.by for s in steps})
    writers = _strings(writers, source, "people.writers")
    teams = people.get("teams") or {}
    if not isinstance(teams, dict):
        raise ScenarioError(f"{source}: people.teams maps org/team to a list of members")
    return Scenario(
        description=description,
        policy_overrides=policy,
        sweep_every=sweep_every,
        until=until,
        steps=tuple(steps),
        writers=writers,
        teams={str(k): _strings(v, source, f"people.teams.{k}") for k, v in teams.items()},
    )


def _step(raw: Any, index: int, where: str, opened: int) -> Step:
    if not isinstance(raw, dict):
        raise ScenarioError(f"{where}: a step is a mapping with at, by and one action")
    if "at" not in raw or "by" not in raw:
        raise ScenarioError(f"{where}: needs `at` and `by`")
    at = _when(raw["at"], where)
    by = raw["by"]
    if not isinstance(by, str) or not _LOGIN.match(by):
        raise ScenarioError(f"{where}: by {by!r} is not a GitHub login")
    verbs = [v for v in STEP_VERBS if v in raw]
    if len(verbs) != 1:
        raise ScenarioError(f"{where}: needs exactly one of " + ", ".join(STEP_VERBS))
    verb = verbs[0]
    allowed = {"at", "by", verb} | ({"title", "fields"} if verb == "open" else set())
    extra = set(raw) - allowed
    if extra:
        raise ScenarioError(f"{where}: unknown keys " + ", ".join(sorted(map(str, extra))))
    value = raw[verb]
    if verb == "open":
        if not isinstance(value, str):
            raise ScenarioError(f"{where}: open names a form, e.g. `open: incident`")
        fields = raw.get("fields") or {}
        if not isinstance(fields, dict):
            raise ScenarioError(f"{where}: fields are answers by field id")
        title = raw.get("title") or ""
        if not isinstance(title, str):
            raise ScenarioError(f"{where}: title must be text")
        data: dict[str, Any] = {"form": value, "title": title, "fields": fields}
        return Step(index=index, at=at, by=by, verb=verb, data=data)
    required, optional = VERB_KEYS[verb]
    if not isinstance(value, dict):
        raise ScenarioError(f"{where}: {verb} needs a mapping with " + ", ".join(sorted(required)))
    missing, unknown = required - set(value), set(value) - required - optional
    if missing or unknown:
        raise ScenarioError(
            f"{where}: {verb} takes "
            + ", ".join(sorted(required | optional))
            + (f"; missing {', '.join(sorted(missing))}" if missing else "")
            + (f"; unknown {', '.join(sorted(map(str, unknown)))}" if unknown else "")
        )
    number = value["issue"]
    if isinstance(number, bool) or not isinstance(number, int):
        raise ScenarioError(f"{where}: issue must be an issue number")
    if not 1 <= number <= opened:
        raise ScenarioError(f"{where}: there is no issue #{number} yet")
    if verb == "comment" and not isinstance(value["body"], str):
        raise ScenarioError(f"{where}: comment needs a `body` of text")
    if verb == "edit" and not isinstance(value["fields"], dict):
        raise ScenarioError(f"{where}: edit needs `fields`, answers by field id")
    if verb == "assign":
        _strings(value["users"], where, "assign.users")
    if verb == "label":
        for key in ("add", "remove"):
            if key in value:
                _strings(value[key], where, f"label.{key}")
    return Step(index=index, at=at, by=by, verb=verb, data=dict(value))


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
        self._forms_of: dict[int, FormTemplate] = {}

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
            body = _render(form, _answers(form, d["fields"], step.index), step.index)
            number = repo.open_issue(step.by, d["title"], body, labels=form.labels)
            self._forms_of[number] = form
            return number
        number = int(d["issue"])
        match step.verb:
            case "comment":
                repo.comment(step.by, number, d["body"])
            case "edit":
                issue = repo.get_issue(number)
                form = self._forms_of[number]
                answers: dict[str, Any] = _as_answers(parse_body(form, issue.body))
                answers.update(_answers(form, d["fields"], step.index))
                repo.edit_body(step.by, number, _render(form, answers, step.index))
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
