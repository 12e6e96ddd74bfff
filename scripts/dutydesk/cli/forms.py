"""`dutydesk forms`: write the parts of the issue forms that come from the policy."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from dutydesk.cli.common import Options, common, run_safely


@click.command()
@common("policy", "forms")
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 1 if a form's policy parts are out of step with the policy.",
)
@run_safely
def forms(opts: Options, check: bool) -> None:
    """Write the priority table and options, the notice, the on-call hours and the time zone
    into the issue forms from the policy, between their `# dutydesk:policy PART` and
    `# dutydesk:end` lines; every other line of a form is left as it is."""
    from dutydesk.errors import ConfigurationError
    from dutydesk.forms.from_policy import RegionError, sync
    from dutydesk.policy import load_policy

    policy = load_policy(opts.policy)
    paths = sorted(opts.forms.glob("*.yml")) if opts.forms.is_dir() else []
    if not paths:
        raise ConfigurationError(f"no issue forms in {opts.forms}")
    stale = 0
    for path in paths:
        text = path.read_text(encoding="utf-8")
        try:
            synced = sync(text, policy)
        except RegionError as exc:
            raise ConfigurationError(f"{path}: {exc}") from None
        if not synced.changed:
            continue
        stale += 1
        parts = ", ".join(synced.changed)
        if check:
            click.echo(f"{path}: out of step with {opts.policy}: {parts}")
        else:
            path.write_text(synced.text, encoding="utf-8")
            click.echo(f"{path}: wrote {parts}")
    _finish(check, stale, opts.forms)


def _finish(check: bool, stale: int, folder: Path) -> None:
    if check and stale:
        click.echo(f"{stale} form(s) out of step: run `dutydesk forms` to write them", err=True)
        sys.exit(1)
    if not stale:
        click.echo(f"the forms in {folder} are in step with the policy")
