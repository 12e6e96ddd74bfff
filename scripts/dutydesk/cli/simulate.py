"""`dutydesk simulate`: a scenario's timeline, as text for people or JSON a line per action."""

from __future__ import annotations

import json
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
@click.option(
    "--site",
    "site_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also build the status page (dutydesk site build) at the scenario's end, into this folder.",
)
@click.option(
    "--report",
    "report_format",
    type=click.Choice(["markdown", "csv", "json"]),
    help="At the end, print the incident register of the simulated repository (as `dutydesk "
    "report` would) in this format; with csv or json the timeline goes to stderr, so stdout "
    "is the register alone.",
)
@common("policy", "forms", "json")
@run_safely
def simulate(
    opts: Options,
    scenario: Path,
    exhaustive: bool,
    site_dir: Path | None,
    report_format: str | None,
) -> None:
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
    to_stderr = report_format in ("csv", "json")
    if opts.as_json:
        print_json(entries, err=to_stderr)
        click.echo(json.dumps({"kind": "summary", **sim.figures()}), err=to_stderr)
    else:
        print_text(sim, entries, err=to_stderr)
    if report_format is not None:
        print_register(sim, report_format)
    if site_dir is not None:
        from dutydesk.cli.site import simulated_site

        simulated_site(sim, scenario, site_dir)


def _forms_hint() -> str:
    """A hint to give --forms, unless it was given."""
    source = click.get_current_context().get_parameter_source("forms_path")
    given = source is not None and source is not click.core.ParameterSource.DEFAULT
    return "" if given else " (give the forms folder with --forms)"


def print_json(entries: Sequence[Entry], err: bool = False) -> None:
    """Each bot action, one JSON object a line."""
    from dutydesk.actions import dumps

    for entry in entries:
        if entry.action is not None:
            click.echo(dumps(entry.action, entry.at), err=err)


def print_text(sim: Simulation, entries: Sequence[Entry], err: bool = False) -> None:
    """The description, every step and bot action in the policy's timezone, and the counts."""
    if sim.scenario.description:
        click.echo(sim.scenario.description.strip(), err=err)
        click.echo("", err=err)
    for entry in entries:
        click.echo(entry_line(entry, sim.policy.timezone), err=err)
    click.echo("", err=err)
    actions = sum(1 for e in entries if e.action is not None)
    click.echo(
        f"{len(sim.scenario.steps)} steps, {sim.sweeps} sweeps, {sim.reconciles} reconciles "
        f"({sim.skipped} unchanged items passed by), {actions} bot actions",
        err=err,
    )
    from dutydesk.simulate.billing import summary_text

    for line in summary_text(sim.figures()):
        click.echo(line, err=err)


def print_register(sim: Simulation, fmt: str) -> None:
    """The incident register of the simulated repository at the scenario's end."""
    from dutydesk.jobs import read_context
    from dutydesk.views.report import format_rows, rows

    end = sim.scenario.until
    ctx = read_context(sim.repo, sim.policy, sim.forms, end)
    register = rows(sim.repo.issues_since(sim.policy.label("incident"), None), ctx)
    if fmt == "markdown":
        click.echo("")
        click.echo(f"Incident register at {end.astimezone(sim.policy.timezone):%a %d %b %H:%M %Z}:")
        click.echo("")
    click.echo(format_rows(register, fmt), nl=False)


def entry_line(entry: Entry, tz: ZoneInfo) -> str:
    stamp = entry.at.astimezone(tz).strftime("%a %d %b %H:%M %Z")
    action = entry.action
    if action is None:
        return f"{stamp}  {entry.text}"
    return f"{stamp}    bot ({entry.source}) #{action.issue} {action.rule}: {entry.text}"
