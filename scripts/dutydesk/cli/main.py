"""The dutydesk command line: thin click commands over the pure core.

Only the cli package reads the clock and the environment, and it does so inside commands.
Heavy libraries (PyGithub, Jinja2, holidays) are imported where used, to keep start-up quick.
The commands live beside their subject: `simulate` in cli/simulate.py, `event` and `sweep` in
cli/jobs.py, `runbooks` in cli/runbooks.py, `rota` in cli/rota.py; this module wires them into
one group.
"""

from __future__ import annotations

import atexit
import gc
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from dutydesk.cli.common import (
    Options,
    annotate,
    common,
    github,
    load_setup,
    run_safely,
)

__all__ = ["Options", "cli", "common", "github", "load_setup", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="dutydesk")
def cli() -> None:
    """dutydesk: incidents, out-of-hours changes and runbook reviews, run by policy.yaml.

    Start with `dutydesk simulate examples/p1-outage.yaml` to watch the rules work with no
    GitHub at all.
    """


# -- commands ----------------------------------------------------------------------------


@cli.command()
@click.option(
    "--template",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The issue-form template (.github/ISSUE_TEMPLATE/NAME.yml).",
)
@click.argument("body_file", type=click.File("r", encoding="utf-8"))
@run_safely
def parse(template: Path, body_file: Any) -> None:
    """Print the answers dutydesk reads from an issue body (BODY_FILE, or - for stdin).

    The JSON has the shape of GitHub's @github/issue-parser: the answer to "why did the bot
    read my form this way?".
    """
    from dutydesk.errors import ConfigurationError
    from dutydesk.forms import FormError, load_template, parse_body

    try:
        form = load_template(template)
    except FormError as exc:
        raise ConfigurationError(str(exc)) from None
    try:
        body = body_file.read()
    except UnicodeDecodeError:
        raise ConfigurationError(f"{body_file.name} is not UTF-8 text") from None
    click.echo(json.dumps(parse_body(form, body), indent=2, ensure_ascii=False))


@cli.command()
@common("policy", "forms", "now")
@run_safely
def validate(opts: Options) -> None:
    """Check the policy, the issue forms, the rota and the runbooks; exit 1 on findings."""
    from dutydesk.cli.rota import secrets_environment
    from dutydesk.views.validation import cover_checks, findings, warnings

    gaps, skipped = cover_checks(opts.policy, secrets_environment(), opts.now)  # PagerDuty
    for where, message in warnings(opts.policy, opts.forms) + skipped:
        annotate("warning", message, where)
        click.echo(f"{where}: warning: {message}")
    problems = findings(opts.policy, opts.forms, opts.now) + gaps
    for where, message in problems:
        annotate("error", message, where)
        click.echo(message if message.startswith(where) else f"{where}: {message}")
    if problems:
        click.echo(f"{len(problems)} problem(s) found", err=True)
        sys.exit(1)
    click.echo("policy, forms, rota and runbooks are valid")


def _register_labels() -> None:
    from dutydesk.cli.labels import labels

    cli.add_command(labels)


_register_labels()


@cli.command()
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    help="Only incidents opened on or after this date (YYYY-MM-DD, policy timezone).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "csv", "json", "html"]),
    default="markdown",
    show_default=True,
    help="Output format (html: one self-contained page with the register and charts).",
)
@common("policy", "forms", "repo", "now")
@run_safely
def report(opts: Options, since: datetime | None, fmt: str) -> None:
    """The incident register: every incident with its times and whether targets were met."""
    from dutydesk.jobs import read_context
    from dutydesk.views.report import format_rows, rows

    policy, forms = load_setup(opts)
    repo = github(opts)
    ctx = read_context(repo, policy, forms, opts.now)
    day = since.date() if since is not None else None
    start = datetime.combine(day, datetime.min.time(), policy.timezone) if day else None
    issues = repo.issues_since(policy.label("incident"), start)
    register = rows(issues, ctx, since=day)
    if fmt == "html":
        from dutydesk.views.report_html import report_html

        click.echo(report_html(register, policy, opts.now), nl=False)
        return
    click.echo(format_rows(register, fmt), nl=False)


def _register_groups() -> None:
    from dutydesk.cli.forms import forms
    from dutydesk.cli.jobs import event, sweep
    from dutydesk.cli.rota import rota
    from dutydesk.cli.runbooks import runbooks
    from dutydesk.cli.simulate import simulate
    from dutydesk.cli.site import site

    for command in (simulate, event, sweep, runbooks, forms, site, rota):
        cli.add_command(command)


_register_groups()


def _register_init() -> None:
    from dutydesk.cli.init import init
    from dutydesk.cli.timers import timers

    cli.add_command(init)
    cli.add_command(timers)


_register_init()


def main() -> None:
    # At exit, the collector's last full pass over every object still alive (a sweep's
    # snapshots, the modules) is about 0.15 s of a steady sweep of 1,000 items, for nothing:
    # the process ends. Frozen, they are left out of it; files and streams are still flushed
    # and closed, and the other exit handlers still run.
    atexit.register(gc.freeze)
    cli(prog_name="dutydesk")
