"""The commit `dutydesk init` pins a team's workflows to holds what they call (issue 15).

The callers `init` writes call dutydesk's reusable workflows at `adopt.RELEASE_COMMIT`. A commit
cannot contain its own SHA, so the pin names an earlier commit; this test reads that commit
from the repository's history and checks that each reusable workflow a caller names is there
and takes every input and secret the caller passes. It needs the history: in a shallow clone
(or a copy that is not a git checkout) that lacks the commit it is skipped and says why; in a
full clone a missing commit fails.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from dutydesk.adopt import DEFAULT_RELEASE, FILES, packaged, pin

ROOT = Path(__file__).resolve().parent.parent
CALLERS = [(target, source) for target, source in FILES if "/workflows/" in target]


def git(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)


@pytest.fixture(autouse=True)
def history() -> None:
    if git("cat-file", "-e", f"{DEFAULT_RELEASE.commit}^{{commit}}").returncode == 0:
        return
    shallow = git("rev-parse", "--is-shallow-repository")
    if shallow.returncode != 0 or shallow.stdout.strip() == "true":
        pytest.skip(f"no history here to read {DEFAULT_RELEASE.commit[:12]} from")


def at_release(path: str) -> str:
    done = subprocess.run(
        ["git", "show", f"{DEFAULT_RELEASE.commit}:{path}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, (
        f"{path} is not in the pinned commit {DEFAULT_RELEASE.commit[:12]} "
        f"(or its history is missing here): {done.stderr.strip()}"
    )
    return done.stdout


def calls(caller: dict[str, Any]) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(reusable workflow path, with:, secrets:) of every job that calls one."""
    prefix = f"{DEFAULT_RELEASE.repository}/"
    found = []
    for job in caller["jobs"].values():
        uses = str(job.get("uses", ""))
        if uses.startswith(prefix):
            path, _, ref = uses[len(prefix) :].partition("@")
            assert ref == DEFAULT_RELEASE.commit
            found.append((path, job.get("with") or {}, job.get("secrets") or {}))
    return found


@pytest.mark.parametrize("target,source", CALLERS, ids=[t for t, _ in CALLERS])
def test_the_pinned_commit_takes_what_each_written_caller_passes(target: str, source: str) -> None:
    caller = yaml.safe_load(pin(packaged(source), DEFAULT_RELEASE))
    found = calls(caller)
    assert found, f"{target} calls no reusable workflow of {DEFAULT_RELEASE.repository}"
    for path, inputs, secrets in found:
        called = yaml.safe_load(at_release(path))
        contract = (called.get("on") or called.get(True))["workflow_call"]
        assert set(inputs) <= set(contract.get("inputs") or {}), (target, path)
        assert set(secrets) <= set(contract.get("secrets") or {}), (target, path)
        assert (ROOT / path).is_file(), f"{path} is still in this checkout"


POLICIES = [
    ROOT / "policy.yaml",
    ROOT / "scripts" / "dutydesk" / "adopt" / "files" / "policy.yaml",
    *sorted((ROOT / "examples" / "policies").glob("*.yaml")),
]


def test_the_pinned_commits_package_reads_the_policies_this_version_documents(
    tmp_path: Path,
) -> None:
    """The action runs the package as it is at the pinned commit (PYTHONPATH is the action's
    own scripts/), so a policy key this version documents but the pinned code lacks would be
    a policy error in every one of a team's jobs. The pinned commit's package must read this
    checkout's policy.yaml, the one `init` writes, and examples/policies/."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", DEFAULT_RELEASE.commit, "scripts"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(tmp_path, filter="data")
    script = (
        "import sys\nfrom pathlib import Path\nfrom dutydesk.policy import load_policy\n"
        "for path in sys.argv[1:]:\n    load_policy(Path(path))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "scripts")}
    done = subprocess.run(
        [sys.executable, "-c", script, *map(str, POLICIES)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, (
        f"the package at {DEFAULT_RELEASE.commit[:12]} cannot read this version's policies "
        f"(move adopt.RELEASE_COMMIT to a later commit): {done.stderr.strip()[-600:]}"
    )
