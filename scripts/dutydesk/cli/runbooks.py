"""`dutydesk runbooks`: status, validate and renew.

Thin click commands over `dutydesk.rules.runbooks` (pure), `dutydesk.io.runbook_store` (GitHub)
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
    from dutydesk.io.runbook_store import RunbookStore
    from dutydesk.policy import Policy
    from dutydesk.rules.runbooks import CommitInfo, Runbook, Verdict

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
    from dutydesk.policy import load_policy
    from dutydesk.rules.runbooks import load_runbooks

    policy = load_policy(policy_path)
    moment = now if now is not None else datetime.now(UTC)
    folder = policy_path.parent / policy.runbooks.folder
    if not folder.is_dir():
        raise ConfigurationError(
            f"runbooks folder {folder} does not exist (policy key runbooks.folder)"
        )
    runbooks = load_runbooks(folder, policy.runbooks.folder)
    return Setup(policy, folder, runbooks, moment, policy.local(moment).date())


def _note(message: str) -> None:
    click.echo(message, err=True)


@click.group("runbooks")
def runbooks() -> None:
    """Runbook reviews: which runbooks are due, are they well formed, and review pull requests.

    A runbook's front matter has `expires: YYYY-MM-DD` (or `last_reviewed_on` with
    `review_in`) and `owner`; see runbooks/TEMPLATE.md.
    """


@runbooks.command()
@_options
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line per runbook.")
@run_safely
def status(policy_path: Path, now: datetime | None, as_json: bool) -> None:
    """List every runbook with its review date, owner and state.

    States: ok, due-soon (within runbooks.warning_days), expired (on and after the date) and
    invalid (the front matter cannot be used; the message says what to fix). Exit 0 either way.
    """
    from dutydesk.rules.runbooks import status as state_of

    setup = _setup(policy_path, now)
    width = max((len(r.path) for r in setup.runbooks), default=0)
    for runbook in setup.runbooks:
        state = state_of(runbook, setup.today, setup.policy)
        if as_json:
            record = {
                "path": runbook.path,
                "expires": runbook.expires.isoformat() if runbook.expires else None,
                "state": str(state),
                "owner": list(runbook.owner),
                "error": runbook.error,
            }
            click.echo(json.dumps(record, ensure_ascii=False))
            continue
        expires = runbook.expires.isoformat() if runbook.expires else "-"
        detail = runbook.error if runbook.error else ", ".join(runbook.owner)
        click.echo(f"{state!s:<9}  {expires:<10}  {runbook.path:<{width}}  {detail}")
    if not setup.runbooks and not as_json:
        _note(f"no runbooks in {setup.folder}")


@runbooks.command()
@_options
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line per finding.")
@run_safely
def validate(policy_path: Path, now: datetime | None, as_json: bool) -> None:
    """Report invalid runbooks and missing template sections; exit 1 if there are any."""
    from dutydesk.rules.runbooks import missing_sections

    setup = _setup(policy_path, now)
    problems = 0
    for runbook in setup.runbooks:
        found: list[tuple[str, str]] = []
        if runbook.error:
            found.append(("invalid", runbook.error))
        missing = missing_sections(runbook) if runbook.text else []
        if missing:
            found.append(("missing-sections", "missing template sections: " + ", ".join(missing)))
        for kind, message in found:
            problems += 1
            if as_json:
                record = {"path": runbook.path, "kind": kind, "message": message}
                click.echo(json.dumps(record, ensure_ascii=False))
            else:
                click.echo(f"{runbook.path}: {message}")
    if problems:
        _note(f"{problems} problem(s) in {len(setup.runbooks)} runbook(s)")
        sys.exit(1)
    _note(f"{len(setup.runbooks)} runbook(s) valid")


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
    most runbooks.max_pull_requests_per_run a run. Exit 1 if any could not be opened.
    """
    from dutydesk.io.apply import apply_plan

    setup = _setup(policy_path, now)
    store = _store(repo, dry_run)
    verdicts, actions = _plan(setup, store)
    _explain(setup, verdicts)
    outcomes = apply_plan(None, actions, dry_run, store=store)
    if dry_run:
        _show_plan(setup, actions, as_json)
        return
    failed = _report(outcomes, as_json)
    _note(f"opened {len(outcomes) - failed} review pull request(s), {failed} failed")
    if failed:
        sys.exit(1)


def _store(repo: str | None, dry_run: bool) -> RunbookStore | None:
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
    return GitHubRunbookStore.from_adapter(adapter)


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
        if verdict.reason is Reason.OPEN:
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
