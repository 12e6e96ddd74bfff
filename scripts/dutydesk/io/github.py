"""The Repository interface over PyGithub: reads through GraphQL, writes through REST.

Imported only by commands that talk to GitHub.

Reads
=====
Every snapshot comes from one GraphQL selection, ``fragment IssueSnapshot`` below, so that a
sweep costs a request per 100 open items rather than three per item, and so that the body's
edit history (which REST does not expose) comes with it. The queries are sent through
PyGithub's requester (``Requester.graphql_query``; a copy of the client's, without the pause
PyGithub puts between POSTs, since these only read), which posts to the GraphQL endpoint it
derives from the base URL: ``https://api.github.com`` gives ``https://api.github.com/graphql``
and a GitHub Enterprise Server base URL ``https://HOST/api/v3`` gives
``https://HOST/api/graphql`` (``Requester.get_graphql_prefix`` drops the ``/v3``).

* ``open_issues(labels)`` is one paginated listing, ``repository.issues(labels: $labels,
  states: [OPEN], first: 100, after: $after)``, 100 issues a page, each with its labels (first
  100), assignees (first 20), comments (first 100), label/assignment/close/reopen timeline items
  (first 100) and body edits (first 100). ``labels`` there matches an issue carrying *any* of
  the labels: the schema only says "a list of label names to filter by", but this is the
  argument that GitHub's own CLI used for ``gh issue list --label a,b`` and that returned issues
  with either label (cli/cli#419), whereas the REST ``labels=`` parameter requires all of them.
  The result is also filtered here, so an issue is kept only if it carries one of the labels
  (ignoring case, as GitHub does).
  With no labels, every open issue is listed. Pull requests are never included (``issues`` lists
  issues only).
* ``get_issue(number)`` reads the same selection for one issue: one request.
* ``issues_since(label, since)`` (the incident register) is the same listing with both states
  and ``filterBy: {since: ...}`` ("issues that have been updated at or after the given date").
* When an issue has more than a page of comments, timeline items, edits, labels or assignees,
  ``IssuePages`` fetches the next page of *each* unfinished connection of that issue together
  (``@include`` skips the finished ones) until none is left: one more request per extra 100,
  for that issue only. So for N open items with at most 100 comments, timeline items and
  edits each, a sweep reads ``ceil(N / 100)`` pages plus what ``access()`` costs (one listing
  of collaborators and one per team named in the policy; REST listings ask for 100 a page).

Logins are spelled as REST spells them: GraphQL gives a ``Bot``'s login without the ``[bot]``
suffix (``github-actions``, where REST and the policy say ``github-actions[bot]``), so every
actor is read with its ``__typename`` and a bot's login gets the suffix back. Without that the
bot would not recognise its own marked comments and would post them again on every run.

Comments are identified by ``fullDatabaseId`` (a ``BigInt``, sent as a string): ``databaseId`` is
a 32-bit ``Int`` and issue-comment ids have outgrown it, and the id is what the REST edit of a
bot comment needs. ``Comment.updated_at`` is ``updatedAt``, the same column as REST's
``updated_at``.

Body history (``Issue.revisions``)
----------------------------------
From ``Issue.userContentEdits`` (schema: ``@octokit/graphql-schema`` 15.26.1; the slice used is
in ``tests/fixtures/graphql/schema.graphql``):

* the connection takes only ``first``/``last``/``after``/``before``: there is **no**
  ``orderBy``. GitHub returns the newest edit first (its web edit-history menu marks the first
  entry "most recent" and the last one "created"), so the edits are sorted here by
  ``editedAt`` rather than trusting the order;
* ``UserContentEdit`` has ``editedAt: DateTime!`` ("when this content was edited"),
  ``editor: Actor``, ``deletedAt``/``deletedBy`` (a revision someone deleted from the history)
  and ``diff: String``, documented only as "a summary of the changes for this edit". In
  practice it is the *full text of the body as of that edit*, not a patch (GitHub's web
  history viewer shows a revision by diffing its ``diff`` against the text before it), and it
  is null for a deleted revision;
* ``Issue.includesCreatedEdit`` ("this comment was edited and includes an edit with the
  creation data") says the oldest edit is the original body as opened.

``revisions`` is then: the original body at ``createdAt`` by the author, then each edit's text
at its ``editedAt`` by its editor, oldest first; the last one is always the current body.
An issue never edited has the single revision (``createdAt``, body, author). Fallbacks --
nothing is invented and nothing is backdated:

* the original is unknown (edited, but without a creation entry, or that entry was deleted):
  the history starts at the first edit whose text is known, at that edit's time; with no
  readable edit at all, at ``lastEditedAt`` with the current body. A rule that needs to know
  whether the opening text is known can compare ``revisions[0].at`` with ``created_at``;
* a revision deleted from the history (or with no text) is left out; the revisions either
  side still carry their full text. If it was the newest, the current body stands in for it;
* if the newest edit's text differs from the current body (beyond line endings), the current
  body is added at ``lastEditedAt`` by ``editor``.

Errors
======
A GraphQL answer with ``errors`` (HTTP 200) is a ``GitHubError`` naming what was read (and the
issue, when the error's path points into one) and GitHub's messages; HTTP failures give the
status and message. Neither ever includes the token. 5xx answers (GitHub answers 502 when a
query runs past its time limit) and secondary rate limits are retried by the ``GithubRetry``
that ``connect`` sets, which retries POSTs too.

Writes stay on REST through PyGithub's lazy objects: one request per write.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from github import Auth, Github, GithubException, GithubRetry
from github.Requester import Requester
from requests.exceptions import RequestException

from dutydesk.errors import ConfigurationError, GitHubError
from dutydesk.model import Access, BodyRevision, Comment, EventKind, Issue, IssueEvent

DEFAULT_API = "https://api.github.com"

PAGE = 100  # GitHub's largest page, for GraphQL connections and REST listings alike

# Connections read with every issue, and the fragment that reads one page of each.
CONNECTIONS = ("labels", "assignees", "comments", "timelineItems", "userContentEdits")

_TIMELINE_TYPES = (
    "LABELED_EVENT, UNLABELED_EVENT, ASSIGNED_EVENT, UNASSIGNED_EVENT, CLOSED_EVENT, REOPENED_EVENT"
)

SNAPSHOT_FRAGMENT = f"""
fragment IssueSnapshot on Issue {{
  number
  title
  body
  state
  createdAt
  updatedAt
  closedAt
  lastEditedAt
  includesCreatedEdit
  author {{ ...ActorLogin }}
  editor {{ ...ActorLogin }}
  labels(first: {PAGE}) {{ ...LabelPage }}
  assignees(first: 20) {{ ...AssigneePage }}
  comments(first: {PAGE}) {{ ...CommentPage }}
  timelineItems(first: {PAGE}, itemTypes: [{_TIMELINE_TYPES}]) {{ ...TimelinePage }}
  userContentEdits(first: {PAGE}) {{ ...EditPage }}
}}
"""

PAGE_FRAGMENTS = """
fragment LabelPage on LabelConnection {
  pageInfo { hasNextPage endCursor }
  nodes { name }
}

fragment AssigneePage on UserConnection {
  pageInfo { hasNextPage endCursor }
  nodes { ...ActorLogin }
}

fragment CommentPage on IssueCommentConnection {
  pageInfo { hasNextPage endCursor }
  nodes {
    fullDatabaseId
    author { ...ActorLogin }
    body
    createdAt
    updatedAt
  }
}

fragment TimelinePage on IssueTimelineItemsConnection {
  pageInfo { hasNextPage endCursor }
  nodes {
    __typename
    ... on LabeledEvent { actor { ...ActorLogin } createdAt label { name } }
    ... on UnlabeledEvent { actor { ...ActorLogin } createdAt label { name } }
    ... on AssignedEvent { actor { ...ActorLogin } createdAt assignee { ...ActorLogin } }
    ... on UnassignedEvent { actor { ...ActorLogin } createdAt assignee { ...ActorLogin } }
    ... on ClosedEvent { actor { ...ActorLogin } createdAt }
    ... on ReopenedEvent { actor { ...ActorLogin } createdAt }
  }
}

fragment EditPage on UserContentEditConnection {
  pageInfo { hasNextPage endCursor }
  nodes {
    editedAt
    deletedAt
    editor { ...ActorLogin }
    diff
  }
}

fragment ActorLogin on Actor {
  __typename
  login
}
"""

FRAGMENTS = SNAPSHOT_FRAGMENT + PAGE_FRAGMENTS

OPEN_ISSUES_QUERY = (
    f"""
query OpenIssues($owner: String!, $name: String!, $labels: [String!], $after: String) {{
  repository(owner: $owner, name: $name) {{
    issues(
      first: {PAGE}
      after: $after
      states: [OPEN]
      labels: $labels
      orderBy: {{field: CREATED_AT, direction: ASC}}
    ) {{
      pageInfo {{ hasNextPage endCursor }}
      nodes {{ ...IssueSnapshot }}
    }}
  }}
}}
"""
    + FRAGMENTS
)

ISSUES_SINCE_QUERY = (
    f"""
query IssuesSince($owner: String!, $name: String!, $labels: [String!], $since: DateTime,
                  $after: String) {{
  repository(owner: $owner, name: $name) {{
    issues(
      first: {PAGE}
      after: $after
      labels: $labels
      filterBy: {{since: $since}}
      orderBy: {{field: CREATED_AT, direction: ASC}}
    ) {{
      pageInfo {{ hasNextPage endCursor }}
      nodes {{ ...IssueSnapshot }}
    }}
  }}
}}
"""
    + FRAGMENTS
)

ISSUE_QUERY = (
    """
query Issue($owner: String!, $name: String!, $number: Int!) {
  repository(owner: $owner, name: $name) {
    issue(number: $number) { ...IssueSnapshot }
  }
}
"""
    + FRAGMENTS
)

# The next page of each unfinished connection of one issue; finished ones are skipped.
ISSUE_PAGES_QUERY = (
    f"""
query IssuePages($owner: String!, $name: String!, $number: Int!,
                 $labelsAfter: String, $withLabels: Boolean!,
                 $assigneesAfter: String, $withAssignees: Boolean!,
                 $commentsAfter: String, $withComments: Boolean!,
                 $timelineItemsAfter: String, $withTimelineItems: Boolean!,
                 $userContentEditsAfter: String, $withUserContentEdits: Boolean!) {{
  repository(owner: $owner, name: $name) {{
    issue(number: $number) {{
      labels(first: {PAGE}, after: $labelsAfter) @include(if: $withLabels) {{ ...LabelPage }}
      assignees(first: {PAGE}, after: $assigneesAfter) @include(if: $withAssignees) {{
        ...AssigneePage
      }}
      comments(first: {PAGE}, after: $commentsAfter) @include(if: $withComments) {{
        ...CommentPage
      }}
      timelineItems(
        first: {PAGE}
        after: $timelineItemsAfter
        itemTypes: [{_TIMELINE_TYPES}]
      ) @include(if: $withTimelineItems) {{
        ...TimelinePage
      }}
      userContentEdits(first: {PAGE}, after: $userContentEditsAfter)
        @include(if: $withUserContentEdits) {{
        ...EditPage
      }}
    }}
  }}
}}
"""
    + PAGE_FRAGMENTS
)

_TIMELINE_KINDS = {
    "LabeledEvent": EventKind.LABELED,
    "UnlabeledEvent": EventKind.UNLABELED,
    "AssignedEvent": EventKind.ASSIGNED,
    "UnassignedEvent": EventKind.UNASSIGNED,
    "ClosedEvent": EventKind.CLOSED,
    "ReopenedEvent": EventKind.REOPENED,
}


# Methods safe to repeat after an answer that may have come after the change was made.
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})


# Adding labels or assignees (POST) twice has the effect of adding them once.
REPEATABLE = IDEMPOTENT | {"POST"}


class WriteRetry(GithubRetry):
    """GithubRetry that repeats a POST only when GitHub said it did nothing: a secondary rate
    limit (403 or 429 with Retry-After, answered before anything is done). After a 5xx, a
    timeout or a dropped connection GitHub may have made the comment, and a second POST would
    post it twice: those are not repeated here (see `create_comment`)."""

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if method.upper() not in IDEMPOTENT and status_code not in (403, 429):
            return False
        return bool(super().is_retry(method, status_code, has_retry_after))

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: Any = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> Any:
        unsafe = (method or "").upper() not in IDEMPOTENT
        if error is not None and unsafe and self._is_read_error(error):
            raise error  # sent, and perhaps done: not repeated
        return super().increment(method, url, response, error, _pool, _stacktrace)


def connect(token: str | None, repo_name: str | None, api_url: str | None) -> GitHubRepository:
    if not token:
        raise ConfigurationError(
            "no GitHub token: set GITHUB_TOKEN (in Actions: env: GITHUB_TOKEN: "
            "${{ github.token }}). --dry-run still reads from GitHub; to try the rules "
            "with no GitHub at all, use `dutydesk simulate`"
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
    # A POST is repeated only after a 403/429 rate limit, which GitHub answers before doing
    # anything (WriteRetry): after a 5xx, a timeout or a dropped connection GitHub may have
    # made the comment, so `create_comment` looks for it before posting again. Adding labels
    # or assignees again does no harm. GraphQL reads are POSTs too; they go through `reader`,
    # which retries them like GETs.
    # REST listings (collaborators, team members, labels) ask for 100 a page, not 30.
    client = Github(
        base_url=(api_url or DEFAULT_API).rstrip("/"),
        auth=Auth.Token(token),
        timeout=15,
        retry=WriteRetry(total=5, backoff_factor=0.5, allowed_methods=REPEATABLE),
        seconds_between_requests=0.0,
        seconds_between_writes=1.0,
        per_page=PAGE,
        lazy=True,
    )
    return GitHubRepository(client, repo_name)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _time(value: Any) -> datetime:
    if not isinstance(value, str) or not value:
        return datetime.fromtimestamp(0, UTC)
    return _aware(datetime.fromisoformat(value.replace("Z", "+00:00")))


def _maybe_time(value: Any) -> datetime | None:
    return _time(value) if isinstance(value, str) and value else None


def _login(actor: Any) -> str:
    """The login as REST and the rest of dutydesk spell it: GraphQL gives a `Bot`'s login
    without the `[bot]` that REST (and so every comment's author) carries."""
    if not isinstance(actor, Mapping) or not actor.get("login"):
        return ""
    login = str(actor["login"])
    if actor.get("__typename") == "Bot" and not login.endswith("[bot]"):
        return f"{login}[bot]"
    return login


def _nodes(connection: Any) -> Iterator[dict[str, Any]]:
    if isinstance(connection, Mapping):
        for node in connection.get("nodes") or ():
            if isinstance(node, dict):
                yield node


def _same_text(a: str, b: str) -> bool:
    return a.replace("\r\n", "\n") == b.replace("\r\n", "\n")


def revisions(node: Mapping[str, Any]) -> tuple[BodyRevision, ...]:
    """Every version of an issue's body from its GraphQL snapshot, oldest first, ending with
    the current body (see the module docstring for what is done when history is missing)."""
    body = str(node.get("body") or "")
    author = _login(node.get("author"))
    created = _time(node.get("createdAt"))
    edited = _maybe_time(node.get("lastEditedAt"))
    editor = _login(node.get("editor"))
    # GitHub lists edits newest first; reverse before the stable sort so ties keep their order.
    edits = sorted(
        reversed(list(_nodes(node.get("userContentEdits")))),
        key=lambda e: _time(e.get("editedAt")),
    )
    if not edits:
        if edited is None:
            return (BodyRevision(at=created, body=body, author=author),)
        return (BodyRevision(at=edited, body=body, author=editor or author),)
    found: list[BodyRevision] = []
    for index, edit in enumerate(edits):
        text = edit.get("diff")
        if edit.get("deletedAt") or not isinstance(text, str):
            if index < len(edits) - 1:
                continue  # deleted from the history: not guessed
            text = body  # the newest revision is the current body
        if index == 0 and node.get("includesCreatedEdit"):
            found.append(BodyRevision(at=created, body=text, author=author))
        else:
            at = _time(edit.get("editedAt"))
            found.append(BodyRevision(at=at, body=text, author=_login(edit.get("editor"))))
    last = found[-1]
    if _same_text(last.body, body):
        found[-1] = BodyRevision(at=last.at, body=body, author=last.author)
    else:
        found.append(BodyRevision(at=edited or last.at, body=body, author=editor or author))
    return tuple(found)


def _event(item: Mapping[str, Any]) -> IssueEvent | None:
    kind = _TIMELINE_KINDS.get(str(item.get("__typename")))
    if kind is None:
        return None
    label = item.get("label")
    assignee = item.get("assignee")
    return IssueEvent(
        kind=kind,
        actor=_login(item.get("actor")),
        at=_time(item.get("createdAt")),
        label=str(label["name"]) if isinstance(label, Mapping) and label.get("name") else None,
        assignee=_login(assignee) or None,
    )


def _comment(item: Mapping[str, Any]) -> Comment:
    return Comment(
        id=int(item.get("fullDatabaseId") or 0),
        author=_login(item.get("author")),
        body=str(item.get("body") or ""),
        created_at=_time(item.get("createdAt")),
        updated_at=_time(item.get("updatedAt")),
    )


def snapshot(node: Mapping[str, Any]) -> Issue:
    """An `Issue` from one `IssueSnapshot` (with every page of its connections merged in)."""
    events = [e for e in map(_event, _nodes(node.get("timelineItems"))) if e is not None]
    return Issue(
        number=int(node["number"]),
        title=str(node.get("title") or ""),
        body=str(node.get("body") or ""),
        author=_login(node.get("author")),
        state=str(node.get("state") or "OPEN").lower(),
        created_at=_time(node.get("createdAt")),
        updated_at=_time(node.get("updatedAt")),
        closed_at=_maybe_time(node.get("closedAt")),
        labels=frozenset(str(n["name"]) for n in _nodes(node.get("labels")) if n.get("name")),
        assignees=tuple(_login(n) for n in _nodes(node.get("assignees")) if _login(n)),
        comments=tuple(_comment(c) for c in _nodes(node.get("comments"))),
        events=tuple(sorted(events, key=lambda e: e.at)),
        revisions=revisions(node),
    )


def _carries(issue: Issue, labels: Iterable[str]) -> bool:
    """Does the issue carry one of the labels? GitHub matches label names ignoring case."""
    return bool({lbl.lower() for lbl in issue.labels} & {lbl.lower() for lbl in labels})


def _where(path: Any, data: Any) -> str:
    """ "issue #N" when a GraphQL error's path points into an issue of the answer."""
    if not isinstance(path, list):
        return ""
    here = data
    number: Any = None
    for step in path:
        if isinstance(here, Mapping) and isinstance(step, str):
            here = here.get(step)
        elif isinstance(here, list) and isinstance(step, int) and 0 <= step < len(here):
            here = here[step]
        else:
            break
        if isinstance(here, Mapping) and isinstance(here.get("number"), int):
            number = here["number"]
    return f"issue #{number}: " if number is not None else ""


def _message(exc: GithubException) -> str:
    """GitHub's message for an error, or what its answer was when it had none (an HTML page)."""
    data = exc.data
    message = data.get("message") if isinstance(data, Mapping) else data
    return str(message) if message else "(no message: GitHub's error page)"


def _transport_problem(exc: RequestException) -> str:
    """What went wrong on the wire, without the request (whose headers hold the token)."""
    reason = exc.args[0] if exc.args else None
    text = str(getattr(reason, "reason", reason) or type(exc).__name__)
    return f"GitHub could not be reached or kept failing ({type(exc).__name__}: {text[:200]})"


def _unknown_unless_failure(what: str, exc: GithubException) -> frozenset[str] | None:
    """None (unknown) for a refusal; a server failure is raised instead."""
    if exc.status is not None and exc.status >= 500:
        raise GitHubError(f"{what}: GitHub answered {exc.status}") from None
    return None


def graphql_errors(answer: Any) -> str:
    """GitHub's GraphQL error messages, each with the issue it concerns when known."""
    if not isinstance(answer, Mapping):
        return str(answer)
    data = answer.get("data")
    messages = []
    for error in answer.get("errors") or ():
        if isinstance(error, Mapping):
            kind = f" ({error['type']})" if error.get("type") else ""
            where = _where(error.get("path"), data)
            messages.append(f"{where}{error.get('message') or 'error'}{kind}")
        else:
            messages.append(str(error))
    return "; ".join(messages) or str(answer.get("message") or answer)


class GitHubRepository:
    def __init__(self, client: Github, full_name: str) -> None:
        self.client = client
        self.full_name = full_name
        self.owner, _, self.name = full_name.partition("/")
        # GraphQL queries are POSTs, which PyGithub would space like writes (1 s apart); they
        # only read, so they go through a copy of the client's requester without that pause.
        self.reader = Requester(
            **{
                **client.requester.kwargs,
                "seconds_between_writes": None,
                "retry": GithubRetry(total=5, backoff_factor=0.5),  # GET and POST (GraphQL)
            }
        )
        # Lazy objects make no request until a value is read: a write costs one request,
        # not a GET of the issue first.
        self.repo = client.get_repo(full_name)

    def _call(self, what: str, func: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except GithubException as exc:
            message = _message(exc)
            raise GitHubError(f"{what}: GitHub answered {exc.status}: {message}") from None
        except RequestException as exc:
            raise GitHubError(f"{what}: {_transport_problem(exc)}") from None

    # -- reads (GraphQL) ------------------------------------------------------------------

    def _graphql(self, what: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """The `data` of a GraphQL answer; errors, in the body or as a status, raise."""
        variables = {"owner": self.owner, "name": self.name, **variables}
        try:
            _, answer = self.reader.graphql_query(query, variables)
        except RequestException as exc:
            raise GitHubError(f"{what}: {_transport_problem(exc)}") from None
        except GithubException as exc:
            if isinstance(exc.data, Mapping) and exc.data.get("errors"):
                raise GitHubError(f"{what}: {graphql_errors(exc.data)}") from None
            message = _message(exc)
            raise GitHubError(f"{what}: GitHub answered {exc.status}: {message}") from None
        if not isinstance(answer, Mapping) or answer.get("errors"):
            raise GitHubError(f"{what}: {graphql_errors(answer)}")
        data = answer.get("data")
        if not isinstance(data, dict) or not isinstance(data.get("repository"), dict):
            raise GitHubError(f"{what}: GitHub's answer has no repository {self.full_name}")
        return data

    def _complete(self, node: dict[str, Any]) -> dict[str, Any]:
        """Fetch the remaining pages of an issue's connections, for that issue only."""
        number = int(node["number"])
        cursors = {
            key: node[key]["pageInfo"]["endCursor"]
            for key in CONNECTIONS
            if isinstance(node.get(key), dict) and node[key]["pageInfo"]["hasNextPage"]
        }
        while cursors:
            variables: dict[str, Any] = {"number": number}
            for key in CONNECTIONS:
                wanted = key in cursors
                variables[f"{key}After"] = cursors.get(key)
                variables[f"with{key[0].upper()}{key[1:]}"] = wanted
            data = self._graphql(f"reading issue #{number}", ISSUE_PAGES_QUERY, variables)
            page = data["repository"].get("issue") or {}
            following: dict[str, Any] = {}
            for key in cursors:
                more = page.get(key)
                if not isinstance(more, dict):
                    continue
                node[key]["nodes"] = [*(node[key].get("nodes") or []), *(more.get("nodes") or [])]
                cursor = more["pageInfo"]["endCursor"]
                if more["pageInfo"]["hasNextPage"] and cursor and cursor != cursors[key]:
                    following[key] = cursor
            cursors = following
        return node

    def _listing(self, what: str, query: str, variables: dict[str, Any]) -> list[Issue]:
        found: dict[int, Issue] = {}
        after: str | None = None
        while True:
            data = self._graphql(what, query, {**variables, "after": after})
            issues = data["repository"].get("issues") or {}
            for node in _nodes(issues):
                issue = snapshot(self._complete(node))
                found[issue.number] = issue
            info = issues.get("pageInfo") or {}
            cursor = info.get("endCursor")
            if not info.get("hasNextPage") or not cursor or cursor == after:
                break
            after = cursor
        return sorted(found.values(), key=lambda i: i.number)

    def get_issue(self, number: int) -> Issue:
        what = f"reading issue #{number}"
        data = self._graphql(what, ISSUE_QUERY, {"number": number})
        node = data["repository"].get("issue")
        if not isinstance(node, dict):
            raise GitHubError(f"{what}: no such issue in {self.full_name}")
        return snapshot(self._complete(node))

    def open_issues(self, labels: Iterable[str]) -> list[Issue]:
        wanted = list(dict.fromkeys(labels))
        found = self._listing("listing open issues", OPEN_ISSUES_QUERY, {"labels": wanted or None})
        return [i for i in found if not wanted or _carries(i, wanted)]

    def issues_since(self, label: str, since: datetime | None) -> list[Issue]:
        """Open and closed issues with `label` updated since `since` (for the register)."""
        moment = _aware(since).astimezone(UTC).isoformat().replace("+00:00", "Z") if since else None
        found = self._listing(
            "listing issues for the register",
            ISSUES_SINCE_QUERY,
            {"labels": [label], "since": moment},
        )
        return [i for i in found if _carries(i, [label])]

    # -- access and labels (REST) ---------------------------------------------------------

    def access(self, teams: Iterable[str]) -> Access:
        """Writers and team members. A refusal (401/403/404: the token may not read them)
        makes them unknown, which the rules say out loud; a server or network failure
        stops the run instead, so that a passing fault never turns into refusals."""
        try:
            writers: frozenset[str] | None = frozenset(
                u.login.lower() for u in self.repo.get_collaborators(permission="push")
            )
        except GithubException as exc:
            writers = _unknown_unless_failure("reading the repository's writers", exc)
        except RequestException as exc:
            raise GitHubError(
                f"reading the repository's writers: {_transport_problem(exc)}"
            ) from None
        members: dict[str, frozenset[str] | None] = {}
        for slug in teams:
            org, _, team = slug.partition("/")
            try:
                found = self.client.get_organization(org).get_team_by_slug(team).get_members()
                members[slug.lower()] = frozenset(m.login.lower() for m in found)
            except GithubException as exc:
                members[slug.lower()] = _unknown_unless_failure(f"reading team {slug}", exc)
            except RequestException as exc:
                raise GitHubError(f"reading team {slug}: {_transport_problem(exc)}") from None
        return Access(writers=writers, teams=members)

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
        try:
            self.repo.get_issue(number).remove_from_labels(label)
        except GithubException as exc:
            if exc.status == 404:  # already gone (e.g. a retried DELETE): the goal is met
                return
            message = _message(exc)
            raise GitHubError(
                f"unlabelling #{number}: GitHub answered {exc.status}: {message}"
            ) from None
        except RequestException as exc:
            raise GitHubError(f"unlabelling #{number}: {_transport_problem(exc)}") from None

    def create_comment(self, number: int, body: str) -> None:
        """Post a comment. When GitHub's answer leaves it unknown whether the comment was made
        (a 5xx, a timeout, a dropped connection), look for it among the issue's comments
        before posting again: a comment is never posted twice."""
        what = f"commenting on #{number}"
        issue = self.repo.get_issue(number)
        url = f"{self.repo.url}/issues/{number}/comments"
        for attempt in range(3):
            try:
                self.repo.requester.requestJsonAndCheck("POST", url, input={"body": body})
                return
            except GithubException as exc:
                if exc.status is None or exc.status < 500 or attempt == 2:
                    message = _message(exc)
                    raise GitHubError(f"{what}: GitHub answered {exc.status}: {message}") from None
            except RequestException as exc:
                if attempt == 2:
                    raise GitHubError(f"{what}: {_transport_problem(exc)}") from None
            found = self._call(f"{what}: looking for it", lambda: list(issue.get_comments()))
            if any(c.body == body and c.user.type == "Bot" for c in found):
                return

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
