"""The sides of runbook reviews that read: the pages on disk (with the repository's
CODEOWNERS), and GitHub behind the small `RunbookStore` protocol.

`load_runbooks` reads every page under runbooks.folder that a runbooks.include glob matches
(nested folders too; README and TEMPLATE pages are skipped), with CRLF kept; one page that
cannot be read is one invalid page. The decisions stay in `dutydesk.rules.runbooks`.

`GitHubRunbookStore` uses PyGithub. A review pull request costs six requests:

1. ``GET /repos/{o}/{r}/contents/{path}?ref=<base sha>`` - the blob sha, and a check that the
   file there is the one that was read and planned from;
2. ``POST /repos/{o}/{r}/git/refs`` - the branch, at the default branch's head (if it is left
   from an earlier, closed review: ``PATCH .../git/refs/heads/<branch>`` with ``force``);
3. ``PUT /repos/{o}/{r}/contents/{path}`` - the one-file commit, made by GitHub, so signed;
4. ``POST /repos/{o}/{r}/pulls``;
5. ``POST /repos/{o}/{r}/pulls/{n}/requested_reviewers`` - users and teams in one request;
6. ``POST /repos/{o}/{r}/issues/{n}/labels``.

Planning adds one ``GET .../commits?path=...&since=...`` per planned pull request, and each run
two reads for the default branch's head and one ``GET .../pulls?state=all`` per 100 pull
requests; with a ``runbook.review_opened`` route, one GraphQL read of the comments of each open
review pull request younger than ``notifications.max_age`` (`review_comments.py`).

This is the adapter side: it knows branches, trees and GitHub's answers, and decides nothing.
The plan is made by `dutydesk.rules.runbooks`; `dutydesk.io.apply` (the one executor, and the
one place that checks ``--dry-run``) calls `RunbookStore.open_pull_request` for each planned
`open_pull_request` action.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote

from dutydesk.errors import GitHubError
from dutydesk.model import Comment
from dutydesk.policy.defaults import RUNBOOK_INCLUDE
from dutydesk.rules.runbooks import CommitInfo, PullInfo, PullState, latest_pulls
from dutydesk.rules.runbooks.codeowners import CODEOWNERS_PATHS, CodeOwners, parse_codeowners
from dutydesk.rules.runbooks.model import NOT_RUNBOOKS, Runbook
from dutydesk.rules.runbooks.parse import page_stem, parse_runbook

if TYPE_CHECKING:  # pragma: no cover
    from github.Repository import Repository as GhRepository

    from dutydesk.io.github import GitHubRepository
    from dutydesk.policy import Policy

#: The most commits read for one runbook's review body.
MAX_COMMITS = 100


# -- the pages on disk --------------------------------------------------------------------


def read_codeowners(root: Path | None) -> CodeOwners | None:
    """The repository's CODEOWNERS, from the first place GitHub looks that has one."""
    if root is None:
        return None
    for name in CODEOWNERS_PATHS:
        file = root / name
        if file.is_file():
            try:
                return parse_codeowners(file.read_text(encoding="utf-8"), name)
            except (OSError, UnicodeDecodeError):
                return CodeOwners(name)  # GitHub cannot read it either: it owns nothing
    return None


def page_files(folder: Path, include: Sequence[str] = RUNBOOK_INCLUDE) -> list[Path]:
    """The files under ``folder`` that an ``include`` glob matches, sorted, each once."""
    found = {file for glob in include for file in folder.glob(glob) if file.is_file()}
    return sorted(f for f in found if f.name.split(".", 1)[0].lower() not in NOT_RUNBOOKS)


def _read(file: Path, path: str, codeowners: CodeOwners | None) -> Runbook:
    """One file, read with ``newline=""`` so that CRLF stays."""
    try:
        with file.open(encoding="utf-8", newline="") as handle:
            text = handle.read()
    except UnicodeDecodeError:
        return Runbook(
            path, "", page_stem(path), file=file, error="not UTF-8 text; save it as UTF-8"
        )
    except OSError as exc:
        return Runbook(
            path, "", page_stem(path), file=file, error=f"cannot be read: {exc.strerror}"
        )
    return parse_runbook(path, text, file, codeowners)


def _root(folder: Path, prefix: str) -> Path | None:
    """The repository's root: ``folder`` less its path in the repository."""
    depth = len([part for part in prefix.split("/") if part])
    if depth and folder.parts[-depth:] != tuple(prefix.split("/")):
        return None
    return folder.parents[depth - 1] if depth else folder


def load_runbooks(
    folder: Path, repo_folder: str | None = None, include: Sequence[str] = RUNBOOK_INCLUDE
) -> list[Runbook]:
    """Every page under ``folder`` that an ``include`` glob matches, sorted by path.

    ``repo_folder`` is the folder's path in the repository (default: ``folder`` as given);
    each page's ``path`` is under it, and the repository's CODEOWNERS is looked for in the
    folder that holds it. Text is read with ``newline=""``, so CRLF stays.
    """
    prefix = (repo_folder if repo_folder is not None else folder.as_posix()).strip("/")
    prefix = "" if prefix in ("", ".") else prefix.removeprefix("./")
    codeowners = read_codeowners(_root(folder, prefix))
    out: list[Runbook] = []
    for file in page_files(folder, include):
        rel = file.relative_to(folder).as_posix()
        out.append(_read(file, f"{prefix}/{rel}" if prefix else rel, codeowners))
    return out


def policy_runbooks(folder: Path, policy: Policy) -> list[Runbook]:
    """The pages the policy names: runbooks.include under runbooks.folder (given as ``folder``,
    found relative to the policy file)."""
    return load_runbooks(folder, policy.runbooks.folder, policy.runbooks.include)


def validate_folder(folder: Path, policy: Policy) -> list[tuple[str, str]]:
    """(file, message) for every finding about the pages (`dutydesk validate`)."""
    from dutydesk.rules.runbooks.sections import page_findings

    if not folder.is_dir():
        return [(str(folder), "the runbooks folder (policy runbooks.folder) does not exist")]
    pages = policy_runbooks(folder, policy)
    if not pages:
        return [
            (str(folder), f"no pages match runbooks.include ({', '.join(policy.runbooks.include)})")
        ]
    out: list[tuple[str, str]] = []
    for page in pages:
        where = str(page.file) if page.file is not None else page.path
        out += [(where, message) for _, message in page_findings(page, policy)]
    return out


# -- review pull requests ----------------------------------------------------------------


@dataclass(frozen=True)
class OpenedPullRequest:
    number: int
    url: str
    warnings: tuple[str, ...] = ()


class RunbookStore(Protocol):
    """Only the calls runbook reviews need."""

    def default_branch_head(self) -> tuple[str, str]:
        """(default branch name, its head commit sha)."""
        ...

    def pulls_for_prefix(self, prefix: str) -> dict[str, PullInfo]:
        """Per head branch starting with `prefix`, the pull request that decides."""
        ...

    def commits_touching(self, path: str, since: date) -> list[CommitInfo]:
        """Commits on the default branch that changed `path` on or after `since`, newest first."""
        ...

    def review_comments(self, number: int) -> tuple[Comment, ...]:
        """The comments of pull request `number`, with who wrote each version of their text."""
        ...

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
        """Branch off `base_sha`, commit `new_text` to `path`, open the pull request."""
        ...


def text_to_commit(path: str, remote: str, old_text: str, new_text: str) -> str:
    """The text to commit, given the file as the repository has it at the base commit.

    The plan was made from a checkout. If the checkout is the repository's file, the planned
    text is committed as it is. If they differ only because the checkout turned LF into CRLF
    (`core.autocrlf` or an `eol` attribute), the planned text gets the repository's LF endings.
    Anything else means the checkout is not the default branch's head: refuse.
    """
    if remote == old_text:
        return new_text
    if "\r" not in remote and old_text.replace("\r\n", "\n") == remote:
        return new_text.replace("\r\n", "\n")
    raise GitHubError(
        f"{path} on the default branch differs from the file read here; "
        "run again from a checkout of the default branch's head"
    )


def _split_reviewers(reviewers: Iterable[str], org: str) -> tuple[list[str], list[str], list[str]]:
    """(user logins, team slugs of `org`, teams of other organisations, which cannot review)."""
    users: list[str] = []
    teams: list[str] = []
    foreign: list[str] = []
    for reviewer in reviewers:
        owner, _, slug = reviewer.partition("/")
        if not slug:
            users.append(reviewer)
        elif owner.lower() == org.lower():
            teams.append(slug)
        else:
            foreign.append(reviewer)
    return users, teams, foreign


# -- GitHub ------------------------------------------------------------------------------


class GitHubRunbookStore:
    """`RunbookStore` over a PyGithub repository (lazy: nothing is fetched until needed)."""

    def __init__(self, repo: GhRepository) -> None:
        self.repo = repo

    @classmethod
    def from_adapter(cls, adapter: GitHubRepository) -> GitHubRunbookStore:
        """Share the client that `github_adapter.connect()` built."""
        return cls(adapter.repo)

    def _call(self, what: str, func: Any, *args: Any, **kwargs: Any) -> Any:
        from github import GithubException
        from requests import RequestException

        from dutydesk.io.github_retry import transport_problem

        try:
            return func(*args, **kwargs)
        except GithubException as exc:
            raise GitHubError(f"{what}: GitHub answered {exc.status}: {_message(exc)}") from None
        except RequestException as exc:  # no answer (after PyGithub's retries)
            raise GitHubError(f"{what}: {transport_problem(exc)}") from None

    def default_branch_head(self) -> tuple[str, str]:
        def read() -> tuple[str, str]:
            name = self.repo.default_branch
            return name, self.repo.get_branch(name).commit.sha

        return self._call("reading the default branch", read)  # type: ignore[no-any-return]

    def pulls_for_prefix(self, prefix: str) -> dict[str, PullInfo]:
        from github.PaginatedList import PaginatedList
        from github.PullRequest import PullRequest

        def read() -> dict[str, PullInfo]:
            pulls = PaginatedList(
                PullRequest,
                self.repo.requester,
                f"{self.repo.url}/pulls",
                {"state": "all", "sort": "created", "direction": "desc", "per_page": 100},
            )
            found: list[PullInfo] = []
            for pr in pulls:
                ref = pr.head.ref
                head_repo = pr.head.repo
                base_repo = pr.base.repo
                if not ref.startswith(prefix) or head_repo is None:
                    continue
                if base_repo is not None and head_repo.full_name != base_repo.full_name:
                    continue  # a fork's branch of the same name is not ours
                found.append(
                    PullInfo(
                        number=pr.number,
                        state=PullState.OPEN if pr.state == "open" else PullState.CLOSED,
                        merged=pr.merged_at is not None,
                        closed_at=_aware(pr.closed_at),
                        url=pr.html_url,
                        branch=ref,
                        created_at=_aware(pr.created_at),
                    )
                )
            return latest_pulls(found)

        return self._call("listing pull requests", read)  # type: ignore[no-any-return]

    def commits_touching(self, path: str, since: date) -> list[CommitInfo]:
        from github.Commit import Commit
        from github.PaginatedList import PaginatedList

        def read() -> list[CommitInfo]:
            commits = PaginatedList(
                Commit,
                self.repo.requester,
                f"{self.repo.url}/commits",
                {
                    "path": path,
                    "since": datetime.combine(since, time(0), UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "per_page": 100,
                },
            )
            out: list[CommitInfo] = []
            for commit in commits:
                git = commit.commit
                login = commit.author.login if commit.author is not None else ""
                out.append(
                    CommitInfo(
                        sha=commit.sha,
                        date=_aware(git.author.date) or datetime.fromtimestamp(0, UTC),
                        author=login or git.author.name or "",
                        message=git.message or "",
                    )
                )
                if len(out) >= MAX_COMMITS:
                    break
            return out

        return self._call(f"listing commits to {path}", read)  # type: ignore[no-any-return]

    def review_comments(self, number: int) -> tuple[Comment, ...]:
        from dutydesk.io.review_comments import REVIEW_COMMENTS_QUERY, review_comments

        owner, name = self.repo.url.rsplit("/repos/", 1)[1].split("/", 1)  # no request
        variables = {"owner": owner, "name": name, "number": number}
        what, query = f"reading the comments of #{number}", self.repo.requester.graphql_query
        _, answer = self._call(what, query, REVIEW_COMMENTS_QUERY, variables)
        return review_comments(answer, number)

    def _start_branch(self, branch: str, sha: str) -> None:
        from github import GithubException

        try:
            self.repo.create_git_ref(f"refs/heads/{branch}", sha)
        except GithubException as exc:
            if exc.status != 422:
                raise GitHubError(
                    f"creating branch {branch}: GitHub answered {exc.status}: {_message(exc)}"
                ) from None
            # Left from an earlier review pull request that was closed: start it again.
            self._call(
                f"resetting branch {branch}",
                self.repo.requester.requestJsonAndCheck,
                "PATCH",
                f"{self.repo.url}/git/refs/heads/{quote(branch)}",
                input={"sha": sha, "force": True},
            )

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
        from github import GithubException
        from github.GithubObject import NotSet

        current = self._call(f"reading {path}", self.repo.get_contents, path, ref=base_sha)
        if isinstance(current, list):
            raise GitHubError(f"{path} is a folder on {base}, not a runbook")
        remote = current.decoded_content.decode("utf-8")
        content = text_to_commit(path, remote, old_text, new_text)
        self._start_branch(branch, base_sha)
        self._call(
            f"committing {path} to {branch}",
            self.repo.update_file,
            path,
            message,
            content.encode("utf-8"),
            current.sha,
            branch=branch,
        )
        pr = self._call(
            f"opening the pull request for {path}",
            self.repo.create_pull,
            base=base,
            head=branch,
            title=title,
            body=body,
        )
        warnings: list[str] = []
        users, teams, foreign = _split_reviewers(reviewers, pr.base.repo.owner.login)
        if foreign:
            warnings.append(
                "teams outside this repository's organisation cannot review: " + ", ".join(foreign)
            )
        if users or teams:
            try:
                pr.create_review_request(
                    reviewers=users if users else NotSet,
                    team_reviewers=teams if teams else NotSet,
                )
            except GithubException as exc:
                warnings.append(
                    f"could not request reviews from {', '.join(reviewers)}: "
                    f"GitHub answered {exc.status}: {_message(exc)}"
                )
        if labels:
            try:
                # {"labels": [...]}, as GitHub's REST description asks (PyGithub's
                # add_to_labels sends a bare array).
                self.repo.requester.requestJsonAndCheck(
                    "POST", f"{pr.issue_url}/labels", input={"labels": list(labels)}
                )
            except GithubException as exc:
                warnings.append(
                    f"could not add label {', '.join(labels)}: "
                    f"GitHub answered {exc.status}: {_message(exc)}"
                )
        return OpenedPullRequest(pr.number, pr.html_url, tuple(warnings))


def _message(exc: Any) -> str:
    data = getattr(exc, "data", None)
    if isinstance(data, dict):
        text = str(data.get("message", ""))
        errors = data.get("errors")
        if isinstance(errors, list) and errors:
            details = [
                str(e.get("message") or e.get("code") or e) if isinstance(e, dict) else str(e)
                for e in errors
            ]
            text += " (" + "; ".join(details) + ")"
        return text
    return str(data)


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
