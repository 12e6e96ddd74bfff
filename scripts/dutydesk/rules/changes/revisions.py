"""The request as written, revision by revision: its fields, its window and its notice.

A *revision* is one version of the issue body, read: when it was written, by whom, the request
fields it states and the scheduled window. An *edit* is a revision that changed a request
field. *Notice* counts from when the current start time was first stated (the issue's
opening, or the edit that set it) to the start.

Emits: nothing (read by facts.py)
Reads: timezone, the business calendar (workdays, support, on_call, bank_holidays)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

from dutydesk.engine import Context, Item
from dutydesk.forms import parse_body
from dutydesk.rules.changes.fields import Spec
from dutydesk.time.durations import Duration
from dutydesk.time.times import TimeParseError, accepted_forms, parse_time


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the scheduled times, for the invalid-request comment."""

    field: str  # the field's label on the form
    kind: str  # "missing", "unreadable" or "order"
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
    """One revision of the body, read: its time, its author, its request fields, its window."""

    at: datetime
    author: str
    fields: tuple[tuple[str, str | None], ...]
    window: Window


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
    return Window(start, end, tuple(problems))


def _revision(
    item: Item, ctx: Context, spec: Spec, at: datetime, author: str, answers: Mapping[str, Any]
) -> Revision:
    fields = tuple((f, _text(answers.get(f))) for f in spec.fields)
    return Revision(at, author, fields, _window(item, ctx, answers, spec))


def read_revisions(item: Item, ctx: Context, spec: Spec) -> tuple[Revision, ...]:
    """Every known revision of the body, oldest first; the last is the current body."""
    history = list(item.issue.body_history())
    out: list[Revision] = []
    for written in history:
        if written.body is None:
            continue  # deleted from the history (TODO: a gap that voids approvals before it)
        answers = parse_body(item.form, written.body) if item.form is not None else item.answers
        out.append(_revision(item, ctx, spec, written.at, written.author, answers))
    if not history or history[-1].body != item.issue.body:
        issue = item.issue
        out.append(_revision(item, ctx, spec, issue.updated_at, issue.author, item.answers))
    return tuple(out)


def edits(revisions: Sequence[Revision]) -> tuple[Revision, ...]:
    """The revisions that changed a request field (the first revision is not an edit)."""
    return tuple(b for a, b in pairwise(revisions) if a.fields != b.fields)


def since(revisions: Sequence[Revision], key: Callable[[Revision], object]) -> datetime:
    """When the current value of `key` was first stated: the earliest revision since which it
    has been the current one."""
    current = key(revisions[-1])
    found = revisions[-1].at
    for revision in reversed(revisions):
        if key(revision) != current:
            break
        found = revision.at
    return found


def upto(revisions: Sequence[Revision], moment: datetime) -> tuple[Revision, ...]:
    """The revisions written at or before `moment` (at least the first)."""
    found = tuple(r for r in revisions if r.at <= moment)
    return found or tuple(revisions[:1])


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
