"""The comments of a runbook's review pull request, with who wrote each version of their text:
where the `runbook.review_opened` notice finds the bot's own records of its deliveries.

REST lists a pull request's comments (``GET /repos/{o}/{r}/issues/{n}/comments``) without who
edited them, and anyone with write access can edit the bot's comments; GraphQL's
``pullRequest.comments`` has each comment's ``editor``, ``lastEditedAt`` and edit history
(``userContentEdits``), so one query reads what `markers.own_text` needs: the first 100
comments, each with its first 100 edits. The bot's record comment is posted just after the
pull request is opened, among its first comments; the notice is planned only while the pull
request is younger than ``notifications.max_age`` (a day by default). The comments become the
same `Comment` values as an issue's (`github_snapshot.snapshot`). Writes (posting and editing
the record comment) go through the issue adapter, `io/github.py`: a pull request is an issue
for comments.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dutydesk.errors import GitHubError
from dutydesk.io.github_queries import COMMENT_FIELDS, EDIT_FRAGMENTS
from dutydesk.io.github_snapshot import snapshot
from dutydesk.model import Comment

REVIEW_COMMENTS_QUERY = (
    """
query ReviewComments($owner: String!, $name: String!, $number: Int!) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      number
      comments(first: 100) {
        pageInfo { hasNextPage }
        nodes {
          """
    + COMMENT_FIELDS
    + """
          includesCreatedEdit
          userContentEdits(first: 100) { ...EditPage }
        }
      }
    }
  }
}
"""
    + EDIT_FRAGMENTS
)


def review_comments(answer: Mapping[str, Any], number: int) -> tuple[Comment, ...]:
    """The comments in GitHub's answer to REVIEW_COMMENTS_QUERY."""
    data = answer.get("data")
    repository = data.get("repository") if isinstance(data, Mapping) else None
    pull = repository.get("pullRequest") if isinstance(repository, Mapping) else None
    if not isinstance(pull, Mapping):
        raise GitHubError(f"reading the comments of pull request #{number}: no such pull request")
    comments = pull.get("comments")
    if _more(comments) or any(_more(c.get("userContentEdits")) for c in _nodes(comments)):
        # a record past the first 100, or an edit history cut short, could be misread: the
        # notice waits (and the run says why) rather than be sent again or trusted wrongly
        raise GitHubError(
            f"reading the comments of pull request #{number}: over 100 comments or edits of "
            "one, which dutydesk does not page through for a review pull request"
        )
    return snapshot({"number": number, "comments": comments}).comments


def _nodes(connection: Any) -> list[Mapping[str, Any]]:
    nodes = connection.get("nodes") if isinstance(connection, Mapping) else None
    return [n for n in nodes or () if isinstance(n, Mapping)]


def _more(connection: Any) -> bool:
    info = connection.get("pageInfo") if isinstance(connection, Mapping) else None
    return bool(isinstance(info, Mapping) and info.get("hasNextPage"))
