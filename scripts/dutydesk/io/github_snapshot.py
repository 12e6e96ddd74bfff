"""GraphQL snapshots to `Issue`s: pure, so that it is tested from recorded answers.

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
------
``graphql_errors`` words a GraphQL answer's ``errors``, each with the issue it concerns when
the error's ``path`` points into one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from dutydesk.model import BodyRevision, Comment, CommentRevision, EventKind, Issue, IssueEvent

_TIMELINE_KINDS = {
    "LabeledEvent": EventKind.LABELED,
    "UnlabeledEvent": EventKind.UNLABELED,
    "AssignedEvent": EventKind.ASSIGNED,
    "UnassignedEvent": EventKind.UNASSIGNED,
    "ClosedEvent": EventKind.CLOSED,
    "ReopenedEvent": EventKind.REOPENED,
}


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _time(value: Any) -> datetime:
    if not isinstance(value, str) or not value:
        return datetime.fromtimestamp(0, UTC)
    return aware(datetime.fromisoformat(value.replace("Z", "+00:00")))


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


def nodes(connection: Any) -> Iterator[dict[str, Any]]:
    """The nodes of a GraphQL connection (none when it is missing)."""
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
    edited = _maybe_time(node.get("lastEditedAt"))
    editor = _login(node.get("editor"))
    # GitHub lists edits newest first; reverse before the stable sort so ties keep their order.
    edits = sorted(
        reversed(list(nodes(node.get("userContentEdits")))),
        key=lambda e: _time(e.get("editedAt")),
    )
    if not edits:
        if edited is None:
            return (BodyRevision(at=_time(node.get("createdAt")), body=body, author=author),)
        return (BodyRevision(at=edited, body=body, author=editor or author),)
    found = _edited(node, edits)
    last = found[-1]
    if last.body is not None and _same_text(last.body, body):
        found[-1] = BodyRevision(at=last.at, body=body, author=last.author)
    else:
        found.append(BodyRevision(at=edited or last.at, body=body, author=editor or author))
    return tuple(found)


def _edited(node: Mapping[str, Any], edits: list[dict[str, Any]]) -> list[BodyRevision]:
    """The revisions the edit history gives, oldest first, the newest always there: a
    deleted (or textless) newest edit stands for the current body."""
    found: list[BodyRevision] = []
    for index, edit in enumerate(edits):
        text = edit.get("diff")
        if edit.get("deletedAt") or not isinstance(text, str):
            if index < len(edits) - 1:
                continue  # deleted from the history: not guessed
            text = str(node.get("body") or "")  # the newest revision is the current body
        if index == 0 and node.get("includesCreatedEdit"):
            at, by = _time(node.get("createdAt")), _login(node.get("author"))
        else:
            at, by = _time(edit.get("editedAt")), _login(edit.get("editor"))
        found.append(BodyRevision(at=at, body=text, author=by))
    return found


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
    author = _login(item.get("author"))
    body = str(item.get("body") or "")
    created = _time(item.get("createdAt"))
    return Comment(
        id=int(item.get("fullDatabaseId") or 0),
        author=author,
        body=body,
        created_at=created,
        updated_at=_time(item.get("updatedAt")),
        revisions=_comment_revisions(item, author, body, created),
    )


def _comment_revisions(
    item: Mapping[str, Any], author: str, body: str, created: datetime
) -> tuple[CommentRevision, ...]:
    """What the snapshot knows of who wrote a comment's text: never edited, the author wrote
    it; edited, `editor` wrote the current text at `lastEditedAt` and the earlier text is not
    read (a gap: commands count only from the author's own current text)."""
    if not item.get("lastEditedAt"):
        return ()
    editor = _login(item.get("editor")) or "ghost"
    return (
        CommentRevision(created, author, None),
        CommentRevision(_time(item.get("lastEditedAt")), editor, body),
    )


def snapshot(node: Mapping[str, Any]) -> Issue:
    """An `Issue` from one `IssueSnapshot` (with every page of its connections merged in)."""
    events = [e for e in map(_event, nodes(node.get("timelineItems"))) if e is not None]
    return Issue(
        number=int(node["number"]),
        title=str(node.get("title") or ""),
        body=str(node.get("body") or ""),
        author=_login(node.get("author")),
        state=str(node.get("state") or "OPEN").lower(),
        created_at=_time(node.get("createdAt")),
        updated_at=_time(node.get("updatedAt")),
        closed_at=_maybe_time(node.get("closedAt")),
        labels=frozenset(str(n["name"]) for n in nodes(node.get("labels")) if n.get("name")),
        assignees=tuple(_login(n) for n in nodes(node.get("assignees")) if _login(n)),
        comments=tuple(_comment(c) for c in nodes(node.get("comments"))),
        events=tuple(sorted(events, key=lambda e: e.at)),
        revisions=revisions(node),
    )


def carries(issue: Issue, labels: Iterable[str]) -> bool:
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
