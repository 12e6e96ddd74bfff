"""The CLI as the workflows and people run it: exit codes, output, and what reaches GitHub."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import responses
from click.testing import CliRunner

from dutydesk.cli import cli
from dutydesk.forms import load_template, render_body

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "github"
HOST = "https://api.github.com:443"
REPO = f"{HOST}/repos/octo-org/ops"
GRAPHQL = f"{HOST}/graphql"
P1 = "P1 Critical – Complete outage or ongoing unauthorised access"

OPEN_P1 = '{at: 2026-11-23T10:00:00Z, by: a, open: incident, fields: {priority: "' + P1 + '"}}'

SCENARIO = f"""
description: A P1 at 10:00, nobody acknowledges
sweep_every: 60 minutes
until: 2026-11-23T11:00:00+00:00
steps:
  - at: 2026-11-23T10:00:00+00:00
    by: alice
    open: incident
    title: Payments API down
    fields: {{priority: "{P1}", service: Payments, description: All card payments fail}}
"""


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(ROOT)
    for name in ("GITHUB_TOKEN", "GITHUB_REPOSITORY", "GITHUB_EVENT_NAME", "GITHUB_EVENT_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("GITHUB_OUTPUT", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return CliRunner()


def test_help_lists_every_command(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in ("simulate", "parse", "validate", "labels", "event", "sweep"):
        assert name in result.output


def test_simulate_prints_a_readable_timeline(runner: CliRunner, tmp_path: Path) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    result = runner.invoke(cli, ["simulate", str(scenario)])
    assert result.exit_code == 0, result.output
    assert "alice opens incident: Payments API down" in result.output
    assert "incident.priority: add labels P1" in result.output
    assert "incident.escalation" in result.output


def test_simulate_json_is_one_action_a_line(runner: CliRunner, tmp_path: Path) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    result = runner.invoke(cli, ["simulate", str(scenario), "--json"])
    assert result.exit_code == 0, result.output
    *lines, summary = [json.loads(line) for line in result.output.splitlines()]
    assert lines and all({"at", "issue", "kind", "rule"} <= set(line) for line in lines)
    assert all(line["at"].endswith("Z") for line in lines), "always UTC, with Z"
    assert summary["kind"] == "summary" and summary["steps"] >= 1
    kinds = {line["kind"] for line in lines}
    assert kinds <= {
        "add_labels",
        "remove_labels",
        "comment",
        "assign",
        "close",
        "open_pull_request",
    }
    escalation = next(line for line in lines if line["rule"] == "incident.escalation")
    # Due at 10:20; the event job waits for it although the sweep runs only hourly.
    assert escalation["at"] <= "2026-11-23T10:25:00Z"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("steps: []", "non-empty list"),
        (
            "steps:\n  - {at: 2026-11-23T10:00:00+00:00, by: a, dance: {issue: 1}}",
            "step 1: needs exactly one of",
        ),
        (
            "steps:\n  - {at: 2026-11-23T10:00:00, by: a, open: incident}",
            "step 1: '2026-11-23T10:00:00' has no UTC offset",
        ),
        (
            "steps:\n  - {at: 2026-11-23T10:00:00Z, by: a, comment: {issue: 4, body: hi}}",
            "step 1: there is no issue #4",
        ),
        ("steps:\n  - {at: 2026-11-23T10:00:00Z, by: a, open: nosuchform}", "no form 'nosuchform'"),
        (
            "steps:\n  - {at: 2026-11-23T10:00:00Z, by: a, open: incident, fields: {colour: red}}",
            "has no field 'colour'",
        ),
        (
            "sweep_every: often\nsteps:\n  - {at: 2026-11-23T10:00:00Z, by: a, open: incident}",
            "sweep_every",
        ),
        ("steps: [\n", "invalid YAML"),
        (
            f"steps:\n  - {OPEN_P1}\n  - {{at: 2026-11-23T10:05:00Z, by: a, label: {{issue: 1, add: P2}}}}",
            "step 2: label.add must be a list",
        ),
        (
            f"steps:\n  - {OPEN_P1}\n  - {{at: 2026-11-23T10:05:00Z, by: a, assign: {{issue: 1, users: [{{a: 1}}]}}}}",
            "step 2: assign.users must be a list",
        ),
        (
            f"steps:\n  - {OPEN_P1}\n  - {{at: 2026-11-23T10:05:00Z, by: a, close: {{issue: 1, reason: x}}}}",
            "step 2: close takes issue; unknown reason",
        ),
        (
            f"steps:\n  - {OPEN_P1}\n  - {{at: 2026-11-23T10:05:00Z, by: a, comment: {{issue: true, body: hi}}}}",
            "step 2: issue must be an issue number",
        ),
        (
            f"steps:\n  - {OPEN_P1}\n  - {{at: 2026-11-23T10:05:00Z, by: null, comment: {{issue: 1, body: hi}}}}",
            "step 2: by None is not a GitHub login",
        ),
        (
            "steps:\n  - {at: 2026-11-23T10:00:00Z, by: a, open: incident, fields: {priority: P9 Whatever}}",
            "step 1: ",
        ),
        (f"people: {{writer: [a]}}\nsteps:\n  - {OPEN_P1}", "people: unknown keys ['writer']"),
        (
            f"people: {{teams: {{org/ops: carol}}}}\nsteps:\n  - {OPEN_P1}",
            "people.teams.org/ops must be a list",
        ),
        (f"until: 2026-11-23T09:00:00Z\nsteps:\n  - {OPEN_P1}", "is before the last step"),
        (
            f"sweep_every: 1 minute\nuntil: 2036-11-23T10:00:00Z\nsteps:\n  - {OPEN_P1}",
            "sweeps; sweep less often",
        ),
        (
            f"policy: {{priorities: {{P1: {{response: soon}}}}}}\nsteps:\n  - {OPEN_P1}",
            "with the policy: of",
        ),
    ],
    ids=[
        "no steps",
        "unknown verb",
        "naive time",
        "unknown issue",
        "unknown form",
        "unknown field",
        "bad sweep",
        "bad yaml",
        "labels as a string",
        "users not names",
        "unknown key in a verb",
        "issue as a boolean",
        "no actor",
        "answer not an option",
        "people typo",
        "team as a string",
        "until before a step",
        "too many sweeps",
        "bad policy override",
    ],
)
def test_a_malformed_scenario_names_the_step_and_the_problem(
    runner: CliRunner, tmp_path: Path, text: str, message: str
) -> None:
    scenario = tmp_path / "bad.yaml"
    scenario.write_text(text, encoding="utf-8")
    result = runner.invoke(cli, ["simulate", str(scenario)])
    assert result.exit_code == 2
    assert message in result.output


def test_parse_prints_the_answers_as_json(runner: CliRunner, tmp_path: Path) -> None:
    template = ROOT / ".github/ISSUE_TEMPLATE/incident.yml"
    body = render_body(load_template(template), {"priority": P1, "service": "Payments"})
    body_file = tmp_path / "body.md"
    body_file.write_text(body, encoding="utf-8")
    result = runner.invoke(cli, ["parse", "--template", str(template), str(body_file)])
    assert result.exit_code == 0, result.output
    answers = json.loads(result.output)
    assert answers["priority"] == [P1] and answers["service"] == "Payments"


def test_validate_passes_on_the_shipped_repository(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["validate", "--now", "2026-11-25T12:00:00+00:00"])
    assert result.exit_code == 0, result.output


def test_validate_reports_a_bad_policy_with_its_key(runner: CliRunner, tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("priorities:\n  P1:\n    response: soonish\n", encoding="utf-8")
    result = runner.invoke(cli, ["validate", "--policy", str(policy)])
    assert result.exit_code == 1
    assert "priorities.P1.response: found 'soonish'" in result.output


def test_validate_writes_annotations_in_actions(runner: CliRunner, tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("colour: red\n", encoding="utf-8")
    result = runner.invoke(
        cli, ["validate", "--policy", str(policy)], env={"GITHUB_ACTIONS": "true"}
    )
    assert result.exit_code == 1
    assert f"::error file={policy}::" in result.output


@pytest.mark.parametrize(
    "now", ["yesterday", "2026-11-23T10:00:00"], ids=["not a time", "no offset"]
)
def test_a_bad_now_is_a_usage_error(runner: CliRunner, now: str) -> None:
    result = runner.invoke(cli, ["sweep", "--now", now])
    assert result.exit_code == 2
    assert "--now" in result.output


def test_sweep_without_a_token_explains(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["sweep", "--repo", "octo-org/ops"])
    assert result.exit_code == 2
    assert "no GitHub token" in result.output


@pytest.mark.parametrize(
    ("repo", "message"),
    [
        (None, "no repository: pass --repo OWNER/NAME"),
        ("ops", "repository 'ops' is not OWNER/NAME"),
    ],
)
def test_sweep_without_a_repository_says_so(
    runner: CliRunner, repo: str | None, message: str
) -> None:
    args = ["sweep", *(["--repo", repo] if repo else [])]
    result = runner.invoke(cli, args, env={"GITHUB_TOKEN": "t0ken"})
    assert result.exit_code == 2
    assert message in result.output and "None" not in result.output


def _event(tmp_path: Path, name: str, payload: dict[str, Any]) -> dict[str, str]:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    return {
        "GITHUB_EVENT_NAME": name,
        "GITHUB_EVENT_PATH": str(path),
        "GITHUB_TOKEN": "t0ken",
        "GITHUB_REPOSITORY": "octo-org/ops",
        "GITHUB_API_URL": "https://api.github.com",
        "GITHUB_OUTPUT": str(tmp_path / "output"),
    }


def _issue_payload() -> dict[str, Any]:
    issue = json.loads((FIXTURES / "issue.json").read_text(encoding="utf-8"))
    template = load_template(ROOT / ".github/ISSUE_TEMPLATE/incident.yml")
    issue["body"] = render_body(template, {"priority": P1, "service": "Payments"})
    issue["comments"] = 0
    return issue


def _graphql_issue(issue: dict[str, Any]) -> dict[str, Any]:
    """GitHub's GraphQL snapshot of a REST issue payload: never edited, no comments or events."""
    empty: dict[str, Any] = {"pageInfo": {"hasNextPage": False, "endCursor": None}, "nodes": []}
    return {
        "number": issue["number"],
        "title": issue["title"],
        "body": issue["body"],
        "state": issue["state"].upper(),
        "createdAt": issue["created_at"],
        "updatedAt": issue["updated_at"],
        "closedAt": issue["closed_at"],
        "lastEditedAt": None,
        "includesCreatedEdit": False,
        "author": {"__typename": "User", "login": issue["user"]["login"]},
        "editor": None,
        "labels": {**empty, "nodes": [{"name": label["name"]} for label in issue["labels"]]},
        "assignees": empty,
        "comments": empty,
        "timelineItems": empty,
        "userContentEdits": empty,
    }


def test_event_reconciles_the_issue_and_writes_to_github(runner: CliRunner, tmp_path: Path) -> None:
    issue = _issue_payload()
    env = _event(tmp_path, "issues", {"action": "opened", "issue": issue})
    with responses.RequestsMock() as github:
        github.post(GRAPHQL, json={"data": {"repository": {"issue": _graphql_issue(issue)}}})
        github.get(f"{REPO}/collaborators", json=[])
        github.get(f"{HOST}/orgs/example-org/teams/platform-team/members", json=[])
        labels = github.post(f"{REPO}/issues/1/labels", json=[])
        comment = github.post(f"{REPO}/issues/1/comments", status=201, json={"id": 5})
        result = runner.invoke(cli, ["event", "--now", "2026-11-23T10:01:00+00:00"], env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(labels.calls[0].request.body) == {"labels": ["P1"]}
    assert json.loads(comment.calls[0].request.body)["body"].startswith(
        "<!-- dutydesk:incident.status -->"
    )
    output = (tmp_path / "output").read_text(encoding="utf-8")
    assert "due-soon=true" in output  # the escalation at 10:20 is within wait_for_due


def test_event_dry_run_writes_nothing(runner: CliRunner, tmp_path: Path) -> None:
    issue = _issue_payload()
    env = _event(tmp_path, "issues", {"action": "opened", "issue": issue})
    with responses.RequestsMock() as github:
        github.post(GRAPHQL, json={"data": {"repository": {"issue": _graphql_issue(issue)}}})
        github.get(f"{REPO}/collaborators", json=[])
        github.get(f"{HOST}/orgs/example-org/teams/platform-team/members", json=[])
        result = runner.invoke(
            cli, ["event", "--dry-run", "--json", "--now", "2026-11-23T10:01:00+00:00"], env=env
        )
        assert all(c.request.method == "GET" or c.request.url == GRAPHQL for c in github.calls)
    assert result.exit_code == 0, result.output
    planned = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert {"incident.priority", "incident.status"} <= {p["rule"] for p in planned}


def test_an_event_about_a_pull_request_does_nothing(runner: CliRunner, tmp_path: Path) -> None:
    env = _event(
        tmp_path,
        "issue_comment",
        {"action": "created", "issue": {"number": 2, "pull_request": {"url": "u"}}},
    )
    result = runner.invoke(cli, ["event"], env=env)
    assert result.exit_code == 0
    assert "nothing to do" in result.output


def test_sweep_reconciles_every_open_item_and_writes_a_summary(
    runner: CliRunner, tmp_path: Path
) -> None:
    issue = _issue_payload()
    env = _event(tmp_path, "schedule", {})
    env["GITHUB_STEP_SUMMARY"] = str(tmp_path / "summary.md")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as github:
        github.get(f"{REPO}/collaborators", json=[])
        github.get(f"{HOST}/orgs/example-org/teams/platform-team/members", json=[])
        listing = github.post(
            GRAPHQL,
            json={
                "data": {
                    "repository": {
                        "issues": {
                            "pageInfo": {
                                "hasNextPage": False,
                                "endCursor": "Y3Vyc29yOnYyOpHOAAAAAQ==",
                            },
                            "nodes": [_graphql_issue(issue)],
                        }
                    }
                }
            },
        )
        result = runner.invoke(
            cli, ["sweep", "--dry-run", "--now", "2026-11-23T10:30:00+00:00"], env=env
        )
        assert all(c.request.method == "GET" or c.request.url == GRAPHQL for c in github.calls)
    assert listing.call_count == 1  # one listing, whatever the number of watched labels
    assert result.exit_code == 0, result.output
    assert "would: #1 incident.escalation" in result.output
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert "| #1 | \\[Incident\\] Payments API down |" in summary  # brackets shown, never a link


def test_labels_sync_creates_only_what_is_missing_or_different(
    runner: CliRunner, tmp_path: Path
) -> None:
    env = _event(tmp_path, "workflow_dispatch", {})
    from dutydesk.policy import load_policy

    policy = load_policy(ROOT / "policy.yaml")
    existing = [
        {
            "name": s.name,
            "color": s.color,
            "description": s.description,
            "id": i,
            "url": f"{REPO}/labels/{s.name}",
            "default": False,
        }
        for i, s in enumerate(policy.labels.values())
        if s.name != "sla-missed"
    ]
    with responses.RequestsMock() as github:
        github.get(f"{REPO}/labels", json=existing)
        created = github.post(
            f"{REPO}/labels",
            status=201,
            json={"name": "sla-missed", "color": "b60205", "url": f"{REPO}/labels/sla-missed"},
        )
        result = runner.invoke(cli, ["labels", "sync"], env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(created.calls[0].request.body)["name"] == "sla-missed"
    assert "1 label(s) changed" in result.output


def test_simulate_without_forms_explains(runner: CliRunner, tmp_path: Path) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    result = runner.invoke(cli, ["simulate", str(scenario), "--forms", str(tmp_path / "none")])
    assert result.exit_code == 2
    assert str(tmp_path / "none") in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["simulate", "{bin}"],
        ["validate", "--policy", "{bin}"],
        ["rota", "--policy", "{bin}"],
        ["parse", "--template", ".github/ISSUE_TEMPLATE/incident.yml", "{bin}"],
        ["event", "--event-name", "issues", "--event-path", "{bin}"],
    ],
    ids=["scenario", "policy for validate", "policy for rota", "issue body", "event payload"],
)
def test_a_file_that_is_not_utf8_is_explained(
    runner: CliRunner, tmp_path: Path, args: list[str]
) -> None:
    binary = tmp_path / "bin.dat"
    binary.write_bytes(b"\xff\xfe\x00\x81 not text \xc3")
    result = runner.invoke(cli, [a.replace("{bin}", str(binary)) for a in args])
    assert result.exit_code in (1, 2)
    assert "UTF-8" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_validate_reports_a_missing_form_and_a_label_the_policy_renamed(
    runner: CliRunner, tmp_path: Path
) -> None:
    forms = tmp_path / "forms"
    forms.mkdir()
    for name in ("incident.yml", "out-of-hours-change.yml"):
        (forms / name).write_bytes((ROOT / ".github/ISSUE_TEMPLATE" / name).read_bytes())
    policy = tmp_path / "policy.yaml"
    policy.write_text("labels:\n  incident: inc\n", encoding="utf-8")
    result = runner.invoke(
        cli,
        [
            "validate",
            "--policy",
            str(policy),
            "--forms",
            str(forms),
            "--now",
            "2026-11-25T12:00:00Z",
        ],
    )
    assert result.exit_code == 1
    assert "the planned-maintenance form is missing" in result.output
    assert "lack 'inc', the policy's labels.incident" in result.output


@pytest.mark.parametrize("status", [401, 403, 500, 502], ids=lambda s: f"GitHub answers {s}")
def test_the_token_never_appears_in_output_or_errors(
    runner: CliRunner, tmp_path: Path, status: int
) -> None:
    token = "ghs_s3cretTOKENvalue1234567890"
    issue = _issue_payload()
    env = _event(tmp_path, "issues", {"action": "opened", "issue": issue})
    env["GITHUB_TOKEN"] = token
    with responses.RequestsMock(assert_all_requests_are_fired=False) as github:
        github.post(
            GRAPHQL, status=status, json={"message": f"Bad credentials for token {token[:4]}…"}
        )
        github.get(f"{REPO}/collaborators", status=status, json={"message": "no"})
        github.get(
            f"{HOST}/orgs/example-org/teams/platform-team/members",
            status=status,
            json={"message": "no"},
        )
        result = runner.invoke(
            cli, ["event", "--dry-run", "--now", "2026-11-23T10:01:00+00:00"], env=env
        )
    assert result.exit_code != 0
    assert token not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize(("args", "hint"), [([], True), (["--forms", "elsewhere"], False)])
def test_the_forms_hint_is_given_only_when_forms_was_not(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], hint: bool
) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # no .github/ISSUE_TEMPLATE here
    policy = str(ROOT / "policy.yaml")
    result = runner.invoke(cli, ["simulate", str(scenario), "--policy", policy, *args])
    assert result.exit_code != 0
    assert ("give the forms folder with --forms" in result.output) is hint
