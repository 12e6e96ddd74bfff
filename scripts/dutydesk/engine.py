"""Reconcile: look at an issue's whole state and the policy at `now`, return what to do.

Nothing here reads the clock, the environment or the network. The CLI reads a snapshot
through an adapter, calls `reconcile`, and hands the plan to `apply`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from dutydesk.actions import Action, Kind
from dutydesk.forms import FormTemplate, identify_form, parse_body
from dutydesk.markers import bot_comments, with_marker
from dutydesk.model import Access, Comment, Issue
from dutydesk.people import same
from dutydesk.policy import Policy

T = TypeVar("T")


@dataclass(frozen=True)
class Context:
    """Everything a rule may look at besides the issue itself."""

    policy: Policy
    now: datetime
    forms: Mapping[str, FormTemplate]
    access: Access = field(default_factory=Access)
    # What has been read from an item under this context, by what it was read from (so that
    # the sweep summary takes an incident's facts from the reading its plan was made from,
    # not from a second reading): see `once`.
    _once: dict[tuple[object, ...], tuple[object, object]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        # Compare instants, never wall-clock readings: two datetimes that share a ZoneInfo
        # compare by their local fields, which is wrong in the repeated autumn hour.
        if self.now.tzinfo is None:
            raise ValueError("Context.now must be timezone-aware")
        object.__setattr__(self, "now", self.now.astimezone(UTC))

    def is_bot(self, login: str) -> bool:
        return login.lower() == self.policy.bot.lower()

    def once(self, name: str, source: object, read: Callable[[], T], *extra: object) -> T:
        """`read()` the first time it is asked for `name` of this very `source` object (and
        `extra`) under this context, the same result after: a pure reading of an unchanging
        snapshot, made once however many rules and views ask."""
        key = (name, id(source), *extra)
        found = self._once.get(key)
        if found is not None and found[0] is source:
            return found[1]  # type: ignore[return-value]
        value = read()
        self._once[key] = (source, value)  # the source kept alive, so its id stays its own
        return value


@dataclass(frozen=True)
class Decision:
    """The actions planned for one issue, and when it next needs looking at."""

    actions: tuple[Action, ...] = ()
    next_check: datetime | None = None

    def __add__(self, other: Decision) -> Decision:
        return Decision(self.actions + other.actions, earliest(self.next_check, other.next_check))


def earliest(*moments: datetime | None) -> datetime | None:
    present = [m for m in moments if m is not None]
    return min(present) if present else None


@dataclass(frozen=True)
class Item:
    """An issue as a rule sees it: the snapshot, its form answers and the bot's own comments."""

    issue: Issue
    form: FormTemplate | None
    answers: Mapping[str, Any]  # the form's answers in the current body
    mine: Mapping[str, Comment]
    # The answers of the other versions of the body read so far: each is read once per
    # reconcile, however many rules look at the body's history.
    _read: dict[str, Mapping[str, Any]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @property
    def number(self) -> int:
        return self.issue.number

    def answers_in(self, body: str) -> Mapping[str, Any]:
        """The form's answers in one version of the body (`answers` for the current one, and
        with no form). Parsed once: the result is shared, and nobody may change it."""
        if self.form is None or body == self.issue.body:
            return self.answers
        found = self._read.get(body)
        if found is None:
            found = self._read[body] = parse_body(self.form, body)
        return found


Handler = Callable[[Item, Context], Decision]
"""A form's handler: read the item's facts once, then run that form's rules over them."""


class Facts(Protocol):
    """What a rule reads: the item and the context, and the facts its module read from them."""

    @property
    def item(self) -> Item: ...

    @property
    def ctx(self) -> Context: ...


F = TypeVar("F", bound=Facts)
RuleFn = Callable[[F], Decision]
"""Every rule has this one signature: facts in, a decision out."""


def run_rules(facts: F, rules: Iterable[Callable[[F], Decision]]) -> Decision:
    """Each rule in order over the same facts, their decisions added up (as `+` adds them,
    in one step: the actions in order, the earliest next check)."""
    actions: list[Action] = []
    checks: list[datetime | None] = []
    for rule in rules:
        decision = rule(facts)
        actions += decision.actions
        checks.append(decision.next_check)
    return Decision(tuple(actions), earliest(*checks))


def view(issue: Issue, ctx: Context, kind: str | None = None) -> Item:
    """The item as a rule sees it, made once per issue snapshot and kind under a context: its
    body parsed once, however many rules and views look."""
    return ctx.once("view", issue, lambda: _view(issue, ctx, kind), kind)


def _view(issue: Issue, ctx: Context, kind: str | None) -> Item:
    form = ctx.forms.get(kind) if kind else None
    if form is None:
        form = identify_form(ctx.forms, issue.labels, issue.body)
    answers = parse_body(form, issue.body) if form is not None else {}
    return Item(
        issue=issue, form=form, answers=answers, mine=bot_comments(issue.comments, ctx.policy.bot)
    )


def kind_of(issue: Issue, ctx: Context, handlers: Mapping[str, Handler]) -> str | None:
    """Which form (and so which handler) an issue belongs to: by label, else by its body."""
    best: tuple[int, str] | None = None
    for name, form in ctx.forms.items():
        matches = form.labels and all(lbl in issue.labels for lbl in form.labels)
        if name in handlers and matches and (best is None or len(form.labels) > best[0]):
            best = (len(form.labels), name)
    if best is not None:
        return best[1]
    found = identify_form(ctx.forms, issue.labels, issue.body)
    return found.name if found is not None and found.name in handlers else None


def reconcile(issue: Issue, ctx: Context, handlers: Mapping[str, Handler]) -> Decision:
    kind = kind_of(issue, ctx, handlers)
    if kind is None:
        return Decision()
    return handlers[kind](view(issue, ctx, kind), ctx)


# -- helpers every rule uses -------------------------------------------------------------


def post_once(item: Item, rule: str, key: str, body: str | Callable[[], str]) -> tuple[Action, ...]:
    """A comment the bot posts once for `key` and never repeats. `body` may be a function
    that renders it: it is called only when the comment is still to be posted."""
    if key in item.mine:
        return ()
    text = body() if callable(body) else body
    return (Action(Kind.COMMENT, rule, item.number, body=text, key=key),)


def upsert(item: Item, rule: str, key: str, body: str) -> tuple[Action, ...]:
    """A comment kept in place: posted once, then edited when its text changes or when someone
    else has edited it (the bot puts its own text back)."""
    existing = item.mine.get(key)
    if existing is None:
        return (Action(Kind.COMMENT, rule, item.number, body=body, key=key),)
    untouched = same(existing.written_by, existing.author)  # nobody else edited it
    if untouched and existing.body.strip() == with_marker(key, body).strip():
        return ()
    return (Action(Kind.COMMENT, rule, item.number, body=body, key=key, comment_id=existing.id),)


def teams_in(people: Iterable[str]) -> set[str]:
    return {p.lower() for p in people if "/" in p}
