"""`dutydesk labels sync`: the repository's labels as the policy names them.

The plan is pure (`dutydesk.rules.labels_sync`); `dutydesk.io.apply` writes it, or with
``--dry-run`` writes nothing. Each label is printed, then saved, in turn.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from dutydesk.cli.common import Options, common, github, run_safely

if TYPE_CHECKING:  # pragma: no cover
    from dutydesk.actions import Action


@click.group("labels")
def labels() -> None:
    """Manage the labels the policy uses."""


@labels.command("sync")
@common("policy", "repo", "dry_run")
@click.option(
    "--max-writes",
    type=click.IntRange(min=1),
    help="Save at most this many labels; the rest wait for the next run (exit status 3) "
    "[default: the policy's max_writes_per_run, 300].",
)
@run_safely
def labels_sync(opts: Options, max_writes: int | None) -> None:
    """Create or update every label the policy names (idempotent).

    With --dry-run and no GITHUB_TOKEN, reads nothing from GitHub: it lists every label as it
    would be created in a repository that has none yet.
    """
    from dutydesk.errors import ConfigurationError
    from dutydesk.io.apply import apply_plan
    from dutydesk.policy import load_policy
    from dutydesk.rules.labels_sync import plan_labels

    policy = load_policy(opts.policy)
    try:
        repo = github(opts)
    except ConfigurationError:
        if not opts.dry_run or os.environ.get("GITHUB_TOKEN"):
            raise
        preview(plan_labels(policy, {}))  # no token: nothing can be read, show them all
        return
    actions = plan_labels(policy, repo.list_labels())
    budget = max_writes or policy.max_writes_per_run
    now, later = actions[:budget], actions[budget:]
    for action in now:
        click.echo(f"{'would ' if opts.dry_run else ''}{action.summary()}")
        apply_plan(repo, [action], opts.dry_run)
    click.echo(
        f"{len(now)} label(s) {'to change' if opts.dry_run else 'changed'}, "
        f"{len(policy.labels) - len(actions)} already right"
    )
    if later:
        click.echo(f"{len(later)} label(s) left for the next run (the write budget)", err=True)
        sys.exit(3)


def preview(actions: Sequence[Action]) -> None:
    """The labels a repository with none would get, with no GitHub at all."""
    click.echo("no GITHUB_TOKEN: the labels as they would be created in a repository with none")
    for action in actions:
        click.echo(f"would {action.summary()}")
    click.echo(f"{len(actions)} label(s) to create")
