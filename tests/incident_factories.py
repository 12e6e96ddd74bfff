"""Builders for incident tests: issues filed from the real incident form, contexts, a desk."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from dutydesk.actions import Action
from dutydesk.engine import Context, Decision, reconcile, view
from dutydesk.forms import FormTemplate, load_templates, render_body
from dutydesk.io.apply import apply_plan
from dutydesk.io.memory import MemoryRepository
from dutydesk.markers import bot_comments
from dutydesk.model import Access, BodyRevision, Comment, EventKind, Issue, IssueEvent
from dutydesk.policy import Policy, parse_policy
from dutydesk.rules import incidents
from dutydesk.rules.incidents import Incident

ROOT = Path(__file__).resolve().parents[1]
FORMS: dict[str, FormTemplate] = load_templates(ROOT / ".github" / "ISSUE_TEMPLATE")
INCIDENT = FORMS["incident"]
BOT = "github-actions[bot]"
LONDON = ZoneInfo("Europe/London")
HANDLERS = {"incident": incidents.handle}
WRITERS = frozenset({"alice", "bob", "carol"})
BASE_POLICY: dict[str, Any] = {
    "priorities": {
        "P1": {"escalate_to": ["example-org/incident-managers"]},
        "P2": {"escalate_to": ["example-org/incident-managers"]},
    },
    "incidents": {"security_contacts": ["example-org/cyber-security"]},
}


def option(pid: str) -> str:
    """The incident form's dropdown option for a priority id ("P1" -> "P1 Critical – ...")."""
    field = INCIDENT.field("priority")
    assert field is not None
    return next(o for o in field.options if o.startswith(pid))


def at(text: str) -> datetime:
    """A moment written in London time: at("2026-11-23 10:00")."""
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


def body(priority: str | None = "P1", **answers: Any) -> str:
    values: dict[str, Any] = {
        "priority": option(priority) if priority in ("P1", "P2", "P3", "P4") else priority,
        "service": "Payments API",
        "description": "Card payments fail with a 502.",
    }
    values.update(answers)
    return render_body(INCIDENT, values)


def policy(**overrides: Any) -> Policy:
    data = dict(BASE_POLICY)
    data.update(overrides)
    return parse_policy(data)


def context(
    now: datetime,
    pol: Policy | None = None,
    writers: Iterable[str] | None = WRITERS,
    teams: Mapping[str, frozenset[str] | None] | None = None,
) -> Context:
    return Context(
        policy=pol or policy(),
        now=now,
        forms=FORMS,
        access=Access(
            writers=None if writers is None else frozenset(writers), teams=dict(teams or {})
        ),
    )


_ids = iter(range(5000, 10**9))


def comment(
    author: str, text: str, when: datetime, id: int | None = None, edited: datetime | None = None
) -> Comment:
    """A comment made at `when` (and last edited at `edited`, if given)."""
    return Comment(
        id=id if id is not None else next(_ids),
        author=author,
        body=text,
        created_at=when,
        updated_at=edited or when,
    )


def assigned(actor: str, who: str, when: datetime) -> IssueEvent:
    return IssueEvent(EventKind.ASSIGNED, actor, when, assignee=who)


def labelled(actor: str, label: str, when: datetime) -> IssueEvent:
    return IssueEvent(EventKind.LABELED, actor, when, label=label)


def unlabelled(actor: str, label: str, when: datetime) -> IssueEvent:
    return IssueEvent(EventKind.UNLABELED, actor, when, label=label)


def closed(actor: str, when: datetime) -> IssueEvent:
    return IssueEvent(EventKind.CLOSED, actor, when)


def reopened(actor: str, when: datetime) -> IssueEvent:
    return IssueEvent(EventKind.REOPENED, actor, when)


def make_issue(**overrides: Any) -> Issue:
    """An incident filed from the form; `priority=` and `answers=` shape its body.

    `edits=[(when, priority)]` adds body revisions that change the form's priority.
    """
    priority = overrides.pop("priority", "P1")
    answers = overrides.pop("answers", {})
    edits = overrides.pop("edits", [])
    created = overrides.get("created_at", at("2026-11-23 10:00"))
    text = body(priority, **answers)
    revisions = [BodyRevision(at=created, body=text, author="alice")]
    for when, new_priority in edits:
        text = body(new_priority, **answers)
        revisions.append(BodyRevision(at=when, body=text, author="alice"))
    issue = Issue(
        number=1,
        title="Payments API down",
        body=text,
        author="alice",
        state="open",
        created_at=created,
        updated_at=created,
        labels=frozenset({"incident"}),
        revisions=tuple(revisions),
    )
    return replace(issue, **overrides)


def decide(issue: Issue, ctx: Context) -> Decision:
    return reconcile(issue, ctx, HANDLERS)


def facts_of(issue: Issue, ctx: Context) -> Incident:
    """What the incident rules read from `issue`: the facts every rule decides from."""
    return incidents.read(view(issue, ctx, "incident"), ctx)


def by_rule(decision: Decision, rule: str) -> list[Action]:
    return [a for a in decision.actions if a.rule == rule]


def plan(actions: Iterable[Action]) -> list[tuple[str, str, str | None]]:
    """(rule, kind, key) of each action: what rule tests compare."""
    return [(a.rule, str(a.kind), a.key) for a in actions]


def keys(decision: Decision) -> list[str]:
    return [a.key for a in decision.actions if a.key]


@dataclass
class Desk:
    """A MemoryRepository with the incident rules: people act, then the bot reconciles."""

    pol: Policy = field(default_factory=policy)
    writers: Iterable[str] | None = WRITERS
    teams: Mapping[str, frozenset[str] | None] | None = None
    repo: MemoryRepository = field(init=False)
    log: list[tuple[datetime, Action]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.repo = MemoryRepository(bot=self.pol.bot)

    def open(
        self, when: datetime, priority: str | None = "P1", by: str = "alice", **answers: Any
    ) -> int:
        self.repo.now = when
        return self.repo.open_issue(
            by, "Payments API down", body(priority, **answers), ["incident"]
        )

    def ctx(self, when: datetime) -> Context:
        return context(when, self.pol, self.writers, self.teams)

    def run(self, when: datetime, number: int = 1) -> Decision:
        """Reconcile at `when` and apply the plan, as the event job or a sweep does."""
        self.repo.now = when
        decision = decide(self.repo.get_issue(number), self.ctx(when))
        apply_plan(self.repo, decision.actions, dry_run=False)
        self.log += [(when, a) for a in decision.actions]
        return decision

    def every(self, start: datetime, end: datetime, step: timedelta, number: int = 1) -> None:
        """Reconcile at every `step` from `start` to `end` (a sweep on a schedule)."""
        moment = start
        while moment <= end:
            self.run(moment, number)
            moment += step

    def say(self, when: datetime, who: str, text: str, number: int = 1) -> int:
        self.repo.now = when
        return self.repo.comment(who, number, text)

    def incident(self, when: datetime, number: int = 1) -> Incident:
        """What the incident rules read at `when` from the issue as it stands."""
        return facts_of(self.repo.get_issue(number), self.ctx(when))

    def card(self, number: int = 1) -> str:
        """The status card's text as it stands."""
        return bot_comments(self.repo.get_issue(number).comments, self.pol.bot)[
            "incident.status"
        ].body

    def posted(self, rule: str) -> list[tuple[datetime, Action]]:
        return [(w, a) for w, a in self.log if a.rule == rule and a.comment_id is None]

    def planned(self, rule: str, kind: str | None = None) -> list[tuple[datetime, Action]]:
        """Every action of a rule planned so far (posts, edits, labels, assignments)."""
        return [(w, a) for w, a in self.log if a.rule == rule and (kind is None or a.kind == kind)]

    def bot_comment(self, key: str, number: int = 1) -> str:
        """The text of the bot's comment with this key as it stands."""
        return bot_comments(self.repo.get_issue(number).comments, self.pol.bot)[key].body


class UnassignableRepository(MemoryRepository):
    """Like GitHub's POST /issues/{n}/assignees: logins that cannot be assigned (not in
    `assignable`) are dropped silently, with no error and no `assigned` event."""

    def __init__(self, assignable: Iterable[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.assignable = frozenset(a.lower() for a in assignable)
        self.assign_calls = 0

    def assign(self, number: int, users: Iterable[str]) -> None:
        self.writes += 1
        self.assign_calls += 1
        self.set_assignees(self.bot, number, [u for u in users if u.lower() in self.assignable])


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def table_cells(row: str) -> list[str]:
    """A Markdown table row split as GitHub splits it: a backslash escapes the next character,
    and every other `|` ends a cell."""
    cells: list[str] = []
    current, index = "", 0
    while index < len(row):
        char = row[index]
        if char == "\\":
            current += row[index : index + 2]
            index += 2
            continue
        if char == "|":
            cells.append(current)
            current = ""
        else:
            current += char
        index += 1
    return [*cells, current]
