"""Pieces every click command shares: the --now parser, the policy option, error mapping."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import click

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
