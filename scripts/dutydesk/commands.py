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

A decision once made is not undone by editing or deleting the comment that made it. The bot's
comment that acts on a command (a confirmation, the status card) carries a hidden *record* of it
(`record`): who wrote it, when, and what it said. Records are read only from text the bot itself
wrote (`markers.own_text`), and a recorded command counts as if its comment were still there as
it was, beside whatever the comment says now. Only a later command changes the decision.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dutydesk.markers import key_time, own_text
from dutydesk.model import Comment, CommentRevision, first_line
from dutydesk.people import is_login, mentions, same

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


def authors_latest(comment: Comment) -> CommentRevision | None:
    """The latest version of the comment its author wrote, after the last gap (None if there
    is none: no author, or none of the known text is theirs)."""
    own = _own_versions(comment) if comment.author else []
    return own[-1] if own else None


def parse_command(comment: Comment) -> Command | None:
    """The command the comment's author wrote in it, if any."""
    if not comment.revisions:  # never edited: its one version is the author's, as created
        found = _parse(comment.body) if comment.author else None
        return Command(*found, comment=comment, at=comment.created_at) if found else None
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
    """Commands with one of `names`, in the order written, never from the bot's own comments:
    those in the comments as they are, and those the bot recorded (see the module docstring).
    A command both in its comment and in a record counts once, from the earlier time."""
    found: dict[tuple[int, str, str], Command] = {}
    live = (parse_command(c) for c in comments if not same(c.author, bot))
    for command in (*live, *recorded(comments, bot)):
        if command is None or command.name not in names:
            continue
        key = _identity(command)
        if key not in found or command.at < found[key].at:
            found[key] = command
    return sorted(found.values(), key=lambda c: (c.at, c.comment.id))


def _identity(command: Command) -> tuple[int, str, str]:
    args = "" if command.name in ARGUMENTLESS else command.args
    return command.comment.id, command.name, args


# -- records: decisions that outlive their comments ------------------------------------------

_RECORD = re.compile(r"<!-- dutydesk-heard (\{[^\n]*?\}) -->")
_RECORD_UNSAFE = re.compile(r'[^A-Za-z0-9 {}":,.\\/_+]')


def record(command: Command) -> str:
    """The hidden line a bot comment carries for a command it acted on."""
    data = {
        "id": command.comment.id,
        "by": command.author,
        "at": key_time(command.at),
        "text": f"/{command.name} {command.args}".rstrip(),
    }
    text = json.dumps(data, ensure_ascii=True, sort_keys=True)
    # Inside a hidden HTML comment, and even as raw text never a mention, a tag, a link or the
    # comment's end, whatever the command's words were: every character but letters, digits
    # and JSON's own is written as a \\u escape, which reads back as the same text.
    text = _RECORD_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)
    return f"<!-- dutydesk-heard {text} -->"


def records(heard: Iterable[Command]) -> str:
    """The record lines for `heard`, one per line, in the order given ("" for none)."""
    return "\n".join(dict.fromkeys(record(c) for c in heard))


def recorded(comments: Iterable[Comment], bot: str) -> Iterator[Command]:
    """The commands recorded in the bot's own text of its comments."""
    for comment in comments:
        text = own_text(comment, bot)
        for match in _RECORD.finditer(text or ""):
            command = _from_record(match.group(1))
            if command is not None:
                yield command


def _from_record(text: str) -> Command | None:
    try:
        data: Any = json.loads(text)
        number, by, at = int(data["id"]), str(data["by"]), _moment(str(data["at"]))
        said = _parse(str(data["text"]))
    except (ValueError, KeyError, TypeError):
        return None  # not a record this version wrote: ignored, never guessed
    if said is None or not is_login(by, app=True):
        return None
    comment = Comment(number, by, str(data["text"]), at, at)
    return Command(name=said[0], args=said[1], comment=comment, at=at)


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(text)
    return moment
