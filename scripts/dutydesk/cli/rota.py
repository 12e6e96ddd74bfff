"""`dutydesk rota`, and reading a PagerDuty rota for the jobs (`rota_for_jobs`).

With a list-form rota the command prints the entry in force; with `rota.pagerduty` it reads
PagerDuty's `/oncalls` (the key from the environment variable the policy names) and prints
who is primary and secondary, and with `--until` the handovers and gaps in cover.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from dutydesk.cli.common import annotate, now_option, parse_moment, policy_option, run_safely
from dutydesk.policy import Policy

#: The jobs read the PagerDuty rota from a day back (an escalation due a little before the run)
#: to as far ahead as PagerDuty answers (a change window weeks away), in one read per run.
JOB_SPAN_BEHIND = timedelta(days=1)
JOB_SPAN_AHEAD = timedelta(days=89)
#: `dutydesk rota` without --until reads this little around the moment.
MOMENT_SPAN = timedelta(minutes=1)
MAX_UNTIL = timedelta(days=90)


@click.command()
@now_option("--at", "The moment to ask about (ISO 8601 with offset) [default: now].")
@click.option(
    "--until",
    callback=parse_moment,
    metavar="ISO-8601",
    help="With a PagerDuty rota: also list the handovers and gaps in cover from --at to this "
    "moment (ISO 8601 with offset; at most 90 days on).",
)
@policy_option()
@run_safely
def rota(now: datetime | None, until: datetime | None, policy_path: Path) -> None:
    """Who is primary and secondary on call at a moment, from the policy's rota (or from
    PagerDuty, with `rota.pagerduty` and its key in the environment)."""
    from dutydesk.policy import load_policy
    from dutydesk.views.rota import format_rota, on_call

    at = now if now is not None else datetime.now(UTC)
    if until is not None and not at < until <= at + MAX_UNTIL:
        raise click.BadParameter(
            "give a moment after --at and at most 90 days on", param_hint="--until"
        )
    policy = load_policy(policy_path)
    if policy.pagerduty is None:
        click.echo(format_rota(on_call(policy, at), at, policy), nl=False)
        if until is not None:
            click.echo(_list_handovers(policy, at, until), nl=False)
        return
    from dutydesk.io.pagerduty import with_pagerduty_rota
    from dutydesk.views.rota import format_pagerduty_rota

    end = until if until is not None else at + MOMENT_SPAN
    policy = with_pagerduty_rota(policy, secrets_environment(), at, end)
    click.echo(format_pagerduty_rota(policy, at, until), nl=False)


def _list_handovers(policy: Policy, at: datetime, until: datetime) -> str:
    """The list form's entries that start after --at's date and by --until's."""
    first, last = policy.local(at).date(), policy.local(until).date()
    lines = [
        f"Handover on {e.start}: primary {e.primary}, secondary {e.secondary}\n"
        for e in sorted(policy.rota, key=lambda e: e.start)
        if first < e.start <= last
    ]
    return "".join(lines) or f"No handovers by {last}.\n"


def rota_for_jobs(
    policy: Policy, now: datetime, environ: Mapping[str, str] | None = None
) -> Policy:
    """The policy with its PagerDuty rota read for the jobs' span (a list-form rota: as it is).

    When PagerDuty cannot be read (no key, an outage) the job goes on: incidents are handled
    as ever (an escalation names nobody on call rather than guess), and a change request that
    needs the rota to name its support people fails this run with the reason, so that the
    next run tries again. Said on stderr and in a warning annotation; never the key."""
    if policy.pagerduty is None:
        return policy
    from dutydesk.errors import ConfigurationError
    from dutydesk.io.pagerduty import PagerDutyError, with_pagerduty_rota, without_pagerduty_rota

    env = secrets_environment() if environ is None else environ
    try:
        return with_pagerduty_rota(policy, env, now - JOB_SPAN_BEHIND, now + JOB_SPAN_AHEAD)
    except (ConfigurationError, PagerDutyError) as exc:
        message = (
            f"{exc}. Incidents are handled without it; change requests that need the rota "
            "wait for the next run"
        )
        annotate("warning", message)
        click.echo(f"warning: {message}", err=True)
        return without_pagerduty_rota(policy, str(exc))


def secrets_environment() -> Mapping[str, str]:
    """The environment with the services' secrets bundle read into it (service_secrets.py:
    the reusable workflows pass `PD_API_TOKEN` there), each of its values masked first in
    Actions; a bundle that cannot be read is a warning (naming its bad line by number), and
    the plain environment is used."""
    from dutydesk.errors import ConfigurationError
    from dutydesk.service_secrets import environment, mask_commands

    try:
        if os.environ.get("GITHUB_ACTIONS") == "true":
            for command in mask_commands(os.environ):  # before anything reads a value
                click.echo(command)
        return environment(os.environ)
    except ConfigurationError as exc:  # its line number only, never its text
        annotate("warning", str(exc))
        click.echo(f"warning: {exc}", err=True)
        return os.environ
