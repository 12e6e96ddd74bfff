"""The Repository interface over PyGithub: reads through GraphQL, writes through REST.

Imported only by commands that talk to GitHub. This is the transport: requests, retries and
errors. What is asked is in `github_queries`; how an answer becomes an `Issue` is the pure
`github_snapshot`.

Reads
=====
Each read is first sent on the quick path (``github_quick``: `requests` alone, to the URL
PyGithub would use), which takes a plain 200 answer as it is; the first answer that is not one
(a 5xx, a rate limit, a timeout) hands that read, and every later read of the run, to PyGithub's
transport. So a steady sweep never imports PyGithub, and a fault is retried and reported as
before, for one request more a run. On that transport the queries are sent through PyGithub's
requester (``Requester.graphql_query``; a copy of the client's, without the pause PyGithub puts
between POSTs, since these only read), which posts to the GraphQL endpoint it derives from the
base URL: ``https://api.github.com`` gives ``https://api.github.com/graphql`` and a GitHub
Enterprise Server base URL ``https://HOST/api/v3`` gives ``https://HOST/api/graphql``
(``Requester.get_graphql_prefix`` drops the ``/v3``).

* ``open_issues(labels)`` lists the open issues carrying *any* of the labels (kept here only
  if they carry one, ignoring case as GitHub does); ``issues_since(label, since)`` (the
  register) lists both states updated since; ``get_issue(number)`` reads one issue.
* Then, for all the issues together: the rest of any connection longer than a page, several
  issues a request (``pages_query``), and the edit histories of the comments whose history
  can matter (``wants_history``), 100 comments a request (``COMMENT_EDITS_QUERY``).

So for N open items a sweep reads ``ceil(N / 100)`` pages, plus one per 100 extra connection
pages (100 items with 500 comments each: 4), plus ``ceil(E / 100)`` for E comments whose
history matters, plus what ``access()`` costs (REST listings, 100 a page).

Errors
======
HTTP failures give the status and message, a GraphQL answer with ``errors`` GitHub's messages
(and the issue, when the error's path points into one), never the token. 5xx answers (GitHub
answers 502 when a query runs past its time limit) and secondary rate limits are retried by
the reader's ``GithubRetry``. A listing page that still fails is read again in smaller pages
(``list_issues``), so one issue that cannot be read is skipped by number; a follow-up that
fails is split the same way (``Reading.in_parts``). An issue not read whole is never
reconciled: the listing raises ``PartialListing`` (a ``GitHubError``) carrying the issues read
whole and the ``Unread`` ones, by number where known.

Writes stay on REST through PyGithub's lazy objects, one request per write (``github_rest``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from requests.exceptions import RequestException

from dutydesk.errors import ConfigurationError, GitHubError
from dutydesk.io.github_queries import (
    COMMENT_EDITS_QUERY,
    CONNECTIONS,
    FRAGMENTS,
    ISSUE_PAGES_QUERY,
    ISSUE_QUERY,
    ISSUES_SINCE_QUERY,
    OPEN_ISSUES_QUERY,
    PAGE,
    batches,
    list_issues,
    merge_pages,
    pages_query,
    read_histories,
    unfinished,
)
from dutydesk.io.github_quick import Missed, QuickReads
from dutydesk.io.github_rest import RestSide
from dutydesk.io.github_snapshot import (
    PartialListing,
    Reading,
    Unread,
    aware,
    carries,
    graphql_errors,
    revisions,
    snapshot,
)
from dutydesk.io.github_stream import stream_listing
from dutydesk.model import Access, Issue

if TYPE_CHECKING:  # pragma: no cover
    from github import Github as GithubClient

__all__ = [
    "COMMENT_EDITS_QUERY",
    "CONNECTIONS",
    "DEFAULT_API",
    "FRAGMENTS",
    "ISSUES_SINCE_QUERY",
    "ISSUE_PAGES_QUERY",
    "ISSUE_QUERY",
    "OPEN_ISSUES_QUERY",
    "PAGE",
    "GitHubRepository",
    "PartialListing",
    "Unread",
    "connect",
    "graphql_errors",
    "revisions",
    "snapshot",
]

DEFAULT_API = "https://api.github.com"

#: Seconds a request may take (PyGithub's client and the quick reads alike).
TIMEOUT = 15


def Github(**kwargs: Any) -> GithubClient:
    """PyGithub's client, PyGithub being imported when the first write (or a read that the
    quick path missed) needs it: a steady sweep never does."""
    from github import Github as client

    return client(**kwargs)


def connect(token: str | None, repo_name: str | None, api_url: str | None) -> GitHubRepository:
    if not token:
        raise ConfigurationError(
            "no GitHub token: set GITHUB_TOKEN (in Actions: env: GITHUB_TOKEN: "
            "${{ github.token }}). --dry-run still reads from GitHub; to try the rules "
            "with no GitHub at all, use `dutydesk simulate`"
        )
    if not repo_name:
        raise ConfigurationError(
            "no repository: pass --repo OWNER/NAME or set GITHUB_REPOSITORY (Actions sets it)"
        )
    if "/" not in repo_name:
        raise ConfigurationError(
            f"repository {repo_name!r} is not OWNER/NAME: pass --repo or set GITHUB_REPOSITORY"
        )
    base_url = (api_url or DEFAULT_API).rstrip("/")
    build = Github  # the client is built later, but as this moment's `Github` builds it
    return GitHubRepository(
        lambda: build(**client_settings(base_url, token)),
        repo_name,
        quick=QuickReads(base_url, token, TIMEOUT),
    )


def client_settings(base_url: str, token: str) -> dict[str, Any]:
    """PyGithub's settings, chosen for Actions.

    One job makes requests one at a time, so reads need no pause (GitHub's secondary limits
    are about concurrency); writes keep PyGithub's 1 s gap, which is what GitHub asks of bulk
    POST/PATCH/DELETE to avoid content-creation limits. GithubRetry waits out secondary rate
    limits (403/429 with Retry-After) and retries 5xx a few times with backoff; a 15 s timeout
    keeps a hung request from eating the job. A POST is repeated only after a 403/429 rate
    limit, which GitHub answers before doing anything (WriteRetry): after a 5xx, a timeout or a
    dropped connection GitHub may have made the comment, so `create_comment` looks for it
    before posting again. Adding labels or assignees again does no harm. GraphQL reads are
    POSTs too; they go through `reader`, which retries them like GETs. REST listings
    (collaborators, team members, labels) ask for 100 a page, not 30.
    """
    from github import Auth

    from dutydesk.io.github_retry import REPEATABLE, WriteRetry

    return {
        "base_url": base_url,
        "auth": Auth.Token(token),
        "timeout": TIMEOUT,
        "retry": WriteRetry(total=5, backoff_factor=0.5, allowed_methods=REPEATABLE),
        "seconds_between_requests": 0.0,
        "seconds_between_writes": 1.0,
        "per_page": PAGE,
        "lazy": True,
    }


class GitHubRepository(RestSide):
    """`client`: PyGithub's client, or what builds it when it is first needed. `quick`: the
    reads tried first without PyGithub (`github_quick`); None reads through PyGithub only."""

    def __init__(
        self,
        client: GithubClient | Callable[[], GithubClient],
        full_name: str,
        quick: QuickReads | None = None,
    ) -> None:
        self._client = client
        self.full_name = full_name
        self.owner, _, self.name = full_name.partition("/")
        self.quick = quick

    # -- reads (GraphQL) ------------------------------------------------------------------

    def _answer(self, what: str, query: str, variables: dict[str, Any]) -> Mapping[str, Any]:
        """GitHub's answer to a query, errors and all; a failed request raises. Tried first
        on the quick path; what it misses goes through PyGithub's transport."""
        if self.quick is not None:
            try:
                return self.quick.graphql(query, variables)
            except Missed:
                pass
        from github import GithubException

        from dutydesk.io.github_retry import message_of, transport_problem

        try:
            _, answer = self.reader.graphql_query(query, variables)
        except RequestException as exc:
            raise GitHubError(f"{what}: {transport_problem(exc)}") from None
        except GithubException as exc:
            if isinstance(exc.data, Mapping) and exc.data.get("errors"):
                return exc.data
            message = message_of(exc)
            raise GitHubError(f"{what}: GitHub answered {exc.status}: {message}") from None
        if not isinstance(answer, Mapping):
            raise GitHubError(f"{what}: {graphql_errors(answer)}")
        return answer

    def _graphql(self, what: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """The `data` of a GraphQL answer about the repository; errors raise."""
        answer = self._answer(what, query, {"owner": self.owner, "name": self.name, **variables})
        if answer.get("errors"):
            raise GitHubError(f"{what}: {graphql_errors(answer)}")
        data = answer.get("data")
        if not isinstance(data, dict) or not isinstance(data.get("repository"), dict):
            raise GitHubError(f"{what}: GitHub's answer has no repository {self.full_name}")
        return data

    def _edits(self, ids: list[str], after: str | None) -> list[dict[str, Any]]:
        """One page of the edit histories of comments, by node id. A comment deleted since the
        listing is not found (GitHub: null, NOT_FOUND): it keeps what the listing said."""
        what = "reading comments' edit histories"
        answer = self._answer(what, COMMENT_EDITS_QUERY, {"ids": ids, "after": after})
        errors = [e for e in answer.get("errors") or () if _type(e) != "NOT_FOUND"]
        if errors:
            raise GitHubError(f"{what}: {graphql_errors({**answer, 'errors': errors})}")
        data = answer.get("data")
        found = data.get("nodes") if isinstance(data, Mapping) else None
        if not isinstance(found, list):
            raise GitHubError(f"{what}: GitHub's answer has no nodes")
        return [n for n in found if isinstance(n, dict) and n.get("id")]

    def _follow_ups(self, reading: Reading) -> None:
        """The remaining pages of every issue's connections, several issues a request
        (`pages_query`); an issue whose pages cannot be read is lost."""
        pending = {n: c for n, node in reading.found.items() if (c := unfinished(node))}
        following: dict[int, dict[str, str]] = {}

        def read(batch: Sequence[tuple[int, Mapping[str, str]]]) -> None:
            query, variables = pages_query(batch)
            numbers = ", ".join(f"#{number}" for number, _ in batch[:3])
            more = f" and {len(batch) - 3} more" if len(batch) > 3 else ""
            data = self._graphql(f"reading more of {numbers}{more}", query, variables)
            for k, (number, cursors) in enumerate(batch):
                page = data["repository"].get(f"i{k}") or {}
                if left := merge_pages(reading.found[number], page, dict(cursors)):
                    following[number] = left

        while pending:
            for batch in batches(pending):
                reading.in_parts(batch, read, lambda item, problem: reading.lose(item[0], problem))
            pending = {n: c for n, c in following.items() if n in reading.found}
            following.clear()

    def _pages(
        self, what: str, query: str, variables: dict[str, Any]
    ) -> Callable[[str | None, int, bool], Mapping[str, Any]]:
        """`fetch(after, first, full)`: a page of a listing's issues (`list_issues`)."""

        def fetch(after: str | None, first: int, full: bool) -> Mapping[str, Any]:
            more = {"after": after, "first": first, "full": full}
            issues = self._graphql(what, query, {**variables, **more})["repository"].get("issues")
            return issues if isinstance(issues, Mapping) else {}

        return fetch

    def _finish(self, reading: Reading) -> None:
        """The rest of what the listing's pages did not hold whole."""
        self._follow_ups(reading)
        read_histories(self._edits, reading)

    def _listing(self, what: str, query: str, variables: dict[str, Any]) -> Reading:
        """Every issue of a listing read whole, and what could not be."""
        reading = Reading()
        list_issues(self._pages(what, query, variables), reading)
        self._finish(reading)
        return reading

    def _issues(self, what: str, reading: Reading, labels: Sequence[str]) -> list[Issue]:
        found = [snapshot(reading.found[number]) for number in sorted(reading.found)]
        found = [i for i in found if not labels or carries(i, labels)]
        if reading.unread:
            raise PartialListing(what, found, reading.unread)
        return found

    def get_issue(self, number: int) -> Issue:
        what = f"reading issue #{number}"
        data = self._graphql(what, ISSUE_QUERY, {"number": number})
        node = data["repository"].get("issue")
        if not isinstance(node, dict):
            raise GitHubError(f"{what}: no such issue in {self.full_name}")
        reading = Reading(found={number: node})
        self._follow_ups(reading)
        read_histories(self._edits, reading)
        if reading.unread:
            raise GitHubError(reading.unread[0].problem)
        return snapshot(node)

    def open_issues(self, labels: Iterable[str]) -> list[Issue]:
        """The open issues carrying any of `labels`. Raises `PartialListing` (a
        `GitHubError`, with what was read) when some could not be read."""
        wanted = list(dict.fromkeys(labels))
        what = "listing open issues"
        reading = self._listing(what, OPEN_ISSUES_QUERY, {"labels": wanted or None})
        return self._issues(what, reading, wanted)

    def each_open_issue(self, labels: Iterable[str]) -> Iterator[Issue]:
        """As `open_issues`, but each issue as soon as it is read whole, while the listing goes
        on in another thread (`github_stream`); `PartialListing` at the end has no issues."""
        wanted = list(dict.fromkeys(labels))
        what = "listing open issues"
        fetch = self._pages(what, OPEN_ISSUES_QUERY, {"labels": wanted or None})
        listing: Callable[[Reading], None] = lambda reading: list_issues(fetch, reading)  # noqa: E731
        return stream_listing(what, listing, self._finish, wanted, unfinished=unfinished)

    def issues_since(self, label: str, since: datetime | None) -> list[Issue]:
        """Open and closed issues with `label` updated since `since` (for the register)."""
        return self._since("listing issues for the register", label, since, None)

    def closed_since(self, label: str, since: datetime) -> list[Issue]:
        """Closed issues with `label` updated since `since` (notifications they may owe)."""
        return self._since("listing closed issues", label, since, ["CLOSED"])

    def _since(
        self, what: str, label: str, since: datetime | None, states: list[str] | None
    ) -> list[Issue]:
        moment = aware(since).astimezone(UTC).isoformat().replace("+00:00", "Z") if since else None
        variables = {"labels": [label], "since": moment, "states": states}
        return self._issues(what, self._listing(what, ISSUES_SINCE_QUERY, variables), [label])

    # -- access and labels (REST) ---------------------------------------------------------

    def access(self, teams: Iterable[str]) -> Access:
        """Writers and team members. A refusal (401/403/404: the token may not read them)
        makes them unknown, which the rules say out loud; a server or network failure
        stops the run instead, so that a passing fault never turns into refusals."""
        writers = self._logins(
            "reading the repository's writers",
            f"/repos/{self.full_name}/collaborators",
            {"permission": "push"},
            lambda: self.repo.get_collaborators(permission="push"),
        )
        members: dict[str, frozenset[str] | None] = {}
        for slug in teams:
            org, _, team = slug.partition("/")
            members[slug.lower()] = self._logins(
                f"reading team {slug}",
                f"/orgs/{quote(org, safe='')}/teams/{quote(team, safe='')}/members",
                {},
                partial(self._team_members, org, team),
            )
        return Access(writers=writers, teams=members)

    def _team_members(self, org: str, team: str) -> Iterable[Any]:
        return self.client.get_organization(org).get_team_by_slug(team).get_members()

    def _logins(
        self, what: str, path: str, params: dict[str, str], listing: Callable[[], Iterable[Any]]
    ) -> frozenset[str] | None:
        """The logins of a REST listing of accounts (100 a page): on the quick path, else
        through PyGithub (`listing()`), where a refusal makes them unknown (None)."""
        if self.quick is not None:
            try:
                found = self.quick.get_list(path, {**params, "per_page": str(PAGE)})
                logins = [u.get("login") if isinstance(u, dict) else None for u in found]
                return frozenset(login.lower() for login in logins if isinstance(login, str))
            except Missed:
                pass
        from github import GithubException

        from dutydesk.io.github_retry import transport_problem, unknown_unless_failure

        try:
            return frozenset(u.login.lower() for u in listing())
        except GithubException as exc:
            return unknown_unless_failure(what, exc)
        except RequestException as exc:
            raise GitHubError(f"{what}: {transport_problem(exc)}") from None


def _type(error: object) -> object:
    return error.get("type") if isinstance(error, Mapping) else None
