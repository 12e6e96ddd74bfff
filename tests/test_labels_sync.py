"""`labels sync`: the pure plan (rule labels.sync, one save_label action a label), the one
executor that writes it, and the command's output."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from dutydesk.actions import Action, Kind, LabelDefinition
from dutydesk.io.apply import apply_plan
from dutydesk.io.memory import MemoryRepository
from dutydesk.policy import Policy, parse_policy
from dutydesk.rules.labels_sync import plan_labels

POLICY = parse_policy({})


def right(policy: Policy = POLICY) -> dict[str, tuple[str, str]]:
    """The repository's labels when every one is as the policy names it."""
    return {s.name: (s.color, s.description) for s in policy.labels.values()}


def planned(actions: list[Action]) -> list[tuple[str, Kind, str, bool]]:
    """(rule, kind, label name, exists) of each planned write."""
    out = []
    for action in actions:
        assert isinstance(action.payload, LabelDefinition)
        out.append((action.rule, action.kind, action.payload.name, action.payload.exists))
    return out


def test_nothing_is_planned_when_every_label_is_right() -> None:
    assert plan_labels(POLICY, right()) == []


def test_a_colour_in_another_case_is_right() -> None:
    existing = {name: (color.upper(), text) for name, (color, text) in right().items()}
    assert plan_labels(POLICY, existing) == []


@pytest.mark.parametrize(
    ("change", "exists"),
    [
        pytest.param(lambda labels: labels.pop("sla-missed"), False, id="missing-is-created"),
        pytest.param(
            lambda labels: labels.update({"sla-missed": ("000000", "Response time target missed")}),
            True,
            id="another-colour-is-updated",
        ),
        pytest.param(
            lambda labels: labels.update({"sla-missed": ("b60205", "old words")}),
            True,
            id="another-description-is-updated",
        ),
    ],
)
def test_a_label_that_is_missing_or_differs_is_saved(
    change: Callable[[dict[str, tuple[str, str]]], object], exists: bool
) -> None:
    existing = right()
    change(existing)
    actions = plan_labels(POLICY, existing)
    assert planned(actions) == [("labels.sync", Kind.SAVE_LABEL, "sla-missed", exists)]
    [action] = actions
    assert action.payload == LabelDefinition(
        "sla-missed", "b60205", "Response time target missed", exists
    )


def test_labels_are_planned_in_the_policy_s_order() -> None:
    names = [name for _, _, name, _ in planned(plan_labels(POLICY, {}))]
    assert names == [spec.name for spec in POLICY.labels.values()]


def test_the_executor_saves_each_label_and_a_dry_run_saves_none() -> None:
    repo = MemoryRepository()
    actions = plan_labels(POLICY, repo.list_labels())
    apply_plan(repo, actions, dry_run=True)
    assert repo.writes == 0 and repo.labels == {}
    apply_plan(repo, actions, dry_run=False)
    assert repo.labels == right()
    assert plan_labels(POLICY, repo.list_labels()) == []


def test_a_save_label_action_reads_as_one_line_and_prints_its_payload() -> None:
    [action] = plan_labels(POLICY, {k: v for k, v in right().items() if k != "security"})
    assert action.summary() == "create label security #5319e7"
    assert action.to_json(datetime(2026, 11, 25, tzinfo=UTC)) == {
        "at": "2026-11-25T00:00:00Z",
        "issue": None,
        "kind": "save_label",
        "rule": "labels.sync",
        "name": "security",
        "color": "5319e7",
        "description": "Data or security breach",
        "exists": False,
    }


def test_the_command_prints_each_label_then_the_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dutydesk.cli.main import cli

    policy = tmp_path / "policy.yaml"
    policy.write_text("labels:\n  security: breach\n", encoding="utf-8")
    repo = MemoryRepository()
    repo.labels = {k: v for k, v in right().items() if k not in ("security", "breach")}
    repo.labels["approved"] = ("0E8A16", "Approved")
    monkeypatch.setattr("dutydesk.cli.labels.github", lambda opts: repo)

    def sync(*args: str) -> str:
        result = CliRunner().invoke(cli, ["labels", "sync", "--policy", str(policy), *args])
        assert result.exit_code == 0, result.output
        return result.output

    assert sync("--dry-run").splitlines() == [
        "would create label breach #5319e7",
        "would update label approved #0e8a16",
        f"2 label(s) to change, {len(POLICY.labels) - 2} already right",
    ]
    assert repo.writes == 0
    assert sync().splitlines()[-1] == f"2 label(s) changed, {len(POLICY.labels) - 2} already right"
    assert repo.writes == 2
    assert sync().splitlines() == [f"0 label(s) changed, {len(POLICY.labels)} already right"]


def test_a_first_sync_saves_within_the_write_budget_and_the_next_run_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dutydesk.cli.main import cli

    policy = tmp_path / "policy.yaml"
    policy.write_text("max_writes_per_run: 5\n", encoding="utf-8")
    repo = MemoryRepository()  # no labels yet: every one is to be created
    monkeypatch.setattr("dutydesk.cli.labels.github", lambda opts: repo)
    runs = []
    while True:
        result = CliRunner().invoke(cli, ["labels", "sync", "--policy", str(policy)])
        runs.append(result.exit_code)
        if result.exit_code == 0:
            break
        assert result.exit_code == 3 and "left for the next run" in result.output
    total = len(POLICY.labels)
    assert runs == [3] * ((total - 1) // 5) + [0]
    assert repo.writes == total and set(repo.labels) == {s.name for s in POLICY.labels.values()}


def test_the_write_budget_is_a_policy_key_with_githubs_limits_in_mind() -> None:
    from dutydesk.errors import PolicyError
    from dutydesk.policy import parse_policy

    assert parse_policy({}, "p").max_writes_per_run == 300
    with pytest.raises(PolicyError, match="max_writes_per_run: found 0"):
        parse_policy({"max_writes_per_run": 0}, "p")
