"""The request as written, revision by revision: its fields, its window and its notice.

A *revision* is one version of the issue body, read: when it was written, by whom, the request
fields it states, the scheduled window and its visible text. An *edit* is a revision that
changed the visible text: any field or any other text, except ticking or unticking the
pre-change checks. *Notice* counts from when the current start time was first stated (the
issue's opening, or the edit that set it) to the start.

A revision someone deleted from the body's edit history is a *gap*: GitHub keeps who wrote it
and when, not what it said. A gap is never filled with the text before or after it: it is an
edit (what it changed is not known), a value is "stated since" no earlier than the revision
after it, and `upto` never answers with a later version. When the history GitHub gives starts
after the issue was opened (the original body is not known), it starts with a gap at the
opening.

Emits: nothing (read by facts.py)
Reads: timezone, changes.max_window, the business calendar (workdays, support, on_call,
bank_holidays)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

from dutydesk.engine import Context, Item
from dutydesk.model import BodyRevision, Issue
from dutydesk.rules.changes.fields import Spec
from dutydesk.time.durations import Duration
from dutydesk.time.times import TimeParseError, accepted_forms, parse_time


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the scheduled times, for the invalid-request comment."""

    field: str  # the field's label on the form
    kind: str  # "missing", "unreadable", "order" or "too-long"
    detail: str = ""


@dataclass(frozen=True)
class Window:
    """The scheduled times as read from one revision of the body."""

    start: datetime | None
    end: datetime | None
    problems: tuple[Problem, ...]

    @property
    def valid(self) -> bool:
        return not self.problems and self.start is not None and self.end is not None


@dataclass(frozen=True)
class Revision:
    """One revision of the body, read: its time, its author, its request fields, its window
    and its visible text (`text`, with the pre-change checks unticked). A gap (`deleted`) has
    no fields, no window and no text."""

    at: datetime
    author: str
    fields: tuple[tuple[str, str | None], ...]
    window: Window
    text: str = ""
    deleted: bool = False


#: A checkbox item: `- [x] label`, as GitHub renders a form's checkboxes.
_BOX = re.compile(r"^(?P<lead>[ \t]*[-*+][ \t]+\[)[ xX](?P<rest>\][ \t]+(?P<label>.*?))[ \t]*$")


def visible_text(body: str, ticks: Sequence[str]) -> str:
    """The body as an approval covers it: line endings as GitHub shows them, and the
    checkbox items labelled like one of `ticks` (the pre-change checks) unticked."""
    lines = []
    for line in body.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        match = _BOX.match(line)
        if match is not None and match.group("label") in ticks:
            line = f"{match.group('lead')} {match.group('rest')}"
        lines.append(line.rstrip())
    return "\n".join(lines).strip()


def label_of(item: Item, field_id: str) -> str:
    """A field's label on the form (its id when the form does not know it)."""
    form_field = item.form.field(field_id) if item.form is not None else None
    return form_field.label if form_field is not None else field_id


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    return str(value)


def _time(
    item: Item, ctx: Context, answers: Mapping[str, Any], field_id: str
) -> tuple[datetime | None, Problem | None]:
    """One scheduled time, or what is wrong with it."""
    tz = ctx.policy.timezone
    text = _text(answers.get(field_id))
    if text is None:
        return None, Problem(label_of(item, field_id), "missing", accepted_forms(tz))
    try:
        return parse_time(text, tz), None
    except TimeParseError as exc:
        return None, Problem(label_of(item, field_id), "unreadable", str(exc))


def _window(item: Item, ctx: Context, answers: Mapping[str, Any], spec: Spec) -> Window:
    start, start_problem = _time(item, ctx, answers, spec.start)
    end, end_problem = _time(item, ctx, answers, spec.end)
    problems = [p for p in (start_problem, end_problem) if p is not None]
    if start is not None and end is not None and end <= start:
        problems.append(Problem(label_of(item, spec.end), "order", label_of(item, spec.start)))
    longest = ctx.policy.changes.max_window
    if start is not None and end is not None and end - start > longest.amount:
        problems.append(Problem(label_of(item, spec.end), "too-long", str(longest)))
    return Window(start, end, tuple(problems))


def _ticks(item: Item, spec: Spec) -> tuple[str, ...]:
    """The labels of the checks whose ticking is not an edit."""
    form_field = item.form.field(spec.ticks) if item.form is not None and spec.ticks else None
    return form_field.options if form_field is not None else ()


def _revision(
    item: Item, ctx: Context, spec: Spec, written: BodyRevision, answers: Mapping[str, Any]
) -> Revision:
    fields = tuple((f, _text(answers.get(f))) for f in spec.fields)
    text = visible_text(written.body or "", _ticks(item, spec))
    return Revision(written.at, written.author, fields, _window(item, ctx, answers, spec), text)


def gap(written: BodyRevision) -> Revision:
    """A revision deleted from the history: when and by whom, nothing of what it said."""
    return Revision(written.at, written.author, (), Window(None, None, ()), deleted=True)


def _history(issue: Issue) -> list[BodyRevision]:
    """The body's versions, starting with a gap at the opening if the original is unknown,
    and ending with the current body."""
    history = list(issue.body_history())
    if utc(history[0].at) > utc(issue.created_at):
        history.insert(0, BodyRevision(at=issue.created_at, body=None, author=issue.author))
    if history[-1].body != issue.body:
        history.append(BodyRevision(at=issue.updated_at, body=issue.body, author=issue.author))
    return history


def read_revisions(item: Item, ctx: Context, spec: Spec) -> tuple[Revision, ...]:
    """Every revision of the body, gaps included, oldest first; the last is the current body."""
    out: list[Revision] = []
    for written in _history(item.issue):
        if written.body is None:
            out.append(gap(written))
            continue
        out.append(_revision(item, ctx, spec, written, item.answers_in(written.body)))
    return tuple(out)


def changed(before: Revision, after: Revision) -> bool:
    """Whether `after` is an edit of `before`: a gap on either side always may be."""
    if before.deleted or after.deleted:
        return True
    return before.fields != after.fields or before.text != after.text


def edits(revisions: Sequence[Revision]) -> tuple[Revision, ...]:
    """The revisions that changed the visible text, gaps included (the first revision is not
    an edit)."""
    return tuple(b for a, b in pairwise(revisions) if changed(a, b))


def since(revisions: Sequence[Revision], key: Callable[[Revision], object]) -> datetime:
    """When the current value of `key` was first stated: the earliest revision since which it
    has been the current one, never across a gap."""
    current = key(revisions[-1])
    found = revisions[-1].at
    for revision in reversed(revisions):
        if revision.deleted or key(revision) != current:
            break
        found = revision.at
    return found


def upto(revisions: Sequence[Revision], moment: datetime) -> tuple[Revision, ...]:
    """The revisions written at or before `moment`: the last is the version then current
    (a gap if that was deleted). Empty before the first: never a later version."""
    return tuple(r for r in revisions if utc(r.at) <= utc(moment))


@dataclass(frozen=True)
class Notice:
    """How much notice the current start time has had."""

    stated_at: datetime
    start: datetime
    needed: Duration
    qualifying: datetime  # the earliest start that this much notice allows

    @property
    def enough(self) -> bool:
        return self.qualifying <= self.start

    @property
    def given(self) -> timedelta:
        return self.start - self.stated_at


def read_notice(ctx: Context, revisions: Sequence[Revision], needed: Duration) -> Notice | None:
    """The notice of the last of `revisions`, if its window is usable."""
    if not revisions or not revisions[-1].window.valid:
        return None
    start = revisions[-1].window.start
    if start is None:  # pragma: no cover - a valid window has a start
        return None
    stated = since(revisions, lambda r: r.window.start)
    qualifying = utc(ctx.policy.calendar.add(stated, needed))
    return Notice(utc(stated), start, needed, qualifying)
