"""Hidden markers that identify the bot's own comments.

A marker is trusted only in a comment written by the bot's own login: anyone can paste
`<!-- dutydesk:... -->` into an issue, and such a forged marker means nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from dutydesk.model import Comment

_MARKER = re.compile(r"<!-- dutydesk:([A-Za-z0-9_.:@/+\-]+) -->")


def marker(key: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_.:@/+\-]+", key):
        raise ValueError(f"marker key {key!r} has characters a marker cannot carry")
    return f"<!-- dutydesk:{key} -->"


def with_marker(key: str, body: str) -> str:
    return f"{marker(key)}\n{body.rstrip()}\n"


def marker_key(body: str) -> str | None:
    """The key of the first marker at the start of a body, if any."""
    match = _MARKER.match(body.lstrip())
    return match.group(1) if match else None


def bot_comments(comments: Iterable[Comment], bot: str) -> dict[str, Comment]:
    """The bot's own marked comments by key (the first comment wins if a key repeats)."""
    found: dict[str, Comment] = {}
    for comment in comments:
        if comment.author.lower() != bot.lower():
            continue
        key = marker_key(comment.body)
        if key is not None and key not in found:
            found[key] = comment
    return found


def is_bot(login: str, bot: str) -> bool:
    return login.lower() == bot.lower()
