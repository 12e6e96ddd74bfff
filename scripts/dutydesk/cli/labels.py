"""`dutydesk labels sync`: the repository's labels as the policy names them.

The plan is pure (`dutydesk.rules.labels_sync`); `dutydesk.io.apply` writes it, or with
``--dry-run`` writes nothing. Each label is printed, then saved, in turn.
"""

from __future__ import annotations

import click

from dutydesk.cli.common import Options, common, github, run_safely


@click.group("labels")
def labels() -> None:
    """Manage the labels the policy uses."""


@labels.command("sync")
@common("policy", "repo", "dry_run")
@run_safely
def labels_sync(opts: Options) -> None:
    """Create or update every label the policy names (idempotent)."""
    from dutydesk.io.apply import apply_plan
    from dutydesk.policy import load_policy
    from dutydesk.rules.labels_sync import plan_labels

    policy = load_policy(opts.policy)
    repo = github(opts)
    actions = plan_labels(policy, repo.list_labels())
    for action in actions:
        click.echo(f"{'would ' if opts.dry_run else ''}{action.summary()}")
        apply_plan(repo, [action], opts.dry_run)
    click.echo(
        f"{len(actions)} label(s) {'to change' if opts.dry_run else 'changed'}, "
        f"{len(policy.labels) - len(actions)} already right"
    )
