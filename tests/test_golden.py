"""Every example's timeline, as `dutydesk simulate` prints it, against a recorded golden file.

The golden files were recorded before the package was restructured into one room per rule; the
only difference the restructure made is the one format of times in comment keys
(`2026-11-24T12:00:00Z`, where change-request keys once read `20261124T120000Z`). A change to a
timeline on purpose re-records them: `python tests/test_golden.py --record`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from dutydesk.cli import cli

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
MODES = {"txt": [], "jsonl": ["--json"]}


def _simulate(example: Path, *options: str) -> str:
    result = CliRunner().invoke(
        cli,
        [
            "simulate",
            str(example),
            "--policy",
            str(ROOT / "policy.yaml"),
            "--forms",
            str(ROOT / ".github" / "ISSUE_TEMPLATE"),
            *options,
        ],
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_every_example_has_a_golden_timeline() -> None:
    assert EXAMPLES
    for example in EXAMPLES:
        for suffix in MODES:
            assert (GOLDEN / f"{example.stem}.{suffix}").is_file(), (example.name, suffix)


@pytest.mark.parametrize("suffix", sorted(MODES))
@pytest.mark.parametrize("example", EXAMPLES, ids=[e.stem for e in EXAMPLES])
def test_an_example_gives_its_golden_timeline(example: Path, suffix: str) -> None:
    expected = (GOLDEN / f"{example.stem}.{suffix}").read_text(encoding="utf-8")
    assert _simulate(example, *MODES[suffix]) == expected


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.stem for e in EXAMPLES])
def test_passing_by_unchanged_items_gives_the_golden_timeline_too(example: Path) -> None:
    expected = (GOLDEN / f"{example.stem}.jsonl").read_text(encoding="utf-8")
    assert _simulate(example, "--json", "--exhaustive") == expected


if __name__ == "__main__" and sys.argv[1:] == ["--record"]:
    for example in EXAMPLES:
        for suffix, options in MODES.items():
            text = _simulate(example, *options)
            (GOLDEN / f"{example.stem}.{suffix}").write_text(text, encoding="utf-8")
