"""Run a GitHub Actions workflow's `run:` steps as the runner would, against the test server.

`run_workflow` reads a workflow file and, for each job in `needs` order, evaluates its `if:`,
then runs each step's `run:` script with `bash --noprofile --norc -eo pipefail` (the runner's
default shell on Linux) with the step's and job's `env:`, the `GITHUB_*` variables, a fresh
`GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY` file per step, and collects step and job outputs.

Skipped, because the test environment already is what they set up: `uses:` steps (checkout,
setup-python) and the step that pip-installs the dependencies. The expressions the workflows use
(`${{ github.token }}`, `${{ inputs.dry-run && 'true' || 'false' }}`, `${{ steps.x.outputs.y }}`,
`${{ needs.x.outputs.y == 'true' }}`, `${{ !github.event.issue.pull_request }}`) are evaluated
by a small evaluator of GitHub's expression syntax: literals, property access, `!`, `==`,
`!=`, `&&`, `||` and parentheses, with GitHub's truthiness and its `&&`/`||` returning operands.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

TOKEN_RE = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<op>==|!=|&&|\|\||!|\(|\))"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_\-]*(?:\.[A-Za-z_][A-Za-z0-9_\-]*|\[\d+\])*))"
)


class ExpressionError(ValueError):
    pass


def _tokens(text: str) -> list[tuple[str, str]]:
    out = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = TOKEN_RE.match(text, position)
        if not match or match.end() == position:
            raise ExpressionError(f"cannot read {text[position:]!r} in {text!r}")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        position = match.end()
        while position < len(text) and text[position].isspace():
            position += 1
    return out


def truthy(value: Any) -> bool:
    return value not in (None, False, 0, "", -0.0) and value == value  # NaN is falsy


def _lookup(context: Mapping[str, Any], name: str) -> Any:
    value: Any = context
    for part in re.findall(r"[^.\[\]]+", name):
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def evaluate(text: str, context: Mapping[str, Any]) -> Any:
    tokens = _tokens(text)
    position = 0

    def peek() -> tuple[str, str] | None:
        return tokens[position] if position < len(tokens) else None

    def take() -> tuple[str, str]:
        nonlocal position
        position += 1
        return tokens[position - 1]

    def primary() -> Any:
        kind, value = take()
        if kind == "str":
            return value[1:-1].replace("''", "'")
        if kind == "num":
            return float(value) if "." in value else int(value)
        if kind == "op" and value == "(":
            result = disjunction()
            if take() != ("op", ")"):
                raise ExpressionError(f"missing ) in {text!r}")
            return result
        if kind == "op" and value == "!":
            return not truthy(primary())
        if kind == "name":
            if value in ("true", "false"):
                return value == "true"
            if value == "null":
                return None
            return _lookup(context, value)
        raise ExpressionError(f"unexpected {value!r} in {text!r}")

    def comparison() -> Any:
        left = primary()
        while peek() in (("op", "=="), ("op", "!=")):
            _, op = take()
            right = primary()
            same = _loose(left) == _loose(right)
            left = same if op == "==" else not same
        return left

    def conjunction() -> Any:
        left = comparison()
        while peek() == ("op", "&&"):
            take()
            right = comparison()
            left = right if truthy(left) else left
        return left

    def disjunction() -> Any:
        left = conjunction()
        while peek() == ("op", "||"):
            take()
            right = conjunction()
            left = left if truthy(left) else right
        return left

    result = disjunction()
    if position != len(tokens):
        raise ExpressionError(f"trailing {tokens[position:]} in {text!r}")
    return result


def _loose(value: Any) -> Any:
    """GitHub compares strings ignoring case."""
    return value.lower() if isinstance(value, str) else value


def to_string(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def interpolate(text: Any, context: Mapping[str, Any]) -> str:
    return re.sub(r"\$\{\{(.*?)\}\}", lambda m: to_string(evaluate(m.group(1), context)), str(text))


def condition(text: Any, context: Mapping[str, Any]) -> bool:
    if text is None:
        return True
    source = str(text).strip()
    match = re.fullmatch(r"\$\{\{(.*)\}\}", source, flags=re.S)
    return truthy(evaluate(match.group(1) if match else source, context))


@dataclass
class StepResult:
    name: str
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str
    seconds: float


@dataclass
class JobResult:
    name: str
    ran: bool
    wanted: bool = False  # its needs and `if:` held, whether or not the test let it run
    steps: list[StepResult] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(s.returncode == 0 for s in self.steps)

    def output(self) -> str:
        return "\n".join(f"{s.stdout}{s.stderr}" for s in self.steps)


@dataclass
class Run:
    jobs: dict[str, JobResult]

    @property
    def ok(self) -> bool:
        return all(job.ok for job in self.jobs.values())

    def describe(self) -> str:
        lines = []
        for name, job in self.jobs.items():
            lines.append(f"job {name}: {'ran' if job.ran else 'skipped'}")
            for step in job.steps:
                lines.append(f"  step {step.name!r}: exit {step.returncode}")
                lines.extend(f"    | {line}" for line in (step.stdout + step.stderr).splitlines())
        return "\n".join(lines)


def _read_outputs(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, _, marker = line.partition("<<")
            value = []
            while index < len(lines) and lines[index] != marker:
                value.append(lines[index])
                index += 1
            index += 1
            out[name] = "\n".join(value)
        elif "=" in line:
            name, _, value_text = line.partition("=")
            out[name] = value_text
    return out


def _order(jobs: Mapping[str, Any]) -> list[str]:
    done: list[str] = []
    while len(done) < len(jobs):
        for name, job in jobs.items():
            needs = job.get("needs") or []
            needs = [needs] if isinstance(needs, str) else needs
            if name not in done and all(n in done for n in needs):
                done.append(name)
                break
        else:
            raise ValueError("a cycle in needs:")
    return done


def skipped_step(step: Mapping[str, Any]) -> bool:
    """Steps the test environment already stands for: actions, and installing dependencies."""
    return "uses" in step or "pip install" in str(step.get("run", ""))


def run_workflow(
    workflow: Path,
    *,
    workspace: Path,
    tmp: Path,
    event_name: str,
    event: Mapping[str, Any],
    environment: Mapping[str, str],
    token: str,
    inputs: Mapping[str, Any] | None = None,
    skip: Collection[str] = (),
    timeout: float = 120,
) -> Run:
    """Run the workflow's jobs; a job named in `skip` is only evaluated (`wanted`), not run."""
    spec = yaml.safe_load(workflow.read_text(encoding="utf-8"))
    tmp.mkdir(parents=True, exist_ok=True)
    event_path = tmp / "event.json"
    event_path.write_text(json.dumps(event), encoding="utf-8")
    github = {
        "token": token,
        "event": event,
        "event_name": event_name,
        "repository": environment.get("GITHUB_REPOSITORY"),
        "workspace": str(workspace),
    }
    needs: dict[str, Any] = {}
    results: dict[str, JobResult] = {}
    for job_name in _order(spec["jobs"]):
        job = spec["jobs"][job_name]
        context: dict[str, Any] = {
            "github": github,
            "inputs": dict(inputs or {}),
            "needs": needs,
            "env": {},
        }
        required = job.get("needs") or []
        required = [required] if isinstance(required, str) else required
        wanted = all(results[n].ran and results[n].ok for n in required) and condition(
            job.get("if"), context
        )
        ran = wanted and job_name not in skip
        result = JobResult(job_name, ran, wanted)
        results[job_name] = result
        if not ran:
            needs[job_name] = {"outputs": {}, "result": "skipped"}
            continue
        steps: dict[str, Any] = {}
        context["steps"] = steps
        job_env = {k: interpolate(v, context) for k, v in (job.get("env") or {}).items()}
        for index, step in enumerate(job.get("steps") or []):
            if skipped_step(step):
                continue
            name = step.get("name") or step.get("id") or f"step {index}"
            step_env = {
                k: interpolate(v, {**context, "env": job_env})
                for k, v in (step.get("env") or {}).items()
            }
            script = interpolate(step["run"], context)
            output_file = tmp / f"{job_name}-{index}-output"
            summary_file = tmp / f"{job_name}-{index}-summary"
            script_file = tmp / f"{job_name}-{index}.sh"
            for path in (output_file, summary_file):
                path.write_text("", encoding="utf-8")
            script_file.write_text(script, encoding="utf-8")
            env = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "HOME": str(tmp),
                "LANG": "C.UTF-8",
                "CI": "true",
                "GITHUB_ACTIONS": "true",
                "GITHUB_WORKFLOW": str(spec.get("name", workflow.stem)),
                "GITHUB_JOB": job_name,
                "GITHUB_RUN_ID": "1",
                "GITHUB_RUN_NUMBER": "1",
                "GITHUB_EVENT_NAME": event_name,
                "GITHUB_EVENT_PATH": str(event_path),
                "GITHUB_WORKSPACE": str(workspace),
                "GITHUB_OUTPUT": str(output_file),
                "GITHUB_STEP_SUMMARY": str(summary_file),
                "GITHUB_REF": "refs/heads/main",
                "GITHUB_SHA": "0" * 40,
                "RUNNER_OS": "Linux",
                "RUNNER_TEMP": str(tmp),
                **environment,
                **job_env,
                **step_env,
            }
            started = time.monotonic()
            done = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script_file)],
                cwd=workspace,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
            outputs = _read_outputs(output_file)
            result.steps.append(
                StepResult(
                    name,
                    done.returncode,
                    done.stdout,
                    done.stderr,
                    outputs,
                    summary_file.read_text(encoding="utf-8"),
                    time.monotonic() - started,
                )
            )
            if "id" in step:
                steps[step["id"]] = {
                    "outputs": outputs,
                    "outcome": "success" if done.returncode == 0 else "failure",
                }
            if done.returncode != 0:
                break
        result.outputs = {k: interpolate(v, context) for k, v in (job.get("outputs") or {}).items()}
        needs[job_name] = {
            "outputs": result.outputs,
            "result": "success" if result.ok else "failure",
        }
    return Run(results)
