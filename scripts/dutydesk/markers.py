"""Hidden markers that identify the bot's own comments, and the keys they carry.

A marker is trusted only in a comment written by the bot's own login: anyone can paste
`<!-- dutydesk:... -->` into an issue, and such a forged marker means nothing.

A key is `rule[:part...]`. Its parts are written by `key_time` (a moment: UTC, to the second,
`2026-11-23T22:00:00Z`) and `people.login_key` (a login). Keys that earlier versions wrote
differently (`20261123T220000Z`; `dependabot-bot-` for `dependabot[bot]`) are read as today's
key, so an upgraded repository never gets a comment twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime

from dutydesk.model import Comment
from dutydesk.people import same

_KEY = r"[A-Za-z0-9_.:@/+\-]+"
_MARKER = re.compile(rf"<!-- dutydesk:({_KEY}) -->")
_COMPACT_TIME = re.compile(r"(?<![0-9])(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z")
# A login key of the first version of the incident rules: `[bot]` written as `-bot-`. A real
# login never ends with a hyphen, so the trailing `-bot-` can only be that.
_LEGACY_APP_LOGIN = re.compile(r"^(incident\.refused:.+)-bot-$")


def marker(key: str) -> str:
    if not re.fullmatch(_KEY, key):
        raise ValueError(f"marker key {key!r} has characters a marker cannot carry")
    return f"<!-- dutydesk:{key} -->"


def with_marker(key: str, body: str) -> str:
    return f"{marker(key)}\n{body.rstrip()}\n"


def key_time(moment: datetime) -> str:
    """A moment as it appears in a comment key: UTC, to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def comment_key(*parts: str) -> str:
    """The key of a bot comment: its rule id and the parts that make it unique."""
    return ":".join(parts)


def current_key(key: str) -> str:
    """A key as today's code writes it, from any form an earlier version wrote."""
    key = _COMPACT_TIME.sub(r"\1-\2-\3T\4:\5:\6Z", key)
    return _LEGACY_APP_LOGIN.sub(r"\1+bot+", key)


def marker_key(body: str) -> str | None:
    """The key of the first marker at the start of a body, if any."""
    match = _MARKER.match(body.lstrip())
    return current_key(match.group(1)) if match else None


def own_text(comment: Comment, bot: str) -> str | None:
    """The latest text of a bot comment that the bot itself wrote (None if none is known).

    Anyone with write access can edit the bot's comments on github.com, so a marker (or a
    record) counts only in text the bot wrote: a comment someone else edited is read as the
    bot last left it, or not at all when that version is not known.
    """
    if not same(comment.author, bot):
        return None
    for version in reversed(comment.history()):
        if version.body is not None and same(version.editor, bot):
            return version.body
    return None


def bot_comments(comments: Iterable[Comment], bot: str) -> dict[str, Comment]:
    """The bot's own marked comments by key (the first comment wins if a key repeats).

    Each comes with the text the bot last wrote in it; `Comment.written_by` still says whether
    someone else has edited it since (so the bot puts its text back where it keeps one).
    """
    found: dict[str, Comment] = {}
    for comment in comments:
        text = own_text(comment, bot)
        if text is None:
            continue
        key = marker_key(text)
        if key is None or key in found:
            continue
        found[key] = comment if text == comment.body else replace(comment, body=text)
    return found


def is_bot(login: str, bot: str) -> bool:
    return same(login, bot)
