"""A scenario file: the steps people take, how often the sweep runs, and until when.

```yaml
description: A P1 at 10:00, nobody acknowledges
policy: {...}             # merged over policy.yaml
sweep_every: 60 minutes   # a wall-clock duration; no sweeps without it
sweep_late: 15 minutes    # each scheduled run starts late by up to this (default: on time)
sweep_seed: 0             # the lateness is drawn per run from this seed (default 0)
sweeps_from: 2026-11-23T00:17:00+00:00   # the first sweep (default: the first step)
until: 2026-11-23T11:00:00+00:00   # default: the last step
people: {writers: [alice], teams: {org/ops: [bob]}}
on_call: [...]            # a PagerDuty rota's shifts (see on_call.py)
steps: [...]              # see steps.py
```
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from dutydesk.errors import ScenarioError
from dutydesk.policy import load_yaml
from dutydesk.simulate.on_call import parse_on_call
from dutydesk.simulate.steps import Step, parse_step, strings, when
from dutydesk.time.durations import Clock, DurationError, parse_duration
from dutydesk.time.shifts import Shift

SCENARIO_KEYS = (
    "description",
    "policy",
    "sweep_every",
    "sweep_late",
    "sweep_seed",
    "sweeps_from",
    "until",
    "steps",
    "people",
    "on_call",
)
MAX_SWEEPS = 100_000


@dataclass(frozen=True)
class Scenario:
    description: str
    policy_overrides: Mapping[str, Any]
    sweep_every: timedelta | None
    until: datetime
    steps: tuple[Step, ...]
    writers: tuple[str, ...]
    teams: Mapping[str, tuple[str, ...]]
    sweep_late: timedelta = timedelta(0)  # each scheduled run's lateness is drawn up to this
    sweep_seed: int = 0
    sweeps_from: datetime | None = None  # the first sweep; None: at the first step
    on_call: tuple[Shift, ...] = ()  # with a PagerDuty rota: who it has on call (on_call.py)

    def lateness(self, workflow: str, run: int) -> timedelta:
        """How late the `run`-th scheduled run of `workflow` starts: drawn from `sweep_seed`
        for that run alone, so that a scenario plays the same every time and adding one
        workflow's runs does not move another's."""
        if not self.sweep_late:
            return timedelta(0)
        draw = random.Random(f"{self.sweep_seed}:{workflow}:{run}").random()
        return timedelta(seconds=round(draw * self.sweep_late.total_seconds()))


def load_scenario(path: Path) -> Scenario:
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot be read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not UTF-8 text; save it as UTF-8") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(f"{path}: {where}invalid YAML: {problem}") from None
    return parse_scenario(data, str(path))


def parse_scenario(data: Any, source: str = "scenario") -> Scenario:
    _check_keys(data, source)
    description = data.get("description") or ""
    if not isinstance(description, str):
        raise ScenarioError(f"{source}: description must be text")
    steps = _steps(data["steps"], source)
    sweep_every = _sweep_every(data.get("sweep_every"), source)
    sweep_late = _sweep_late(data.get("sweep_late"), source)
    sweep_seed = data.get("sweep_seed", 0)
    if isinstance(sweep_seed, bool) or not isinstance(sweep_seed, int):
        raise ScenarioError(f"{source}: sweep_seed must be a whole number")
    until = _until(data.get("until"), steps, source)
    _check_sweeps(data.get("sweep_every"), sweep_every, steps[0].at, until, source)
    policy = data.get("policy") or {}
    if not isinstance(policy, dict):
        raise ScenarioError(f"{source}: policy must be a mapping merged over policy.yaml")
    writers, teams = _people(data.get("people") or {}, steps, source)
    return Scenario(
        description=description,
        policy_overrides=policy,
        sweep_every=sweep_every,
        until=until,
        steps=steps,
        writers=writers,
        teams=teams,
        sweep_late=sweep_late,
        sweep_seed=sweep_seed,
        sweeps_from=when(data["sweeps_from"], f"{source}: sweeps_from")
        if data.get("sweeps_from")
        else None,
        on_call=parse_on_call(data.get("on_call"), source),
    )


def _check_keys(data: Any, source: str) -> None:
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


def _steps(raw_steps: list[Any], source: str) -> tuple[Step, ...]:
    """Every step in time order; issues are numbered in the order they are opened."""
    steps: list[Step] = []
    opened = 0
    for index, raw in enumerate(raw_steps, start=1):
        where = f"{source}: step {index}"
        step = parse_step(raw, index, where, opened)
        if steps and step.at < steps[-1].at:
            raise ScenarioError(f"{where}: at {step.at.isoformat()} is before the step above")
        opened += step.verb == "open"
        steps.append(step)
    return tuple(steps)


def _sweep_every(value: Any, source: str) -> timedelta | None:
    if value is None:
        return None
    try:
        every = parse_duration(str(value))
    except DurationError as exc:
        raise ScenarioError(f"{source}: sweep_every: {exc}") from None
    if every.clock is not Clock.WALL or every.amount <= timedelta(0):
        raise ScenarioError(f"{source}: sweep_every must be a wall-clock duration like 5 minutes")
    return every.amount


def _sweep_late(value: Any, source: str) -> timedelta:
    if value is None:
        return timedelta(0)
    try:
        late = parse_duration(str(value))
    except DurationError as exc:
        raise ScenarioError(f"{source}: sweep_late: {exc}") from None
    if late.clock is not Clock.WALL or late.amount < timedelta(0):
        raise ScenarioError(f"{source}: sweep_late must be a wall-clock duration like 15 minutes")
    return late.amount


def _until(value: Any, steps: tuple[Step, ...], source: str) -> datetime:
    last = steps[-1].at
    until = when(value, f"{source}: until") if value else last
    if until < last:
        raise ScenarioError(
            f"{source}: until ({until.isoformat()}) is before the last step "
            f"({last.isoformat()}); move it after, or leave it out"
        )
    return until


def _check_sweeps(
    written: Any, every: timedelta | None, start: datetime, until: datetime, source: str
) -> None:
    if every is not None and (until - start) / every > MAX_SWEEPS:
        raise ScenarioError(
            f"{source}: sweep_every {written} until {until.isoformat()} makes more "
            f"than {MAX_SWEEPS:,} sweeps; sweep less often or simulate a shorter period"
        )


def _people(
    people: Any, steps: tuple[Step, ...], source: str
) -> tuple[tuple[str, ...], dict[str, tuple[str, ...]]]:
    """(writers, teams): by default everyone who takes a step may write."""
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
    writers = strings(writers, source, "people.writers")
    teams = people.get("teams") or {}
    if not isinstance(teams, dict):
        raise ScenarioError(f"{source}: people.teams maps org/team to a list of members")
    return writers, {str(k): strings(v, source, f"people.teams.{k}") for k, v in teams.items()}
