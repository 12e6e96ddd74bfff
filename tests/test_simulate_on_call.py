"""A scenario says who PagerDuty has on call, since simulate never reads PagerDuty (on_call)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from dutydesk.errors import ScenarioError
from dutydesk.forms import load_templates
from dutydesk.registry import handlers
from dutydesk.simulate import simulate
from dutydesk.simulate.on_call import parse_on_call
from dutydesk.time.shifts import Level

ROOT = Path(__file__).resolve().parent.parent
FORMS = load_templates(ROOT / ".github" / "ISSUE_TEMPLATE")
EXAMPLE = ROOT / "examples" / "pagerduty-rota.yaml"


def run(tmp_path: Path, **changes: Any) -> list[str]:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data.update(changes)
    data = {k: v for k, v in data.items() if v is not None}
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    _, entries = simulate(path, ROOT / "policy.yaml", FORMS, handlers())
    return [f"{e.action.rule} {e.action.summary()}" for e in entries if e.action is not None]


def test_the_people_on_call_at_the_start_are_assigned_and_the_gap_is_warned_of(
    tmp_path: Path,
) -> None:
    said = run(tmp_path)
    assert "change.approval assign @alice-oncall, @carol-oncall" in said
    warning = [s for s in said if s.startswith("change.hours comment [change.hours:cover:")]
    assert len(warning) == 1 and "gap in on-call cover" in warning[0]


def test_full_cover_gives_no_warning(tmp_path: Path) -> None:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    shifts = data["on_call"]
    shifts[2]["until"] = "2026-11-30T09:00:00+00:00"  # carol stays on call
    said = run(tmp_path, on_call=shifts)
    assert not [s for s in said if "change.hours:cover" in s]


def test_a_pagerduty_rota_without_on_call_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="simulate never reads; say who is on call"):
        run(tmp_path, on_call=None)


def test_on_call_with_a_list_rota_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="on_call is for a policy whose rota comes from"):
        run(tmp_path, policy={"changes": {"approvers": ["dana"]}})


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("alice", "on_call must be a list"),
        ([{"level": "primary", "who": "a"}], "a shift is a mapping with level, who, from, until"),
        (
            [{"level": "tertiary", "who": "a", "from": "2026-11-23T09:00:00Z", "until": "x"}],
            "level must be primary or secondary",
        ),
        (
            [
                {
                    "level": "primary",
                    "who": "a",
                    "from": "2026-11-23T09:00:00+00:00",
                    "until": "2026-11-23T08:00:00+00:00",
                }
            ],
            "until must be after from",
        ),
        (
            [{"level": "primary", "who": "a", "from": "2026-11-23 09:00", "until": "x"}],
            "has no UTC offset",
        ),
    ],
)
def test_bad_shifts_say_what_is_wrong(value: Any, says: str) -> None:
    with pytest.raises(ScenarioError, match=says):
        parse_on_call(value, "s.yaml")


def test_a_shift_reads_as_written() -> None:
    (shift,) = parse_on_call(
        [
            {
                "level": "secondary",
                "who": "bob-oncall",
                "from": "2026-11-23T09:00:00+00:00",
                "until": "2026-11-30T09:00:00+00:00",
            }
        ],
        "s.yaml",
    )
    assert shift.level is Level.SECONDARY and shift.person.login == "bob-oncall"
    assert shift.start == datetime(2026, 11, 23, 9, tzinfo=UTC)


def test_a_primary_only_rota_counts_no_secondary_gaps(tmp_path: Path) -> None:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["policy"]["rota"]["pagerduty"].pop("secondary_schedule")
    primaries = [s for s in data["on_call"] if s["level"] == "primary"]
    said = run(tmp_path, policy=data["policy"], on_call=primaries)
    assert not [s for s in said if "change.hours:cover" in s]
    assert "change.approval assign @alice-oncall" in said


def test_a_secondary_shift_without_a_secondary_schedule_is_a_clear_error(tmp_path: Path) -> None:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["policy"]["rota"]["pagerduty"].pop("secondary_schedule")
    with pytest.raises(ScenarioError, match="has a secondary shift, but the policy's rota"):
        run(tmp_path, policy=data["policy"])
