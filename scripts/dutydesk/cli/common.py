"""Pieces every click command shares: the options (`common`), the --now parser, loading the
policy and forms, the GitHub adapter, and error mapping."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:  # pragma: no cover
    from dutydesk.forms import FormTemplate
    from dutydesk.io.repository import Repository
    from dutydesk.policy import Policy

F = TypeVar("F", bound=Callable[..., Any])


def parse_moment(
    _: click.Context | None, __: click.Parameter | None, value: str | None
) -> datetime | None:
    """`--now`/`--at`: ISO 8601 with an offset; None when absent (the caller reads the clock)."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not ISO 8601; write e.g. 2026-11-23T10:00:00+00:00"
        ) from None
    if moment.tzinfo is None:
        raise click.BadParameter(f"{value!r} has no UTC offset; add e.g. +00:00 or Z")
    if not 2000 <= moment.year <= 2999:
        raise click.BadParameter(f"{value!r} is outside the years 2000 to 2999")
    return moment


def policy_option(help: str = "The team's policy file.") -> Callable[[F], F]:
    return click.option(
        "--policy",
        "policy_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=Path("policy.yaml"),
        show_default=True,
        help=help,
    )


def now_option(name: str = "--now", help: str | None = None) -> Callable[[F], F]:
    return click.option(
        name,
        "now",
        callback=parse_moment,
        metavar="ISO-8601",
        help=help
        or "Decide as if it were this moment (ISO 8601 with offset) [default: the clock].",
    )


def annotate(level: str, message: str, file: str | None = None) -> None:
    """A GitHub Actions annotation, when running in Actions."""
    if os.environ.get("GITHUB_ACTIONS") == "true":
        where = f" file={file}" if file else ""
        text = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        click.echo(f"::{level}{where}::{text}")


def run_safely(func: F) -> F:
    """Map dutydesk's errors to a message on stderr (and an annotation) and their exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from dutydesk.errors import DutydeskError

        try:
            return func(*args, **kwargs)
        except DutydeskError as exc:
            annotate("error", str(exc))
            click.echo(f"dutydesk: {exc}", err=True)
            sys.exit(exc.exit_code)

    return wrapper  # type: ignore[return-value]


# -- the shared options ------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    policy: Path
    forms: Path
    repo: str | None
    now: datetime
    dry_run: bool
    as_json: bool


_OPTIONS: dict[str, Callable[[F], F]] = {
    "policy": policy_option(),
    "forms": click.option(
        "--forms",
        "forms_path",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path(".github/ISSUE_TEMPLATE"),
        show_default=True,
        help="Folder of the issue-form templates.",
    ),
    "repo": click.option(
        "--repo",
        envvar="GITHUB_REPOSITORY",
        help="OWNER/NAME of the repository [default: $GITHUB_REPOSITORY].",
    ),
    "now": now_option(),
    "dry_run": click.option(
        "--dry-run", is_flag=True, help="Plan and print; write nothing to GitHub."
    ),
    "json": click.option(
        "--json", "as_json", is_flag=True, help="One JSON object a line per action."
    ),
}


def common(*names: str) -> Callable[[F], F]:
    """Add the named shared options (policy, forms, repo, now, dry_run, json) to a command;
    the command receives them, and defaults for the others, as one Options."""

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(**kwargs: Any) -> Any:
            now = kwargs.pop("now", None)
            opts = Options(
                policy=kwargs.pop("policy_path", Path("policy.yaml")),
                forms=kwargs.pop("forms_path", Path(".github/ISSUE_TEMPLATE")),
                repo=kwargs.pop("repo", None),
                now=now if now is not None else datetime.now(UTC),
                dry_run=kwargs.pop("dry_run", False),
                as_json=kwargs.pop("as_json", False),
            )
            return func(opts, **kwargs)

        decorated: Any = wrapper
        for name in reversed(names):
            decorated = _OPTIONS[name](decorated)
        return decorated  # type: ignore[no-any-return]

    return decorate


# -- shared plumbing ---------------------------------------------------------------------


def load_setup(opts: Options) -> tuple[Policy, Mapping[str, FormTemplate]]:
    from dutydesk.errors import ConfigurationError
    from dutydesk.forms import FormError, load_templates
    from dutydesk.policy import load_policy

    policy = load_policy(opts.policy)
    try:
        forms = load_templates(opts.forms)
    except FormError as exc:
        raise ConfigurationError(str(exc)) from None
    if not forms:
        raise ConfigurationError(f"no issue forms in {opts.forms}")
    return policy, forms


def github(opts: Options) -> Repository:
    from dutydesk.io.github import connect

    return connect(os.environ.get("GITHUB_TOKEN"), opts.repo, os.environ.get("GITHUB_API_URL"))
