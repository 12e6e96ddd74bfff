"""Pytest fixtures and helpers for the end-to-end workflow tests.

Import the fixtures into a test module (`from e2e.fixtures import checkout, github`).
`github` is a started `GitHubServer`; at teardown the test fails, listing method, path and
reason, for every request GitHub's contract would reject and for every answer of the server
that is off GitHub's contract.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from .server import TOKEN, GitHubServer
from .state import RepoState
from .workflow import Run, run_workflow

ROOT = Path(__file__).resolve().parents[2]
WEBHOOKS = ROOT / "tests" / "fixtures" / "webhooks"
WORKFLOWS = ROOT / ".github" / "workflows"
VENV_BIN = Path(sys.executable).parent


@pytest.fixture
def github() -> Iterator[GitHubServer]:
    server = GitHubServer(RepoState()).start()
    try:
        yield server
    finally:
        server.stop()
    problems = server.problems()
    if problems:
        pytest.fail(
            "requests GitHub's published contract would reject, or answers off it:\n"
            + "\n".join(f"  {p}" for p in problems),
            pytrace=False,
        )


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """What actions/checkout leaves: the files the workflows use, in a folder of their own
    (with the composite action, which the reusable workflows' `uses: $/` names)."""
    target = tmp_path / "checkout"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    for name in (".github", "scripts", "runbooks"):
        shutil.copytree(ROOT / name, target / name, ignore=ignore)
    for name in ("policy.yaml", "action.yml", "requirements.lock"):
        shutil.copy2(ROOT / name, target / name)
    return target


def webhook(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((WEBHOOKS / f"{name}.json").read_text(encoding="utf-8"))
    return data


def _repository(server: GitHubServer, example: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(dict(example))
    out.update(server.repository_json())
    return out


def issues_event(server: GitHubServer, number: int, action: str, sender: str) -> dict[str, Any]:
    """GitHub's `issues` payload (a real one, from @octokit/webhooks-examples) for an issue."""
    payload = webhook("issues.opened")
    payload["action"] = action
    payload["issue"] = {**payload["issue"], **server.issue_json(number)}
    payload["repository"] = _repository(server, payload["repository"])
    payload["sender"] = server.rest.user(sender) if server.rest else payload["sender"]
    return payload


def comment_event(server: GitHubServer, comment_id: int, action: str = "created") -> dict[str, Any]:
    """GitHub's `issue_comment` payload for a comment the server holds."""
    payload = webhook("issue_comment.created")
    comment = server.state.comments[comment_id]
    payload["action"] = action
    payload["issue"] = {**payload["issue"], **server.issue_json(comment.issue)}
    payload["comment"] = {**payload["comment"], **server.comment_json(comment_id)}
    payload["repository"] = _repository(server, payload["repository"])
    payload["sender"] = server.rest.user(comment.author) if server.rest else payload["sender"]
    return payload


def dutydesk(server: GitHubServer, checkout: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m dutydesk ARGS` from the checkout, with a token, against the server (the way
    the README has a team run `labels sync` or `report` on their own machine)."""
    env = {
        **server.environment(),
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        "PYTHONPATH": "scripts",
        "GITHUB_TOKEN": TOKEN,
        "HOME": str(checkout),
        "LANG": "C.UTF-8",
    }
    return subprocess.run(
        [str(VENV_BIN / "python"), "-m", "dutydesk", *args],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def run(
    server: GitHubServer,
    checkout: Path,
    workflow: str,
    event_name: str,
    event: Mapping[str, Any],
    tmp: Path,
    inputs: Mapping[str, Any] | None = None,
    skip: Collection[str] = (),
) -> Run:
    """Run `.github/workflows/<workflow>` from the checkout, against the server."""
    environment = {
        **server.environment(),
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
    }
    return run_workflow(
        checkout / ".github" / "workflows" / workflow,
        workspace=checkout,
        tmp=tmp,
        event_name=event_name,
        event=event,
        environment=environment,
        token=TOKEN,
        inputs=inputs,
        skip=skip,
    )
