"""`dutydesk event` and `dutydesk sweep`: the jobs the workflows run, over `dutydesk.jobs`.

Only these commands read the clock, sleep and write the workflow's outputs and job summary.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from dutydesk.cli.common import Options, annotate, common, github, load_setup, run_safely
from dutydesk.cli.timers import arm, workflow_option

if TYPE_CHECKING:  # pragma: no cover
    from dutydesk.actions import Action
    from dutydesk.budget import Deferred
    from dutydesk.engine import Context, Decision
    from dutydesk.forms import FormTemplate
    from dutydesk.io.github_snapshot import PartialListing
    from dutydesk.io.repository import Repository
    from dutydesk.jobs import Failure, Job, Pause, Swept
    from dutydesk.model import Issue
    from dutydesk.notify.deliver import Deliverer, Notifier
    from dutydesk.policy import Policy
    from dutydesk.views.summary import Summary

    #: What `job_for` reads first, when the caller has read it already.
    Ready = tuple[Policy, Mapping[str, FormTemplate], Repository]


def print_actions(actions: Iterable[Action], at: datetime, opts: Options, prefix: str = "") -> None:
    from dutydesk.actions import dumps

    for action in actions:
        if opts.as_json:
            click.echo(dumps(action, at))
        else:
            click.echo(f"{prefix}#{action.issue} {action.rule}: {action.summary()}")


def job_for(opts: Options, ready: Ready | None = None) -> Job:
    """The read -> reconcile -> apply step on GitHub, printing each plan before it is applied
    (`ready`: the policy, forms and repository, when read already)."""
    from dutydesk.cli.rota import rota_for_jobs
    from dutydesk.jobs import Job
    from dutydesk.registry import handlers

    def show(decision: Decision, now: datetime) -> None:
        print_actions(decision.actions, now, opts, prefix="would: " if opts.dry_run else "")

    policy, forms, repo = ready or (*load_setup(opts), github(opts))
    notifier = notifier_for(opts, policy)  # first: it masks the services' secrets in Actions
    policy = rota_for_jobs(policy, opts.now, notifier.environ)  # PagerDuty, once for the run
    return Job(repo, policy, forms, handlers(), opts.dry_run, show, notifier=notifier)


def notifier_for(opts: Options, policy: Policy) -> Notifier:
    """Sends notifications outside GitHub with the secrets in the environment (notify/)."""
    return make_notifier(policy, opts.repo)


def make_notifier(policy: Policy, repo: str | None) -> Notifier:
    """A `Notifier` with the environment's secrets and the services' secrets bundle, linking
    to `repo` (else $GITHUB_REPOSITORY) on $GITHUB_SERVER_URL."""
    from dutydesk.notify.deliver import Notifier

    return Notifier(
        policy.notifications,
        service_environment(),
        repository=repo or os.environ.get("GITHUB_REPOSITORY", ""),
        server_url=os.environ.get("GITHUB_SERVER_URL", "https://github.com"),
    )


def service_environment() -> dict[str, str]:
    """The environment with the services' secrets bundle (service_secrets.py) read into it;
    in Actions each of the bundle's values is first masked in the log on its own. A bundle
    that cannot be read is an error annotation, not a stopped run: the GitHub side goes on,
    and the notifications that need it fail (and are tried again) until it is mended."""
    from dutydesk.errors import ConfigurationError
    from dutydesk.service_secrets import BUNDLE, environment, mask_commands

    try:
        if os.environ.get("GITHUB_ACTIONS") == "true":
            for command in mask_commands(os.environ):
                click.echo(command)
        return environment(os.environ)
    except ConfigurationError as exc:
        annotate("error", str(exc))
        click.echo(str(exc), err=True)
        return {k: v for k, v in os.environ.items() if k != BUNDLE}


def report_deliveries(notifier: Deliverer) -> None:
    """Say on stderr (and in a warning annotation, and the job summary) which notifications
    failed; they are tried again on the next run, and the run's exit status does not change."""
    failed = getattr(notifier, "failed", [])
    for failure in failed:
        annotate("warning", failure.sentence())
        click.echo(failure.sentence(), err=True)
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if failed and path:
        from dutydesk.notify.summary import summary_markdown

        with open(path, "a", encoding="utf-8") as handle:
            handle.write(summary_markdown(failed))


@click.command()
@click.option(
    "--event-name",
    envvar="GITHUB_EVENT_NAME",
    help="The GitHub event: issues or issue_comment [default: $GITHUB_EVENT_NAME].",
)
@click.option(
    "--event-path",
    envvar="GITHUB_EVENT_PATH",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The event payload JSON [default: $GITHUB_EVENT_PATH].",
)
@click.option(
    "--wait/--no-wait",
    default=False,
    help="Stay and act on anything due within the policy's incidents.wait_for_due.",
)
@workflow_option
@common("policy", "forms", "repo", "now", "dry_run", "json")
@run_safely
def event(
    opts: Options, event_name: str | None, event_path: Path | None, wait: bool, timers_workflow: str
) -> None:
    """Reconcile the issue a GitHub event names (as the event workflow does); switch the
    timers workflow on if it is a punctual incident (P1 or P2)."""
    from dutydesk.io.events import read_event
    from dutydesk.jobs import Wait, event_job

    if not event_name or event_path is None:
        raise click.UsageError("give --event-name and --event-path (or run inside GitHub Actions)")
    target = read_event(event_name, event_path)
    number = target.number
    if number is None:
        click.echo(f"nothing to do: {target.reason}")
        return
    job = job_for(opts)
    waiting = Wait.after(job.policy, opts.now)
    seen: list[tuple[Issue, Decision]] = []

    def check(now: datetime) -> Decision:
        issue = job.repo.get_issue(number)
        decision = job.run(issue, job.context(now))
        seen[:] = [(issue, decision)]
        set_output("due-soon", "true" if waiting.until(decision, now) else "false")
        due = decision.next_check
        set_output("next-check", due.isoformat() if due is not None else "")
        return decision

    pause = sleeper(opts.now, f"#{number}") if wait and not opts.dry_run else None
    try:
        event_job(check, waiting, opts.now, pause)
        arm(job, seen, timers_workflow, opts)
    finally:
        report_deliveries(job.notifier)


def sleeper(start: datetime, what: str) -> Pause:
    """A pause on the real clock: say so, sleep until the check is due, and wake at `start`
    plus the time since the job began."""
    started = time.monotonic()

    def pause(now: datetime, due: datetime) -> datetime:
        seconds = (due - now).total_seconds()
        click.echo(f"waiting {int(seconds)} s for {what}: next due {due.isoformat()}")
        time.sleep(seconds)
        return start + timedelta(seconds=time.monotonic() - started)

    return pause


def set_output(name: str, value: str) -> None:
    """A step output for the workflow (the waiting job starts only when something is due)."""
    path = os.environ.get("GITHUB_OUTPUT")
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(f"{name}={value}\n")


@click.command()
@common("policy", "forms", "repo", "now", "dry_run", "json")
@click.option(
    "--max-writes",
    type=click.IntRange(min=1),
    help="Apply at most this many writes, the most urgent items first; the rest wait for the "
    "next run (exit status 3) [default: the policy's max_writes_per_run, 300].",
)
@workflow_option
@run_safely
def sweep(opts: Options, max_writes: int | None, timers_workflow: str) -> None:
    """Reconcile every open incident and change request; write the job summary in Actions.

    Every item is planned first; then whole items are applied, the most urgent first, within
    --max-writes. One item that fails does not stop the others. Exit status: 1 if any item
    failed, else 3 if writes were left for the next run, else 0.
    """
    from dutydesk import jobs
    from dutydesk.budget import Deferred, planned, within

    policy, forms = load_setup(opts)
    repo = github(opts)
    failed: list[tuple[int, str]] = []
    # The listing starts first: GitHub answers its first page while the rest gets ready.
    listing = _OpenItems(repo, swept_labels(forms), failed)
    job = job_for(opts, (policy, forms, repo))
    ctx = job.context(opts.now)
    summary = JobSummary(opts, ctx)
    plans: list[tuple[Issue, Decision]] = []
    # each item is planned as soon as it is read, while the listing goes on
    for turn in jobs.sweep(listing, lambda issue: job.plan(issue, ctx), isolated=True):
        _sort_turn(turn, plans, failed)
        summary.add(turn)
    plans.sort(key=lambda plan: plan[0].number)  # the order of the budget's ties
    owed = _closed_plans(job, ctx, [issue.number for issue, _ in plans], failed)
    cut = within(planned([*plans, *owed]), max_writes or job.policy.max_writes_per_run)
    for applied in jobs.sweep(cut.now, lambda plan: job.apply(plan.decision), isolated=True):
        if applied.failure is not None:
            issue = applied.item.item
            failed.append((issue.number, report_failure(issue, applied.failure)))
    deferred = Deferred(tuple(p.item.number for p in cut.later), cut.deferred_writes)
    summary.write(failed, deferred)
    report_deliveries(job.notifier)
    arm(job, plans, timers_workflow, opts)
    _finish_sweep(opts, listing.count, failed, deferred, listing.unread)


class _OpenItems:
    """The open items GitHub lets the sweep read whole, each as soon as it is read; each one it
    could not read is reported (stderr, an annotation, and `failed` when its number is known),
    and `unread` says so, so that the sweep exits 1."""

    def __init__(self, repo: Repository, labels: list[str], failed: list[tuple[int, str]]) -> None:
        self.failed = failed
        self.count, self.unread = 0, False
        self.listed = repo.each_open_issue(labels)  # started now

    def __iter__(self) -> Iterator[Issue]:
        from dutydesk.io.github_snapshot import PartialListing

        try:
            for issue in self.listed:
                self.count += 1
                yield issue
        except PartialListing as partial:
            self.unread = True
            self._report(partial)
            self.count += len(partial.issues)
            yield from partial.issues

    def _report(self, partial: PartialListing) -> None:
        for item in partial.unread:
            annotate("error", item.sentence())
            if item.number is None:
                click.echo(item.sentence(), err=True)
                continue
            click.echo(f"#{item.number} failed: could not be read: {item.problem}", err=True)
            self.failed.append((item.number, f"could not be read: {item.problem}"))


def swept_labels(forms: Mapping[str, FormTemplate]) -> list[str]:
    """What the sweep lists: the first label of each form a handler reconciles."""
    from dutydesk.jobs import sweep_labels
    from dutydesk.registry import HANDLED

    return sweep_labels(forms, HANDLED)


def _closed_plans(
    job: Job, ctx: Context, swept: list[int], failed: list[tuple[int, str]]
) -> list[tuple[Issue, Decision]]:
    """What closed items updated within notifications.max_age still owe: their notifications
    whose delivery failed (retries.py). A listing that fails is a warning: they are owed again
    at the next run."""
    from dutydesk import jobs
    from dutydesk.engine import reconcile
    from dutydesk.retries import closed_owing, notify_only, retry_since

    since = retry_since(job.policy, ctx.now)
    if since is None:
        return []
    listed = _updated_since(job, since)

    def plan(issue: Issue) -> Decision:
        decision = notify_only(reconcile(issue, ctx, job.handlers))
        job.show(decision, ctx.now)
        return decision

    done = swept + [number for number, _ in failed]
    found: list[tuple[Issue, Decision]] = []
    for turn in jobs.sweep(closed_owing(listed, done, ctx.now), plan, isolated=True):
        _sort_turn(turn, found, failed)
    return found


def _updated_since(job: Job, since: datetime) -> list[Issue]:
    from dutydesk.errors import GitHubError
    from dutydesk.io.github_snapshot import PartialListing

    listed: list[Issue] = []
    for label in swept_labels(job.forms):
        try:
            listed += job.repo.closed_since(label, since)
        except GitHubError as exc:
            if isinstance(exc, PartialListing):
                listed += exc.issues
            message = f"closed items' notifications are not retried this run: {exc}"
            annotate("warning", message)
            click.echo(message, err=True)
    return listed


def _sort_turn(
    turn: Swept[Issue], plans: list[tuple[Issue, Decision]], failed: list[tuple[int, str]]
) -> None:
    if turn.decision is not None:
        plans.append((turn.item, turn.decision))
    elif turn.failure is not None:
        failed.append((turn.item.number, report_failure(turn.item, turn.failure)))


def _finish_sweep(
    opts: Options,
    count: int,
    failed: list[tuple[int, str]],
    deferred: Deferred,
    unread: bool = False,
) -> None:
    if deferred.items:
        annotate("warning", deferred.sentence())
        click.echo(deferred.sentence(), err=True)
    if not opts.as_json:
        click.echo(f"swept {count} open item(s), {len(failed)} failed")
    if failed or unread:
        sys.exit(1)
    if deferred.items:
        sys.exit(3)


def report_failure(issue: Issue, failure: Failure) -> str:
    """Say on stderr (and in an annotation) why an item failed; the message."""
    number = issue.number
    if not failure.internal:
        annotate("error", f"#{number}: {failure.message}")
        click.echo(f"#{number} failed: {failure.message}", err=True)
        return failure.message
    annotate("error", f"#{number}: internal error {failure.message}")
    click.echo(f"#{number} failed with an internal error:", err=True)
    click.echo(failure.trace, err=True)
    return failure.message


class JobSummary:
    """The sweep's job summary, in Actions ($GITHUB_STEP_SUMMARY; nothing elsewhere): its
    runbooks read as soon as the listing has started, each item added as it is planned (both
    while GitHub answers the next page), all written at the end."""

    def __init__(self, opts: Options, ctx: Context) -> None:
        self.path = os.environ.get("GITHUB_STEP_SUMMARY")
        self.runbook_lines: list[str] = []
        self.summary: Summary | None = None
        if not self.path:
            return
        from dutydesk.io.runbook_store import policy_runbooks
        from dutydesk.rules.runbooks import summary_lines
        from dutydesk.views.summary import Summary

        policy = ctx.policy
        folder = opts.policy.parent / policy.runbooks.folder
        if folder.is_dir():
            books = policy_runbooks(folder, policy)
            self.runbook_lines = summary_lines(books, policy.local(ctx.now).date(), policy)
        self.summary = Summary(ctx)

    def add(self, turn: Swept[Issue]) -> None:
        if self.summary is not None and turn.decision is not None:
            self.summary.add(turn.item, turn.decision)

    def write(self, failed: list[tuple[int, str]], deferred: Deferred | None = None) -> None:
        if self.path and self.summary is not None:
            text = self.summary.markdown(failed, self.runbook_lines, deferred)
            with open(self.path, "a", encoding="utf-8") as handle:
                handle.write(text)
