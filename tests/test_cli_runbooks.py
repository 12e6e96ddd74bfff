"""`dutydesk runbooks status|validate|renew` through click's CliRunner."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click
import pytest
import responses
from click.testing import CliRunner, Result
from responses import matchers

from dutydesk.cli.runbooks import runbooks
from memory_runbook_store import MemoryRunbookStore
from notify_servers import BOT_TOKEN, Hooks

FIXTURES = Path(__file__).parent / "fixtures" / "runbooks"
NOW = "2026-11-25T09:00:00Z"
HOST = "https://api.github.com:443"
REPO = f"{HOST}/repos/example-org/ops"


def runbook_text(expires: str, owner: str = "example-org/payments-team", title: str = "A") -> str:
    return (
        f"---\ncategory: runbooks\nexpires: {expires}\nowner: {owner}\n---\n# {title} Runbook\n\n"
        "## Description\n## Incident response hours\n## Incident contact details\n"
        "## URLs\n## Docs\n## Service team (non-urgent issues)\n"
    )


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An operations repository: policy.yaml and a runbooks folder; no token around."""
    for name in ("GITHUB_TOKEN", "GITHUB_REPOSITORY", "GITHUB_API_URL"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "policy.yaml").write_text("runbooks:\n  max_pull_requests_per_run: 2\n")
    folder = tmp_path / "runbooks"
    folder.mkdir()
    (folder / "payments-api.md").write_text(runbook_text("2026-11-02", title="Payments API"))
    (folder / "status-page.md").write_text(runbook_text("2027-03-31", title="Status Page"))
    (folder / "broken.md").write_text((FIXTURES / "broken-yaml.md").read_text())
    return tmp_path


def run(repo: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(
        runbooks, [args[0], "--policy", str(repo / "policy.yaml"), *args[1:]], env=env
    )


# -- status ------------------------------------------------------------------------------


def test_status_lists_every_runbook_with_its_state_and_exits_0(repo: Path) -> None:
    result = run(repo, "status", "--now", NOW)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["invalid", "expired", "ok"]
    assert lines[1].split()[1:4] == [
        "2026-11-02",
        "runbooks/payments-api.md",
        "example-org/payments-team",
    ]
    assert "the front matter is not valid YAML" in lines[0]


def test_status_json_is_one_object_a_line(repo: Path) -> None:
    result = run(repo, "status", "--json", "--now", NOW)
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert records[1] == {
        "path": "runbooks/payments-api.md",
        "expires": "2026-11-02",
        "state": "expired",
        "owner": ["example-org/payments-team"],
        "error": None,
        "owner_from": "owner",
        "owner_slack": [],
        "findings": [],
    }
    assert records[0]["state"] == "invalid" and records[0]["expires"] is None
    assert records[0]["error"].startswith("the front matter is not valid YAML at line 5")
    assert records[2]["state"] == "ok"


def test_due_soon_is_within_the_warning_window(repo: Path) -> None:
    result = run(repo, "status", "--json", "--now", "2027-03-20T12:00:00+00:00")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    states = {record["path"]: record["state"] for record in records}
    assert states["runbooks/status-page.md"] == "due-soon"


def test_status_reads_the_clock_when_no_now_is_given(repo: Path) -> None:
    assert run(repo, "status").exit_code == 0


# -- validate ----------------------------------------------------------------------------


def test_validate_reports_invalid_runbooks_and_missing_sections_and_exits_1(repo: Path) -> None:
    result = run(repo, "validate")
    assert result.exit_code == 1
    (repo / "runbooks" / "thin.md").write_text(
        "---\ncategory: runbooks\nexpires: 2027-01-01\nowner: a\n---\n# Thin\n## Docs\n"
    )
    assert result.stdout.splitlines() == [
        "runbooks/broken.md: the front matter is not valid YAML at line 5 "
        "(expected ',' or ']', but got '<stream end>'); fix it",
    ]
    assert "1 problem(s) in 3 runbook(s)" in result.stderr
    result = run(repo, "validate", "--json")
    assert [json.loads(line)["kind"] for line in result.stdout.splitlines()] == [
        "invalid",
        "missing-sections",
    ]


def test_validate_exits_0_when_every_runbook_is_well_formed(repo: Path) -> None:
    (repo / "runbooks" / "broken.md").unlink()
    result = run(repo, "validate", "--json")
    assert (result.exit_code, result.stdout) == (0, "")
    assert "2 runbook(s): valid" in result.stderr


# -- usage errors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(("status", "--now", "yesterday"), "is not ISO 8601", id="unreadable-now"),
        pytest.param(("status", "--now", "2026-11-25T09:00"), "has no UTC offset", id="naive-now"),
        pytest.param(("renew", "--now", NOW), "no GitHub token", id="renew-without-a-token"),
    ],
)
def test_usage_errors_exit_2(repo: Path, args: tuple[str, ...], message: str) -> None:
    result = run(repo, *args)
    assert result.exit_code == 2
    assert message in result.output


def test_a_missing_policy_or_folder_exits_2_naming_it(repo: Path) -> None:
    result = CliRunner().invoke(runbooks, ["status", "--policy", str(repo / "nope.yaml")])
    assert result.exit_code == 2 and "nope.yaml" in result.stderr
    (repo / "policy.yaml").write_text("runbooks:\n  folder: docs/runbooks\n")
    result = run(repo, "status")
    assert result.exit_code == 2
    assert "docs/runbooks does not exist (policy key runbooks.folder)" in result.stderr


def test_every_option_has_help() -> None:
    assert isinstance(runbooks, click.Group)
    for command in runbooks.commands.values():
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"{command.name} {param.opts}"


# -- renew, dry run ----------------------------------------------------------------------


def test_a_dry_run_without_a_token_plans_from_the_files_and_says_so(repo: Path) -> None:
    result = run(repo, "renew", "--dry-run", "--now", NOW)
    assert result.exit_code == 0, result.output
    assert (
        "dry run without GITHUB_TOKEN: planned from the files alone, "
        "as if no review pull request were open"
    ) in result.stderr
    assert "runbooks/broken.md: invalid, not renewed" in result.stderr
    assert result.stdout.splitlines()[:4] == [
        "runbook.renewal: open pull request dutydesk/runbook-review/runbooks-payments-api: "
        "Review runbook: Payments API (review was due 2026-11-02)",
        "  path: runbooks/payments-api.md",
        "  reviewers: example-org/payments-team",
        "  labels: runbook-review",
    ]
    assert "-expires: 2026-11-02\n+expires: 2027-05-25\n" in result.stdout
    assert "would open 1 review pull request(s)" in result.stderr


def test_a_dry_run_prints_json_actions_with_path_branch_title_and_diff(repo: Path) -> None:
    result = run(repo, "renew", "--dry-run", "--json", "--now", NOW)
    [action] = [json.loads(line) for line in result.stdout.splitlines()]
    assert action["kind"] == "open_pull_request" and action["rule"] == "runbook.renewal"
    assert action["path"] == "runbooks/payments-api.md"
    assert action["branch"] == "dutydesk/runbook-review/runbooks-payments-api"
    assert action["title"] == "Review runbook: Payments API (review was due 2026-11-02)"
    assert action["labels"] == ["runbook-review"]
    assert action["reviewers"] == ["example-org/payments-team"]
    assert action["diff"].startswith("--- a/runbooks/payments-api.md\n+++ b/runbooks/")
    assert "Not looked up" in action["body"]
    assert action["at"] == "2026-11-25T09:00:00Z"


def test_a_run_opens_at_most_max_pull_requests_per_run(repo: Path) -> None:
    for i in range(5):
        (repo / "runbooks" / f"old-{i}.md").write_text(runbook_text(f"2026-0{i + 1}-01"))
    result = run(repo, "renew", "--dry-run", "--json", "--now", NOW)
    paths = [json.loads(line)["path"] for line in result.stdout.splitlines()]
    assert paths == ["runbooks/old-0.md", "runbooks/old-1.md"]  # most overdue first
    assert (
        "4 more expired runbook(s) wait for a later run "
        "(runbooks.max_pull_requests_per_run: 2)" in result.stderr
    )


# -- renew against GitHub ----------------------------------------------------------------


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[responses.RequestsMock]:
    monkeypatch.setattr("github.Requester.time.sleep", lambda _: None)  # PyGithub's write gap
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def _fixture(name: str) -> Any:
    text = (FIXTURES / "github" / name).read_text(encoding="utf-8")
    return json.loads(text.replace("octocat/Hello-World", "example-org/ops"))


def _pull(number: int, ref: str, **fields: Any) -> dict[str, Any]:
    pull = _fixture("pulls-list.json")[0]
    pull.update(number=number, **fields)
    pull["url"] = f"https://api.github.com/repos/example-org/ops/pulls/{number}"
    pull["html_url"] = f"https://github.com/example-org/ops/pull/{number}"
    pull["issue_url"] = f"https://api.github.com/repos/example-org/ops/issues/{number}"
    pull["head"]["ref"] = ref
    pull["base"]["repo"]["owner"]["login"] = "example-org"
    return pull


ENV = {"GITHUB_TOKEN": "t0ken", "GITHUB_REPOSITORY": "example-org/ops"}


def test_renew_skips_an_open_review_and_opens_the_other(
    repo: Path, github: responses.RequestsMock
) -> None:
    import base64

    (repo / "runbooks" / "notifications.md").write_text(runbook_text("2026-10-01", "alice-oncall"))
    open_review = _pull(12, "dutydesk/runbook-review/runbooks-payments-api")
    github.get(f"{REPO}/pulls", json=[open_review])
    github.get(
        f"{REPO}/commits",
        json=[],
        match=[
            matchers.query_param_matcher({"path": "runbooks/notifications.md"}, strict_match=False)
        ],
    )
    repository = _fixture("repository.json")
    repository["default_branch"] = "main"
    github.get(REPO, json=repository)
    branch = _fixture("branch.json")
    github.get(f"{REPO}/branches/main", json=branch)
    content = _fixture("content-file.json")
    text = (repo / "runbooks" / "notifications.md").read_text()
    content.update(content=base64.b64encode(text.encode()).decode(), sha="b10b")
    github.get(f"{REPO}/contents/runbooks/notifications.md", json=content)
    github.post(f"{REPO}/git/refs", json=_fixture("git-ref.json"), status=201)
    github.put(f"{REPO}/contents/runbooks/notifications.md", json=_fixture("file-commit.json"))
    github.post(
        f"{REPO}/pulls",
        json=_pull(42, "dutydesk/runbook-review/runbooks-notifications"),
        status=201,
    )
    github.post(f"{REPO}/pulls/42/requested_reviewers", json=_pull(42, "x"), status=201)
    github.post(f"{REPO}/issues/42/labels", json=_fixture("labels.json"))

    result = run(repo, "renew", "--now", NOW, env=ENV)

    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "opened https://github.com/example-org/ops/pull/42 for runbooks/notifications.md\n"
    )
    assert "runbooks/payments-api.md: review pull request #12 is open" in result.stderr
    assert "opened 1 review pull request(s), 0 failed" in result.stderr
    assert len(github.calls) == 1 + 1 + 2 + 6
    created = json.loads(github.calls[7].request.body or "{}")
    assert created["head"] == "dutydesk/runbook-review/runbooks-notifications"
    assert created["base"] == "main"
    assert json.loads(github.calls[8].request.body or "{}") == {"reviewers": ["alice-oncall"]}


def test_renew_exits_1_when_a_pull_request_cannot_be_opened(
    repo: Path, github: responses.RequestsMock
) -> None:
    github.get(f"{REPO}/pulls", json=[])
    github.get(f"{REPO}/commits", json=[])
    repository = _fixture("repository.json")
    repository["default_branch"] = "main"
    github.get(REPO, json=repository)
    github.get(f"{REPO}/branches/main", json=_fixture("branch.json"))
    github.get(
        f"{REPO}/contents/runbooks/payments-api.md",
        status=404,
        json={"message": "Not Found", "status": "404"},
    )

    result = run(repo, "renew", "--json", "--now", NOW, env=ENV)

    assert result.exit_code == 1
    [record] = [json.loads(line) for line in result.stdout.splitlines()]
    assert record == {
        "path": "runbooks/payments-api.md",
        "branch": "dutydesk/runbook-review/runbooks-payments-api",
        "number": None,
        "url": None,
        "error": "reading runbooks/payments-api.md: GitHub answered 404: Not Found",
    }
    assert "opened 0 review pull request(s), 1 failed" in result.stderr


def test_a_dry_run_with_a_token_reads_github_but_writes_nothing(
    repo: Path, github: responses.RequestsMock
) -> None:
    closed = _pull(
        12,
        "dutydesk/runbook-review/runbooks-payments-api",
        state="closed",
        closed_at="2026-11-20T10:00:00Z",
        merged_at=None,
    )
    github.get(f"{REPO}/pulls", json=[closed])

    result = run(repo, "renew", "--dry-run", "--now", NOW, env=ENV)

    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert (
        "runbooks/payments-api.md: review pull request #12 was closed without merging; "
        "the next one opens on or after 2026-12-20" in result.stderr
    )
    assert [c.request.method for c in github.calls] == ["GET"]


# -- a tech-docs site --------------------------------------------------------------------

TECH_DOCS = FIXTURES / "tech-docs"


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of tests/fixtures/runbooks/tech-docs: a GOV.UK tech-docs site's repository."""
    for name in ("GITHUB_TOKEN", "GITHUB_REPOSITORY", "GITHUB_API_URL"):
        monkeypatch.delenv(name, raising=False)
    return Path(shutil.copytree(TECH_DOCS, tmp_path / "site"))


def records(result: Result) -> dict[str, dict[str, Any]]:
    return {r["path"]: r for r in map(json.loads, result.stdout.splitlines())}


def test_status_lists_every_page_of_a_tech_docs_site_nested_and_of_every_kind(site: Path) -> None:
    result = run(site, "status", "--json", "--now", NOW)
    assert result.exit_code == 0, result.output
    states = {path: r["state"] for path, r in records(result).items()}
    assert states == {
        "source/guides/getting-started.md.erb": "untracked",
        "source/guides/restart-workers.html.md.erb": "invalid",  # category: runbooks, no date
        "source/index.html.md.erb": "untracked",
        "source/manual/alerts/disk-full.html.md.erb": "ok",
        "source/manual/alerts/high-cpu.html.md.erb": "expired",
        "source/manual/broken/far-future.html.md.erb": "invalid",
        "source/manual/broken/overflow.html.md.erb": "invalid",
        "source/manual/broken/too-far.html.md.erb": "invalid",
        "source/manual/on-call.html.md": "ok",
        "source/manual/payments-api.html.md.erb": "expired",
        "source/standards/unowned.markdown": "expired",
    }  # source/README.md is skipped


def test_tech_docs_reviewers_are_owner_else_codeowners_and_owner_slack_is_carried(
    site: Path,
) -> None:
    found = records(run(site, "status", "--json", "--now", NOW))
    owners = {p: (r["owner"], r["owner_from"], r["owner_slack"]) for p, r in found.items()}
    assert owners["source/manual/alerts/high-cpu.html.md.erb"] == (
        ["example-org/platform-team", "bob-sre"],  # the last matching line of .github/CODEOWNERS
        "CODEOWNERS",
        ["#platform-alerts"],
    )
    assert owners["source/manual/alerts/disk-full.html.md.erb"] == (
        ["alice-oncall"],
        "owner",
        ["@alice"],
    )
    assert owners["source/manual/on-call.html.md"][:2] == (["example-org/ops-team"], "CODEOWNERS")
    unowned = found["source/standards/unowned.markdown"]
    assert (unowned["owner"], unowned["error"]) == ([], None)
    assert unowned["findings"] == [
        "no owner, so nobody is asked to review it: add `owner:` with the GitHub logins or "
        "org/team slugs who review this page, or add a line for this file in .github/CODEOWNERS"
    ]


def test_tech_docs_dates_the_gem_reads_give_the_gems_review_dates(site: Path) -> None:
    found = records(run(site, "status", "--json", "--now", NOW))
    expires = {p.rsplit("/", 1)[-1]: r["expires"] for p, r in found.items() if r["expires"]}
    assert expires == {
        "disk-full.html.md.erb": "2027-01-01",  # 3 months
        "high-cpu.html.md.erb": "2025-07-16",  # 2025-1-16 plus six months
        "on-call.html.md": "2027-06-01",  # a year
        "payments-api.html.md.erb": "2026-11-20",
        "unowned.markdown": "2026-01-24",  # 1 fortnight
    }


def test_status_as_text_shows_the_state_reviewers_and_slack(site: Path) -> None:
    lines = run(site, "status", "--now", NOW).stdout.splitlines()
    line = next(x for x in lines if "high-cpu" in x)
    assert line.split()[:3] == [
        "expired",
        "2025-07-16",
        "source/manual/alerts/high-cpu.html.md.erb",
    ]
    assert line.endswith("example-org/platform-team, bob-sre (CODEOWNERS); slack #platform-alerts")
    assert next(x for x in lines if "index" in x).endswith("no review date")


def test_validate_on_a_tech_docs_site_reports_each_bad_page_once_and_goes_on(site: Path) -> None:
    result = run(site, "validate", "--json", "--now", NOW)
    assert result.exit_code == 1
    found = [
        (r["path"].rsplit("/", 1)[-1], r["kind"])
        for r in map(json.loads, result.stdout.splitlines())
    ]
    assert found == [
        ("restart-workers.html.md.erb", "invalid"),
        ("restart-workers.html.md.erb", "missing-sections"),
        ("far-future.html.md.erb", "invalid"),
        ("overflow.html.md.erb", "invalid"),
        ("too-far.html.md.erb", "invalid"),
        ("unowned.markdown", "no-owner"),
    ]  # guides and index pages are not held to the runbook template
    assert "6 problem(s) in 9 runbook(s), 2 untracked page(s)" in result.stderr


def test_validate_says_when_no_page_matches_the_include_globs(site: Path) -> None:
    (site / "policy.yaml").write_text("runbooks:\n  folder: source\n  include: ['*.txt']\n")
    result = run(site, "validate")
    assert result.exit_code == 1
    assert "match runbooks.include (*.txt)" in result.stderr
    assert "0 runbook(s)" not in result.stderr


def test_the_include_globs_choose_the_pages(site: Path) -> None:
    (site / "policy.yaml").write_text(
        "runbooks:\n  folder: source\n  include: ['manual/**/*.html.md.erb']\n"
    )
    paths = list(records(run(site, "status", "--json", "--now", NOW)))
    assert paths == [
        "source/manual/alerts/disk-full.html.md.erb",
        "source/manual/alerts/high-cpu.html.md.erb",
        "source/manual/broken/far-future.html.md.erb",
        "source/manual/broken/overflow.html.md.erb",
        "source/manual/broken/too-far.html.md.erb",
        "source/manual/payments-api.html.md.erb",
    ]


def test_renew_dry_run_on_a_tech_docs_site_plans_the_expired_pages_only(site: Path) -> None:
    result = run(site, "renew", "--dry-run", "--json", "--now", NOW)
    assert result.exit_code == 0, result.output
    actions = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(a["path"], a["reviewers"]) for a in actions] == [
        ("source/manual/alerts/high-cpu.html.md.erb", ["example-org/platform-team", "bob-sre"]),
        ("source/standards/unowned.markdown", []),
        ("source/manual/payments-api.html.md.erb", ["example-org/ops-team"]),
    ]  # most overdue first
    for name in ("far-future", "overflow", "too-far", "restart-workers"):
        assert f"{name}.html.md.erb: invalid, not renewed" in result.stderr
    assert "unowned.markdown: no reviewers to ask" in result.stderr
    assert "would open 3 review pull request(s)" in result.stderr


def test_a_tech_docs_renewal_changes_one_line_and_writes_yyyy_mm_dd(site: Path) -> None:
    [high_cpu, *_] = [
        json.loads(line)
        for line in run(site, "renew", "--dry-run", "--json", "--now", NOW).stdout.splitlines()
    ]
    removed = [
        x for x in high_cpu["diff"].splitlines() if x.startswith("-") and not x.startswith("---")
    ]
    added = [
        x for x in high_cpu["diff"].splitlines() if x.startswith("+") and not x.startswith("+++")
    ]
    assert (removed, added) == (["-last_reviewed_on: 2025-1-16"], ["+last_reviewed_on: 2026-11-25"])
    assert high_cpu["title"] == "Review runbook: High CPU on hosts (review was due 2025-07-16)"


def test_the_review_pull_request_states_the_pages_review_in_and_slack_owner(site: Path) -> None:
    actions = [
        json.loads(line)
        for line in run(site, "renew", "--dry-run", "--json", "--now", NOW).stdout.splitlines()
    ]
    bodies = {a["path"].rsplit("/", 1)[-1]: a["body"] for a in actions}
    assert "reviewed every six months)" in bodies["high-cpu.html.md.erb"]
    assert "review period 6 months" not in bodies["high-cpu.html.md.erb"]
    assert "Owner on Slack: `#platform-alerts`." in bodies["high-cpu.html.md.erb"]
    assert "reviewed every 1 fortnight)" in bodies["unowned.markdown"]
    assert "Nobody was asked to review this" in bodies["unowned.markdown"]
    assert "so the next review is due 2027-05-25" in bodies["payments-api.html.md.erb"]


# -- renew tells runbook.review_opened outside GitHub, once ------------------------------


@pytest.fixture
def hooks() -> Iterator[Hooks]:
    with Hooks() as server:
        yield server


NOTIFYING = """\
runbooks:
  max_pull_requests_per_run: 2
notifications:
  channels:
    ops: {{slack: {{webhook_url_env: OPS_SLACK_WEBHOOK}}}}
    ops-bot: {{slack: {{token_env: SLACK_BOT_TOKEN, channel: "#ops", api_url: "{api}"}}}}
  routes:
    - {{channel: ops, events: [runbook.review_opened]}}
    - {{channel: ops-bot, events: [runbook.review_opened], to: owner_slack}}
"""


@dataclass
class Renewals:
    """`runbooks renew` against the in-memory store, with Slack stand-ins on 127.0.0.1."""

    repo: Path
    hooks: Hooks
    store: MemoryRunbookStore
    summary: Path

    def run(self, now: datetime, *args: str) -> Result:
        self.store.now = now
        env = {
            "GITHUB_TOKEN": "t0ken",
            "GITHUB_REPOSITORY": "example-org/ops",
            "GITHUB_STEP_SUMMARY": str(self.summary),
            "OPS_SLACK_WEBHOOK": f"{self.hooks.url}/slack/T0/B0/secretWebhookToken",
            "SLACK_BOT_TOKEN": BOT_TOKEN,
        }
        return run(self.repo, "renew", "--now", now.isoformat(), *args, env=env)

    def told(self) -> list[tuple[str, str]]:
        """(service, where) of each message that arrived: the webhook, or the bot's channel."""
        return [(r.service, r.body.get("channel", "webhook")) for r in self.hooks.received]


@pytest.fixture
def renewals(repo: Path, hooks: Hooks, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Renewals:
    """Two expired runbooks, one with `owner_slack: '#payments'`; renew reaches GitHub through
    the in-memory store (its pull requests are issues for the bot's comments)."""
    from dutydesk.cli import runbooks as cli

    (repo / "policy.yaml").write_text(NOTIFYING.format(api=f"{hooks.url}/api/"))
    payments = runbook_text("2026-10-01", title="Card Payments").replace(
        "---\n#", "owner_slack: '#payments'\n---\n#"
    )
    (repo / "runbooks" / "card-payments.md").write_text(payments)
    files = {
        f"runbooks/{f.name}": f.read_text() for f in (repo / "runbooks").iterdir() if f.is_file()
    }
    store = MemoryRunbookStore(files=files)
    monkeypatch.setattr(cli, "_github", lambda *_: cli.GitHubSide(store, store.github))
    return Renewals(repo, hooks, store, tmp_path / "summary.md")


RUN = datetime(2026, 11, 25, 8, 41, tzinfo=UTC)


def test_renew_tells_each_channel_once_and_never_twice_across_runs(renewals: Renewals) -> None:
    first = renewals.run(RUN)
    assert first.exit_code == 0, first.output
    assert "opened 2 review pull request(s), 0 failed" in first.stderr
    assert sorted(renewals.told()) == [
        ("slack", "webhook"),
        ("slack", "webhook"),
        ("slack_api", "#ops"),  # payments-api has no owner_slack: the channel's own
        ("slack_api", "#payments"),  # card-payments' owner_slack
    ]
    assert renewals.hooks.problems == []
    webhook = [r.body["text"] for r in renewals.hooks.received if r.service == "slack"]
    assert any(
        t.startswith("*#1* Runbook review overdue (due 2026-10-01): Card Payments\n")
        and "#payments: please review the runbook" in t
        and t.endswith("<https://github.com/example-org/ops/pull/1|Open #1 on GitHub>")
        for t in webhook
    ), webhook
    for pull in (1, 2):
        [record] = [
            c for c in renewals.store.github.get_issue(pull).comments if "dutydesk-sent" in c.body
        ]
        assert record.body.count("<!-- dutydesk-sent ") == 2
    for later in (RUN, RUN + timedelta(hours=1), RUN + timedelta(hours=23)):
        again = renewals.run(later)
        assert again.exit_code == 0, again.output
        assert "review pull request #1 is open" in again.stderr
        assert len(renewals.hooks.received) == 4  # nothing sent twice
    assert not renewals.summary.exists()


def test_a_failed_delivery_is_reported_retried_next_run_and_stops_nothing(
    renewals: Renewals,
) -> None:
    del renewals.hooks.conversations["#payments"]  # the bot is not in the channel yet
    first = renewals.run(RUN)
    assert first.exit_code == 0, first.output
    assert "opened 2 review pull request(s), 0 failed" in first.stderr
    assert (
        "notification to ops-bot about #1 (runbook.review_opened) failed: Slack answered 200 "
        "channel_not_found for #payments; it is tried again on the next run" in first.stderr
    )
    summary = renewals.summary.read_text()
    assert "### Notifications not delivered" in summary and "| ops-bot | #1 |" in summary
    shown = first.output + summary
    assert BOT_TOKEN not in shown and "secretWebhookToken" not in shown
    assert len(renewals.told()) == 3
    renewals.hooks.conversations["#payments"] = "C0PAYMENT1"  # invited
    second = renewals.run(RUN + timedelta(days=1) - timedelta(minutes=1))
    assert second.exit_code == 0, second.output
    assert renewals.told()[3:] == [("slack_api", "#payments")]
    third = renewals.run(RUN + timedelta(days=1))
    assert third.exit_code == 0 and len(renewals.told()) == 4


def test_a_dry_run_shows_the_notices_it_would_send(renewals: Renewals) -> None:
    text = renewals.run(RUN, "--dry-run")
    assert text.exit_code == 0, text.output
    would = [line for line in text.stdout.splitlines() if line.startswith("would: ")]
    assert would == [
        "would: runbooks/card-payments.md notify.message: notify ops (slack) "
        "runbook.review_opened: Runbook review overdue (due 2026-10-01): Card Payments",
        "would: runbooks/card-payments.md notify.message: notify ops-bot (slack) "
        "runbook.review_opened: Runbook review overdue (due 2026-10-01): Card Payments",
        "would: runbooks/payments-api.md notify.message: notify ops (slack) "
        "runbook.review_opened: Runbook review overdue (due 2026-11-02): Payments API",
        "would: runbooks/payments-api.md notify.message: notify ops-bot (slack) "
        "runbook.review_opened: Runbook review overdue (due 2026-11-02): Payments API",
    ]
    lines = [
        json.loads(line) for line in renewals.run(RUN, "--dry-run", "--json").stdout.splitlines()
    ]
    notices = [a for a in lines if a["kind"] == "notify"]
    assert [(a["channel"], a.get("target")) for a in notices] == [
        ("ops", None),
        ("ops-bot", "#payments"),
        ("ops", None),
        ("ops-bot", None),
    ]
    assert {a["issue"] for a in notices} == {None}
    assert [a["kind"] for a in lines].count("open_pull_request") == 2
    assert renewals.hooks.received == [] and renewals.store.pulls == []


def test_against_github_an_open_review_is_told_once_and_recorded_on_the_pull_request(
    repo: Path, github: responses.RequestsMock, hooks: Hooks
) -> None:
    """The GitHub side of the notices: the open review's comments are read with one GraphQL
    request, and the record is a comment posted on the pull request through the issues API; the
    next run reads the record back and sends nothing."""
    (repo / "policy.yaml").write_text(NOTIFYING.format(api=f"{hooks.url}/api/"))
    opened = _pull(12, "dutydesk/runbook-review/runbooks-payments-api")
    opened["created_at"] = "2026-11-25T08:00:00Z"
    github.get(f"{REPO}/pulls", json=[opened])
    graphql = github.post(
        f"{HOST}/graphql",
        json={"data": {"repository": {"pullRequest": {"number": 12, "comments": {"nodes": []}}}}},
    )
    posted: list[str] = []

    def comment(request: Any) -> tuple[int, dict[str, str], str]:
        body = json.loads(request.body)["body"]
        posted.append(body)
        made = json.loads((FIXTURES.parent / "github" / "comments.json").read_text())[0]
        made.update(id=4001, body=body, user={"login": "github-actions[bot]", "type": "Bot"})
        return 201, {}, json.dumps(made)

    github.add_callback("POST", f"{REPO}/issues/12/comments", callback=comment)
    env = {
        **ENV,
        "OPS_SLACK_WEBHOOK": f"{hooks.url}/slack/T0/B0/secretWebhookToken",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
    }

    result = run(repo, "renew", "--now", NOW, env=env)

    assert result.exit_code == 0, result.output
    assert "review pull request #12 is open" in result.stderr
    assert [r.service for r in hooks.received] == ["slack", "slack_api"]
    assert (
        hooks.received[0]
        .body["text"]
        .endswith("<https://github.com/example-org/ops/pull/12|Open #12 on GitHub>")
    )
    sent = json.loads(graphql.calls[0].request.body or "{}")
    assert sent["variables"] == {"owner": "example-org", "name": "ops", "number": 12}
    [record] = posted
    assert record.startswith("<!-- dutydesk:notify.message:sent -->")
    assert record.count("<!-- dutydesk-sent ") == 2

    # the next run: GitHub has the bot's record comment
    node = {
        "fullDatabaseId": "4001",
        "author": {"__typename": "Bot", "login": "github-actions"},
        "body": record,
        "createdAt": "2026-11-25T09:00:01Z",
        "updatedAt": "2026-11-25T09:00:01Z",
        "lastEditedAt": None,
        "includesCreatedEdit": False,
        "editor": None,
        "userContentEdits": {"pageInfo": {"hasNextPage": False, "endCursor": None}, "nodes": []},
    }
    github.replace(
        responses.POST,
        f"{HOST}/graphql",
        json={
            "data": {"repository": {"pullRequest": {"number": 12, "comments": {"nodes": [node]}}}}
        },
    )
    again = run(repo, "renew", "--now", "2026-11-25T12:00:00Z", env=env)
    assert again.exit_code == 0, again.output
    assert len(hooks.received) == 2 and len(posted) == 1
