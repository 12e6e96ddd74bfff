"""The forms follow the policy: `dutydesk forms` writes the parts of the issue forms that come
from the policy (priority table and options, notice, on-call hours, time zone), `--check` and
`validate` report a form out of step, and `validate` reports a form that lacks an id a rule
reads."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from desk import make_policy
from dutydesk.cli import cli
from dutydesk.forms import load_template
from dutydesk.forms.from_policy import RegionError, option_text, sync
from dutydesk.rules.incidents.form import priority_of

ROOT = Path(__file__).resolve().parents[1]

FORM = """\
name: Incident
description: Something is broken.
labels: [incident]
body:
  # dutydesk:policy priority-table
  - type: markdown
    attributes:
      value: stale
  # dutydesk:end
  - type: dropdown
    id: priority
    attributes:
      label: Priority
      # dutydesk:policy priority-options
      options:
        - "P1 old"
      # dutydesk:end
  - type: input
    id: started-at
    attributes:
      label: When did it start?
      # dutydesk:policy started-at-placeholder
      placeholder: old
      # dutydesk:end
"""


def test_sync_writes_the_marked_parts_from_the_policy_and_nothing_else() -> None:
    policy = make_policy(
        timezone="America/New_York",
        priorities={"P1": {"name": "Sev1", "example": "Everything, everywhere, is down"}},
    )
    synced = sync(FORM, policy)
    assert synced.changed == ("priority-table", "priority-options", "started-at-placeholder")
    data = yaml.safe_load(synced.text)
    table, dropdown, started = data["body"]
    assert (
        "| **P1** Sev1 | Everything, everywhere, is down | 20 minutes | 1 hour |"
        in (table["attributes"]["value"])
    )
    options = dropdown["attributes"]["options"]
    assert options[0] == "P1 Sev1 – Everything; everywhere; is down"
    assert all(", " not in o for o in options)  # GitHub joins multiple answers with ", "
    assert (
        started["attributes"]["placeholder"] == "YYYY-MM-DD HH:MM (local time (America/New_York))"
    )
    assert synced.text.splitlines()[:4] == FORM.splitlines()[:4]  # the rest as written
    again = sync(synced.text, policy)
    assert again.changed == () and again.text == synced.text


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "body:\n  # dutydesk:policy priority-table\n  - type: markdown\n",
            "has no `# dutydesk:end`",
        ),
        ("body:\n  # dutydesk:policy colours\n  # dutydesk:end\n", "unknown policy part 'colours'"),
    ],
)
def test_broken_markers_are_explained(text: str, problem: str) -> None:
    with pytest.raises(RegionError, match=problem):
        sync(text, make_policy())


@pytest.mark.parametrize(
    ("example", "option"),
    [
        (
            "Complete outage, or ongoing unauthorised access",
            "P1 Critical – Complete outage or ongoing unauthorised access",
        ),
        ("Slow, flaky, broken", "P1 Critical – Slow; flaky; broken"),
    ],
)
def test_an_option_never_contains_a_comma_and_a_space(example: str, option: str) -> None:
    policy = make_policy(priorities={"P1": {"example": example}})
    assert option_text(policy.priorities["P1"]) == option


@pytest.mark.parametrize(
    ("answer", "priority"),
    [
        (["P1 Critical – Complete outage", "or ongoing unauthorised access"], "P1"),
        (["P1 Critical", "P2 Major"], None),
        ("P4 Minor – Component failure", "P4"),
    ],
    ids=["an option worded before the forms dropped ', '", "two priorities", "one"],
)
def test_an_issue_filed_with_the_old_wording_keeps_its_priority(
    answer: object, priority: str | None
) -> None:
    assert priority_of({"priority": answer}) == priority


@pytest.fixture
def team(tmp_path: Path) -> Path:
    """A copy of the shipped forms and policy, with the incident form marked up."""
    shutil.copytree(ROOT / ".github" / "ISSUE_TEMPLATE", tmp_path / "forms")
    shutil.copy(ROOT / "policy.yaml", tmp_path / "policy.yaml")
    (tmp_path / "forms" / "incident.yml").write_text(FORM, encoding="utf-8")
    return tmp_path


def _run(team: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli, [*args, "--policy", str(team / "policy.yaml"), "--forms", str(team / "forms")]
    )
    return result.exit_code, result.output


def test_forms_check_then_write_then_check(team: Path) -> None:
    code, out = _run(team, "forms", "--check")
    assert code == 1 and "incident.yml: out of step" in out and "priority-options" in out
    code, out = _run(team, "forms")
    assert code == 0 and "incident.yml: wrote priority-table, priority-options" in out
    options = load_template(team / "forms" / "incident.yml").field("priority")
    assert options is not None and options.options[0].startswith("P1 Critical – ")
    code, out = _run(team, "forms", "--check")
    assert code == 0 and "in step with the policy" in out


def test_validate_reports_a_form_out_of_step_and_a_missing_id(team: Path) -> None:
    change = team / "forms" / "out-of-hours-change.yml"
    change.write_text(change.read_text().replace("id: scheduled-start", "id: start-time"))
    code, out = _run(team, "validate", "--now", "2026-11-25T12:00:00+00:00")
    assert code == 1
    assert "incident.yml: out of step with the policy (priority-table" in out
    assert "the form has no field with id 'scheduled-start', which dutydesk reads" in out


def test_validate_warns_when_no_one_can_approve_a_change(team: Path) -> None:
    policy = team / "policy.yaml"
    policy.write_text(
        policy.read_text().replace("approvers: [example-org/platform-team]", "approvers: []")
    )
    (team / "forms" / "incident.yml").write_text(
        (ROOT / ".github" / "ISSUE_TEMPLATE" / "incident.yml").read_text(), encoding="utf-8"
    )
    shutil.copytree(ROOT / "runbooks", team / "runbooks")
    code, out = _run(team, "validate", "--now", "2026-11-25T12:00:00+00:00")
    assert "warning: changes.approvers is empty, so no change request can ever be approved" in out
    assert code == 0  # a warning, not a finding
