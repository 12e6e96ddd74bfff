"""Adopting dutydesk: the lines of workflow a team keeps, before and after `dutydesk init`, and
how long a fresh `dutydesk init` + `dutydesk validate` takes. Prints the figures.

Run from the repository root: `python benchmarks/adopt.py [--runs 5]`. "Before" is the copy
route of the last commit (`git show HEAD:...`): the three workflow files a team copied, and
everything they need copied beside them (scripts/dutydesk/, requirements.lock,
pyproject.toml). "After" is the three caller workflows `init` writes. Each timed run is two
fresh processes in a new git repository.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ("dutydesk-events.yml", "dutydesk-sweep.yml", "dutydesk-runbooks.yml")


def git_lines(*paths: str) -> int:
    """Lines of the files (or every file under the folders) as of the last commit."""
    names = subprocess.run(
        ["git", "ls-tree", "-r", "--name-only", "HEAD", "--", *paths],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    total = 0
    for name in names:
        text = subprocess.run(
            ["git", "show", f"HEAD:{name}"], cwd=ROOT, capture_output=True, check=True
        ).stdout
        total += text.count(b"\n")
    return total


def dutydesk() -> list[str]:
    command = shutil.which("dutydesk")
    return [command] if command else [sys.executable, "-m", "dutydesk"]


def fresh_init_and_validate() -> tuple[float, int]:
    """Seconds for init + validate in a new repository, and the lines of the callers written."""
    with tempfile.TemporaryDirectory() as folder:
        repo = Path(folder)
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
        started = time.perf_counter()
        subprocess.run([*dutydesk(), "init", str(repo)], check=True, capture_output=True)
        subprocess.run([*dutydesk(), "validate"], cwd=repo, check=True, capture_output=True)
        seconds = time.perf_counter() - started
        written = sum(
            len((repo / ".github" / "workflows" / name).read_text().splitlines())
            for name in WORKFLOWS
        )
    return seconds, written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    before_workflows = git_lines(*(f".github/workflows/{name}" for name in WORKFLOWS))
    before_all = before_workflows + git_lines(
        "scripts/dutydesk", "requirements.lock", "pyproject.toml"
    )
    times, after = [], 0
    for _ in range(runs):
        seconds, after = fresh_init_and_validate()
        times.append(seconds)
    print(f"workflow lines a team keeps, before (copied at HEAD): {before_workflows} in 3 files")
    print(
        f"  with what they need copied beside them (scripts/dutydesk, lock, pyproject): {before_all}"
    )
    print(f"after (the 3 callers dutydesk init writes): {after}")
    print(
        f"fresh init + validate: {runs} runs, min {min(times):.2f} s, "
        f"median {statistics.median(times):.2f} s, max {max(times):.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
