"""Which issue a GitHub event is about. Events only say *which* issue to look at."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dutydesk.errors import EventError

HANDLED = {
    "issues": {
        "opened",
        "edited",
        "labeled",
        "unlabeled",
        "assigned",
        "unassigned",
        "closed",
        "reopened",
    },
    "issue_comment": {"created", "edited"},
}


@dataclass(frozen=True)
class EventTarget:
    name: str
    action: str
    number: int | None  # None: nothing to reconcile (say why in `reason`)
    reason: str = ""


def read_event(name: str, path: Path) -> EventTarget:
    try:
        payload: Any = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise EventError(f"cannot read the event payload {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise EventError(f"the event payload {path} is not UTF-8 JSON") from None
    except json.JSONDecodeError as exc:
        raise EventError(f"the event payload {path} is not JSON: {exc}") from None
    return target_of(name, payload)


def target_of(name: str, payload: Any) -> EventTarget:
    if not isinstance(payload, dict):
        raise EventError("the event payload is not a JSON object")
    action = str(payload.get("action") or "")
    if name not in HANDLED:
        return EventTarget(name, action, None, f"the {name} event is not one dutydesk handles")
    if action not in HANDLED[name]:
        return EventTarget(name, action, None, f"the {name} action {action!r} needs no reconcile")
    issue = payload.get("issue")
    if not isinstance(issue, dict):
        raise EventError(f"the {name} payload has no issue")
    number = issue.get("number")
    if isinstance(number, bool) or not isinstance(number, int) or not 0 < number < 2**31:
        raise EventError(f"the {name} payload has no valid issue.number (found {number!r})")
    if issue.get("pull_request"):
        return EventTarget(name, action, None, "the comment is on a pull request")
    return EventTarget(name, action, number)
