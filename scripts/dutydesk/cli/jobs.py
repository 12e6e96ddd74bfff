"""`dutydesk event` and `dutydesk sweep`: the jobs the workflows run, over `dutydesk.jobs`.

Only these commands read the clock, sleep and write the workflow's outputs and job summary.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from dutydesk.cli.common import Options, annotate, common, github, load_setup, run_safely

if TYPE_CHECKING:  # pragma: no cover
    from dutydesk.actions import Action
    from dutydesk.engine import Context, Decision
    from dutydesk.jobs import Job, Pause, Swept
    from dutydesk.model import Issue


def print_actions(actions: Iterable[Action], at: datetime, opts: Options, prefix: str = "") -> None:
    from dutydesk.actions import dumps

    for action in actions:
        if opts.as_json:
            click.echo(dumps(action, at))
        else:
            click.echo(f"{prefix}#{action.issue} {action.rule}: {action.summary()}")


def job_for(opts: Options) -> Job:
    """The read -> reconcile -> apply step on GitHub, printing each plan before it is applied."""
    from dutydesk.jobs import Job
    from dutydesk.registry import handlers

    def show(decision: Decision, now: datetime) -> None:
        print_actions(decision.actions, now, opts, prefix="would: " if opts.dry_run else "")

    policy, forms = load_setup(opts)
    return Job(github(opts), policy, forms, handlers(), dry_run=opts.dry_run, show=show)


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
@common("policy", "forms", "repo", "now", "dry_run", "json")
@run_safely
def event(opts: Options, event_name: str | None, event_path: Path | None, wait: bool) -> None:
    """Reconcile the issue a GitHub event names (as the event workflow does)."""
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

    def check(now: datetime) -> Decision:
        decision = job.check(number, now)
        set_output("due-soon", "true" if waiting.until(decision, now) else "false")
        due = decision.next_check
        set_output("next-check", due.isoformat() if due is not None else "")
        return decision

    pause = sleeper(opts.now, number) if wait and not opts.dry_run else None
    event_job(check, waiting, opts.now, pause)


def sleeper(start: datetime, number: int) -> Pause:
    """A pause on the real clock: say so, sleep until the check is due, and wake at `start`
    plus the time since the job began."""
    started = time.monotonic()

    def pause(now: datetime, due: datetime) -> datetime:
        seconds = (due - now).total_seconds()
        click.echo(f"waiting {int(seconds)} s for #{number}: next due {due.isoformat()}")
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
@run_safely
def sweep(opts: Options) -> None:
    """Reconcile every open incident and change request; write the job summary in Actions.

    One item that fails does not stop the others; the exit status is 1 if any failed.
    """
    from dutydesk import jobs

    job = job_for(opts)
    ctx = job.context(opts.now)
    issues = job.repo.open_issues(jobs.sweep_labels(job.forms, job.handlers))
    rows: list[tuple[Issue, Decision]] = []
    failed: list[tuple[int, str]] = []
    for turn in jobs.sweep(issues, lambda issue: job.run(issue, ctx), isolated=True):
        if turn.decision is not None:
            rows.append((turn.item, turn.decision))
        else:
            failed.append((turn.item.number, report_failure(turn)))
    write_summary(opts, ctx, rows, failed)
    if not opts.as_json:
        click.echo(f"swept {len(issues)} open item(s), {len(failed)} failed")
    if failed:
        sys.exit(1)


def report_failure(turn: Swept[Issue]) -> str:
    """Say on stderr (and in an annotation) why an item failed; the message."""
    assert turn.failure is not None
    number, failure = turn.item.number, turn.failure
    if not failure.internal:
        annotate("error", f"#{number}: {failure.message}")
        click.echo(f"#{number} failed: {failure.message}", err=True)
        return failure.message
    annotate("error", f"#{number}: internal error {failure.message}")
    click.echo(f"#{number} failed with an internal error:", err=True)
    click.echo(failure.trace, err=True)
    return failure.message


def write_summary(
    opts: Options,
    ctx: Context,
    rows: list[tuple[Issue, Decision]],
    failed: list[tuple[int, str]],
) -> None:
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return
    from dutydesk.rules.runbooks import load_runbooks, summary_lines
    from dutydesk.views.summary import summary_markdown

    policy = ctx.policy
    folder = opts.policy.parent / policy.runbooks.folder
    runbook_lines: list[str] = []
    if folder.is_dir():
        books = load_runbooks(folder, policy.runbooks.folder)
        runbook_lines = summary_lines(books, policy.local(ctx.now).date(), policy)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(summary_markdown(ctx, rows, failed, runbook_lines))
