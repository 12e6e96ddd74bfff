"""The small interface between the rules' world and GitHub (or the in-memory stand-in)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Protocol

from dutydesk.model import Access, Issue


class Repository(Protocol):
    """Only the calls the rules need; PyGithub and memory implement it."""

    def get_issue(self, number: int) -> Issue: ...

    def open_issues(self, labels: Iterable[str]) -> list[Issue]: ...

    def each_open_issue(self, labels: Iterable[str]) -> Iterator[Issue]:
        """The open issues as `open_issues`, each as soon as it is read (the sweep plans them
        while the rest are read); what could not be read is raised at the end."""
        ...

    def issues_since(self, label: str, since: datetime | None) -> list[Issue]: ...

    def closed_since(self, label: str, since: datetime) -> list[Issue]:
        """The closed issues of `issues_since`."""
        ...

    def access(self, teams: Iterable[str]) -> Access: ...

    def add_labels(self, number: int, labels: Iterable[str]) -> None: ...

    def remove_label(self, number: int, label: str) -> None: ...

    def create_comment(self, number: int, body: str) -> str | None:
        """Post a comment; the login GitHub recorded as its author, if known."""
        ...

    def update_comment(self, number: int, comment_id: int, body: str) -> None: ...

    def assign(self, number: int, users: Iterable[str]) -> None: ...

    def close(self, number: int) -> None: ...

    def list_labels(self) -> dict[str, tuple[str, str]]: ...

    def save_label(self, name: str, color: str, description: str, exists: bool) -> None: ...

    def workflow_enabled(self, workflow: str) -> bool:
        """Is the workflow (by file name) switched on? GitHubError if it cannot be read."""
        ...

    def set_workflow_enabled(self, workflow: str, enabled: bool) -> None:
        """Switch a workflow (by file name) on or off; GitHubError if GitHub refuses."""
        ...
