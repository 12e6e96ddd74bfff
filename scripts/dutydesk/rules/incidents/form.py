"""What the incident form says: the priority answer (and each time an edit changed it) and the
ticked security boxes.

* **Priority** is the form's `priority` answer, an option beginning "P1".."P4", with who
  wrote each version: GitHub lets the author and collaborators edit an issue body, and
  story.py counts only the author's and responders' versions (a responder's label and
  `/priority` are statements too; story.py weighs them all). A change by edit dates from the
  edit only when the snapshot carries body revisions, else from opening.
* **Security** is the form's `security` checkboxes only: a ticked box that is one of the form's
  options ("This involves a data or security breach", "There is ongoing unauthorised access").
  The issue's "a P1 for unauthorised access" is read as a P1 with that box ticked: free text is
  not matched ("there is no sign of unauthorised access" is not a security incident).

Emits: nothing (read by story.py); it reads the form's answers, no policy key
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from dutydesk.engine import Item

_PRIORITY = re.compile(r"\s*P([1-4])\b", re.IGNORECASE)


def priority_of(answers: Mapping[str, Any]) -> str | None:
    """P1..P4 from the form's priority answer, or None if it is missing or unknown."""
    value = answers.get("priority")
    pieces = value if isinstance(value, list) else [value]
    found = {f"P{m.group(1)}" for m in (_PRIORITY.match(str(p)) for p in pieces if p) if m}
    # One priority: an option worded with ", " that the forms no longer offer (an issue filed
    # before they were reworded) is split at the comma, and its tail names no priority.
    return found.pop() if len(found) == 1 and pieces and _PRIORITY.match(str(pieces[0])) else None


def given_priority(answers: Mapping[str, Any]) -> str | None:
    """The priority answer as the person gave it, to quote when it cannot be used."""
    value = answers.get("priority")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or None
    return str(value) if value else None


def form_priorities(item: Item) -> Iterator[tuple[datetime, str, str]]:
    """(when, priority, by) each time the form's priority answer became a different valid one.
    Each version of the body is read once (the current one is the item's `answers`)."""
    if item.form is None:
        return
    issue = item.issue
    previous: str | None = None
    for revision in issue.body_history():
        if revision.body is None:
            continue  # deleted from the history: what it said is not known
        current = priority_of(item.answers_in(revision.body))
        if current is not None and current != previous:
            yield revision.at, current, revision.author or issue.author
        previous = current


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


def security_reasons(item: Item) -> tuple[str, ...]:
    """The ticked boxes of the form's `security` checkboxes that are the form's own options."""
    boxes = item.answers.get("security")
    if not isinstance(boxes, Mapping):
        return ()
    field = item.form.field("security") if item.form is not None else None
    options = {_folded(o) for o in field.options} if field else set()
    return tuple(
        str(label) for label in boxes.get("selected", []) if _folded(str(label)) in options
    )
