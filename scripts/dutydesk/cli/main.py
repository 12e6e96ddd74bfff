"""The dutydesk command line: thin click commands over the pure core.

Only this module reads the clock and the environment, and it does so inside commands.
Heavy libraries (PyGithub, Jinja2, holidays) are imported where used, to keep start-up quick.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from dutydesk.cli.common import annotate, now_option, policy_option, run_safely

if TYPE_CHECKING:  # pragma: no cover
    from dutydesk.actions import Action
    from dutydesk.engine import Context, Decision
    from dutydesk.forms import FormTemplate
    from dutydesk.io.repository import Repository
    from dutydesk.model import Issue
    from dutydesk.policy import Policy

F = TypeVar("F", bound=Callable[..., Any])


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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="dutydesk")
def cli() -> None:
    """dutydesk: incidents, out-of-hours changes and runbook reviews, run by policy.yaml.

    Start with `dutydesk simulate examples/p1-outage.yaml` to watch the rules work with no
    GitHub at all.
    """


# -- shared plumbing ---------------------------------------------------------------------


def load_setup(opts: Options) -> tuple[Policy, Mapping[str, FormTemplate]]:
    from dutydesk.forms import FormError, load_templates
    from dutydesk.policy import load_policy

    policy = load_policy(opts.policy)
    try:
        forms = load_templates(opts.forms)
    except FormError as exc:
        from dutydesk.errors import ConfigurationError

        raise ConfigurationError(str(exc)) from None
    if not forms:
        from dutydesk.errors import ConfigurationError

        raise ConfigurationError(f"no issue forms in {opts.forms}")
    return policy, forms


def github(opts: Options) -> Repository:
    from dutydesk.io.github import connect

    return connect(os.environ.get("GITHUB_TOKEN"), opts.repo, os.environ.get("GITHUB_API_URL"))


def print_actions(actions: Iterable[Action], at: datetime, opts: Options, prefix: str = "") -> None:
    from dutydesk.actions import dumps

    for action in actions:
        if opts.as_json:
            click.echo(dumps(action, at))
        else:
            click.echo(f"{prefix}#{action.issue} {action.rule}: {action.summary()}")


def watched_labels(forms: Mapping[str, FormTemplate]) -> list[str]:
    """The first label of each form a handler reconciles: what the sweep lists."""
    from dutydesk.registry import handlers

    names = handlers()
    return sorted({lbl for name, f in forms.items() if name in names for lbl in f.labels[:1]})


def context_for(
    policy: Policy, forms: Mapping[str, FormTemplate], repo: Repository, now: datetime
) -> Context:
    from dutydesk.engine import Context, teams_in

    teams = teams_in(policy.incidents.responders) | teams_in(policy.changes.approvers)
    return Context(policy=policy, now=now, forms=forms, access=repo.access(teams))


# -- commands ----------------------------------------------------------------------------


@cli.command()
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
        raise ConfigurationError(f"{exc} (give the forms folder with --forms)") from None
    sim, entries = run(scenario, opts.policy, forms, handlers(), exhaustive=exhaustive)
    tz = sim.policy.timezone
    if not opts.as_json and sim.scenario.description:
        click.echo(sim.scenario.description.strip())
        click.echo("")
    for entry in entries:
        if opts.as_json:
            if entry.action is not None:
                from dutydesk.actions import dumps

                click.echo(dumps(entry.action, entry.at))
            continue
        stamp = entry.at.astimezone(tz).strftime("%a %d %b %H:%M %Z")
        if entry.action is None:
            click.echo(f"{stamp}  {entry.text}")
        else:
            click.echo(
                f"{stamp}    bot ({entry.source}) #{entry.action.issue} {entry.action.rule}: {entry.text}"
            )
    if not opts.as_json:
        click.echo("")
        actions = sum(1 for e in entries if e.action is not None)
        click.echo(
            f"{len(sim.scenario.steps)} steps, {sim.sweeps} sweeps, {sim.reconciles} reconciles "
            f"({sim.skipped} unchanged items passed by), {actions} bot actions"
        )


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
    from dutydesk.views.validation import findings

    problems = findings(opts.policy, opts.forms, opts.now)
    for where, message in problems:
        annotate("error", message, where)
        click.echo(message if message.startswith(where) else f"{where}: {message}")
    if problems:
        click.echo(f"{len(problems)} problem(s) found", err=True)
        sys.exit(1)
    click.echo("policy, forms, rota and runbooks are valid")


@cli.group()
def labels() -> None:
    """Manage the labels the policy uses."""


@labels.command("sync")
@common("policy", "repo", "dry_run")
@run_safely
def labels_sync(opts: Options) -> None:
    """Create or update every label the policy names (idempotent)."""
    from dutydesk.policy import load_policy

    policy = load_policy(opts.policy)
    repo = github(opts)
    existing = repo.list_labels()
    changed = 0
    for spec in policy.labels.values():
        current = existing.get(spec.name)
        if (
            current is not None
            and current[0].lower() == spec.color.lower()
            and current[1] == spec.description
        ):
            continue
        changed += 1
        verb = "update" if current is not None else "create"
        click.echo(f"{'would ' if opts.dry_run else ''}{verb} label {spec.name} #{spec.color}")
        if not opts.dry_run:
            repo.save_label(spec.name, spec.color, spec.description, exists=current is not None)
    click.echo(
        f"{changed} label(s) {'to change' if opts.dry_run else 'changed'}, "
        f"{len(policy.labels) - changed} already right"
    )


@cli.command()
@click.option(
    "--event-name",
    envvar="GITHUB_EVENT_NAME",
    help="The GitHub event: issues or issue_comment [default: $GITHUB_EVENT_NAME].",
)
@click.option(
    "--event-path",
    envvar="GITHUB_EVENT_PATH",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The event payload JSON [default: $GITHUB_EVENT_PATH].",
)
@click.option(
    "--wait/--no-wait",
    default=False,
    help="Stay and act on anything due within the policy's incidents.wait_for_due.",
)
@common("policy", "forms", "repo", "now", "dry_run", "json")
@run_safely
def event(opts: Options, event_name: str | None, event_path: Path | None, wait: bool) -> None:
    """Reconcile the issue a GitHub event names (as the event workflow does)."""
    from dutydesk.io.events import read_event

    if not event_name or event_path is None:
        raise click.UsageError("give --event-name and --event-path (or run inside GitHub Actions)")
    target = read_event(event_name, event_path)
    if target.number is None:
        click.echo(f"nothing to do: {target.reason}")
        return
    policy, forms = load_setup(opts)
    repo = github(opts)
    started = time.monotonic()
    now = opts.now
    deadline = now + policy.incidents.wait_for_due.amount
    while True:
        decision = reconcile_one(repo, target.number, policy, forms, now, opts)
        due = decision.next_check
        due_soon = due is not None and now < due <= deadline
        set_output("due-soon", "true" if due_soon else "false")
        set_output("next-check", due.isoformat() if due is not None else "")
        if not wait or opts.dry_run or due is None or due <= now or due > deadline:
            break
        pause = (due - now).total_seconds()
        click.echo(f"waiting {int(pause)} s for #{target.number}: next due {due.isoformat()}")
        time.sleep(pause)
        now = opts.now + timedelta(seconds=time.monotonic() - started)


def set_output(name: str, value: str) -> None:
    """A step output for the workflow (the waiting job starts only when something is due)."""
    path = os.environ.get("GITHUB_OUTPUT")
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(f"{name}={value}\n")


def reconcile_one(
    repo: Repository,
    number: int,
    policy: Policy,
    forms: Mapping[str, FormTemplate],
    now: datetime,
    opts: Options,
) -> Decision:
    from dutydesk.engine import reconcile
    from dutydesk.io.apply import apply_plan
    from dutydesk.registry import handlers

    issue = repo.get_issue(number)
    decision = reconcile(issue, context_for(policy, forms, repo, now), handlers())
    print_actions(decision.actions, now, opts, prefix="would: " if opts.dry_run else "")
    apply_plan(repo, decision.actions, opts.dry_run)
    return decision


@cli.command()
@common("policy", "forms", "repo", "now", "dry_run", "json")
@run_safely
def sweep(opts: Options) -> None:
    """Reconcile every open incident and change request; write the job summary in Actions.

    One item that fails does not stop the others; the exit status is 1 if any failed.
    """
    from dutydesk.engine import reconcile
    from dutydesk.errors import DutydeskError
    from dutydesk.io.apply import apply_plan
    from dutydesk.registry import handlers

    policy, forms = load_setup(opts)
    repo = github(opts)
    ctx = context_for(policy, forms, repo, opts.now)
    issues = repo.open_issues(watched_labels(forms))
    failed: list[tuple[int, str]] = []
    rows: list[tuple[Issue, Decision]] = []
    for issue in issues:
        try:
            decision = reconcile(issue, ctx, handlers())
            print_actions(
                decision.actions, opts.now, opts, prefix="would: " if opts.dry_run else ""
            )
            apply_plan(repo, decision.actions, opts.dry_run)
            rows.append((issue, decision))
        except DutydeskError as exc:
            failed.append((issue.number, str(exc)))
            annotate("error", f"#{issue.number}: {exc}")
            click.echo(f"#{issue.number} failed: {exc}", err=True)
        except Exception as exc:  # one broken item must not stop the others
            failed.append((issue.number, f"{type(exc).__name__}: {exc}"))
            annotate("error", f"#{issue.number}: internal error {type(exc).__name__}: {exc}")
            click.echo(f"#{issue.number} failed with an internal error:", err=True)
            click.echo(traceback.format_exc(), err=True)
    write_summary(opts, ctx, rows, failed)
    if not opts.as_json:
        click.echo(f"swept {len(issues)} open item(s), {len(failed)} failed")
    if failed:
        sys.exit(1)


def write_summary(
    opts: Options,
    ctx: Context,
    rows: list[tuple[Issue, Decision]],
    failed: list[tuple[int, str]],
) -> None:
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return
    from dutydesk.rules.runbooks import load_runbooks, summary_lines
    from dutydesk.views.summary import summary_markdown

    policy = ctx.policy
    folder = opts.policy.parent / policy.runbooks.folder
    runbook_lines: list[str] = []
    if folder.is_dir():
        books = load_runbooks(folder, policy.runbooks.folder)
        runbook_lines = summary_lines(books, policy.local(ctx.now).date(), policy)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(summary_markdown(ctx, rows, failed, runbook_lines))


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
    type=click.Choice(["markdown", "csv", "json"]),
    default="markdown",
    show_default=True,
    help="Output format.",
)
@common("policy", "forms", "repo", "now")
@run_safely
def report(opts: Options, since: datetime | None, fmt: str) -> None:
    """The incident register: every incident with its times and whether targets were met."""
    from dutydesk.views.report import format_rows, rows

    policy, forms = load_setup(opts)
    repo = github(opts)
    ctx = context_for(policy, forms, repo, opts.now)
    day = since.date() if since is not None else None
    start = datetime.combine(day, datetime.min.time(), policy.timezone) if day else None
    issues = repo.issues_since(policy.label("incident"), start)
    click.echo(format_rows(rows(issues, ctx, since=day), fmt), nl=False)


@cli.command()
@now_option("--at", "The moment to ask about (ISO 8601 with offset) [default: now].")
@policy_option()
@run_safely
def rota(now: datetime | None, policy_path: Path) -> None:
    """Who is primary and secondary on call at a moment, from the policy's rota."""
    from dutydesk.policy import load_policy
    from dutydesk.views.rota import format_rota, on_call

    at = now if now is not None else datetime.now(UTC)
    policy = load_policy(policy_path)
    click.echo(format_rota(on_call(policy, at), at, policy), nl=False)


def _register_groups() -> None:
    from dutydesk.cli.runbooks import runbooks

    cli.add_command(runbooks)


_register_groups()


def main() -> None:
    cli(prog_name="dutydesk")
