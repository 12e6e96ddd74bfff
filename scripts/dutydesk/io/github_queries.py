"""The GraphQL that reads issue snapshots, and the paging of one issue's connections.

Every snapshot comes from one GraphQL selection, ``fragment IssueSnapshot`` below, so that a
sweep costs a request per 100 open items rather than three per item, and so that the body's
edit history (which REST does not expose) comes with it.

* ``OPEN_ISSUES_QUERY`` is one paginated listing, ``repository.issues(labels: $labels,
  states: [OPEN], first: 100, after: $after)``, 100 issues a page, each with its labels (first
  100), assignees (first 20), comments (first 100), timeline items (first 100, the kinds
  below) and body edits (first 100). ``labels`` matches an issue carrying *any* of them (the
  argument GitHub's CLI used for ``gh issue list --label a,b``, cli/cli#419; REST's ``labels=``
  wants all). No labels lists every open issue; pull requests never (``issues`` lists issues).
* ``ISSUE_QUERY`` reads the same selection for one issue: one request.
* ``ISSUES_SINCE_QUERY`` is the same listing with ``filterBy: {since: ...}`` ("issues that have
  been updated at or after the given date"): ``$states`` null for both (the register),
  ``[CLOSED]`` for the closed items that may still owe a notification.
* The listings take ``$first`` (100; smaller when a page has failed, see
  ``dutydesk.io.github``) and ``$full``: false reads only each issue's ``number`` (one point),
  to name the items of a page that cannot be read.
* When issues have more than a page of comments, timeline items, edits, labels or assignees,
  ``pages_query`` asks for the next page of *each* unfinished connection of *several* issues
  in one request (aliases ``i0``, ``i1``, ...; only the unfinished connections of each), up
  to ``PAGES_BATCH`` (100) connection pages a request: as many nodes as the comments of one
  listing page, at about one point. So 100 issues with 500 comments each cost the listing page
  and four follow-ups, not 400. ``unfinished``, ``batches`` and ``merge_pages`` are that
  paging, without the request; ``ISSUE_PAGES_QUERY`` is an example of it for the schema
  slice.
* Comments carry ``editor`` and ``lastEditedAt`` (who made the last edit, and when) but not
  their edits: ``userContentEdits(first: 100)`` inside ``comments(first: 100)`` inside
  ``issues(first: 100)`` is 10,000 more connections a page (about 100 more points, where the
  page costs 5) and up to 1,000,000 nodes, twice GitHub's limit. ``COMMENT_EDITS_QUERY`` reads
  the edits of the comments whose history can matter (``wants_history``) afterwards, up to 100
  comments a request through ``nodes(ids: ...)``, the comments' ``id`` coming from the listing;
  ``edited_comments`` and ``merge_comment_edits`` are that, without the request.
* The timeline items read are the label, assignment, close and reopen events, title changes
  (``RenamedTitleEvent``: ``previousTitle``, ``currentTitle``) and comment deletions
  (``CommentDeletedEvent``: ``deletedCommentAuthor``), each with its ``actor`` and ``createdAt``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from dutydesk.errors import GitHubError
from dutydesk.io.github_snapshot import Reading, edited_comments, merge_comment_edits, nodes

PAGE = 100  # GitHub's largest page, for GraphQL connections and REST listings alike

# Connections read with every issue, and the fragment that reads one page of each.
CONNECTIONS = ("labels", "assignees", "comments", "timelineItems", "userContentEdits")

_TIMELINE_TYPES = (
    "LABELED_EVENT, UNLABELED_EVENT, ASSIGNED_EVENT, UNASSIGNED_EVENT, CLOSED_EVENT, "
    "REOPENED_EVENT, RENAMED_TITLE_EVENT, COMMENT_DELETED_EVENT"
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

# What is read of every comment: who wrote it, its text and times, who last edited it.
COMMENT_FIELDS = "fullDatabaseId author { ...ActorLogin } body createdAt updatedAt lastEditedAt"
COMMENT_FIELDS += " editor { ...ActorLogin }"

PAGE_FRAGMENTS = (
    """
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
    id
    """
    + COMMENT_FIELDS
    + """
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
    ... on RenamedTitleEvent { actor { ...ActorLogin } createdAt previousTitle currentTitle }
    ... on CommentDeletedEvent {
      actor { ...ActorLogin }
      createdAt
      deletedCommentAuthor { ...ActorLogin }
    }
  }
}
"""
)

EDIT_FRAGMENTS = """
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

PAGE_FRAGMENTS += EDIT_FRAGMENTS

FRAGMENTS = SNAPSHOT_FRAGMENT + PAGE_FRAGMENTS

OPEN_ISSUES_QUERY = (
    """
query OpenIssues($owner: String!, $name: String!, $labels: [String!], $after: String,
                 $first: Int!, $full: Boolean!) {
  repository(owner: $owner, name: $name) {
    issues(
      first: $first
      after: $after
      states: [OPEN]
      labels: $labels
      orderBy: {field: CREATED_AT, direction: ASC}
    ) {
      pageInfo { hasNextPage endCursor }
      nodes { number ...IssueSnapshot @include(if: $full) }
    }
  }
}
"""
    + FRAGMENTS
)

ISSUES_SINCE_QUERY = (
    """
query IssuesSince($owner: String!, $name: String!, $labels: [String!], $since: DateTime,
                  $states: [IssueState!], $after: String, $first: Int!, $full: Boolean!) {
  repository(owner: $owner, name: $name) {
    issues(
      first: $first
      after: $after
      labels: $labels
      states: $states
      filterBy: {since: $since}
      orderBy: {field: CREATED_AT, direction: ASC}
    ) {
      pageInfo { hasNextPage endCursor }
      nodes { number ...IssueSnapshot @include(if: $full) }
    }
  }
}
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

# The next page of each unfinished connection of several issues in one request, each issue
# under an alias (`i0`, `i1`, ...) with only its unfinished connections: the selection of each.
_PAGE_SELECTIONS = {
    "labels": ("labels(first: {page}, after: {after}) {{ ...LabelPage }}", "LabelPage"),
    "assignees": ("assignees(first: {page}, after: {after}) {{ ...AssigneePage }}", "AssigneePage"),
    "comments": ("comments(first: {page}, after: {after}) {{ ...CommentPage }}", "CommentPage"),
    "timelineItems": (
        "timelineItems(first: {page}, after: {after}, itemTypes: [" + _TIMELINE_TYPES + "]) "
        "{{ ...TimelinePage }}",
        "TimelinePage",
    ),
    "userContentEdits": (
        "userContentEdits(first: {page}, after: {after}) {{ ...EditPage }}",
        "EditPage",
    ),
}
# Each fragment's definition by name (a query may hold only the fragments it uses).
_FRAGMENT_TEXT = {
    part.split()[0]: f"\nfragment {part.strip()}\n"
    for part in PAGE_FRAGMENTS.split("\nfragment ")[1:]
}

#: Connection pages one follow-up request asks for at most: as many nodes as the comments of
#: one listing page.
PAGES_BATCH = PAGE


def pages_query(wanted: Sequence[tuple[int, Mapping[str, str]]]) -> tuple[str, dict[str, Any]]:
    """One request for the next page of each unfinished connection (`{connection: cursor}`) of
    several issues, issue k under the alias `i<k>`: the query and its variables (without
    `owner` and `name`)."""
    params: list[str] = []
    variables: dict[str, Any] = {}
    issues: list[str] = []
    used: set[str] = set()
    for k, (number, cursors) in enumerate(wanted):
        params.append(f"$n{k}: Int!")
        variables[f"n{k}"] = number
        fields = []
        for key, cursor in cursors.items():
            template, fragment = _PAGE_SELECTIONS[key]
            params.append(f"${key}{k}: String")
            variables[f"{key}{k}"] = cursor
            fields.append(template.format(page=PAGE, after=f"${key}{k}"))
            used.add(fragment)
        issues.append(
            f"    i{k}: issue(number: $n{k}) {{\n      " + "\n      ".join(fields) + "\n    }"
        )
    if used - {"LabelPage"}:
        used.add("ActorLogin")
    query = (
        f"query IssuePages($owner: String!, $name: String!, {', '.join(params)}) {{\n"
        "  repository(owner: $owner, name: $name) {\n" + "\n".join(issues) + "\n  }\n}\n"
    )
    return query + "".join(_FRAGMENT_TEXT[name] for name in sorted(used)), variables


def batches(
    pending: Mapping[int, Mapping[str, str]], limit: int = PAGES_BATCH
) -> Iterator[list[tuple[int, Mapping[str, str]]]]:
    """The follow-ups (`{number: cursors}`) in requests of at most `limit` connection pages."""
    batch: list[tuple[int, Mapping[str, str]]] = []
    size = 0
    for number in sorted(pending):
        cursors = pending[number]
        if batch and size + len(cursors) > limit:
            yield batch
            batch, size = [], 0
        batch.append((number, cursors))
        size += len(cursors)
    if batch:
        yield batch


#: The follow-up query for two issues, one with every connection unfinished: for the schema
#: slice (`tests/fixtures/graphql/regenerate.py`) and the tests.
ISSUE_PAGES_QUERY = pages_query([(1, dict.fromkeys(CONNECTIONS, "")), (2, {"comments": ""})])[0]


# The edit histories of up to 100 comments (`wants_history`) in one request, by node id; with
# one id and a cursor, the next (older) page of one comment's history.
COMMENT_EDITS_QUERY = (
    f"""
query CommentEdits($ids: [ID!]!, $after: String) {{
  nodes(ids: $ids) {{
    ... on IssueComment {{
      id
      includesCreatedEdit
      userContentEdits(first: {PAGE}, after: $after) {{ ...EditPage }}
    }}
  }}
}}
"""
    + EDIT_FRAGMENTS
)


def unfinished(node: dict[str, Any]) -> dict[str, str]:
    """The cursor of each of an issue's connections that has another page."""
    return {
        key: node[key]["pageInfo"]["endCursor"]
        for key in CONNECTIONS
        if isinstance(node.get(key), dict) and node[key]["pageInfo"]["hasNextPage"]
    }


def merge_pages(
    node: dict[str, Any], page: dict[str, Any], cursors: dict[str, str]
) -> dict[str, str]:
    """Append a page's nodes to the issue's connections; the cursors still unfinished (a
    cursor that does not move ends its connection, so a faulty answer cannot loop)."""
    following: dict[str, str] = {}
    for key, cursor in cursors.items():
        more = page.get(key)
        if not isinstance(more, dict):
            continue
        node[key]["nodes"] = [*(node[key].get("nodes") or []), *(more.get("nodes") or [])]
        after = more["pageInfo"]["endCursor"]
        if more["pageInfo"]["hasNextPage"] and after and after != cursor:
            following[key] = after
        elif more["pageInfo"]["hasNextPage"] and key == "userContentEdits":
            node["includesCreatedEdit"] = False  # the oldest edits were not read
    return following


# -- a listing that goes on past a page it cannot read ----------------------------------------

#: Issues a listing page asks for, and the smaller pages tried when one fails.
SPANS = (PAGE, 20, 4, 1)

Fetch = Callable[[str | None, int, bool], Mapping[str, Any]]
"""`fetch(after, first, full)`: a page of a listing's `issues`; a failure raises GitHubError."""


def list_issues(fetch: Fetch, reading: Reading) -> None:
    """Every issue of a listing into `reading`, 100 a page. A page that fails (after the
    transport's own retries) is read again in smaller pages (`SPANS`), down to single issues;
    one that fails alone is named (a page of its number only) and skipped. After `MAX_ALONE`
    of those in a row the rest is only numbered, every one unread; when even the numbers
    cannot be read, the listing ends there ("the items after #N")."""
    after, more = None, True
    while more:
        after, more = _span(fetch, reading, after, 0)


def _span(fetch: Fetch, reading: Reading, after: str | None, level: int) -> tuple[str | None, bool]:
    """List the `SPANS[level]` issues after the cursor `after`: the cursor after them, and
    whether more follow."""
    try:
        issues = fetch(after, SPANS[level], True)
    except GitHubError as problem:
        if reading.giving_up:
            return _numbered(fetch, reading, after, problem)
        if level + 1 == len(SPANS):
            return _skip(fetch, reading, after, problem)
        cursor, more = after, True
        for _ in range(SPANS[level] // SPANS[level + 1]):
            cursor, more = _span(fetch, reading, cursor, level + 1)
            if not more:
                break
        return cursor, more
    reading.alone = 0
    for node in nodes(issues):
        reading.listed(node)
    return _next(issues, after)


def _skip(
    fetch: Fetch, reading: Reading, after: str | None, problem: GitHubError
) -> tuple[str | None, bool]:
    """The issue after `after` cannot be read: name it and go on after it."""
    try:
        issues = fetch(after, 1, False)
    except GitHubError:
        reading.stop(problem)
        return after, False
    reading.alone += 1
    for node in nodes(issues):
        reading.lose(int(node["number"]), problem)
        reading.last = int(node["number"])
    if reading.giving_up:
        return _numbered(fetch, reading, _next(issues, after)[0], problem)
    return _next(issues, after)


def _numbered(
    fetch: Fetch, reading: Reading, after: str | None, problem: GitHubError
) -> tuple[str | None, bool]:
    """Given up: the rest of the listing by number only, 100 a page, every one unread."""
    more = True
    while more:
        try:
            issues = fetch(after, PAGE, False)
        except GitHubError:
            reading.stop(problem)
            break
        for node in nodes(issues):
            reading.lose(int(node["number"]), problem)
            reading.last = int(node["number"])
        after, more = _next(issues, after)
    return after, False


def _next(issues: Mapping[str, Any], after: str | None) -> tuple[str | None, bool]:
    """The cursor after a page, and whether more follow (a cursor that does not move ends
    the listing, so that a faulty answer cannot loop)."""
    info = issues.get("pageInfo") or {}
    cursor = info.get("endCursor")
    if not info.get("hasNextPage") or not cursor or cursor == after:
        return (cursor or after), False
    return str(cursor), True


def read_histories(
    fetch: Callable[[list[str], str | None], list[dict[str, Any]]], reading: Reading
) -> None:
    """The edit history of each comment whose history matters (`wants_history`), into the
    comment: `fetch(ids, after)` reads 100 comments' a request, then the older edits of any
    with more. An issue with a comment whose history cannot be read is lost."""
    issue_of = {
        node_id: number
        for number, node in reading.found.items()
        for node_id in edited_comments([node])
    }
    wanted = edited_comments(reading.found.values())
    later: dict[str, str] = {}

    def read(ids: Sequence[str]) -> None:
        for found in fetch(list(ids), None):
            if found["id"] in wanted:
                cursor = merge_comment_edits(wanted[found["id"]], found, None)
                if cursor is not None:
                    later[found["id"]] = cursor

    def lose(node_id: str, problem: GitHubError) -> None:
        reading.lose(issue_of[node_id], problem)

    ids = list(wanted)
    for start in range(0, len(ids), PAGE):
        reading.in_parts(ids[start : start + PAGE], read, lose)
    for node_id, after in later.items():
        cursor: str | None = after
        try:
            while cursor is not None and issue_of[node_id] in reading.found:
                page = fetch([node_id], cursor)
                cursor = merge_comment_edits(wanted[node_id], page[0], cursor) if page else None
        except GitHubError as problem:
            lose(node_id, problem)
