"""The executor: the one place that writes, and the one place that checks --dry-run.

Every write is a planned `Action`, whatever it writes to:

* an issue, through a `Repository`: comments, labels, assignments and closing;
* the repository's labels, through the same `Repository`: a label's definition
  (`save_label`, planned by `labels sync`);
* a runbook's review pull request (`open_pull_request`), through a `RunbookStore`, which
  knows the branch and commit mechanics. The default branch's head is read once, before the
  first one; a pull request that cannot be opened does not stop the others, and its
  `Outcome` says why.

* a notification outside GitHub (`notify`), through a `Deliverer` (dutydesk.notify.deliver),
  which never raises: a failed delivery is kept for the job summary. The comment recording
  deliveries (a `DeliveryLog` payload) comes after them in the plan and is written with only
  those that were delivered, or not at all when none was: deliver first, then record.

An issue write that fails raises, as the adapters do, and ends the plan there.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, TypeVar

from dutydesk.actions import Action, DeliveryLog, Kind, LabelDefinition, Notification, PullRequest
from dutydesk.errors import BotIdentityError, GitHubError
from dutydesk.io.repository import Repository
from dutydesk.markers import with_marker
from dutydesk.people import same

if TYPE_CHECKING:  # pragma: no cover
    from dutydesk.io.runbook_store import OpenedPullRequest, RunbookStore
    from dutydesk.notify.deliver import Deliverer

P = TypeVar("P", PullRequest, LabelDefinition, Notification, DeliveryLog)


@dataclass(frozen=True)
class Outcome:
    """What happened to one planned review pull request."""

    path: str
    branch: str
    opened: OpenedPullRequest | None = None
    error: str | None = None


def apply_action(repo: Repository, action: Action, bot: str | None = None) -> None:
    """One write through the `Repository`: on an issue, or a label's definition."""
    if action.kind is Kind.SAVE_LABEL:
        label = _payload(action, LabelDefinition)
        repo.save_label(label.name, label.color, label.description, exists=label.exists)
        return
    if action.kind is Kind.OPEN_PULL_REQUEST:
        raise ValueError("a pull request is opened through a RunbookStore: apply_plan(store=)")
    number = action.issue
    if number is None:
        raise ValueError(f"{action.kind} needs an issue number")
    _write_issue(repo, number, action, bot)


def _write_issue(repo: Repository, number: int, action: Action, bot: str | None) -> None:
    match action.kind:
        case Kind.ADD_LABELS:
            repo.add_labels(number, action.labels)
        case Kind.REMOVE_LABELS:
            for label in action.labels:
                repo.remove_label(number, label)
        case Kind.COMMENT:
            _comment(repo, number, action, bot)
        case Kind.ASSIGN:
            repo.assign(number, action.users)
        case Kind.CLOSE:
            repo.close(number)


def _comment(repo: Repository, number: int, action: Action, bot: str | None = None) -> None:
    """Post the comment, or edit the bot's own one in place; either way with its marker.

    With `bot`, a new comment whose author GitHub records as anyone else stops the run: the
    bot would not recognise it (its markers are trusted only from `bot`) and would post it
    again on every run."""
    body = with_marker(action.key, action.body or "") if action.key else action.body or ""
    if action.comment_id is None:
        author = repo.create_comment(number, body)
        if bot is not None and author is not None and not same(author, bot):
            raise BotIdentityError(author, bot)
    else:
        repo.update_comment(number, action.comment_id, body)


def _payload(action: Action, kind: type[P]) -> P:
    if not isinstance(action.payload, kind):
        raise ValueError(f"{action.kind} needs a {kind.__name__} payload")
    return action.payload


@dataclass
class _Executor:
    """Carries one plan out, in order; what it needs of each side is looked up once."""

    repo: Repository | None
    store: RunbookStore | None
    outcomes: list[Outcome] = field(default_factory=list)
    bot: str | None = None
    notifier: Deliverer | None = None
    _base: tuple[str, str] | None = None  # the default branch and its head, once read
    _delivered: set[tuple[str, str]] = field(default_factory=set)  # (channel, key) this plan

    def apply(self, action: Action) -> None:
        if action.kind is Kind.OPEN_PULL_REQUEST:
            self.outcomes.append(self._open(action, _payload(action, PullRequest)))
        elif action.kind is Kind.NOTIFY:
            self._notify(action, _payload(action, Notification))
        elif self.repo is None:
            raise ValueError(f"{action.kind} needs a repository to write to")
        elif isinstance(action.payload, DeliveryLog):
            self._record(self.repo, action, action.payload)
        else:
            apply_action(self.repo, action, self.bot)

    def _notify(self, action: Action, note: Notification) -> None:
        if self.notifier is None or action.issue is None:
            raise ValueError("a notification needs a notifier and an issue: apply_plan(notifier=)")
        if self.notifier.deliver(action.issue, note):
            self._delivered.add((note.channel, note.key))

    def _record(self, repo: Repository, action: Action, log: DeliveryLog) -> None:
        """The record comment, with the deliveries this plan made (none: no write)."""
        from dutydesk.notify.records import Sent, log_body

        made = [Sent(*s) for s in log.planned if (s[0], s[1]) in self._delivered]
        if not made:
            return
        body = log_body([*(Sent(*s) for s in log.earlier), *made])
        apply_action(repo, replace(action, body=body), self.bot)

    def _open(self, action: Action, pull: PullRequest) -> Outcome:
        if self.store is None:
            raise ValueError("a pull request needs a runbook store to open it through")
        if self._base is None:
            self._base = self.store.default_branch_head()
        base, base_sha = self._base
        try:
            opened = self.store.open_pull_request(
                branch=pull.branch,
                base=base,
                base_sha=base_sha,
                path=pull.path,
                old_text=pull.old_text,
                new_text=pull.new_text,
                message=pull.message,
                title=pull.title,
                body=action.body or "",
                reviewers=pull.reviewers,
                labels=action.labels,
            )
        except GitHubError as exc:
            return Outcome(pull.path, pull.branch, error=str(exc))
        return Outcome(pull.path, pull.branch, opened=opened)


def apply_plan(
    repo: Repository | None,
    actions: Iterable[Action],
    dry_run: bool,
    *,
    store: RunbookStore | None = None,
    bot: str | None = None,
    notifier: Deliverer | None = None,
) -> list[Outcome]:
    """Make every planned write, in order; with `dry_run`, none.

    `repo` takes the issue writes and label definitions, `store` the review pull requests;
    either may be None when the plan has none of its writes. With `bot` (the policy's), a new
    comment GitHub records under another login stops the plan (`BotIdentityError`). Returns
    what happened to each pull request. `notifier` delivers the notifications outside GitHub
    (dutydesk.notify.deliver); a plan with one needs it.
    """
    if dry_run:
        return []
    executor = _Executor(repo, store, bot=bot, notifier=notifier)
    for action in actions:
        executor.apply(action)
    return executor.outcomes
