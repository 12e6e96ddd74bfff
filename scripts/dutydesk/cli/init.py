"""`dutydesk init [DIR]`: adopt dutydesk in an existing repository.

What to write is decided by `dutydesk.adopt` (pure); this command reads what is there, writes
only the files that are missing, never overwrites one, and says what it did and what next.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from dutydesk.cli.common import run_safely

if TYPE_CHECKING:  # pragma: no cover
    from dutydesk.adopt import Plan


@click.command("init")
@click.argument(
    "directory",
    required=False,
    default=Path("."),
    type=click.Path(path_type=Path),
)
@click.option(
    "--repository",
    metavar="OWNER/REPO",
    help="The dutydesk repository the workflows call [default: the release this dutydesk "
    "came from].",
)
@click.option(
    "--sha",
    metavar="COMMIT",
    help="The full commit SHA of that repository to pin the workflows to [default: the release's].",
)
@click.option(
    "--tag",
    metavar="vX.Y.Z",
    help="The version named in the comment beside each pin [default: this dutydesk's].",
)
@run_safely
def init(directory: Path, repository: str | None, sha: str | None, tag: str | None) -> None:
    """Write dutydesk's issue forms, policy.yaml, runbooks/TEMPLATE.md and workflows into
    DIRECTORY (default: here), a repository's root.

    A file that is already there is left alone, never overwritten: init says which. Running
    it again changes nothing. The workflows are a few lines each: they call dutydesk's
    reusable workflows, pinned to one commit.
    """
    from dutydesk.adopt import DEFAULT_RELEASE, Outcome, Release, contents, next_steps, plan

    release = Release(
        repository or DEFAULT_RELEASE.repository,
        (sha or DEFAULT_RELEASE.commit).lower(),
        tag or DEFAULT_RELEASE.tag,
    )
    problems = release.problems()
    if problems:
        raise click.BadParameter("; ".join(problems), param_hint="--repository/--sha/--tag")
    _check_folder(directory)
    wanted = contents(release, _first_runbook_expires(directory))
    decided = plan(wanted, _existing(directory, wanted))
    written = _write(directory, {p: wanted[p] for p in decided.paths(Outcome.WRITE)})
    _report(decided)
    if decided.changes_nothing:
        click.echo("nothing to do: every file init writes is already there")
        return
    click.echo("")
    click.echo("Next steps:")
    for number, step in enumerate(next_steps(release, written), start=1):
        click.echo(f"  {number}. {step}")


def _check_folder(directory: Path) -> None:
    from dutydesk.errors import ConfigurationError

    if directory.exists() and not directory.is_dir():
        raise ConfigurationError(f"{directory} is a file, not a folder: give a repository's root")
    if not directory.exists():
        raise ConfigurationError(f"{directory} does not exist: create it (or `git init` it) first")


def _first_runbook_expires(directory: Path) -> date | None:
    """A review date for a first runbook, when runbooks/ has no page yet (six months on)."""
    folder = directory / "runbooks"
    skipped = {"template.md", "readme.md"}
    pages = [p for p in folder.rglob("*.md") if p.name.lower() not in skipped]
    if folder.is_dir() and pages:
        return None
    return (datetime.now(UTC) + timedelta(days=183)).date()


def _existing(directory: Path, wanted: dict[str, str]) -> dict[str, str | None]:
    """The text of each wanted path already there (None: there, but not readable as text)."""
    found: dict[str, str | None] = {}
    for path in wanted:
        target = directory / path
        if target.exists() or target.is_symlink():
            try:
                found[path] = target.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                found[path] = None
    return found


def _write(directory: Path, files: dict[str, str]) -> list[str]:
    """Write each file (exclusively: one that appeared meanwhile is not overwritten)."""
    from dutydesk.errors import ConfigurationError

    written: list[str] = []
    for path, text in files.items():
        target = directory / path
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("x", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
        except OSError as exc:
            done = f"; written before it: {', '.join(written)}" if written else ""
            reason = exc.strerror or str(exc)
            raise ConfigurationError(f"cannot write {target}: {reason}{done}") from None
        click.echo(f"wrote {path}")
        written.append(path)
    return written


def _report(decided: Plan) -> None:
    from dutydesk.adopt import Outcome

    for path in decided.paths(Outcome.SAME):
        click.echo(f"left alone {path}: already there, as init writes it")
    for path in decided.paths(Outcome.KEPT):
        click.echo(f"left alone {path}: already there and different (yours is kept)")
