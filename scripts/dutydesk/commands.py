"""Slash commands: a comment whose first line starts with `/name`, as its author wrote it.

On github.com anyone with write access can edit anyone's comment, so a command is read from
the author's own versions of the comment, never from an edit by someone else:

* The command is the first line of the latest version the author wrote. An edit by anyone
  else never makes, changes or removes it.
* It counts from the earliest of the author's versions that runs unbroken up to that latest one
  with the same command and arguments (for `/ack`, which takes none, its name is enough):
  fixing a typo in an old `/ack` keeps its time; turning "looking into it" into `/ack`, or
  `/priority P1` into `/priority P4`, counts from that edit.
* A version whose text is not known (deleted from the edit history, or an adapter that read only
  who last edited the comment) is a gap: only the author's versions after the last gap count,
  so a gap can make a command later, never earlier, and never someone else's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from dutydesk.model import Comment, CommentRevision, first_line
from dutydesk.people import mentions, same

#: Commands whose text after the name means nothing: editing it keeps the command's time.
ARGUMENTLESS = frozenset({"ack"})
_COMMAND = re.compile(r"^/([a-z][a-z-]*)(?:\s+(.*))?$", re.IGNORECASE)


@dataclass(frozen=True)
class Command:
    name: str
    args: str
    comment: Comment
    at: datetime  # when the author wrote this command (see the module's docstring)

    @property
    def author(self) -> str:
        return self.comment.author

    @property
    def mentions(self) -> tuple[str, ...]:
        return tuple(m.handle for m in mentions(self.args))


def _parse(text: str | None) -> tuple[str, str] | None:
    match = _COMMAND.match(first_line(text))
    if match is None:
        return None
    return match.group(1).lower(), (match.group(2) or "").strip()


def _same_command(a: tuple[str, str], b: tuple[str, str]) -> bool:
    """The same command: the same name, and the same arguments unless it takes none."""
    return a[0] == b[0] and (a[0] in ARGUMENTLESS or a[1] == b[1])


def _own_versions(comment: Comment) -> list[CommentRevision]:
    """The author's versions of the comment with known text, after the last gap."""
    history = comment.history()
    gaps = [i for i, r in enumerate(history) if r.body is None]
    start = gaps[-1] + 1 if gaps else 0
    return [r for r in history[start:] if same(r.editor, comment.author)]


def parse_command(comment: Comment) -> Command | None:
    """The command the comment's author wrote in it, if any."""
    own = _own_versions(comment) if comment.author else []
    if not own:
        return None  # no author (a deleted account), or none of the text is the author's
    found = _parse(own[-1].body)
    if found is None:
        return None
    name, args = found
    at = own[-1].at
    for earlier in reversed(own[:-1]):
        before = _parse(earlier.body)
        if before is None or not _same_command(before, (name, args)):
            break
        at = earlier.at
    return Command(name=name, args=args, comment=comment, at=at)


def commands(comments: tuple[Comment, ...], bot: str, names: tuple[str, ...]) -> list[Command]:
    """Commands with one of `names`, in the order written, never from the bot's own comments."""
    out = []
    for comment in comments:
        if same(comment.author, bot):
            continue
        command = parse_command(comment)
        if command is not None and command.name in names:
            out.append(command)
    return sorted(out, key=lambda c: (c.at, c.comment.id))
