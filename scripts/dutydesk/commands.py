"""Slash commands: a comment whose first line starts with `/name`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from dutydesk.model import Comment

_COMMAND = re.compile(r"^/([a-z][a-z-]*)(?:\s+(.*))?$", re.IGNORECASE)
_MENTION = re.compile(r"(?<![\w.@])@([A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:/[A-Za-z0-9_.-]+)?)")


@dataclass(frozen=True)
class Command:
    name: str
    args: str
    comment: Comment

    @property
    def mentions(self) -> tuple[str, ...]:
        return tuple(_MENTION.findall(self.args))


def parse_command(comment: Comment) -> Command | None:
    match = _COMMAND.match(comment.first_line)
    if match is None:
        return None
    return Command(
        name=match.group(1).lower(), args=(match.group(2) or "").strip(), comment=comment
    )


def commands(comments: tuple[Comment, ...], bot: str, names: tuple[str, ...]) -> list[Command]:
    """Commands with one of `names`, oldest first, never from the bot's own comments."""
    out = []
    for comment in comments:
        if comment.author.lower() == bot.lower():
            continue
        command = parse_command(comment)
        if command is not None and command.name in names:
            out.append(command)
    return out
