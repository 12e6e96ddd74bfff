"""requirements.lock must pin every dependency pyproject.toml names, at a version it allows,
with hashes. Offline: it checks the two files agree; it does not re-resolve.

Regenerate the lock (README, "Dependencies") after changing dependencies in pyproject.toml.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent


def pins(text: str) -> dict[str, tuple[Version, int]]:
    found: dict[str, tuple[Version, int]] = {}
    current: str | None = None
    for line in text.splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s\\]+)", line)
        if match:
            current = canonicalize_name(match.group(1))
            found[current] = (Version(match.group(2)), 0)
        elif current and "--hash=sha256:" in line:
            version, hashes = found[current]
            found[current] = (version, hashes + 1)
    return found


def main() -> int:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    locked = pins((ROOT / "requirements.lock").read_text(encoding="utf-8"))
    problems = []
    for text in project["dependencies"]:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        if name not in locked:
            problems.append(f"{requirement.name} is in pyproject.toml but not in requirements.lock")
            continue
        version, _ = locked[name]
        if not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{requirement.name}=={version} does not satisfy '{text}'")
    problems += [f"{name} has no --hash" for name, (_, hashes) in locked.items() if not hashes]
    for problem in problems:
        print(f"requirements.lock: {problem}", file=sys.stderr)
    if problems:
        print("regenerate it: see README, Dependencies", file=sys.stderr)
        return 1
    print(f"requirements.lock pins all {len(project['dependencies'])} dependencies, with hashes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
