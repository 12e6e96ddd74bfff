"""The REST side of `GitHubRepository`: PyGithub's client, built when first needed, and every
write (one request each), with the two workflow switches of the timers.

Writes stay on REST through PyGithub's lazy objects: one request per write. PyGithub is
imported here only when a write (or a read that the quick path missed) needs it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from requests.exceptions import RequestException

from dutydesk.errors import GitHubError
from dutydesk.io.github_quick import Missed, QuickReads

if TYPE_CHECKING:  # pragma: no cover
    from github import Github as GithubClient

__all__ = ["RestSide"]


class RestSide:
    """PyGithub's client, its reader and the repository's lazy object; the writes."""

    _client: GithubClient | Callable[[], GithubClient]
    full_name: str
    quick: QuickReads | None

    @cached_property
    def client(self) -> GithubClient:
        client = self._client
        return client() if callable(client) else client

    @cached_property
    def reader(self) -> Any:
        """GraphQL queries are POSTs, which PyGithub would space like writes (1 s apart); they
        only read, so they go through a copy of the client's requester without that pause,
        retried as GETs are (with the client's backoff)."""
        from github import GithubRetry
        from github.Requester import Requester

        kwargs = self.client.requester.kwargs
        backoff = getattr(kwargs.get("retry"), "backoff_factor", 0.5)
        return Requester(
            **{
                **kwargs,
                "seconds_between_writes": None,
                "retry": GithubRetry(total=5, backoff_factor=backoff),  # GET and POST (GraphQL)
            }
        )

    @cached_property
    def repo(self) -> Any:
        """Lazy objects make no request until a value is read: a write costs one request,
        not a GET of the issue first."""
        return self.client.get_repo(self.full_name)

    def _call(self, what: str, func: Any, *args: Any, **kwargs: Any) -> Any:
        from github import GithubException

        from dutydesk.io.github_retry import message_of, transport_problem

        try:
            return func(*args, **kwargs)
        except GithubException as exc:
            message = message_of(exc)
            raise GitHubError(f"{what}: GitHub answered {exc.status}: {message}") from None
        except RequestException as exc:
            raise GitHubError(f"{what}: {transport_problem(exc)}") from None

    # -- writes (REST, one request each) --------------------------------------------------

    def add_labels(self, number: int, labels: Iterable[str]) -> None:
        # GitHub's REST description takes {"labels": [...]}; PyGithub's add_to_labels sends
        # a bare array, which the description no longer allows.
        self._call(
            f"labelling #{number}",
            self.repo.requester.requestJsonAndCheck,
            "POST",
            f"{self.repo.url}/issues/{number}/labels",
            input={"labels": list(labels)},
        )

    def remove_label(self, number: int, label: str) -> None:
        from github import GithubException

        from dutydesk.io.github_retry import message_of, transport_problem

        try:
            self.repo.get_issue(number).remove_from_labels(label)
        except GithubException as exc:
            if exc.status == 404:  # already gone (e.g. a retried DELETE): the goal is met
                return
            message = message_of(exc)
            raise GitHubError(
                f"unlabelling #{number}: GitHub answered {exc.status}: {message}"
            ) from None
        except RequestException as exc:
            raise GitHubError(f"unlabelling #{number}: {transport_problem(exc)}") from None

    def create_comment(self, number: int, body: str) -> str | None:
        """Post a comment. When GitHub's answer leaves it unknown whether the comment was made
        (a 5xx, a timeout, a dropped connection), look for it among the issue's comments
        before posting again: a comment is never posted twice."""
        from github import GithubException

        from dutydesk.io.github_retry import message_of, transport_problem

        what = f"commenting on #{number}"
        issue = self.repo.get_issue(number)
        url = f"{self.repo.url}/issues/{number}/comments"
        for attempt in range(3):
            try:
                _, made = self.repo.requester.requestJsonAndCheck("POST", url, input={"body": body})
                return _author(made)
            except GithubException as exc:
                if exc.status is None or exc.status < 500 or attempt == 2:
                    message = message_of(exc)
                    raise GitHubError(f"{what}: GitHub answered {exc.status}: {message}") from None
            except RequestException as exc:
                if attempt == 2:
                    raise GitHubError(f"{what}: {transport_problem(exc)}") from None
            found = self._call(f"{what}: looking for it", lambda: list(issue.get_comments()))
            mine = [c for c in found if c.body == body and c.user.type == "Bot"]
            if mine:
                return str(mine[-1].user.login)
        return None

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

    def workflow_enabled(self, workflow: str) -> bool:
        """Is the workflow (by file name) switched on? GET .../actions/workflows/{file}."""
        if self.quick is not None:
            path = f"/repos/{self.full_name}/actions/workflows/{quote(workflow, safe='')}"
            try:
                data = self.quick.get(path)
                return isinstance(data, Mapping) and data.get("state") == "active"
            except Missed:
                pass
        get = self.client.requester.requestJsonAndCheck
        _, data = self._call(f"reading workflow {workflow}", get, "GET", _workflow(self, workflow))
        return isinstance(data, Mapping) and data.get("state") == "active"

    def set_workflow_enabled(self, workflow: str, enabled: bool) -> None:
        """Switch a workflow (by file name) on or off: PUT .../enable or .../disable."""
        verb = "enable" if enabled else "disable"
        put, url = self.client.requester.requestJsonAndCheck, f"{_workflow(self, workflow)}/{verb}"
        self._call(f"{verb.rstrip('e')}ing workflow {workflow}", put, "PUT", url)


def _workflow(repo: RestSide, name: str) -> str:
    return f"{repo.repo.url}/actions/workflows/{quote(name, safe='')}"


def _author(comment: object) -> str | None:
    """The author's login in GitHub's answer to a new comment, if it says."""
    user = comment.get("user") if isinstance(comment, dict) else None
    login = user.get("login") if isinstance(user, dict) else None
    return str(login) if login else None
