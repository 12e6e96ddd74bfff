"""The simulator: passing by unchanged items is only an optimisation, never a change of outcome."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

from dutydesk.forms import load_templates
from dutydesk.registry import handlers
from dutydesk.simulate import Entry, simulate

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def _timeline(entries: list[Entry]) -> list[tuple[str, str, str]]:
    return [(e.at.isoformat(), e.text, e.action.rule if e.action else "") for e in entries]


def _both(path: Path) -> tuple[list[Entry], list[Entry], int]:
    forms = load_templates(ROOT / ".github/ISSUE_TEMPLATE")
    fast_sim, fast = simulate(path, ROOT / "policy.yaml", forms, handlers())
    _, full = simulate(path, ROOT / "policy.yaml", forms, handlers(), exhaustive=True)
    return fast, full, fast_sim.skipped


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_each_example_gives_the_same_timeline_when_unchanged_items_are_passed_by(
    path: Path,
) -> None:
    fast, full, _ = _both(path)
    assert _timeline(fast) == _timeline(full)


def test_a_busy_generated_week_gives_the_same_timeline(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from simulate_month import scenario

    path = tmp_path / "week.yaml"
    data = scenario(items=24, days=7, seed=3)
    data["sweep_every"] = "20 minutes"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    fast, full, skipped = _both(path)
    assert skipped > 0
    assert any(e.action is not None for e in full)
    assert _timeline(fast) == _timeline(full)
