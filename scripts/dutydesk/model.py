"""Snapshots of GitHub state as the rules see them: plain frozen data, no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class EventKind(StrEnum):
    LABELED = "labeled"
    UNLABELED = "unlabeled"
    ASSIGNED = "assigned"
    UNASSIGNED = "unassigned"
    CLOSED = "closed"
    REOPENED = "reopened"
    EDITED = "edited"
    RENAMED = "renamed"  # the title changed: `before` and `after` carry the titles
    COMMENT_DELETED = "comment_deleted"  # `subject` is the deleted comment's author


@dataclass(frozen=True)
class CommentRevision:
    """One version of a comment's text: who wrote it and when.

    `body` is None where the text is not known: the revision was deleted from the comment's
    edit history, or the adapter read only who last edited the comment.
    """

    at: datetime
    editor: str
    body: str | None


@dataclass(frozen=True)
class Comment:
    """A comment as GitHub records it.

    On github.com anyone with write access can edit anyone's comment, so the author and the
    current body alone do not say who wrote the current text: `revisions` (oldest first, the
    first being the comment as created) does. Empty means the comment was never edited.
    """

    id: int
    author: str
    body: str
    created_at: datetime
    updated_at: datetime
    revisions: tuple[CommentRevision, ...] = ()

    @property
    def first_line(self) -> str:
        return first_line(self.body)

    def history(self) -> tuple[CommentRevision, ...]:
        """Every version of the text, oldest first; at least the current one."""
        if self.revisions:
            return self.revisions
        return (CommentRevision(self.created_at, self.author, self.body),)

    @property
    def written_by(self) -> str:
        """Who wrote the current text: the author, or whoever last edited it."""
        return self.revisions[-1].editor if self.revisions else self.author


def first_line(text: str | None) -> str:
    """The first line of a text, stripped ("" for none)."""
    return text.lstrip().split("\n", 1)[0].strip() if text else ""


@dataclass(frozen=True)
class IssueEvent:
    """An entry of the issue's timeline that rules care about (who did what, when)."""

    kind: EventKind
    actor: str
    at: datetime
    label: str | None = None
    assignee: str | None = None
    before: str | None = None
    after: str | None = None
    subject: str | None = None


@dataclass(frozen=True)
class BodyRevision:
    """One version of the issue body and when it was written (the first is the opening).

    `body` is None for a revision someone deleted from the body's edit history: GitHub keeps
    who wrote it and when, not what it said. A rule must treat it as a gap, never fill it with
    the text before or after.
    """

    at: datetime
    body: str | None
    author: str = ""

    @property
    def deleted(self) -> bool:
        return self.body is None


@dataclass(frozen=True)
class Issue:
    number: int
    title: str
    body: str
    author: str
    state: str  # "open" or "closed"
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None
    labels: frozenset[str] = frozenset()
    assignees: tuple[str, ...] = ()
    comments: tuple[Comment, ...] = ()
    events: tuple[IssueEvent, ...] = ()
    revisions: tuple[BodyRevision, ...] = field(default=())

    @property
    def is_open(self) -> bool:
        return self.state == "open"

    def body_history(self) -> tuple[BodyRevision, ...]:
        """Every known version of the body, oldest first; at least the current one."""
        if self.revisions:
            return self.revisions
        return (BodyRevision(at=self.created_at, body=self.body, author=self.author),)


@dataclass(frozen=True)
class Access:
    """Who may do what, read once before deciding so that the rules stay pure.

    `writers` is None when it could not be read; a team maps to None when its members could
    not be read (GITHUB_TOKEN cannot read organisation teams).
    """

    writers: frozenset[str] | None = None
    teams: Mapping[str, frozenset[str] | None] = field(default_factory=dict)

    def member(self, login: str, people: Iterable[str]) -> bool | None:
        """Is `login` one of `people` (logins or org/team slugs)? None if a team is unreadable."""
        unknown = False
        for person in people:
            if "/" in person:
                members = self.teams.get(person.lower())
                if members is None:
                    unknown = True
                elif login.lower() in members:
                    return True
            elif person.lower() == login.lower():
                return True
        return None if unknown else False

    def can_write(self, login: str) -> bool:
        return self.writers is not None and login.lower() in self.writers
