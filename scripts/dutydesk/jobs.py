"""The jobs the workflows run, written once for the CLI and `dutydesk simulate`.

* The step every job repeats: read an item, reconcile it, apply the plan (`Job`).
* The event job: the one item an event names; then, when it may wait, every check of that item
  that falls due within `incidents.wait_for_due` of the event (`Wait`, `event_job`).
* The sweep: every open item in turn (`sweep`); in the workflow one item that fails does not
  stop the others.

Nothing here reads the clock or sleeps: the CLI passes `now` and a `pause` that sleeps, and
`simulate` drives the same pieces from its timeline.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Container, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from dutydesk.engine import Context, Decision, Handler, reconcile, teams_in
from dutydesk.errors import DutydeskError
from dutydesk.forms import FormTemplate
from dutydesk.io.apply import apply_plan
from dutydesk.io.repository import Repository
from dutydesk.model import Access, Issue
from dutydesk.notify.deliver import Deliverer, Rehearsal
from dutydesk.policy import Policy
from dutydesk.rules.incidents.wait import wait_deadline

T = TypeVar("T")
Show = Callable[[Decision, datetime], None]
"""Sees each plan, and the moment it was made, before the plan is applied."""
Pause = Callable[[datetime, datetime], datetime]
"""`pause(now, due)` waits until `due` and returns the moment it woke."""


def access_teams(policy: Policy) -> set[str]:
    """The teams whose members the rules ask about: incident responders and change approvers."""
    return teams_in(policy.incidents.responders) | teams_in(policy.changes.approvers)


def read_access(repo: Repository, policy: Policy) -> Access:
    """The repository's writers and the members of every team the policy names."""
    return repo.access(access_teams(policy))


def read_context(
    repo: Repository, policy: Policy, forms: Mapping[str, FormTemplate], now: datetime
) -> Context:
    return Context(policy=policy, now=now, forms=forms, access=read_access(repo, policy))


def sweep_labels(forms: Mapping[str, FormTemplate], handlers: Container[str]) -> list[str]:
    """The first label of each form a handler reconciles: what the sweep lists."""
    return sorted({lbl for name, f in forms.items() if name in handlers for lbl in f.labels[:1]})


# -- the event job's wait -------------------------------------------------------------------


@dataclass(frozen=True)
class Wait:
    """The event job's wait: it stays for checks of its item due by `deadline`."""

    deadline: datetime

    @classmethod
    def after(cls, policy: Policy, event_at: datetime) -> Wait:
        return cls(wait_deadline(policy, event_at))

    def until(self, decision: Decision, now: datetime) -> datetime | None:
        """When the job, having decided `decision` at `now`, checks again; None: it ends.

        It stays for the item's next check if that falls after `now` and by the deadline.
        """
        due = decision.next_check
        return due if due is not None and now < due <= self.deadline else None


#: A waiting job looks again this often while it waits: an /ack or /update that meets the due
#: ends the wait (and its bill) within a minute, not at the due moment.
POLL_EVERY = timedelta(minutes=1)


def poll(now: datetime, due: datetime) -> datetime:
    """When a job waiting at `now` for `due` looks next."""
    return min(due, now + POLL_EVERY)


def event_job(
    check: Callable[[datetime], Decision], wait: Wait, now: datetime, pause: Pause | None
) -> None:
    """Check at `now`; then, given a `pause`, wait for each check due by the deadline, looking
    again every POLL_EVERY so that the wait ends as soon as nothing is due by the deadline."""
    while True:
        due = wait.until(check(now), now)
        if pause is None or due is None:
            return
        now = pause(now, poll(now, due))


# -- read, reconcile, apply ---------------------------------------------------------------


def _silent(decision: Decision, now: datetime) -> None:
    """Show nothing."""


@dataclass(frozen=True)
class Job:
    """Read an item, reconcile it, apply the plan (or, with `dry_run`, only show it)."""

    repo: Repository
    policy: Policy
    forms: Mapping[str, FormTemplate]
    handlers: Mapping[str, Handler]
    dry_run: bool = False
    show: Show = _silent
    access: Access | None = None  # known already; None: read it for every context
    # Delivers notifications outside GitHub; the default sends nothing and records them as
    # sent (simulate). The CLI passes a `Notifier` that sends for real.
    notifier: Deliverer = field(default_factory=Rehearsal)

    def context(self, now: datetime) -> Context:
        access = self.access if self.access is not None else read_access(self.repo, self.policy)
        return Context(policy=self.policy, now=now, forms=self.forms, access=access)

    def check(self, number: int, now: datetime) -> Decision:
        """The item as it is now: read it, then reconcile and apply."""
        issue = self.repo.get_issue(number)
        return self.run(issue, self.context(now))

    def run(self, issue: Issue, ctx: Context) -> Decision:
        decision = self.plan(issue, ctx)
        self.apply(decision)
        return decision

    def plan(self, issue: Issue, ctx: Context) -> Decision:
        """Reconcile the item and show the plan; write nothing yet."""
        decision = reconcile(issue, ctx, self.handlers)
        self.show(decision, ctx.now)
        return decision

    def apply(self, decision: Decision) -> Decision:
        apply_plan(
            self.repo, decision.actions, self.dry_run, bot=self.policy.bot, notifier=self.notifier
        )
        return decision


# -- the sweep ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    message: str
    trace: str = ""  # the traceback of an internal error (a bug); empty for a dutydesk error

    @property
    def internal(self) -> bool:
        return bool(self.trace)


@dataclass(frozen=True)
class Swept(Generic[T]):
    """One item's turn at a sweep: its decision, or why it failed."""

    item: T
    decision: Decision | None = None
    failure: Failure | None = None


def sweep(
    items: Iterable[T], check: Callable[[T], Decision], *, isolated: bool = False
) -> Iterator[Swept[T]]:
    """`check` each item in turn.

    `isolated`: an item that fails becomes a failed turn and the sweep goes on, as the sweep
    workflow needs; otherwise the failure stops the sweep (`simulate` shows it as it is).
    """
    for item in items:
        yield _isolated(item, check) if isolated else Swept(item, check(item))


def _isolated(item: T, check: Callable[[T], Decision]) -> Swept[T]:
    try:
        return Swept(item, check(item))
    except DutydeskError as exc:
        if exc.stops_the_run:
            raise
        return Swept(item, failure=Failure(str(exc)))
    except Exception as exc:  # one broken item must not stop the others
        failure = Failure(f"{type(exc).__name__}: {exc}", traceback.format_exc())
        return Swept(item, failure=failure)
