"""The small interface between the rules' world and GitHub (or the in-memory stand-in)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from dutydesk.model import Issue


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


class Repository(Protocol):
    """Only the calls the rules need; PyGithub and memory implement it."""

    def get_issue(self, number: int) -> Issue: ...

    def open_issues(self, labels: Iterable[str]) -> list[Issue]: ...

    def issues_since(self, label: str, since: datetime | None) -> list[Issue]: ...

    def access(self, teams: Iterable[str]) -> Access: ...

    def add_labels(self, number: int, labels: Iterable[str]) -> None: ...

    def remove_label(self, number: int, label: str) -> None: ...

    def create_comment(self, number: int, body: str) -> None: ...

    def update_comment(self, number: int, comment_id: int, body: str) -> None: ...

    def assign(self, number: int, users: Iterable[str]) -> None: ...

    def close(self, number: int) -> None: ...

    def list_labels(self) -> dict[str, tuple[str, str]]: ...

    def save_label(self, name: str, color: str, description: str, exists: bool) -> None: ...
