"""The Repository interface over PyGithub. Imported only by commands that talk to GitHub."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from github import Auth, Github, GithubException, GithubRetry

from dutydesk.errors import ConfigurationError, GitHubError
from dutydesk.model import Comment, EventKind, Issue, IssueEvent
from dutydesk.repo import Access

DEFAULT_API = "https://api.github.com"

_EVENT_KINDS = {kind.value: kind for kind in EventKind}


def connect(token: str | None, repo_name: str | None, api_url: str | None) -> GitHubRepository:
    if not token:
        raise ConfigurationError(
            "no GitHub token: set GITHUB_TOKEN (in Actions: env: GITHUB_TOKEN: "
            "${{ github.token }}), or use --dry-run with simulate"
        )
    if not repo_name or "/" not in repo_name:
        raise ConfigurationError(
            f"repository {repo_name!r} is not OWNER/NAME: pass --repo or set GITHUB_REPOSITORY"
        )
    # Throttling chosen for Actions: one job makes requests one at a time, so reads need no
    # pause (GitHub's secondary limits are about concurrency); writes keep PyGithub's 1 s gap,
    # which is what GitHub asks of bulk POST/PATCH/DELETE to avoid content-creation limits.
    # GithubRetry waits out secondary rate limits (403/429 with Retry-After) and retries
    # 5xx a few times with backoff; a 15 s timeout keeps a hung request from eating the job.
    client = Github(
        base_url=(api_url or DEFAULT_API).rstrip("/"),
        auth=Auth.Token(token),
        timeout=15,
        retry=GithubRetry(total=5, backoff_factor=0.5),
        seconds_between_requests=0.0,
        seconds_between_writes=1.0,
        lazy=True,
    )
    return GitHubRepository(client, repo_name)


def _aware(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.fromtimestamp(0, UTC)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _payload(obj: Any) -> dict[str, Any]:
    """The JSON GitHub sent for a list item. PyGithub's `raw_data` and any attribute the
    payload lacks (an `assigned` event has no `label`) would each cost a GET to "complete"
    the object, so event fields are read from the payload itself."""
    raw = getattr(obj, "_rawData", None)
    return raw if isinstance(raw, dict) else {}


def _parse_time(value: Any) -> datetime:
    if not isinstance(value, str):
        return datetime.fromtimestamp(0, UTC)
    return _aware(datetime.fromisoformat(value.replace("Z", "+00:00")))


def _login(user: Any) -> str:
    return str(getattr(user, "login", "") or "") if user is not None else ""


class GitHubRepository:
    def __init__(self, client: Github, full_name: str) -> None:
        self.client = client
        self.full_name = full_name
        # Lazy objects make no request until a value is read: a write costs one request,
        # not a GET of the issue first.
        self.repo = client.get_repo(full_name)

    def _call(self, what: str, func: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except GithubException as exc:
            message = exc.data.get("message") if isinstance(exc.data, dict) else exc.data
            raise GitHubError(f"{what}: GitHub answered {exc.status}: {message}") from None

    def _snapshot(self, gh_issue: Any) -> Issue:
        # Read the issue's own fields first: on a lazy object this is the GET that fails
        # cleanly for a missing issue, before any comments are listed.
        issue = Issue(
            number=gh_issue.number,
            title=gh_issue.title or "",
            body=gh_issue.body or "",
            author=_login(gh_issue.user),
            state=gh_issue.state,
            created_at=_aware(gh_issue.created_at),
            updated_at=_aware(gh_issue.updated_at),
            closed_at=_aware(gh_issue.closed_at) if gh_issue.closed_at else None,
            labels=frozenset(lbl.name for lbl in gh_issue.labels),
            assignees=tuple(_login(a) for a in gh_issue.assignees),
        )
        comments = tuple(
            Comment(
                id=c.id,
                author=_login(c.user),
                body=c.body or "",
                created_at=_aware(c.created_at),
                updated_at=_aware(c.updated_at),
            )
            for c in gh_issue.get_comments()
        )
        events = []
        for e in gh_issue.get_events():
            raw = _payload(e)
            kind = _EVENT_KINDS.get(str(raw.get("event")))
            if kind is None:
                continue
            events.append(
                IssueEvent(
                    kind=kind,
                    actor=str((raw.get("actor") or {}).get("login") or ""),
                    at=_parse_time(raw.get("created_at")),
                    label=(raw.get("label") or {}).get("name"),
                    assignee=(raw.get("assignee") or {}).get("login"),
                )
            )
        return replace(issue, comments=comments, events=tuple(events))

    def get_issue(self, number: int) -> Issue:
        def read() -> Issue:
            return self._snapshot(self.repo.get_issue(number))

        return self._call(f"reading issue #{number}", read)  # type: ignore[no-any-return]

    def open_issues(self, labels: Iterable[str]) -> list[Issue]:
        def read() -> list[Issue]:
            seen: dict[int, Issue] = {}
            for label in labels:
                for gh_issue in self.repo.get_issues(state="open", labels=[label]):
                    if gh_issue.pull_request is None and gh_issue.number not in seen:
                        seen[gh_issue.number] = self._snapshot(gh_issue)
            return sorted(seen.values(), key=lambda i: i.number)

        return self._call("listing open issues", read)  # type: ignore[no-any-return]

    def issues_since(self, label: str, since: datetime | None) -> list[Issue]:
        """Open and closed issues with `label` updated since `since` (for the register)."""

        def read() -> list[Issue]:
            if since is None:
                found = self.repo.get_issues(state="all", labels=[label])
            else:
                found = self.repo.get_issues(state="all", labels=[label], since=since)
            return [self._snapshot(i) for i in found if i.pull_request is None]

        return self._call("listing issues for the register", read)  # type: ignore[no-any-return]

    def access(self, teams: Iterable[str]) -> Access:
        try:
            writers: frozenset[str] | None = frozenset(
                u.login.lower() for u in self.repo.get_collaborators(permission="push")
            )
        except GithubException:
            writers = None
        members: dict[str, frozenset[str] | None] = {}
        for slug in teams:
            org, _, team = slug.partition("/")
            try:
                found = self.client.get_organization(org).get_team_by_slug(team).get_members()
                members[slug.lower()] = frozenset(m.login.lower() for m in found)
            except GithubException:
                members[slug.lower()] = None
        return Access(writers=writers, teams=members)

    def add_labels(self, number: int, labels: Iterable[str]) -> None:
        self._call(f"labelling #{number}", self.repo.get_issue(number).add_to_labels, *labels)

    def remove_label(self, number: int, label: str) -> None:
        self._call(f"unlabelling #{number}", self.repo.get_issue(number).remove_from_labels, label)

    def create_comment(self, number: int, body: str) -> None:
        self._call(f"commenting on #{number}", self.repo.get_issue(number).create_comment, body)

    def update_comment(self, number: int, comment_id: int, body: str) -> None:
        comment = self.repo.get_issue(number).get_comment(comment_id)
        self._call(f"editing comment {comment_id} on #{number}", comment.edit, body)

    def assign(self, number: int, users: Iterable[str]) -> None:
        self._call(f"assigning #{number}", self.repo.get_issue(number).add_to_assignees, *users)

    def close(self, number: int) -> None:
        self._call(f"closing #{number}", self.repo.get_issue(number).edit, state="closed")

    def list_labels(self) -> dict[str, tuple[str, str]]:
        def read() -> dict[str, tuple[str, str]]:
            return {lbl.name: (lbl.color, lbl.description or "") for lbl in self.repo.get_labels()}

        return self._call("listing labels", read)  # type: ignore[no-any-return]

    def save_label(self, name: str, color: str, description: str, exists: bool) -> None:
        if exists:
            label = self.repo.get_label(name)
            self._call(f"updating label {name}", label.edit, name, color, description)
        else:
            self._call(f"creating label {name}", self.repo.create_label, name, color, description)
