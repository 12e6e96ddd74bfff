"""An in-memory repository: the adapter behind tests and `dutydesk simulate`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from dutydesk.model import (
    Access,
    BodyRevision,
    Comment,
    CommentRevision,
    EventKind,
    Issue,
    IssueEvent,
)


@dataclass
class _Record:
    number: int
    title: str
    body: str
    author: str
    created_at: datetime
    updated_at: datetime
    state: str = "open"
    closed_at: datetime | None = None
    labels: list[str] = field(default_factory=list)
    assignees: list[str] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    events: list[IssueEvent] = field(default_factory=list)
    revisions: list[BodyRevision] = field(default_factory=list)
    version: int = 0  # bumped by every change, so a driver can tell an unchanged issue

    def freeze(self) -> Issue:
        return Issue(
            number=self.number,
            title=self.title,
            body=self.body,
            author=self.author,
            state=self.state,
            created_at=self.created_at,
            updated_at=self.updated_at,
            closed_at=self.closed_at,
            labels=frozenset(self.labels),
            assignees=tuple(self.assignees),
            comments=tuple(self.comments),
            events=tuple(self.events),
            revisions=tuple(self.revisions),
        )


class MemoryRepository:
    """Holds issues and labels; `now` is set by whoever drives it (a test or the simulator).

    User-side methods (`open_issue`, `comment`, ...) take the actor; the Repository-protocol
    methods act as the bot.
    """

    def __init__(
        self,
        bot: str = "github-actions[bot]",
        writers: Iterable[str] | None = None,
        teams: dict[str, Iterable[str]] | None = None,
        now: datetime | None = None,
        writes_as: str | None = None,
    ) -> None:
        self.bot = bot
        self.writes_as = writes_as or bot  # whom the token writes as (an App: <slug>[bot])
        self.now = now or datetime(2026, 1, 1, tzinfo=UTC)
        self.writers = None if writers is None else frozenset(w.lower() for w in writers)
        self.teams = {k.lower(): frozenset(m.lower() for m in v) for k, v in (teams or {}).items()}
        self.issues: dict[int, _Record] = {}
        self.labels: dict[str, tuple[str, str]] = {}
        self._comment_ids = 1000
        self.writes = 0
        self.workflows: dict[str, bool] = {}  # workflow file name -> enabled (set_workflow_enabled)

    # -- the user's side -----------------------------------------------------------------

    def open_issue(self, actor: str, title: str, body: str, labels: Iterable[str] = ()) -> int:
        number = len(self.issues) + 1
        record = _Record(number, title, body, actor, self.now, self.now)
        record.revisions.append(BodyRevision(at=self.now, body=body, author=actor))
        self.issues[number] = record
        for label in labels:
            self._label(record, actor, label)
        return number

    def edit_body(self, actor: str, number: int, body: str) -> None:
        record = self._get(number)
        self._may(actor, record, "edit the body of", author_may=True)
        record.body = body
        record.revisions.append(BodyRevision(at=self.now, body=body, author=actor))
        record.events.append(IssueEvent(EventKind.EDITED, actor, self.now))
        self._touch(record)

    def edit_title(self, actor: str, number: int, title: str) -> None:
        """Retitle the issue as its author or a writer: GitHub records a `renamed` event with
        the old and the new title (none when the title is the same)."""
        record = self._get(number)
        self._may(actor, record, "retitle", author_may=True)
        if title == record.title:
            return
        event = IssueEvent(EventKind.RENAMED, actor, self.now, before=record.title, after=title)
        record.title = title
        record.events.append(event)
        self._touch(record)

    def delete_revision(self, actor: str, number: int, k: int) -> None:
        """Delete the k-th version (1 = as opened) from the body's edit history, as the
        issue's author or a writer: GitHub keeps who wrote it and when, not what it said. The
        current version cannot be deleted, nor one already deleted."""
        record = self._get(number)
        self._may(actor, record, "delete a revision of", author_may=True)
        count = len(record.revisions)
        if not 1 <= k <= count:
            raise KeyError(f"#{number} has no revision {k}; it has {count}")
        if k == count:
            raise PermissionError(
                f"{actor} cannot delete revision {k} of #{number}: it is the current one"
            )
        if record.revisions[k - 1].deleted:
            raise KeyError(f"revision {k} of #{number} is already deleted")
        record.revisions[k - 1] = replace(record.revisions[k - 1], body=None)
        self._touch(record)

    def comment(self, actor: str, number: int, body: str) -> int:
        record = self._get(number)
        self._comment_ids += 1
        record.comments.append(Comment(self._comment_ids, actor, body, self.now, self.now))
        self._touch(record)
        return self._comment_ids

    def edit_comment(self, actor: str, number: int, comment_id: int, body: str) -> None:
        """Edit a comment as `actor`: its author, or anyone with write access (as on
        github.com); each edit is a revision recording who wrote the new text."""
        record = self._get(number)
        index, comment = self._find_comment(record, comment_id)
        self._may_change(actor, comment, "edit")
        history = comment.history()
        revisions = (*history, CommentRevision(self.now, actor, body))
        record.comments[index] = replace(
            comment, body=body, updated_at=self.now, revisions=revisions
        )
        self._touch(record)

    def delete_comment(self, actor: str, number: int, comment_id: int) -> None:
        """Delete a comment as its author or a writer; GitHub keeps no text of it."""
        record = self._get(number)
        index, comment = self._find_comment(record, comment_id)
        self._may_change(actor, comment, "delete")
        del record.comments[index]
        record.events.append(IssueEvent(EventKind.COMMENT_DELETED, actor, self.now))
        self._touch(record)

    def delete_comment_revision(self, actor: str, number: int, comment_id: int, k: int) -> None:
        """Delete the k-th version (1 = as created) from a comment's edit history: GitHub
        keeps that an edit was made, not its text."""
        record = self._get(number)
        index, comment = self._find_comment(record, comment_id)
        self._may_change(actor, comment, "delete a revision of")
        history = list(comment.history())
        if not 1 <= k <= len(history) - 1:
            raise KeyError(f"comment {comment_id} has no earlier revision {k}")
        history[k - 1] = replace(history[k - 1], body=None)
        record.comments[index] = replace(comment, revisions=tuple(history))
        self._touch(record)

    def _may(self, actor: str, record: _Record, what: str, author_may: bool = False) -> None:
        """github.com: labelling and assigning need triage access or more (a writer here);
        editing the body and closing or reopening are also the issue's author's to do."""
        if self.writers is None or actor.lower() in self.writers or actor == self.bot:
            return
        if author_may and actor.lower() == record.author.lower():
            return
        raise PermissionError(
            f"{actor} cannot {what} #{record.number}: they have no write or triage access"
        )

    def _find_comment(self, record: _Record, comment_id: int) -> tuple[int, Comment]:
        for index, comment in enumerate(record.comments):
            if comment.id == comment_id:
                return index, comment
        raise KeyError(f"issue #{record.number} has no comment {comment_id}")

    def _may_change(self, actor: str, comment: Comment, what: str) -> None:
        """github.com: the author, or anyone with write access (CommentCannotEditReason)."""
        if comment.author.lower() == actor.lower():
            return
        if self.writers is not None and actor.lower() not in self.writers:
            raise PermissionError(
                f"{actor} cannot {what} {comment.author}'s comment {comment.id}: only its "
                "author or someone with write access can"
            )

    def set_labels(
        self, actor: str, number: int, add: Iterable[str], remove: Iterable[str]
    ) -> None:
        record = self._get(number)
        self._may(actor, record, "label")
        for label in add:
            self._label(record, actor, label)
        for label in remove:
            self._unlabel(record, actor, label)

    def set_assignees(self, actor: str, number: int, users: Iterable[str]) -> None:
        record = self._get(number)
        self._may(actor, record, "assign")
        for user in users:
            if user not in record.assignees:
                record.assignees.append(user)
                record.events.append(IssueEvent(EventKind.ASSIGNED, actor, self.now, assignee=user))
        self._touch(record)

    def set_state(self, actor: str, number: int, state: str) -> None:
        record = self._get(number)
        self._may(actor, record, "close or reopen", author_may=True)
        if record.state == state:
            return
        record.state = state
        record.closed_at = self.now if state == "closed" else None
        kind = EventKind.CLOSED if state == "closed" else EventKind.REOPENED
        record.events.append(IssueEvent(kind, actor, self.now))
        self._touch(record)

    # -- the Repository protocol (the bot's side) -------------------------------------------

    def get_issue(self, number: int) -> Issue:
        return self._get(number).freeze()

    def open_issues(self, labels: Iterable[str] = ()) -> list[Issue]:
        wanted = set(labels)
        return [
            r.freeze()
            for r in self.issues.values()
            if r.state == "open" and (not wanted or wanted & set(r.labels))
        ]

    def workflow_enabled(self, workflow: str) -> bool:
        return self.workflows.get(workflow, True)  # a workflow file is on when pushed

    def set_workflow_enabled(self, workflow: str, enabled: bool) -> None:
        self.workflows[workflow] = enabled

    def each_open_issue(self, labels: Iterable[str] = ()) -> Iterator[Issue]:
        yield from self.open_issues(labels)

    def open_numbers(self) -> list[int]:
        return [n for n, r in self.issues.items() if r.state == "open"]

    def issues_since(self, label: str, since: datetime | None) -> list[Issue]:
        return [
            r.freeze()
            for r in self.issues.values()
            if label in r.labels and (since is None or r.updated_at >= since)
        ]

    def closed_since(self, label: str, since: datetime) -> list[Issue]:
        return [i for i in self.issues_since(label, since) if not i.is_open]

    def access(self, teams: Iterable[str]) -> Access:
        return Access(
            writers=self.writers, teams={t.lower(): self.teams.get(t.lower()) for t in teams}
        )

    def add_labels(self, number: int, labels: Iterable[str]) -> None:
        self.writes += 1
        record = self._get(number)
        for label in labels:
            self._label(record, self.bot, label)

    def remove_label(self, number: int, label: str) -> None:
        self.writes += 1
        self._unlabel(self._get(number), self.bot, label)

    def create_comment(self, number: int, body: str) -> str | None:
        self.writes += 1
        self.comment(self.writes_as, number, body)
        return self.writes_as

    def update_comment(self, number: int, comment_id: int, body: str) -> None:
        self.writes += 1
        self.edit_comment(self.bot, number, comment_id, body)

    def assign(self, number: int, users: Iterable[str]) -> None:
        self.writes += 1
        self.set_assignees(self.bot, number, users)

    def close(self, number: int) -> None:
        self.writes += 1
        self.set_state(self.bot, number, "closed")

    def list_labels(self) -> dict[str, tuple[str, str]]:
        return dict(self.labels)

    def save_label(self, name: str, color: str, description: str, exists: bool) -> None:
        self.writes += 1
        self.labels[name] = (color, description)

    # -- internals ---------------------------------------------------------------------------

    def _get(self, number: int) -> _Record:
        try:
            return self.issues[number]
        except KeyError:
            raise KeyError(f"there is no issue #{number}") from None

    def _touch(self, record: _Record) -> None:
        record.updated_at = self.now
        record.version += 1

    def version(self, number: int) -> int:
        """How many changes issue `number` has seen (any actor)."""
        return self._get(number).version

    def _label(self, record: _Record, actor: str, label: str) -> None:
        if label not in record.labels:
            record.labels.append(label)
            record.events.append(IssueEvent(EventKind.LABELED, actor, self.now, label=label))
            self._touch(record)

    def _unlabel(self, record: _Record, actor: str, label: str) -> None:
        if label in record.labels:
            record.labels.remove(label)
            record.events.append(IssueEvent(EventKind.UNLABELED, actor, self.now, label=label))
            self._touch(record)
