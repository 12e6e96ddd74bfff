"""`dutydesk init`: adopting dutydesk in a repository that already has files of its own.

It writes what is missing and nothing else; a second run changes nothing and says so; the
result passes `dutydesk validate`; the workflows it writes are a few lines each, pass GitHub's
workflow schema and zizmor's auditor persona, and run, as written, against the local GitHub.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from dutydesk.adopt import DEFAULT_RELEASE, FILES, FIRST_RUNBOOK, Release, pin
from dutydesk.cli import cli
from e2e.fixtures import ROOT, VENV_BIN, checkout, github, issues_event
from e2e.server import TOKEN, GitHubServer
from e2e.workflow import run_workflow

__all__ = ["checkout", "github"]  # fixtures, imported for pytest

SHA = "0123456789abcdef0123456789abcdef01234567"
WORKFLOWS = [t for t, _ in FILES if t.startswith(".github/workflows/")]


@pytest.fixture
def team_repo(tmp_path: Path) -> Path:
    """An existing git repository with a README, a CI workflow and a policy of its own."""
    repo = tmp_path / "ops"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "README.md").write_text("# Our ops\n", encoding="utf-8")
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "ci.yml").write_text("name: ours\n", encoding="utf-8")
    return repo


def init(repo: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["init", str(repo), *args])
    return result.exit_code, result.output


def snapshot(repo: Path) -> dict[str, bytes]:
    return {
        p.relative_to(repo).as_posix(): p.read_bytes()
        for p in sorted(repo.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(repo).parts
    }


def test_init_writes_what_is_missing_and_leaves_the_teams_files_alone(team_repo: Path) -> None:
    own_policy = "bot: ours[bot]\n"
    (team_repo / "policy.yaml").write_text(own_policy, encoding="utf-8")
    before = snapshot(team_repo)

    code, output = init(team_repo)

    assert code == 0, output
    after = snapshot(team_repo)
    for path, content in before.items():  # nothing of theirs changed
        assert after[path] == content, path
    written = set(after) - set(before)
    assert written == {t for t, _ in FILES} - {"policy.yaml"} | {FIRST_RUNBOOK}
    assert "left alone policy.yaml: already there and different (yours is kept)" in output
    for path in written:
        assert f"wrote {path}" in output
    assert "Next steps:" in output and "labels sync" in output
    assert "Allow GitHub Actions to create and approve pull requests" in output
    assert "DUTYDESK_APP_PRIVATE_KEY" in output


def test_a_second_run_changes_nothing_and_says_so(team_repo: Path) -> None:
    assert init(team_repo)[0] == 0
    before = snapshot(team_repo)

    code, output = init(team_repo)

    assert code == 0, output
    assert snapshot(team_repo) == before
    assert "wrote" not in output
    assert output.rstrip().endswith("nothing to do: every file init writes is already there")


def test_the_result_passes_validate(team_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert init(team_repo)[0] == 0
    monkeypatch.chdir(team_repo)
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output


def test_the_written_workflows_are_thin_and_pinned(team_repo: Path) -> None:
    code, _ = init(team_repo, "--repository", "our-org/dutydesk", "--sha", SHA, "--tag", "v9.9.9")
    assert code == 0
    for path in WORKFLOWS:
        text = (team_repo / path).read_text(encoding="utf-8")
        spec = yaml.safe_load(text)
        assert len([line for line in text.splitlines() if line.strip()]) <= 30, path
        (job,) = spec["jobs"].values()
        uses = job["uses"]
        assert uses.startswith("our-org/dutydesk/.github/workflows/reusable-")
        called = uses.split("/", 2)[2].split("@")[0]
        assert (ROOT / called).is_file(), called
        assert uses.endswith(f"@{SHA}") and f"@{SHA} # v9.9.9" in text
        assert "$/" not in text


def test_the_written_workflows_pass_the_schema_and_zizmor(team_repo: Path) -> None:
    assert init(team_repo)[0] == 0
    files = [str(team_repo / path) for path in WORKFLOWS]
    schema = subprocess.run(
        [str(VENV_BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *files],
        capture_output=True,
        text=True,
        check=False,
    )
    assert schema.returncode == 0, schema.stdout + schema.stderr
    zizmor = subprocess.run(
        [str(VENV_BIN / "zizmor"), "--offline", "--no-progress", "--persona", "auditor", *files],
        capture_output=True,
        text=True,
        check=False,
    )
    assert zizmor.returncode == 0, zizmor.stdout + zizmor.stderr
    assert "No findings" in zizmor.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--sha", "abc123"], "not a full 40-character commit SHA"),
        (["--repository", "no-slash"], "is not OWNER/REPO"),
        (["--tag", "v 1"], "empty or has spaces"),
    ],
)
def test_a_bad_pin_is_refused_before_anything_is_written(
    team_repo: Path, args: list[str], message: str
) -> None:
    before = snapshot(team_repo)
    code, output = init(team_repo, *args)
    assert code == 2 and message in output
    assert snapshot(team_repo) == before


def test_init_into_a_file_or_a_missing_folder_says_so(tmp_path: Path) -> None:
    file = tmp_path / "notes.txt"
    file.write_text("x", encoding="utf-8")
    result = CliRunner().invoke(cli, ["init", str(file)])
    assert result.exit_code == 2 and "is a file, not a folder" in result.output
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "missing")])
    assert result.exit_code == 2 and "does not exist" in result.output


def test_a_file_that_cannot_be_written_is_named_with_what_was_written(team_repo: Path) -> None:
    (team_repo / "runbooks").write_text("a file where the folder goes", encoding="utf-8")
    code, output = init(team_repo)
    assert code == 2
    assert "cannot write" in output and "runbooks/TEMPLATE.md" in output
    assert "written before it: .github/ISSUE_TEMPLATE/config.yml" in output


def test_pin_changes_only_the_uses_lines() -> None:
    text = "a: 1\n    uses: $/.github/workflows/reusable-sweep.yml\n# uses: $/x\n"
    release = Release("o/r", SHA, "v1.2.3")
    assert pin(text, release) == (
        f"a: 1\n    uses: o/r/.github/workflows/reusable-sweep.yml@{SHA} # v1.2.3\n# uses: $/x\n"
    )
    assert DEFAULT_RELEASE.problems() == []


def test_the_written_events_workflow_runs_as_written_against_the_local_github(
    team_repo: Path, github: GitHubServer, checkout: Path, tmp_path: Path
) -> None:
    """The team's caller names dutydesk by OWNER/REPO@SHA: here that repository is a copy of
    this one, and the run reconciles the incident the event names."""
    from test_e2e_workflows import incident_body, people

    assert init(team_repo)[0] == 0
    people(github)
    issue = github.state.open_issue("alice", "[Incident] Down", incident_body(), ["incident"])
    event = issues_event(github, issue.number, "opened", "alice")
    env = {
        **github.environment(),
        "PATH": f"{VENV_BIN}:{Path(sys.executable).parent}:/usr/bin:/bin",
    }
    result = run_workflow(
        team_repo / ".github/workflows/dutydesk-events.yml",
        workspace=team_repo,
        tmp=tmp_path / "run",
        event_name="issues",
        event=event,
        environment=env,
        token=TOKEN,
        repositories={DEFAULT_RELEASE.repository: checkout},
        skip=("wait-for-due",),
    )

    assert result.ok, result.describe()
    assert result.jobs["reconcile"].outputs["due-soon"] == "true"
    assert "P1" in issue.labels
    lock = team_repo / ".dutydesk-cache" / "requirements.lock"  # the action's first step ran
    assert lock.read_bytes() == (ROOT / "requirements.lock").read_bytes()
