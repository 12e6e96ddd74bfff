"""`dutydesk site build`: the public status page and feed, from the repository's issues."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from dutydesk.cli.common import Options, common, github, load_setup, run_safely

if TYPE_CHECKING:  # pragma: no cover
    from dutydesk.engine import Context
    from dutydesk.io.repository import Repository
    from dutydesk.simulate import Simulation

OUT_HELP = "The folder to write the site into (index.html, feed.xml); created if need be."
TEMPLATES_HELP = (
    "A folder of templates (index.html.j2, base.html.j2, macros.html.j2, style.css) that "
    "replace the built-in ones of the same name [default: the policy's site.templates]."
)


@click.group()
def site() -> None:
    """The public status page and its Atom feed, for GitHub Pages."""


@site.command()
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help=OUT_HELP,
)
@click.option(
    "--templates",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help=TEMPLATES_HELP,
)
@common("policy", "forms", "repo", "now")
@run_safely
def build(opts: Options, out: Path, templates: Path | None) -> None:
    """Build the status page from the repository's public incidents and maintenance notices.

    Only incidents a responder labelled public appear, with the responders' /update texts;
    nothing else from the issues.
    """
    from dutydesk.errors import ConfigurationError
    from dutydesk.jobs import read_context

    if opts.repo is None:
        raise ConfigurationError("no repository: give --repo OWNER/NAME or set GITHUB_REPOSITORY")
    policy, forms = load_setup(opts)
    repo = github(opts)
    ctx = read_context(repo, policy, forms, opts.now)
    for path in write_from(repo, ctx, opts.repo, out, templates):
        click.echo(f"wrote {path}")


def write_from(
    repo: Repository, ctx: Context, repository: str, out: Path, templates: Path | None
) -> list[Path]:
    """Build the site from `repo` at `ctx.now` and write it into `out` (also for simulate)."""
    from dutydesk.site import build_page, site_files, templates_folder, write_site

    policy = ctx.policy
    folder = templates_folder(templates, policy.source, policy.site.templates)
    return write_site(out, site_files(build_page(repo, ctx, repository), folder))


def simulated_site(sim: Simulation, scenario: Path, out: Path) -> None:
    """`simulate --site`: the site from the simulated repository at the scenario's end (the
    files written are named on stderr, so that stdout stays the timeline)."""
    from dutydesk.engine import Context

    ctx = Context(policy=sim.policy, now=sim.scenario.until, forms=sim.forms, access=sim.access)
    for path in write_from(sim.repo, ctx, f"simulated/{scenario.stem}", out, None):
        click.echo(f"wrote {path}", err=True)
