"""The records of deliveries outside GitHub, kept in one bot comment per issue (pure).

Each delivery to a channel is one hidden line in the comment `notify.message:sent`:
`<!-- dutydesk-sent {"at": ..., "channel": ..., "key": ...} -->`, beside a visible list. It is
read back only from text the bot itself wrote (`markers.own_text`), in any of its comments, so a
person who edits or pastes such a line sends nothing and stops nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from dutydesk.markers import comment_key, own_text
from dutydesk.model import Comment
from dutydesk.rules.ids import Rule

SENT_KEY = comment_key(Rule.NOTIFY, "sent")
_RECORD = re.compile(r"<!-- dutydesk-sent (\{[^\n]*?\}) -->")
# Inside a hidden HTML comment nothing may end it or make a mention or link: every character
# but these is written as a JSON \u escape (which reads back as the same text).
_UNSAFE = re.compile(r'[^A-Za-z0-9 {}":,.\\/_+]')


@dataclass(frozen=True, order=True)
class Sent:
    """One delivery: to `channel`, of the event `key`, recorded at `at` (UTC, key_time)."""

    channel: str
    key: str
    at: str

    def line(self) -> str:
        data = {"at": self.at, "channel": self.channel, "key": self.key}
        text = json.dumps(data, ensure_ascii=True, sort_keys=True)
        text = _UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)
        return f"<!-- dutydesk-sent {text} -->"


def recorded(comments: Iterable[Comment], bot: str) -> tuple[Sent, ...]:
    """Every delivery recorded in the bot's own text of its comments, once each."""
    found: dict[tuple[str, str], Sent] = {}
    for comment in comments:
        for match in _RECORD.finditer(own_text(comment, bot) or ""):
            sent = _read(match.group(1))
            if sent is not None:
                found.setdefault((sent.channel, sent.key), sent)
    return tuple(found.values())


def _read(text: str) -> Sent | None:
    try:
        data: Any = json.loads(text)
        return Sent(str(data["channel"]), str(data["key"]), str(data["at"]))
    except (ValueError, KeyError, TypeError):
        return None  # not a record this version wrote: ignored, never guessed


def log_body(sents: Sequence[Sent]) -> str:
    """The record comment's text: a visible list, then the hidden records (in the order they
    were made, then by channel and key: the same records give the same text)."""
    sents = sorted(sents, key=lambda s: (s.at, s.channel, s.key))
    lines = ["Told outside GitHub (dutydesk keeps this list so that nothing is sent twice):", ""]
    lines += [f"- {s.channel}: `{s.key.split(':', 1)[0]}` at {s.at}" for s in sents]
    lines.append("")
    lines += [s.line() for s in sents]
    return "\n".join(lines) + "\n"
