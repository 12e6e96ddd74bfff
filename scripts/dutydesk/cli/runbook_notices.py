"""`runbooks renew`'s notices outside GitHub: `runbook.review_opened` for each review pull
request (rules/runbooks/notices.py plans them; io/apply.py delivers, then records).

The pull requests opened in this run are told at once; those found open (opened within
notifications.max_age) are read for their comments, whose records say what was told already.
A failed delivery is reported as the sweep reports one (stderr, a warning annotation, the job
summary) and is tried again on the next run; it never changes the exit status. A record that
cannot be written is said so, and the run exits 1 (the next run may then send it again).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:  # pragma: no cover
    from dutydesk.actions import Action
    from dutydesk.cli.runbooks import GitHubSide, Setup
    from dutydesk.io.apply import Outcome
    from dutydesk.io.runbook_store import RunbookStore
    from dutydesk.notify.deliver import Notifier
    from dutydesk.rules.runbooks import Verdict
    from dutydesk.rules.runbooks.notices import ReviewPull


def note(message: str) -> None:
    click.echo(message, err=True)


def notifier_for(setup: Setup, repo: str | None) -> Notifier:
    """Sends with the secrets in the environment (and the services' secrets bundle)."""
    from dutydesk.cli.jobs import make_notifier

    return make_notifier(setup.policy, repo)


def review_pulls(
    setup: Setup,
    verdicts: list[Verdict],
    actions: list[Action],
    outcomes: list[Outcome],
    store: RunbookStore | None,
    dry_run: bool,
) -> list[ReviewPull]:
    """The review pull requests whose runbook.review_opened notice may be due: those opened
    now (or, in a dry run, to be opened), and those open and younger than max_age, with their
    comments (one read each; one that cannot be read is said so and waits for the next run)."""
    from dutydesk.actions import PullRequest
    from dutydesk.errors import GitHubError
    from dutydesk.rules.runbooks.notices import ReviewPull, notifying, open_reviews

    if not notifying(setup.policy):
        return []
    books = {r.path: r for r in setup.runbooks}
    found = [
        ReviewPull(books[o.path], o.opened.number, o.opened.url, setup.now)
        for o in outcomes
        if o.opened is not None
    ]
    if dry_run:  # what it would open
        paths = [a.payload.path for a in actions if isinstance(a.payload, PullRequest)]
        found += [ReviewPull(books[path], None, "", setup.now) for path in paths]
    for verdict in open_reviews(verdicts, setup.now, setup.policy) if store else ():
        pull = verdict.pull
        assert pull is not None and pull.created_at is not None and store is not None
        try:
            comments = store.review_comments(pull.number)
        except GitHubError as exc:
            note(f"{verdict.runbook.path}: notice not sent: {exc}")
            continue
        found.append(ReviewPull(verdict.runbook, pull.number, pull.url, pull.created_at, comments))
    return found


def tell(
    setup: Setup,
    pulls: list[ReviewPull],
    side: GitHubSide | None,
    notifier: Notifier | None,
    options: tuple[bool, bool],
) -> int:
    """Print each pull request's notices, then (through the executor, which alone checks the
    dry run of `options`, with --json) deliver them and write the comment that records them;
    the number of records that could not be written (each is said so)."""
    from dutydesk.errors import GitHubError
    from dutydesk.io.apply import apply_plan
    from dutydesk.rules.runbooks.notices import review_notices

    dry_run, as_json = options
    unrecorded = 0
    for pull in pulls:
        actions = list(review_notices(pull, setup.today, setup.now, setup.policy).actions)
        show_notices(setup, pull, actions, as_json, "would: " if dry_run else "")
        issues = side.issues if side is not None else None
        try:
            apply_plan(issues, actions, dry_run, bot=setup.policy.bot, notifier=notifier)
        except GitHubError as exc:
            unrecorded += 1
            note(f"{pull.runbook.path}: the record of its notices was not written: {exc}")
    if notifier is not None:
        report_failed(notifier)
    return unrecorded


def show_notices(
    setup: Setup, pull: ReviewPull, actions: list[Action], as_json: bool, prefix: str
) -> None:
    from dutydesk.actions import Kind, dumps

    for action in actions:
        if as_json:
            click.echo(dumps(action, setup.now))
        elif action.kind is Kind.NOTIFY:
            where = f"#{pull.number}" if pull.number is not None else pull.runbook.path
            click.echo(f"{prefix}{where} {action.rule}: {action.summary()}")


def report_failed(notifier: Notifier) -> None:
    """The failed deliveries on stderr, in annotations and the job summary, as the sweep
    reports them."""
    from dutydesk.cli.jobs import report_deliveries

    report_deliveries(notifier)
