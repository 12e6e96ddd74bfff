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
nothing is invented and nothing is backdated; where a text is not known the revision is a gap
(``body`` None), kept in place with its time and author, never filled from either side:

* a revision deleted from the history (``deletedAt`` set, ``diff`` null) is a gap at its
  ``editedAt`` by its editor; a deleted creation entry is a gap at ``createdAt`` by the author.
  GitHub lets only "a prior revision" be deleted (its changelog, 2018-05-24), never the
  current one; if the newest is marked deleted all the same, the current body stands in;
* the original is unknown (edited, but without a creation entry, or with no readable edit at
  all): the history starts with a gap at ``createdAt`` by the author;
* if the newest edit's text differs from the current body (beyond line endings), or no edit is
  readable, the current body is added at ``lastEditedAt`` by ``editor``.

Comment history (``Comment.revisions``)
---------------------------------------
The same rules, from the comment's ``userContentEdits`` and ``includesCreatedEdit`` where the
adapter read them (``wants_history``: last edited by someone other than the
author, or now a command); a comment never edited has no revisions (its author wrote it). An
edited comment whose history was not read is a gap at ``createdAt`` by its author and the
current text at ``lastEditedAt`` by ``editor``: that is exact for what commands read, since
then its author wrote its current text and that text is no command. An editor GitHub no
longer knows (a deleted account) is ``ghost``, as GitHub shows it.

Timeline
--------
Labelled, unlabelled, assigned, unassigned, closed and reopened events carry their actor (a
``Bot`` spelt with ``[bot]``); ``RenamedTitleEvent`` becomes ``RENAMED`` with the titles in
``before``/``after``; ``CommentDeletedEvent`` becomes ``COMMENT_DELETED`` by whoever deleted
it, with the deleted comment's author as ``subject``.

Errors
------
``graphql_errors`` words a GraphQL answer's ``errors``, each with the issue it concerns when
the error's ``path`` points into one. A listing that could not read some items raises
``PartialListing`` with what it read and what it could not (``Unread``); ``Reading`` is that
bookkeeping, and the splitting of a failed request into smaller ones (``in_parts``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from dutydesk.errors import GitHubError
from dutydesk.model import (
    BodyRevision,
    Comment,
    CommentRevision,
    EventKind,
    Issue,
    IssueEvent,
    first_line,
)

_TIMELINE_KINDS = {
    "LabeledEvent": EventKind.LABELED,
    "UnlabeledEvent": EventKind.UNLABELED,
    "AssignedEvent": EventKind.ASSIGNED,
    "UnassignedEvent": EventKind.UNASSIGNED,
    "ClosedEvent": EventKind.CLOSED,
    "ReopenedEvent": EventKind.REOPENED,
    "RenamedTitleEvent": EventKind.RENAMED,
    "CommentDeletedEvent": EventKind.COMMENT_DELETED,
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


def _versions(node: Mapping[str, Any], editor: str) -> list[tuple[datetime, str, str | None]]:
    """(when, by whom, text or None for a gap) of each version of an edited issue body or
    comment, oldest first, ending with the current text (see the module docstring).
    `editor` is who made the last edit, as the caller spells an unknown one."""
    body = str(node.get("body") or "")
    created, author = _time(node.get("createdAt")), _login(node.get("author"))
    # GitHub lists edits newest first; reverse before the stable sort so ties keep their order.
    edits = sorted(
        reversed(list(nodes(node.get("userContentEdits")))),
        key=lambda e: _time(e.get("editedAt")),
    )
    found: list[tuple[datetime, str, str | None]] = []
    for index, edit in enumerate(edits):
        text = edit.get("diff")
        if edit.get("deletedAt") or not isinstance(text, str):
            # deleted from the history: a gap in place, never guessed, unless it is the
            # newest, which is the current text
            text = body if index == len(edits) - 1 else None
        if index == 0 and node.get("includesCreatedEdit"):
            found.append((created, author, text))
        else:
            found.append((_time(edit.get("editedAt")), _login(edit.get("editor")), text))
    if not found or not node.get("includesCreatedEdit"):
        found.insert(0, (created, author, None))  # the text as created is not known
    at, by, text = found[-1]
    if text is not None and _same_text(text, body):
        found[-1] = (at, by, body)
    else:
        found.append((_maybe_time(node.get("lastEditedAt")) or at, editor, body))
    return found


def revisions(node: Mapping[str, Any]) -> tuple[BodyRevision, ...]:
    """Every version of an issue's body from its GraphQL snapshot, oldest first, ending with
    the current body (see the module docstring for what is done when history is missing)."""
    author = _login(node.get("author"))
    if not node.get("lastEditedAt") and next(nodes(node.get("userContentEdits")), None) is None:
        body = str(node.get("body") or "")
        return (BodyRevision(at=_time(node.get("createdAt")), body=body, author=author),)
    editor = _login(node.get("editor")) or author
    return tuple(
        BodyRevision(at=at, body=text, author=by) for at, by, text in _versions(node, editor)
    )


def _event(item: Mapping[str, Any]) -> IssueEvent | None:
    kind = _TIMELINE_KINDS.get(str(item.get("__typename")))
    if kind is None:
        return None
    label = item.get("label")
    return IssueEvent(
        kind=kind,
        actor=_login(item.get("actor")),
        at=_time(item.get("createdAt")),
        label=str(label["name"]) if isinstance(label, Mapping) and label.get("name") else None,
        assignee=_login(item.get("assignee")) or None,
        before=_text(item.get("previousTitle")),
        after=_text(item.get("currentTitle")),
        subject=_login(item.get("deletedCommentAuthor")) or None,
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _comment(item: Mapping[str, Any]) -> Comment:
    return Comment(
        id=int(item.get("fullDatabaseId") or 0),
        author=_login(item.get("author")),
        body=str(item.get("body") or ""),
        created_at=_time(item.get("createdAt")),
        updated_at=_time(item.get("updatedAt")),
        revisions=_comment_revisions(item),
    )


def _comment_revisions(item: Mapping[str, Any]) -> tuple[CommentRevision, ...]:
    """Who wrote each version of a comment's text: nothing for a comment never edited (its
    author wrote it); for an edited one its edit history when it was read (`wants_history`),
    else a gap for the text before the last edit and the current text by `editor` at
    `lastEditedAt` (commands then count only from the author's own current text)."""
    if not item.get("lastEditedAt"):
        return ()
    editor = _login(item.get("editor")) or "ghost"
    return tuple(
        CommentRevision(at, by or "ghost", text) for at, by, text in _versions(item, editor)
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


# -- comment histories -------------------------------------------------------------------------


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


# -- partial reads ----------------------------------------------------------------------------

T = TypeVar("T")

#: Single items whose reading fails in a row before the rest is given up as unread: one bad
#: item is skipped, but GitHub failing every request is not tried item by item.
MAX_ALONE = 3


@dataclass(frozen=True)
class Unread:
    """An item a listing could not read: `number`, or when that is not known either, every
    item listed after #`after` (None: from the start)."""

    number: int | None
    after: int | None
    problem: str

    def name(self) -> str:
        if self.number is not None:
            return f"#{self.number}"
        return f"the items after #{self.after}" if self.after is not None else "every item"

    def sentence(self) -> str:
        return f"{self.name()} could not be read: {self.problem}"


class PartialListing(GitHubError):
    """A listing read some items and not others: `issues` were read whole (reconcile them),
    `unread` were not (report them; the run fails)."""

    def __init__(self, what: str, issues: Sequence[Issue], unread: Sequence[Unread]) -> None:
        self.issues = list(issues)
        self.unread = tuple(unread)
        names = ", ".join(u.name() for u in self.unread)
        super().__init__(
            f"{what}: {names} could not be read ({self.unread[0].problem}); "
            f"{len(self.issues)} item(s) were read"
        )


@dataclass
class Reading:
    """What one reading has found (issue nodes by number) and what it could not read."""

    found: dict[int, dict[str, Any]] = field(default_factory=dict)
    unread: list[Unread] = field(default_factory=list)
    alone: int = 0  # single items that failed in a row
    last: int | None = None  # the last issue listed, read or not
    heard: Callable[[dict[str, Any]], object] | None = None  # told of each issue listed

    @property
    def giving_up(self) -> bool:
        return self.alone >= MAX_ALONE

    def listed(self, node: dict[str, Any]) -> None:
        self.found[int(node["number"])] = node
        self.last = int(node["number"])
        if self.heard is not None:
            self.heard(node)

    def lose(self, number: int, problem: object) -> None:
        """An item not read whole: it is not reconciled but reported."""
        self.found.pop(number, None)
        if all(u.number != number for u in self.unread):
            self.unread.append(Unread(number, None, str(problem)))

    def stop(self, problem: object) -> None:
        """Nothing more can even be listed."""
        self.unread.append(Unread(None, self.last, str(problem)))

    def in_parts(
        self,
        items: Sequence[T],
        read: Callable[[Sequence[T]], None],
        lose: Callable[[T, GitHubError], None],
    ) -> None:
        """`read(items)`; when that fails, in fifths, down to single items, each of which
        that still fails is `lose`; once `giving_up`, a failed part is lost without splitting."""
        try:
            read(items)
        except GitHubError as problem:
            if len(items) > 1 and not self.giving_up:
                step = math.ceil(len(items) / 5)
                for start in range(0, len(items), step):
                    self.in_parts(items[start : start + step], read, lose)
                return
            self.alone += len(items) == 1
            for item in items:
                lose(item, problem)
            return
        self.alone = 0
