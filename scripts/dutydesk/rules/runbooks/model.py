"""What the runbook rules read and decide about: a runbook file (any page of a docs site), its
earlier review pull requests and the commits that touched it.

Emits: nothing (the runbook facts)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path

BRANCH_PREFIX = "dutydesk/runbook-review/"
#: Files in the runbooks folder that are not runbooks: their name before the first dot.
NOT_RUNBOOKS = frozenset({"template", "readme"})
#: The category that marks a page as a runbook (``category: runbooks``): such a page must have
#: a review date and the template's sections.
RUNBOOK_CATEGORY = "runbooks"
#: The most commits listed in a review pull request's body.
MAX_COMMITS_LISTED = 30


class State(StrEnum):
    OK = "ok"
    DUE_SOON = "due-soon"
    EXPIRED = "expired"
    INVALID = "invalid"
    UNTRACKED = "untracked"  # no review date, and not `category: runbooks`


class Convention(StrEnum):
    """Which front-matter key carries the review date (and so which line a renewal edits)."""

    EXPIRES = "expires"
    LAST_REVIEWED_ON = "last_reviewed_on"


class OwnerSource(StrEnum):
    """Where a page's reviewers come from."""

    OWNER = "owner"  # the front matter's `owner:`
    CODEOWNERS = "CODEOWNERS"  # the repository's CODEOWNERS entry for the file


class PullState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class PullInfo:
    """What the plan needs to know about an earlier review pull request for a branch."""

    number: int
    state: PullState
    merged: bool = False
    closed_at: datetime | None = None
    url: str = ""
    branch: str = ""
    created_at: datetime | None = None  # when it was opened (runbook.review_opened's moment)


@dataclass(frozen=True)
class CommitInfo:
    """A commit that touched a runbook, listed in the review pull request's body."""

    sha: str
    date: datetime
    author: str
    message: str

    @property
    def short_sha(self) -> str:
        return self.sha[:7]

    @property
    def subject(self) -> str:
        lines = self.message.strip().splitlines()
        return lines[0] if lines else ""


@dataclass(frozen=True)
class Runbook:
    """One runbook file as read from disk.

    ``path`` is the file's path in the repository (POSIX, e.g. ``runbooks/payments-api.md``);
    ``file`` is where it was read from. ``text`` is the exact text (CRLF kept). ``error`` is set,
    and ``expires`` may be None, when the front matter cannot be used: such a runbook is
    ``invalid`` and is never renewed. A page with no review date (and no ``category:
    runbooks``) has no ``convention``: it is untracked. ``owner`` are the reviewers
    (``owner_from`` says whence); ``owner_slack`` is carried for notifications. ``findings``
    are problems that leave the page usable, such as having nobody to review it.
    """

    path: str
    text: str
    title: str
    file: Path | None = None
    expires: date | None = None
    owner: tuple[str, ...] = ()
    convention: Convention | None = None
    last_reviewed_on: date | None = None
    review_in: str | None = None
    error: str | None = None
    owner_from: OwnerSource | None = None
    owner_slack: tuple[str, ...] = ()
    is_runbook: bool = False  # declares `category: runbooks`
    findings: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        return self.error is None and self.expires is not None and self.convention is not None

    @property
    def tracked(self) -> bool:
        """Has a review date (or is invalid): not an untracked page."""
        return self.error is not None or self.convention is not None
