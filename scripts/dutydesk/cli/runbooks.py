"""`dutydesk runbooks`: status, validate and renew.

Thin click commands over `dutydesk.rules.runbooks` (pure), `dutydesk.io.runbook_store` (the
pages on disk, and GitHub)
and `dutydesk.io.apply` (the one executor, which alone checks --dry-run). The clock and the
environment are read only inside the command functions.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from dutydesk.cli.common import now_option, policy_option, run_safely

if TYPE_CHECKING:  # pragma: no cover
    from dutydesk.actions import Action
    from dutydesk.io.apply import Outcome
    from dutydesk.io.repository import Repository
    from dutydesk.io.runbook_store import RunbookStore
    from dutydesk.policy import Policy
    from dutydesk.rules.runbooks import CommitInfo, Runbook, State, Verdict

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Setup:
    policy: Policy
    folder: Path
    runbooks: list[Runbook]
    now: datetime
    today: date


def _options(func: F) -> F:
    """--policy and --now, shared by every runbooks command."""

    @policy_option(
        "The team's policy file; the runbooks folder (runbooks.folder) is relative to it."
    )
    @now_option()
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _setup(policy_path: Path, now: datetime | None) -> Setup:
    from dutydesk.errors import ConfigurationError
    from dutydesk.io.runbook_store import policy_runbooks
    from dutydesk.policy import load_policy

    policy = load_policy(policy_path)
    moment = now if now is not None else datetime.now(UTC)
    folder = policy_path.parent / policy.runbooks.folder
    if not folder.is_dir():
        raise ConfigurationError(
            f"runbooks folder {folder} does not exist (policy key runbooks.folder)"
        )
    runbooks = policy_runbooks(folder, policy)
    return Setup(policy, folder, runbooks, moment, policy.local(moment).date())


def _no_pages(setup: Setup) -> str:
    globs = ", ".join(setup.policy.runbooks.include)
    return f"no pages in {setup.folder} match runbooks.include ({globs})"


def _note(message: str) -> None:
    click.echo(message, err=True)


@click.group("runbooks")
def runbooks() -> None:
    """Runbook reviews: which runbooks are due, are they well formed, and review pull requests.

    Every page that runbooks.include matches under runbooks.folder is read, tech-docs
    `.html.md.erb` pages too. A runbook's front matter has `expires: YYYY-MM-DD` (or
    `last_reviewed_on` with `review_in`) and `owner` (else the file's CODEOWNERS owners review
    it); see runbooks/TEMPLATE.md.
    """


@runbooks.command()
@_options
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line per runbook.")
@run_safely
def status(policy_path: Path, now: datetime | None, as_json: bool) -> None:
    """List every page with its review date, reviewers and state.

    States: ok, due-soon (within runbooks.warning_days), expired (on and after the date),
    invalid (the front matter cannot be used; the message says what to fix) and untracked (no
    review date, and not `category: runbooks`). Exit 0 either way.
    """
    from dutydesk.rules.runbooks import status as state_of

    setup = _setup(policy_path, now)
    width = max((len(r.path) for r in setup.runbooks), default=0)
    for runbook in setup.runbooks:
        state = state_of(runbook, setup.today, setup.policy)
        if as_json:
            click.echo(json.dumps(_status_record(runbook, state), ensure_ascii=False))
            continue
        expires = runbook.expires.isoformat() if runbook.expires else "-"
        click.echo(f"{state!s:<9}  {expires:<10}  {runbook.path:<{width}}  {_detail(runbook)}")
    if not setup.runbooks and not as_json:
        _note(_no_pages(setup))


def _status_record(runbook: Runbook, state: State) -> dict[str, Any]:
    return {
        "path": runbook.path,
        "expires": runbook.expires.isoformat() if runbook.expires else None,
        "state": str(state),
        "owner": list(runbook.owner),
        "error": runbook.error,
        "owner_from": str(runbook.owner_from) if runbook.owner_from else None,
        "owner_slack": list(runbook.owner_slack),
        "findings": list(runbook.findings),
    }


def _detail(runbook: Runbook) -> str:
    """The error, else the reviewers (and whence), the Slack owner and any finding."""
    if runbook.error:
        return runbook.error
    parts = [", ".join(runbook.owner)] if runbook.owner else []
    if runbook.owner_from is not None and str(runbook.owner_from) == "CODEOWNERS":
        parts[-1] += " (CODEOWNERS)"
    if runbook.owner_slack:
        parts.append("slack " + ", ".join(runbook.owner_slack))
    if not runbook.tracked:
        parts.append("no review date")
    parts += runbook.findings
    return "; ".join(parts)


@runbooks.command()
@_options
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line per finding.")
@run_safely
def validate(policy_path: Path, now: datetime | None, as_json: bool) -> None:
    """Report invalid pages, pages nobody reviews and missing template sections (for pages
    that declare `category: runbooks`, the sections runbooks.sections names); exit 1 if there
    are any, or if no page matches runbooks.include."""
    from dutydesk.rules.runbooks import page_findings

    setup = _setup(policy_path, now)
    problems = 0
    for runbook in setup.runbooks:
        for kind, message in page_findings(runbook, setup.policy):
            problems += 1
            if as_json:
                record = {"path": runbook.path, "kind": str(kind), "message": message}
                click.echo(json.dumps(record, ensure_ascii=False))
            else:
                click.echo(f"{runbook.path}: {message}")
    untracked = sum(1 for r in setup.runbooks if not r.tracked)
    tracked = len(setup.runbooks) - untracked
    counted = f"{tracked} runbook(s)" + (f", {untracked} untracked page(s)" if untracked else "")
    if not setup.runbooks:
        _note(_no_pages(setup))
        sys.exit(1)
    if problems:
        _note(f"{problems} problem(s) in {counted}")
        sys.exit(1)
    _note(f"{counted}: valid")


@runbooks.command()
@_options
@click.option(
    "--repo",
    help="OWNER/NAME of the repository [default: $GITHUB_REPOSITORY].",
)
@click.option("--dry-run", is_flag=True, help="Print the planned pull requests; open nothing.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line per action.")
@run_safely
def renew(
    policy_path: Path, now: datetime | None, repo: str | None, dry_run: bool, as_json: bool
) -> None:
    """Open a review pull request for each expired runbook (rule runbook.renewal).

    Each changes one line (the new `expires`, or `last_reviewed_on` set to today), asks the
    owners to review and lists the commits since the last review. None is opened while one is
    open for that runbook, nor within runbooks.renotify_after_days of one closed unmerged; at
    most runbooks.max_pull_requests_per_run a run, and no more than the policy's
    max_writes_per_run allows (each takes 6 writes, 7 with a route for runbook.review_opened,
    counted after the records older review pull requests may owe). With such a route,
    each review pull request is then told to its channels once (recorded in a bot comment on
    it); a failed delivery is tried again on the next run. Exit 1 if any pull request could
    not be opened, or a record not written; a failed delivery leaves the exit status alone.
    """
    from dutydesk.cli.runbook_notices import notifier_for, review_pulls, tell
    from dutydesk.io.apply import apply_plan
    from dutydesk.rules.runbooks.notices import pulls_within

    setup = _setup(policy_path, now)
    side = _github(repo, dry_run)
    store = side.store if side is not None else None
    verdicts, actions = _plan(setup, store)
    _explain(setup, verdicts)
    within = pulls_within(setup.policy.max_writes_per_run, verdicts, setup.now, setup.policy)
    if len(actions) > within:
        _note(
            f"{len(actions) - within} review pull request(s) left for the next run (the write budget)"
        )
        actions = actions[:within]
    outcomes = apply_plan(None, actions, dry_run, store=store)
    pulls = review_pulls(setup, verdicts, actions, outcomes, store, dry_run)
    if dry_run:
        _show_plan(setup, actions, as_json)
        tell(setup, pulls, side, None, (dry_run, as_json))
        return
    failed = _report(outcomes, as_json)
    _note(f"opened {len(outcomes) - failed} review pull request(s), {failed} failed")
    told = notifier_for(setup, repo) if pulls else None
    unrecorded = tell(setup, pulls, side, told, (dry_run, as_json))
    if failed or unrecorded:
        sys.exit(1)


@dataclass(frozen=True)
class GitHubSide:
    """The pull requests and files (`store`), and the issue side for the bot's comments on the
    pull requests (`issues`: a pull request is an issue for comments)."""

    store: RunbookStore
    issues: Repository


def _github(repo: str | None, dry_run: bool) -> GitHubSide | None:
    """GitHub's side, when there is a token or something to write; else None, said so."""
    token = os.environ.get("GITHUB_TOKEN")
    if not token and dry_run:
        _note(
            "dry run without GITHUB_TOKEN: planned from the files alone, "
            "as if no review pull request were open"
        )
        return None
    from dutydesk.io.github import connect
    from dutydesk.io.runbook_store import GitHubRunbookStore

    repo_name = repo or os.environ.get("GITHUB_REPOSITORY")
    adapter = connect(token, repo_name, os.environ.get("GITHUB_API_URL"))
    return GitHubSide(GitHubRunbookStore.from_adapter(adapter), adapter)


def _plan(setup: Setup, store: RunbookStore | None) -> tuple[list[Verdict], list[Action]]:
    """The verdict for each expired runbook, and the review pull requests to open."""
    from dutydesk.rules.runbooks import BRANCH_PREFIX, plan_renewals, review_verdicts

    prs = store.pulls_for_prefix(BRANCH_PREFIX) if store is not None else {}
    verdicts = review_verdicts(setup.runbooks, prs, setup.today, setup.policy)
    commits = _commits(setup, store, verdicts) if store is not None else None
    return verdicts, plan_renewals(setup.runbooks, prs, setup.today, setup.policy, commits)


def _commits(
    setup: Setup, store: RunbookStore, verdicts: list[Verdict]
) -> dict[str, list[CommitInfo]]:
    """The commits since the last review of each runbook planned for review."""
    from dutydesk.rules.runbooks import Reason, last_review

    commits: dict[str, list[CommitInfo]] = {}
    for verdict in verdicts:
        since = last_review(verdict.runbook, setup.policy)
        if verdict.reason is Reason.PLANNED and since is not None:
            commits[verdict.runbook.path] = store.commits_touching(verdict.runbook.path, since)
    return commits


def _show_plan(setup: Setup, actions: list[Action], as_json: bool) -> None:
    from dutydesk.actions import dumps

    for action in actions:
        if as_json:
            click.echo(dumps(action, setup.now))
        else:
            _print_plan(action)
    _note(f"would open {len(actions)} review pull request(s)")


def _report(outcomes: list[Outcome], as_json: bool) -> int:
    """Print what happened to each pull request; the number that failed."""
    failed = 0
    for outcome in outcomes:
        if outcome.opened is not None:
            for warning in outcome.opened.warnings:
                _note(f"{outcome.path}: {warning}")
        else:
            failed += 1
            _note(f"{outcome.path}: {outcome.error}")
        if as_json:
            click.echo(json.dumps(_record(outcome), ensure_ascii=False))
        elif outcome.opened is not None:
            click.echo(f"opened {outcome.opened.url} for {outcome.path}")
    return failed


def _record(outcome: Outcome) -> dict[str, Any]:
    return {
        "path": outcome.path,
        "branch": outcome.branch,
        "number": outcome.opened.number if outcome.opened else None,
        "url": outcome.opened.url if outcome.opened else None,
        "error": outcome.error,
    }


def _explain(setup: Setup, verdicts: list[Verdict]) -> None:
    from dutydesk.rules.runbooks import Reason

    for runbook in setup.runbooks:
        if runbook.error:
            _note(f"{runbook.path}: invalid, not renewed: {runbook.error}")
    capped = 0
    for verdict in verdicts:
        path = verdict.runbook.path
        number = verdict.pull.number if verdict.pull is not None else 0
        if verdict.reason is Reason.PLANNED and not verdict.runbook.owner:
            _note(f"{path}: no reviewers to ask (no `owner:` and no CODEOWNERS entry)")
        elif verdict.reason is Reason.OPEN:
            _note(f"{path}: review pull request #{number} is open")
        elif verdict.reason is Reason.CLOSED_RECENTLY:
            resume = verdict.resume_on.isoformat() if verdict.resume_on else "later"
            _note(
                f"{path}: review pull request #{number} was closed without merging; "
                f"the next one opens on or after {resume}"
            )
        elif verdict.reason is Reason.CAPPED:
            capped += 1
    if capped:
        _note(
            f"{capped} more expired runbook(s) wait for a later run "
            f"(runbooks.max_pull_requests_per_run: {setup.policy.runbooks.max_pull_requests_per_run})"
        )


def _print_plan(action: Action) -> None:
    from dutydesk.actions import PullRequest

    assert isinstance(action.payload, PullRequest)
    pull = action.payload
    click.echo(f"{action.rule}: {action.summary()}")
    click.echo(f"  path: {pull.path}")
    click.echo(f"  reviewers: {', '.join(pull.reviewers) or '-'}")
    click.echo(f"  labels: {', '.join(action.labels)}")
    click.echo(pull.diff.replace("\r\n", "\n"), nl=False)
    click.echo("")
