"""`dutydesk simulate`: a scenario's timeline, as text for people or JSON a line per action."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from dutydesk.cli.common import Options, common, run_safely

if TYPE_CHECKING:  # pragma: no cover
    from zoneinfo import ZoneInfo

    from dutydesk.simulate import Entry, Simulation


@click.command()
@click.argument("scenario", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--exhaustive",
    is_flag=True,
    help="Reconcile every open item at every sweep, even one unchanged with nothing due.",
)
@common("policy", "forms", "json")
@run_safely
def simulate(opts: Options, scenario: Path, exhaustive: bool) -> None:
    """Run the rules over the timeline in SCENARIO, with no GitHub, and print every bot action.

    The scenario's `policy:` mapping is merged over --policy. Times print in the policy's
    timezone; with --json, each bot action is one JSON object a line.
    """
    from dutydesk.errors import ConfigurationError
    from dutydesk.forms import FormError, load_templates
    from dutydesk.registry import handlers
    from dutydesk.simulate import simulate as run

    try:
        forms = load_templates(opts.forms)
    except FormError as exc:
        raise ConfigurationError(f"{exc}{_forms_hint()}") from None
    sim, entries = run(scenario, opts.policy, forms, handlers(), exhaustive=exhaustive)
    if opts.as_json:
        print_json(entries)
    else:
        print_text(sim, entries)


def _forms_hint() -> str:
    """A hint to give --forms, unless it was given."""
    source = click.get_current_context().get_parameter_source("forms_path")
    given = source is not None and source is not click.core.ParameterSource.DEFAULT
    return "" if given else " (give the forms folder with --forms)"


def print_json(entries: Sequence[Entry]) -> None:
    """Each bot action, one JSON object a line."""
    from dutydesk.actions import dumps

    for entry in entries:
        if entry.action is not None:
            click.echo(dumps(entry.action, entry.at))


def print_text(sim: Simulation, entries: Sequence[Entry]) -> None:
    """The description, every step and bot action in the policy's timezone, and the counts."""
    if sim.scenario.description:
        click.echo(sim.scenario.description.strip())
        click.echo("")
    for entry in entries:
        click.echo(entry_line(entry, sim.policy.timezone))
    click.echo("")
    actions = sum(1 for e in entries if e.action is not None)
    click.echo(
        f"{len(sim.scenario.steps)} steps, {sim.sweeps} sweeps, {sim.reconciles} reconciles "
        f"({sim.skipped} unchanged items passed by), {actions} bot actions"
    )


def entry_line(entry: Entry, tz: ZoneInfo) -> str:
    stamp = entry.at.astimezone(tz).strftime("%a %d %b %H:%M %Z")
    action = entry.action
    if action is None:
        return f"{stamp}  {entry.text}"
    return f"{stamp}    bot ({entry.source}) #{action.issue} {action.rule}: {entry.text}"
