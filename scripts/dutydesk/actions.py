"""Planned actions: what the rules ask for, before anything is written."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    ADD_LABELS = "add_labels"
    REMOVE_LABELS = "remove_labels"
    COMMENT = "comment"
    ASSIGN = "assign"
    CLOSE = "close"
    OPEN_PULL_REQUEST = "open_pull_request"


@dataclass(frozen=True)
class Action:
    """One write the bot plans to make.

    A comment with `comment_id` set edits that (bot-owned) comment in place; without it a new
    comment is posted. `key` is the hidden marker the comment carries.
    """

    kind: Kind
    rule: str
    issue: int | None = None
    labels: tuple[str, ...] = ()
    body: str | None = None
    key: str | None = None
    comment_id: int | None = None
    users: tuple[str, ...] = ()
    extra: tuple[tuple[str, Any], ...] = field(default=())

    def to_json(self, at: datetime) -> dict[str, Any]:
        out: dict[str, Any] = {"at": at.isoformat(), "issue": self.issue, "kind": str(self.kind)}
        out["rule"] = self.rule
        if self.labels:
            out["labels"] = list(self.labels)
        if self.body is not None:
            out["body"] = self.body
        if self.key is not None:
            out["key"] = self.key
        if self.kind is Kind.COMMENT:
            out["update"] = self.comment_id is not None
            if self.comment_id is not None:
                out["comment_id"] = self.comment_id
        if self.users:
            out["users"] = list(self.users)
        for name, value in self.extra:
            out[name] = value
        return out

    def summary(self) -> str:
        """One line for the readable timeline."""
        match self.kind:
            case Kind.ADD_LABELS:
                return "add labels " + ", ".join(self.labels)
            case Kind.REMOVE_LABELS:
                return "remove labels " + ", ".join(self.labels)
            case Kind.ASSIGN:
                return "assign " + ", ".join("@" + u for u in self.users)
            case Kind.CLOSE:
                return "close"
            case Kind.COMMENT:
                verb = "edit comment" if self.comment_id is not None else "comment"
                first = _first_text_line(self.body or "")
                return f"{verb} [{self.key}] {first}"
            case Kind.OPEN_PULL_REQUEST:
                extra = dict(self.extra)
                return f"open pull request {extra.get('branch')}: {extra.get('title')}"
        return str(self.kind)  # pragma: no cover


def _first_text_line(body: str) -> str:
    for line in body.splitlines():
        text = line.strip()
        if text and not text.startswith("<!--"):
            return text[:100]
    return ""


def dumps(action: Action, at: datetime) -> str:
    return json.dumps(action.to_json(at), ensure_ascii=False, sort_keys=False)
