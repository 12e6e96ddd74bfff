"""Replies to people: one comment per person and rule, kept up to date with their latest
refused command (or other note), keyed `rule:login`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from dutydesk.actions import Action
from dutydesk.engine import Item, upsert
from dutydesk.markers import comment_key
from dutydesk.people import login_key
from dutydesk.templating import render


def reply_key(rule: str, login: str, *parts: str) -> str:
    """`rule[:part...]:login`: the one reply of `rule` to `login`."""
    return comment_key(rule, *parts, login_key(login))


@dataclass(frozen=True)
class Reply:
    """A comment for one person, rendered from `template` with `values` when it is written."""

    rule: str
    key: str
    template: str
    values: tuple[tuple[str, Any], ...]

    @classmethod
    def of(cls, rule: str, key: str, template: str, **values: Any) -> Reply:
        return cls(rule, key, template, tuple(sorted(values.items())))

    def body(self) -> str:
        return render(self.template, **dict(self.values))


def reply_actions(
    item: Item, replies: Iterable[Reply], rule: str | None = None
) -> tuple[Action, ...]:
    """The comments for `replies` (only those of `rule`, if given): the latest reply per key
    wins, each posted once and then edited in place when its text changes."""
    latest: dict[str, Reply] = {}
    for reply in replies:  # oldest first, so the latest per key wins
        if rule is None or reply.rule == rule:
            latest[reply.key] = reply
    actions: tuple[Action, ...] = ()
    for reply in latest.values():
        actions += upsert(item, reply.rule, reply.key, reply.body())
    return actions
