"""The GraphQL that reads issue snapshots, and the paging of one issue's connections.

Every snapshot comes from one GraphQL selection, ``fragment IssueSnapshot`` below, so that a
sweep costs a request per 100 open items rather than three per item, and so that the body's
edit history (which REST does not expose) comes with it.

* ``OPEN_ISSUES_QUERY`` is one paginated listing, ``repository.issues(labels: $labels,
  states: [OPEN], first: 100, after: $after)``, 100 issues a page, each with its labels (first
  100), assignees (first 20), comments (first 100), timeline items (first 100, the kinds
  below) and body edits (first 100). ``labels`` there matches an issue carrying *any* of
  the labels: the schema only says "a list of label names to filter by", but this is the
  argument that GitHub's own CLI used for ``gh issue list --label a,b`` and that returned issues
  with either label (cli/cli#419), whereas the REST ``labels=`` parameter requires all of them.
  With no labels, every open issue is listed. Pull requests are never included (``issues`` lists
  issues only).
* ``ISSUE_QUERY`` reads the same selection for one issue: one request.
* ``ISSUES_SINCE_QUERY`` (the incident register) is the same listing with both states
  and ``filterBy: {since: ...}`` ("issues that have been updated at or after the given date").
* When an issue has more than a page of comments, timeline items, edits, labels or assignees,
  ``ISSUE_PAGES_QUERY`` fetches the next page of *each* unfinished connection of that issue
  together (``@include`` skips the finished ones) until none is left: one more request per
  extra 100, for that issue only. ``unfinished``, ``pages_variables`` and ``merge_pages`` are
  that paging, without the request.
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

from collections.abc import Iterable, Mapping
from typing import Any

from dutydesk.model import first_line

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
    id
    fullDatabaseId
    author { ...ActorLogin }
    body
    createdAt
    updatedAt
    lastEditedAt
    editor { ...ActorLogin }
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


def wants_history(comment: Mapping[str, Any]) -> bool:
    """Whether a comment's edit history can change what the snapshot says about it: it was
    edited, and either someone other than its author made the last edit or its current text
    is a command. Otherwise its author wrote the current text, which is not a command, and
    that is all the rules (and the bot's own marked comments) need; the bot's own edits of its
    own comments, the commonest edits by far, never cost a request."""
    if not comment.get("lastEditedAt") or not comment.get("id"):
        return False
    if "userContentEdits" in comment:  # already read
        return False
    author, editor = comment.get("author"), comment.get("editor")
    if not isinstance(author, Mapping) or not isinstance(editor, Mapping):
        return True  # a deleted account ("ghost"): who wrote what is not known
    if str(author.get("login") or "").lower() != str(editor.get("login") or "").lower():
        return True
    return first_line(str(comment.get("body") or "")).startswith("/")


def edited_comments(issues: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """The comments (by node id) of the issues whose edit history is to be read."""
    return {
        str(c["id"]): c
        for issue in issues
        for c in (issue.get("comments") or {}).get("nodes") or ()
        if isinstance(c, dict) and wants_history(c)
    }


def merge_comment_edits(
    comment: dict[str, Any], found: Mapping[str, Any], cursor: str | None
) -> str | None:
    """Put one page of a comment's edit history (`found`, a node of COMMENT_EDITS_QUERY's
    answer) into the comment; the cursor of the next page, if there is one. A history whose
    older pages cannot be read (a cursor that does not move) has no known creation entry."""
    edits = found.get("userContentEdits")
    if not isinstance(edits, Mapping):
        return None
    known = comment.setdefault("userContentEdits", {"nodes": []})
    known["nodes"] = [*(known.get("nodes") or []), *(edits.get("nodes") or [])]
    if cursor is None:
        comment["includesCreatedEdit"] = bool(found.get("includesCreatedEdit"))
    info = edits.get("pageInfo") or {}
    after = info.get("endCursor")
    if not info.get("hasNextPage"):
        return None
    if after and after != cursor:
        return str(after)
    comment["includesCreatedEdit"] = False  # the oldest edits were not read
    return None


def unfinished(node: dict[str, Any]) -> dict[str, str]:
    """The cursor of each of an issue's connections that has another page."""
    return {
        key: node[key]["pageInfo"]["endCursor"]
        for key in CONNECTIONS
        if isinstance(node.get(key), dict) and node[key]["pageInfo"]["hasNextPage"]
    }


def pages_variables(number: int, cursors: dict[str, str]) -> dict[str, Any]:
    """ISSUE_PAGES_QUERY's variables: the next page of the connections in `cursors` only."""
    variables: dict[str, Any] = {"number": number}
    for key in CONNECTIONS:
        variables[f"{key}After"] = cursors.get(key)
        variables[f"with{key[0].upper()}{key[1:]}"] = key in cursors
    return variables


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
