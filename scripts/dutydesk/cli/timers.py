"""`dutydesk timers`: the timers workflow's job, and switching that workflow on and off.

The decisions are `rules/incidents/timers.py`: which incidents are punctual, when a run checks
next. Here: list the punctual open incidents, reconcile them, wait on the real clock for what
falls due within the horizon, and disable the workflow when none is open; and, for the event
job and the sweep, `arm`: enable it when they have seen a punctual incident.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

import click

from dutydesk.cli.common import Options, annotate, common, run_safely

if TYPE_CHECKING:  # pragma: no cover
    from dutydesk.engine import Decision
    from dutydesk.io.repository import Repository
    from dutydesk.jobs import Job
    from dutydesk.model import Issue

DEFAULT_WORKFLOW = "dutydesk-timers.yml"

workflow_option = click.option(
    "--timers-workflow",
    "timers_workflow",
    envvar="DUTYDESK_TIMERS_WORKFLOW",
    default=DEFAULT_WORKFLOW,
    show_default=True,
    help="The timers workflow's file name, switched on while a punctual incident is open "
    "(incidents.punctual); empty: none.",
)


@click.command()
@workflow_option
@common("policy", "forms", "repo", "now", "dry_run", "json")
@run_safely
def timers(opts: Options, timers_workflow: str) -> None:
    """Keep the punctual incidents' timers (P1 and P2 by default) on time, as the timers
    workflow does every incidents.timers_every.

    Reconcile every open punctual incident, then wait for the next thing due among them if it
    falls within incidents.timers_every + 15 minutes (before the next run can be relied on to
    start), act on it, and stop when nothing is due that soon. With no punctual incident open,
    switch the timers workflow off; the event job and the sweep switch it on again.
    """
    from dutydesk.cli.jobs import job_for, sleeper
    from dutydesk.jobs import poll
    from dutydesk.rules.incidents.timers import is_punctual, next_wait, punctual_labels

    job = job_for(opts)
    policy = job.policy
    ctx = job.context(opts.now)
    issues = [i for i in job.repo.open_issues(punctual_labels(policy)) if is_punctual(i, policy)]
    if not issues:
        click.echo("no punctual incident is open: the timers workflow is switched off")
        switch(job, timers_workflow, False, opts)
        return
    dues = {issue.number: job.run(issue, ctx).next_check for issue in issues}
    now = opts.now
    pause = sleeper(opts.now, "the punctual incidents") if not opts.dry_run else None
    while pause is not None and (due := next_wait(dues.values(), now, policy)) is not None:
        now = pause(now, poll(now, due))  # looks again every minute: an /update may meet it
        for number in dues:
            dues[number] = job.check(number, now).next_check
    click.echo(f"watched {len(issues)} punctual incident(s) until {now.isoformat()}")


def arm(job: Job, seen: Iterable[tuple[Issue, Decision]], workflow: str, opts: Options) -> None:
    """Switch the timers workflow on when a punctual incident is open (after these plans)."""
    from dutydesk.rules.incidents.timers import punctual_after

    if any(punctual_after(issue, decision, job.policy) for issue, decision in seen):
        switch(job, workflow, True, opts)


def _actions_repository(job: Job) -> Repository:
    """Where the switch is made: with DUTYDESK_ACTIONS_TOKEN (the job's GITHUB_TOKEN, which
    the workflows grant `actions: write`) when it is set, else with the job's own token (a
    GitHub App token for teams need not have the Actions permission)."""
    token = os.environ.get("DUTYDESK_ACTIONS_TOKEN")
    if not token or token == os.environ.get("GITHUB_TOKEN"):
        return job.repo
    from dutydesk.io.github import connect

    full_name = getattr(job.repo, "full_name", None) or os.environ.get("GITHUB_REPOSITORY")
    return connect(token, full_name, os.environ.get("GITHUB_API_URL"))


def switch(job: Job, workflow: str, enabled: bool, opts: Options) -> None:
    """Enable or disable the timers workflow if it is not so already (a read, and a write only
    when it changes); a refusal is a warning, never a failed run (the sweep is the backstop)."""
    from dutydesk.errors import GitHubError

    if not workflow or not job.policy.incidents.punctual or opts.dry_run:
        return
    try:
        repo = _actions_repository(job)
        if repo.workflow_enabled(workflow) != enabled:
            repo.set_workflow_enabled(workflow, enabled)
    except GitHubError as exc:
        state = "on" if enabled else "off"
        message = (
            f"could not switch the timers workflow {workflow} {state} ({exc}); give the job "
            "`actions: write`, or set --timers-workflow '' if the repository has none"
        )
        annotate("warning", message)
        click.echo(message, err=True)
