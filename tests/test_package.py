"""The package carries what `dutydesk init` writes, and those copies are the repository's own.

The repository's `.github/ISSUE_TEMPLATE/*.yml`, `.github/workflows/dutydesk-*.yml`,
`policy.yaml` and `runbooks/TEMPLATE.md` are the source of truth; `scripts/dutydesk/adopt/files/`
holds copies so that a wheel can write them. Change the repository's file, then copy it:
`cp policy.yaml scripts/dutydesk/adopt/files/policy.yaml` (`.github/` is packaged as `github/`).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from dutydesk.adopt import FILES, packaged

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_FILES = ROOT / "scripts" / "dutydesk" / "adopt" / "files"


@pytest.mark.parametrize(("target", "source"), FILES, ids=[t for t, _ in FILES])
def test_each_packaged_file_is_the_repositorys_own(target: str, source: str) -> None:
    assert packaged(source) == (ROOT / target).read_text(encoding="utf-8"), (
        f"scripts/dutydesk/adopt/files/{source} differs from {target}: "
        f"cp {target} scripts/dutydesk/adopt/files/{source}"
    )


def test_every_issue_form_and_caller_workflow_is_packaged() -> None:
    """A form, or a workflow that calls one of the reusable workflows, added to the repository
    is one init must write too."""
    forms = sorted(p.relative_to(ROOT).as_posix() for p in ROOT.glob(".github/ISSUE_TEMPLATE/*"))
    callers = sorted(
        p.relative_to(ROOT).as_posix()
        for p in ROOT.glob(".github/workflows/*.yml")
        if "uses: $/.github/workflows/" in p.read_text(encoding="utf-8")
    )
    packaged_targets = {target for target, _ in FILES}
    assert set(forms) | set(callers) <= packaged_targets
    on_disk = {p.relative_to(PACKAGE_FILES).as_posix() for p in PACKAGE_FILES.rglob("*")}
    assert {source for _, source in FILES} <= on_disk


def test_the_callers_call_reusable_workflows_that_exist() -> None:
    for target, _ in FILES:
        if not target.startswith(".github/workflows/"):
            continue
        called = re.findall(r"uses: \$/(\S+)", (ROOT / target).read_text(encoding="utf-8"))
        assert called, f"{target} calls no reusable workflow with uses: $/..."
        for path in called:
            assert (ROOT / path).is_file(), f"{target} calls {path}, which is not there"


def test_the_wheel_carries_the_adoption_files() -> None:
    """pyproject's package-data names every folder under adopt/files/."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["dutydesk"]
    for _, source in FILES:
        path = f"adopt/files/{source}"
        assert any(Path(path).match(pattern) for pattern in patterns), (
            f"{path} is not in [tool.setuptools.package-data] dutydesk"
        )
