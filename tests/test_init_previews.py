"""Offline previews, so a team sees what it will get before it has a token: the incident
register of a simulated repository, and the labels `labels sync` would create."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dutydesk.cli import cli
from dutydesk.policy import load_policy

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    return CliRunner()


def test_simulate_prints_the_register_at_the_end(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["simulate", "examples/p1-outage.yaml", "--report", "markdown"])
    assert result.exit_code == 0, result.output
    timeline, _, register = result.output.partition("Incident register at Mon 23 Nov 14:00 GMT:")
    assert "bot actions" in timeline
    assert "| #1 | Payments API returns 502 for every card payment | P1 | closed |" in register


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_a_machine_readable_register_is_stdout_alone(runner: CliRunner, fmt: str) -> None:
    result = runner.invoke(cli, ["simulate", "examples/p1-outage.yaml", "--report", fmt])
    assert result.exit_code == 0, result.output
    if fmt == "json":
        rows = json.loads(result.stdout)
    else:
        rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(str(r["number"]), r["priority"], r["acknowledged_by"]) for r in rows] == [
        ("1", "P1", "bob")
    ]
    assert "bot actions" in result.stderr  # the timeline, out of the way


def test_labels_sync_dry_run_with_no_token_lists_every_label(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["labels", "sync", "--dry-run"])
    assert result.exit_code == 0, result.output
    policy = load_policy(ROOT / "policy.yaml")
    lines = result.output.splitlines()
    assert lines[0].startswith("no GITHUB_TOKEN")
    for spec in policy.labels.values():
        assert any(line.startswith(f"would create label {spec.name} ") for line in lines)
    assert lines[-1] == f"{len(policy.labels)} label(s) to create"


def test_labels_sync_with_no_token_and_no_dry_run_still_asks_for_one(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["labels", "sync"])
    assert result.exit_code == 2 and "no GitHub token" in result.output
