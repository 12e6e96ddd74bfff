"""`RunbookStore` in memory, for the runbook tests: the default branch's files, pull requests
and commits, and a count of the requests GitHub would have answered.

Each pull request is also an issue of `github`, a `MemoryRepository` (a pull request is an
issue for comments): the bot's record comments are written there through the `Repository`
protocol, as on GitHub, and people can comment and edit there. `now` is its clock.

`simulate` does not open pull requests, so this store is the tests' own and does not ship in
the package.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from dutydesk.errors import GitHubError
from dutydesk.io.memory import MemoryRepository
from dutydesk.io.runbook_store import MAX_COMMITS, OpenedPullRequest, text_to_commit
from dutydesk.model import Comment
from dutydesk.rules.runbooks import CommitInfo, PullInfo, PullState, latest_pulls


@dataclass
class MemoryPull:
    number: int
    branch: str
    base: str
    title: str
    body: str
    path: str
    content: str
    message: str
    reviewers: tuple[str, ...]
    labels: tuple[str, ...]
    state: PullState = PullState.OPEN
    merged: bool = False
    closed_at: datetime | None = None
    created_at: datetime | None = None

    @property
    def url(self) -> str:
        return f"https://github.com/example-org/ops/pull/{self.number}"


@dataclass
class MemoryRunbookStore:
    """`RunbookStore` in memory: the default branch's files, pull requests and commits.

    `requests` counts the calls a GitHub store would make for each, to keep the figures honest.
    """

    files: dict[str, str] = field(default_factory=dict)
    commits: dict[str, list[CommitInfo]] = field(default_factory=dict)
    default_branch: str = "main"
    head_sha: str = "0" * 40
    pulls: list[MemoryPull] = field(default_factory=list)
    branches: dict[str, str] = field(default_factory=dict)  # branch -> head sha
    requests: int = 0
    github: MemoryRepository = field(default_factory=MemoryRepository)

    @property
    def now(self) -> datetime:
        return self.github.now

    @now.setter
    def now(self, moment: datetime) -> None:
        self.github.now = moment

    def default_branch_head(self) -> tuple[str, str]:
        self.requests += 2
        return self.default_branch, self.head_sha

    def pulls_for_prefix(self, prefix: str) -> dict[str, PullInfo]:
        self.requests += max(1, -(-len(self.pulls) // 100))
        return latest_pulls(
            PullInfo(p.number, p.state, p.merged, p.closed_at, p.url, p.branch, p.created_at)
            for p in self.pulls
            if p.branch.startswith(prefix)
        )

    def commits_touching(self, path: str, since: date) -> list[CommitInfo]:
        self.requests += 1
        found = [c for c in self.commits.get(path, []) if c.date.date() >= since]
        return sorted(found, key=lambda c: c.date, reverse=True)[:MAX_COMMITS]

    def open_pull_request(
        self,
        *,
        branch: str,
        base: str,
        base_sha: str,
        path: str,
        old_text: str,
        new_text: str,
        message: str,
        title: str,
        body: str,
        reviewers: Sequence[str],
        labels: Sequence[str],
    ) -> OpenedPullRequest:
        self.requests += 1
        if path not in self.files:
            raise GitHubError(f"reading {path}: GitHub answered 404: Not Found")
        content = text_to_commit(path, self.files[path], old_text, new_text)
        if any(p.branch == branch and p.state is PullState.OPEN for p in self.pulls):
            raise GitHubError(
                f"opening the pull request for {path}: GitHub answered 422: Validation Failed "
                f"(A pull request already exists for example-org:{branch}.)"
            )
        self.requests += 1 if branch not in self.branches else 2
        self.branches[branch] = base_sha
        self.requests += 4  # commit, pull request, reviewers, labels
        number = self.github.open_issue(self.github.writes_as, title, body, labels)
        pull = MemoryPull(
            number=number,
            branch=branch,
            base=base,
            title=title,
            body=body,
            path=path,
            content=content,
            message=message,
            reviewers=tuple(reviewers),
            labels=tuple(labels),
            created_at=self.now,
        )
        self.pulls.append(pull)
        return OpenedPullRequest(pull.number, pull.url)

    def review_comments(self, number: int) -> tuple[Comment, ...]:
        self.requests += 1
        if not any(p.number == number for p in self.pulls):
            raise GitHubError(f"reading the comments of pull request #{number}: not found")
        return self.github.get_issue(number).comments

    def close_pull(self, number: int, at: datetime, merged: bool = False) -> None:
        """People's side: close (or merge) a review pull request."""
        pull = next(p for p in self.pulls if p.number == number)
        self.github.set_state(self.github.writes_as, number, "closed")
        pull.state = PullState.CLOSED
        pull.merged = merged
        pull.closed_at = at
        if merged:
            self.files[pull.path] = pull.content
