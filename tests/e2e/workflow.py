"""Run a GitHub Actions workflow's `run:` steps as the runner would, against the test server.

`run_workflow` reads a workflow file and, for each job in `needs` order, evaluates its `if:`,
then runs each step's `run:` script with `bash --noprofile --norc -eo pipefail` (the runner's
default shell on Linux) with the step's and job's `env:`, the `GITHUB_*` variables, a fresh
`GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY` file per step, and collects step and job outputs.

It follows what the workflows compose, as GitHub does:
- a job that calls a reusable workflow (`uses: ./.github/workflows/x.yml`, `$/...`, or
  `OWNER/REPO/.github/workflows/x.yml@REF` for a repository given in `repositories`) runs that
  workflow's jobs with the `with:` values as `inputs` (typed, defaults applied) and the
  `secrets:` as `secrets`; the called jobs are reported under their own names, and the `github`
  context stays the caller's;
- a step that uses a composite action (`uses: ./`, `$/`, a folder, or `OWNER/REPO@REF` for a
  repository given) runs the action's steps with its `inputs`, `GITHUB_ACTION_PATH` and
  `github.action_path`, and takes the action's `outputs:` as the step's outputs.
`$/` names the repository of the file that says it (the folder that holds its `.github/`, or
its `action.yml`), as GitHub's self-repository syntax does.

Skipped, because the test environment already is what they set up: steps that use any other
action (checkout, setup-python, create-github-app-token) and the steps that pip-install the
dependencies. The expressions the workflows use (`${{ github.token }}`, `${{ inputs.dry-run &&
'true' || 'false' }}`, `${{ steps.x.outputs.y }}`, `${{ needs.x.outputs.y == 'true' }}`,
`${{ !github.event.issue.pull_request }}`) are evaluated by a small evaluator of GitHub's
expression syntax: literals, property access, `!`, `==`, `!=`, `&&`, `||` and parentheses,
with GitHub's truthiness and its `&&`/`||` returning operands.
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


def value_of(text: Any, context: Mapping[str, Any]) -> Any:
    """A `with:` value: an expression alone keeps its type (a boolean input stays one)."""
    if not isinstance(text, str):
        return text
    match = re.fullmatch(r"\s*\$\{\{(.*?)\}\}\s*", text, flags=re.S)
    return evaluate(match.group(1), context) if match else interpolate(text, context)


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

    def summary(self) -> str:
        """What the job's steps wrote to `$GITHUB_STEP_SUMMARY`."""
        return "".join(s.summary for s in self.steps)


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


def installs_dependencies(step: Mapping[str, Any]) -> bool:
    """The steps that pip-install what the test environment already has."""
    return "pip install" in str(step.get("run", ""))


def self_root(path: Path) -> Path:
    """The repository a workflow or action file belongs to (what `$/` names)."""
    if path.parent.name == "workflows" and path.parent.parent.name == ".github":
        return path.parents[2]
    return path.parent


def _inputs(declared: Mapping[str, Any] | None, given: Mapping[str, Any]) -> dict[str, Any]:
    """Inputs as GitHub passes them: the declared defaults, then the values given."""
    declared = declared or {}
    unknown = set(given) - set(declared)
    if unknown:
        raise ValueError(f"inputs not declared: {sorted(unknown)}")
    values = {name: (spec or {}).get("default") for name, spec in declared.items()}
    values.update(given)
    return values


@dataclass
class _Runner:
    workspace: Path
    tmp: Path
    github: dict[str, Any]
    environment: Mapping[str, str]
    repositories: Mapping[str, Path]
    variables: Mapping[str, str]
    skip: Collection[str]
    timeout: float
    results: dict[str, JobResult] = field(default_factory=dict)
    counter: int = 0

    # -- what `uses:` names ---------------------------------------------------------------

    def resolve(self, uses: str, here: Path) -> Path | None:
        """The local file or folder `uses:` names, or None for an action the test skips."""
        ref = uses.split("#", 1)[0].strip()
        if ref.startswith("./"):
            return self.workspace / ref[2:]
        if ref.startswith("$/"):
            return self_root(here) / ref[2:]
        name, _, _ = ref.partition("@")
        parts = name.split("/")
        root = self.repositories.get("/".join(parts[:2]))
        return root / "/".join(parts[2:]) if root is not None else None

    # -- workflows and jobs ---------------------------------------------------------------

    def run_jobs(
        self,
        workflow: Path,
        inputs: Mapping[str, Any],
        secrets: Mapping[str, Any],
    ) -> dict[str, Any]:
        """Run a workflow's jobs; the `jobs` context (each job's outputs and result)."""
        spec = yaml.safe_load(workflow.read_text(encoding="utf-8"))
        needs: dict[str, Any] = {}
        local: dict[str, JobResult] = {}
        for job_name in _order(spec["jobs"]):
            job = spec["jobs"][job_name]
            context: dict[str, Any] = {
                "github": self.github,
                "inputs": dict(inputs),
                "secrets": dict(secrets),
                "vars": dict(self.variables),
                "needs": needs,
                "env": {},
            }
            required = job.get("needs") or []
            required = [required] if isinstance(required, str) else required
            wanted = all(local[n].ran and local[n].ok for n in required) and condition(
                job.get("if"), context
            )
            result = JobResult(job_name, wanted and job_name not in self.skip, wanted)
            if job_name in self.results:
                raise ValueError(f"two jobs named {job_name!r}: name the caller's job another way")
            self.results[job_name] = local[job_name] = result
            if result.ran:
                if "uses" in job:
                    self.call(job, workflow, context, result)
                else:
                    self.run_steps(job, workflow, context, result, str(spec.get("name", "")))
            needs[job_name] = {
                "outputs": result.outputs,
                "result": ("success" if result.ok else "failure") if result.ran else "skipped",
            }
        return needs

    def call(
        self, job: Mapping[str, Any], here: Path, context: Mapping[str, Any], result: JobResult
    ) -> None:
        """A job that calls a reusable workflow: its jobs, with the job's `with:`/`secrets:`."""
        path = self.resolve(str(job["uses"]), here)
        if path is None or not path.is_file():
            raise ValueError(f"cannot find the workflow {job['uses']!r}")
        called = yaml.safe_load(path.read_text(encoding="utf-8"))
        trigger = (called.get("on") or called.get(True) or {}).get("workflow_call")
        if trigger is None:
            raise ValueError(f"{path} is not a reusable workflow (no on.workflow_call)")
        given = {k: value_of(v, context) for k, v in (job.get("with") or {}).items()}
        inputs = _inputs(trigger.get("inputs"), given)
        passed = job.get("secrets") or {}
        secrets = (
            dict(context["secrets"])
            if passed == "inherit"
            else {k: interpolate(v, context) for k, v in passed.items()}
        )
        jobs = self.run_jobs(path, inputs, secrets)
        result.steps = [s for name in jobs for s in self.results[name].steps]
        outputs = (trigger.get("outputs") or {}).items()
        result.outputs = {k: interpolate(v["value"], {"jobs": jobs}) for k, v in outputs}

    def run_steps(
        self,
        job: Mapping[str, Any],
        here: Path,
        context: dict[str, Any],
        result: JobResult,
        workflow_name: str,
    ) -> None:
        steps: dict[str, Any] = {}
        context["steps"] = steps
        job_env = {k: interpolate(v, context) for k, v in (job.get("env") or {}).items()}
        context["env"] = job_env
        names = {"GITHUB_WORKFLOW": workflow_name or here.stem, "GITHUB_JOB": result.name}
        for index, step in enumerate(job.get("steps") or []):
            outcome = self.step(step, index, here, context, {**names, **job_env}, result)
            if outcome is None:
                continue
            if "id" in step:
                steps[step["id"]] = outcome
            if outcome["outcome"] != "success":
                break
        result.outputs = {k: interpolate(v, context) for k, v in (job.get("outputs") or {}).items()}

    # -- steps ----------------------------------------------------------------------------

    def step(
        self,
        step: Mapping[str, Any],
        index: int,
        here: Path,
        context: Mapping[str, Any],
        env: Mapping[str, str],
        result: JobResult,
    ) -> dict[str, Any] | None:
        """Run one step; its `steps.<id>` entry, or None when it was skipped."""
        if installs_dependencies(step) or not condition(step.get("if"), context):
            return None
        step_env = {k: interpolate(v, context) for k, v in (step.get("env") or {}).items()}
        name = str(step.get("name") or step.get("id") or f"step {index}")
        if "uses" in step:
            action = self.resolve(str(step["uses"]), here)
            if action is None:
                return None  # an action the test environment stands for
            return self.composite(action, step, context, {**env, **step_env}, result)
        script = interpolate(step["run"], context)
        done = self.shell(name, script, {**env, **step_env}, result)
        ok = done.returncode == 0
        return {"outputs": done.outputs, "outcome": "success" if ok else "failure"}

    def composite(
        self,
        folder: Path,
        step: Mapping[str, Any],
        context: Mapping[str, Any],
        env: Mapping[str, str],
        result: JobResult,
    ) -> dict[str, Any]:
        """A step that uses a composite action: the action's steps, then its outputs."""
        manifest = folder / "action.yml"
        action = yaml.safe_load(manifest.read_text(encoding="utf-8"))
        if (action.get("runs") or {}).get("using") != "composite":
            raise ValueError(f"{manifest} is not a composite action")
        given = {k: to_string(value_of(v, context)) for k, v in (step.get("with") or {}).items()}
        declared = action.get("inputs") or {}
        inputs = _inputs(declared, given)
        for key, value in inputs.items():
            if value is not None and key not in given:
                inputs[key] = interpolate(value, context)  # defaults may be expressions
        inner: dict[str, Any] = {}
        github = {**self.github, "action_path": str(folder)}
        own = {**context, "github": github, "inputs": inputs, "steps": inner}
        env = {**env, "GITHUB_ACTION_PATH": str(folder)}
        outcome = "success"
        for index, sub in enumerate(action["runs"].get("steps") or []):
            done = self.step(sub, index, manifest, own, env, result)
            if done is None:
                continue
            if "id" in sub:
                inner[sub["id"]] = done
            if done["outcome"] != "success":
                outcome = "failure"
                break
        outputs = {
            k: interpolate(v.get("value", ""), own)
            for k, v in (action.get("outputs") or {}).items()
        }
        return {"outputs": outputs, "outcome": outcome}

    def shell(
        self, name: str, script: str, env: Mapping[str, str], result: JobResult
    ) -> StepResult:
        self.counter += 1
        stem = self.tmp / f"{result.name}-{self.counter}"
        output_file, summary_file = Path(f"{stem}-output"), Path(f"{stem}-summary")
        script_file = Path(f"{stem}.sh")
        for path in (output_file, summary_file):
            path.write_text("", encoding="utf-8")
        script_file.write_text(script, encoding="utf-8")
        full_env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.tmp),
            "LANG": "C.UTF-8",
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_RUN_ID": "1",
            "GITHUB_RUN_NUMBER": "1",
            "GITHUB_EVENT_NAME": str(self.github["event_name"]),
            "GITHUB_EVENT_PATH": str(self.tmp / "event.json"),
            "GITHUB_WORKSPACE": str(self.workspace),
            "GITHUB_OUTPUT": str(output_file),
            "GITHUB_STEP_SUMMARY": str(summary_file),
            "GITHUB_REF": "refs/heads/main",
            "GITHUB_SHA": "0" * 40,
            "RUNNER_OS": "Linux",
            "RUNNER_TEMP": str(self.tmp),
            **self.environment,
            **env,
        }
        started = time.monotonic()
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script_file)],
            cwd=self.workspace,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=self.timeout,
            check=False,
        )
        step = StepResult(
            name,
            done.returncode,
            done.stdout,
            done.stderr,
            _read_outputs(output_file),
            summary_file.read_text(encoding="utf-8"),
            time.monotonic() - started,
        )
        result.steps.append(step)
        return step


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
    secrets: Mapping[str, str] | None = None,
    variables: Mapping[str, str] | None = None,
    repositories: Mapping[str, Path] | None = None,
    skip: Collection[str] = (),
    timeout: float = 120,
) -> Run:
    """Run the workflow's jobs, and those of the workflows they call. A job named in `skip`
    is only evaluated (`wanted`), not run. `repositories` maps OWNER/REPO to a local folder,
    for `uses:` that name another repository (a team's caller of dutydesk's workflows)."""
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "event.json").write_text(json.dumps(event), encoding="utf-8")
    github = {
        "token": token,
        "event": event,
        "event_name": event_name,
        "repository": environment.get("GITHUB_REPOSITORY"),
        "workspace": str(workspace),
    }
    runner = _Runner(
        workspace,
        tmp,
        github,
        environment,
        repositories or {},
        variables or {},
        skip,
        timeout,
    )
    runner.run_jobs(workflow, inputs or {}, secrets or {})
    return Run(runner.results)
