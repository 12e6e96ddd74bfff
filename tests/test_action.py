"""The composite action (`action.yml`), its `run:` steps executed as written against the local
GitHub: the command it runs, what it outputs, and exit status 3 taken as success."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from e2e.fixtures import ROOT, VENV_BIN, checkout, github, run
from e2e.server import GitHubServer
from test_e2e_workflows import PRIORITY_P4, SWEEP, incident_body, now, people

__all__ = ["checkout", "github"]  # fixtures, imported for pytest


def try_workflow(checkout: Path, **with_: Any) -> str:
    """A workflow in the checkout with one job whose one step uses the action (`uses: ./`)."""
    spec = {
        "name": "try",
        "on": {"workflow_dispatch": {}},
        "permissions": {},
        "jobs": {
            "try": {
                "runs-on": "ubuntu-latest",
                "steps": [{"id": "dutydesk", "uses": "./", "with": with_}],
                "outputs": {"deferred": "${{ steps.dutydesk.outputs.deferred }}"},
            }
        },
    }
    path = checkout / ".github" / "workflows" / "try.yml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path.name


def test_the_action_is_valid_against_githubs_action_schema() -> None:
    done = subprocess.run(
        [
            str(VENV_BIN / "check-jsonschema"),
            "--builtin-schema",
            "vendor.github-actions",
            str(ROOT / "action.yml"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_action_installs_from_its_own_lock_with_hashes_and_wheels_only() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    steps = action["runs"]["steps"]
    setup = next(s for s in steps if str(s.get("uses", "")).startswith("actions/setup-python@"))
    assert setup["with"]["cache"] == "pip"
    assert setup["with"]["cache-dependency-path"] == ".dutydesk-cache/requirements.lock"
    install = next(s for s in steps if "pip install" in s.get("run", ""))
    for flag in (
        "--require-hashes",
        "--only-binary :all:",
        '"$GITHUB_ACTION_PATH/requirements.lock"',
    ):
        assert flag in install["run"]


def test_the_action_validates_the_checkout(
    github: GitHubServer, checkout: Path, tmp_path: Path
) -> None:
    name = try_workflow(checkout, command="validate")
    result = run(github, checkout, name, "workflow_dispatch", {}, tmp_path)
    assert result.ok, result.describe()
    assert "policy, forms, rota and runbooks are valid" in result.jobs["try"].output()
    assert github.log == []


def test_an_unknown_command_fails_and_says_which_are_known(
    github: GitHubServer, checkout: Path, tmp_path: Path
) -> None:
    name = try_workflow(checkout, command="sweep --everything")
    result = run(github, checkout, name, "workflow_dispatch", {}, tmp_path)
    assert not result.ok
    step = result.jobs["try"].steps[-1]
    assert step.returncode == 2
    assert "command must be one of event, sweep, timers, runbooks renew, labels sync, validate" in (
        step.stdout
    )


@pytest.mark.parametrize("via", ["action", "workflow"])
def test_writes_left_for_the_next_run_are_success_and_an_output(
    github: GitHubServer, checkout: Path, tmp_path: Path, via: str
) -> None:
    """Exit status 3 (the write budget spent) is success; the action says deferred=true."""
    people(github)
    for n in range(3):
        github.state.open_issue(
            "alice",
            f"[Incident] Slow {n}",
            incident_body(PRIORITY_P4),
            ["incident"],
            at=now() - timedelta(minutes=10),
        )
    policy = checkout / "policy.yaml"
    text = policy.read_text(encoding="utf-8")
    assert "\nmax_writes_per_run: 300\n" in text
    policy.write_text(text.replace("\nmax_writes_per_run: 300\n", "\nmax_writes_per_run: 2\n"))
    if via == "action":
        name = try_workflow(checkout, command="sweep")
        result = run(github, checkout, name, "workflow_dispatch", {}, tmp_path)
        job = result.jobs["try"]
        assert job.outputs["deferred"] == "true"
    else:
        result = run(github, checkout, SWEEP, "schedule", {"schedule": "17 * * * *"}, tmp_path)
        job = result.jobs["sweep"]
    assert result.ok, result.describe()
    assert "left for the next run" in job.output()
    assert 0 < github.writes <= 2
