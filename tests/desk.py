"""The one test factory module: moments, people, policies, snapshots and a desk over memory.

One meaning per name:
- Moments are written as text in a named zone: `london("2026-11-23 10:00")` is the moment London
  clocks show 10:00, in UTC as GitHub reports every timestamp; `utc(text)` reads the text as
  UTC; `local(text)` is the London moment zoned Europe/London, as a rule hands a time to a
  template (only template tests build those by hand).
- Event builders read as GitHub's record does, who did what when: `comment(actor, text, when)`,
  `labelled(actor, label, when)`, `assigned(actor, who, when)`, `closed(actor, when)`.
- `make_issue(form, ...)` is a bare snapshot filed from a form; a `Desk` is an in-memory
  repository driven over time (`desk.say(when, actor, text)`: at a moment, someone acts).
  A desk method named like a module function is that function applied to the desk's issue at
  `when` (`desk.incident_facts(when)` is `incident_facts(issue, ctx)`).
- Helpers over planned actions all take actions (`decision.actions`), never a decision.

The incident people are alice (who files), bob and carol, the repository's writers. The change
people are rita (who requests), dana and erin (the approvers) and sam (a stranger); the rota puts
alice-oncall and bob-oncall on call in the week of 23 November 2026. The default change request is
for Wednesday 25 November 2026 18:00-20:00 GMT (on-call hours), filed on Friday 20 November.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from dutydesk.actions import Action, Kind
from dutydesk.engine import Context, Decision, Handler, reconcile, view
from dutydesk.forms import FormTemplate, load_templates, parse_body, render_body
from dutydesk.io.apply import apply_plan
from dutydesk.io.memory import MemoryRepository
from dutydesk.markers import bot_comments
from dutydesk.model import Access, BodyRevision, Comment, EventKind, Issue, IssueEvent
from dutydesk.policy import Policy, deep_merge, parse_policy
from dutydesk.registry import handlers, kind
from dutydesk.rules import incidents
from dutydesk.rules.changes.facts import Facts, read_facts
from dutydesk.rules.changes.maintenance import MaintenanceFacts, read_maintenance
from dutydesk.rules.incidents import Incident

ROOT = Path(__file__).resolve().parents[1]
FORMS: Mapping[str, FormTemplate] = load_templates(ROOT / ".github" / "ISSUE_TEMPLATE")
INCIDENT = "incident"
CHANGE = "out-of-hours-change"
MAINTENANCE = "planned-maintenance"
#: The registry's table, form -> handler: every issue is reconciled as the CLI reconciles it.
HANDLERS: Mapping[str, Handler] = handlers()
LONDON = ZoneInfo("Europe/London")
BOT = "github-actions[bot]"

# -- moments ---------------------------------------------------------------------------------


def london(text: str) -> datetime:
    """The moment London clocks show `text` ("2026-11-23 10:00"), in UTC as GitHub reports it."""
    return local(text).astimezone(UTC)


def utc(text: str) -> datetime:
    """The moment UTC clocks show `text`."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is not None:
        raise ValueError(f"write {text!r} without an offset: utc() says which zone it is in")
    return moment.replace(tzinfo=UTC)


def local(text: str) -> datetime:
    """The moment London clocks show `text`, zoned Europe/London (a time as a template gets it)."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is not None:
        raise ValueError(f"write {text!r} without an offset: local() says which zone it is in")
    return moment.replace(tzinfo=LONDON)


# -- people and the policy -------------------------------------------------------------------

WRITERS = frozenset({"alice", "bob", "carol"})
REQUESTER = "rita"
APPROVER = "dana"
OTHER_APPROVER = "erin"
STRANGER = "sam"
TEAM = "example-org/platform"
ROTA = [
    {"from": "2026-11-16", "primary": "carol-oncall", "secondary": "alice-oncall"},
    {"from": "2026-11-23", "primary": "alice-oncall", "secondary": "bob-oncall"},
    {"from": "2026-11-30", "primary": "bob-oncall", "secondary": "carol-oncall"},
]
#: The policy every test starts from: escalation and security contacts, approvers, a rota.
POLICY: dict[str, Any] = {
    "priorities": {
        "P1": {"escalate_to": ["example-org/incident-managers"]},
        "P2": {"escalate_to": ["example-org/incident-managers"]},
    },
    "incidents": {"security_contacts": ["example-org/cyber-security"]},
    "changes": {"approvers": [APPROVER, OTHER_APPROVER]},
    "rota": ROTA,
}


def make_policy(**sections: Any) -> Policy:
    """POLICY with `sections` merged in key by key (a list or a value replaces the base's)."""
    return parse_policy(deep_merge(POLICY, sections))


def access(
    writers: Iterable[str] | None = WRITERS,
    teams: Mapping[str, Iterable[str] | None] | None = None,
) -> Access:
    """Who may do what: the writers (None: unreadable) and team members (None: unreadable)."""
    return Access(
        writers=None if writers is None else frozenset(w.lower() for w in writers),
        teams={
            team.lower(): None if members is None else frozenset(m.lower() for m in members)
            for team, members in (teams or {}).items()
        },
    )


#: The access every test starts from: alice, bob and carol may write; no team can be read.
ACCESS = access()


def context(now: datetime, policy: Policy | None = None, access: Access | None = None) -> Context:
    """What a rule decides from besides the issue: the policy, `now`, the forms, the access."""
    return Context(policy=policy or make_policy(), now=now, forms=FORMS, access=access or ACCESS)


# -- forms and snapshots ---------------------------------------------------------------------

STAKEHOLDERS = "Stakeholders have been informed"
BACKUPS = "Backup and rollback procedures have been verified"


@dataclass(frozen=True)
class Filing:
    """How a form's issue is filed unless a test says otherwise."""

    title: str
    author: str
    opened: datetime
    answers: Mapping[str, Any]


FILINGS: Mapping[str, Filing] = {
    INCIDENT: Filing(
        "Payments API down",
        "alice",
        london("2026-11-23 10:00"),
        {
            "priority": "P1",
            "service": "Payments API",
            "description": "Card payments fail with a 502.",
        },
    ),
    CHANGE: Filing(
        "[Change] Upgrade the payments database",
        REQUESTER,
        london("2026-11-20 10:00"),
        {
            "service": "Payments API",
            "change-details": "Upgrade the database from PostgreSQL 14 to 16.",
            "scheduled-start": "2026-11-25 18:00",
            "scheduled-end": "2026-11-25 20:00",
            "impact": "Payments unavailable for up to 30 minutes.",
            "rollback": "Restore the snapshot taken before the upgrade (20 minutes).",
            "checks": [],
        },
    ),
    MAINTENANCE: Filing(
        "[Maintenance] Street works register read-only",
        REQUESTER,
        london("2026-11-20 10:00"),
        {
            "service": "Street works register",
            "downtime-start": "2026-11-30 18:00",
            "downtime-end": "2026-11-30 20:00",
            "user-impact": "The register is read-only.",
            "communication": "Service banner and an email to all users.",
        },
    ),
}

#: The default incident's opening (a Monday morning) and five minutes later.
MONDAY = FILINGS[INCIDENT].opened
SOON = london("2026-11-23 10:05")
#: The default change request's opening, start and end, and three moments after the opening.
OPENED = FILINGS[CHANGE].opened
START = london("2026-11-25 18:00")
END = london("2026-11-25 20:00")
T1 = london("2026-11-20 11:00")
T2 = london("2026-11-20 12:00")
T3 = london("2026-11-20 13:00")


def priority_option(pid: str) -> str:
    """The incident form's priority option for an id ("P1" -> "P1 Critical – ...")."""
    found = FORMS[INCIDENT].field("priority")
    assert found is not None
    return next(o for o in found.options if o.startswith(pid))


def answers_of(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """`base` with `changes`: keyword spellings with underscores become field ids with hyphens."""
    out = dict(base)
    for key, value in changes.items():
        out[key.replace("_", "-")] = value
    return out


def body(form: str, **answers: Any) -> str:
    """The body of an issue filed from `form` with its default answers and these.

    For an incident a priority written as an id ("P2") is the dropdown's option."""
    values = answers_of(FILINGS[form].answers, answers)
    if form == INCIDENT and values.get("priority") in ("P1", "P2", "P3", "P4"):
        values["priority"] = priority_option(values["priority"])
    return render_body(FORMS[form], values)


def make_issue(
    form: str = INCIDENT,
    *,
    answers: Mapping[str, Any] | None = None,
    edits: Iterable[tuple[datetime, Mapping[str, Any]]] = (),
    priority: str | None = "P1",
    **fields: Any,
) -> Issue:
    """A snapshot of an issue filed from `form`, number 1, open, with the form's labels.

    `answers` change the form's default answers; each of `edits`, (when, answers), is a later
    body revision by the author. `priority` is the incident form's answer (the others have
    none). Any other keyword is a field of the Issue (`created_at`, `comments`, `labels`, ...);
    `updated_at` is the last revision or comment unless given.
    """
    filing = FILINGS[form]
    author = fields.get("author", filing.author)
    created = fields.get("created_at", filing.opened)
    current = answers_of({"priority": priority} if form == INCIDENT else {}, answers or {})
    revisions = [BodyRevision(created, body(form, **current), author)]
    for when, change in edits:
        current = answers_of(current, change)
        revisions.append(BodyRevision(when, body(form, **current), author))
    for name in ("comments", "events", "assignees", "revisions"):
        if name in fields:
            fields[name] = tuple(fields[name])
    if "labels" in fields:
        fields["labels"] = frozenset(fields["labels"])
    moments = [r.at for r in revisions] + [c.created_at for c in fields.get("comments", ())]
    issue = Issue(
        number=1,
        title=filing.title,
        body=revisions[-1].body,
        author=author,
        state="open",
        created_at=created,
        updated_at=max(moments),
        labels=frozenset(FORMS[form].labels),
        revisions=tuple(revisions),
    )
    return replace(issue, **fields)


# -- events, as GitHub records them: who did what when ---------------------------------------

_ids = iter(range(5000, 10**9))


def comment(
    actor: str, text: str, when: datetime, id: int | None = None, edited: datetime | None = None
) -> Comment:
    """A comment `actor` made at `when` (and last edited at `edited`, if given)."""
    return Comment(
        id=id if id is not None else next(_ids),
        author=actor,
        body=text,
        created_at=when,
        updated_at=edited or when,
    )


def said(*lines: tuple[str, str]) -> tuple[Comment, ...]:
    """Comments numbered 100, 101, ..., a minute apart from SOON, each (actor, text)."""
    return tuple(
        comment(actor, text, SOON + timedelta(minutes=i), id=100 + i)
        for i, (actor, text) in enumerate(lines)
    )


def thread(*lines: tuple[str, str, datetime]) -> tuple[Comment, ...]:
    """Comments numbered 2000, 2001, ... in order, each (actor, text, when)."""
    return tuple(
        comment(actor, text, when, id=2000 + n) for n, (actor, text, when) in enumerate(lines)
    )


def labelled(actor: str, label: str, when: datetime) -> IssueEvent:
    return IssueEvent(EventKind.LABELED, actor, when, label=label)


def unlabelled(actor: str, label: str, when: datetime) -> IssueEvent:
    return IssueEvent(EventKind.UNLABELED, actor, when, label=label)


def assigned(actor: str, who: str, when: datetime) -> IssueEvent:
    return IssueEvent(EventKind.ASSIGNED, actor, when, assignee=who)


def closed(actor: str, when: datetime) -> IssueEvent:
    return IssueEvent(EventKind.CLOSED, actor, when)


def reopened(actor: str, when: datetime) -> IssueEvent:
    return IssueEvent(EventKind.REOPENED, actor, when)


# -- deciding, and reading what was decided --------------------------------------------------


def decide(issue: Issue, ctx: Context) -> Decision:
    """What the bot plans for `issue`: the registry's handler for its form."""
    return reconcile(issue, ctx, HANDLERS)


def incident_facts(issue: Issue, ctx: Context) -> Incident:
    """What the incident rules read from `issue`: the facts every incident rule decides from."""
    return incidents.read(view(issue, ctx, INCIDENT), ctx)


def change_facts(issue: Issue, ctx: Context) -> Facts:
    """What the change rules read from `issue`: revisions, notice, approval outcome."""
    return read_facts(view(issue, ctx, CHANGE), ctx)


def maintenance_facts(issue: Issue, ctx: Context) -> MaintenanceFacts:
    """What the maintenance rules read from `issue`."""
    return read_maintenance(view(issue, ctx, MAINTENANCE), ctx)


def plan(actions: Iterable[Action]) -> list[tuple[str, str, str | None]]:
    """(rule, kind, key) of each action: what rule tests compare."""
    return [(a.rule, str(a.kind), a.key) for a in actions]


def kinds(actions: Iterable[Action]) -> list[tuple[str, str]]:
    """(rule, kind) of each action."""
    return [(a.rule, str(a.kind)) for a in actions]


def keys(actions: Iterable[Action]) -> list[str]:
    """The keys of the actions that have one."""
    return [a.key for a in actions if a.key]


def by_rule(actions: Iterable[Action], rule: str) -> list[Action]:
    return [a for a in actions if a.rule == rule]


def comments_of(actions: Iterable[Action]) -> list[Action]:
    return [a for a in actions if a.kind is Kind.COMMENT]


def texts(actions: Iterable[Action]) -> str:
    """The bodies of the actions, one after another."""
    return "\n".join(a.body or "" for a in actions)


def cases(*rows: tuple[object, ...]) -> list[Any]:
    """Table rows whose first value, the situation, is the test id."""
    return [pytest.param(*row, id=str(row[0])) for row in rows]


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


# -- a desk: an in-memory repository driven over time ----------------------------------------


class Desk:
    """People act at a moment; the bot reconciles with the real handlers and applies its plan.

    `reacts`: the bot reconciles after every act, at its moment, as the event workflow does;
    without it the bot runs only when told (`run`, `every`: sweeps on a schedule).
    `idempotent`: after every run, reconcile again at the same moment and insist that nothing
    more is planned. (The incident tests' desks run neither way: they say when the bot runs,
    and a lead GitHub did not assign reaches the card only on the run after the assignment.)
    """

    def __init__(
        self,
        policy: Policy | None = None,
        *,
        writers: Iterable[str] | None = WRITERS,
        teams: Mapping[str, Iterable[str] | None] | None = None,
        reacts: bool = True,
        idempotent: bool = True,
    ) -> None:
        self.policy = policy or make_policy()
        self.access = access(writers, teams)
        self.reacts = reacts
        self.idempotent = idempotent
        self.repo = MemoryRepository(bot=self.policy.bot)
        self.log: list[tuple[datetime, Action]] = []

    # -- people act

    def open(self, when: datetime, form: str, by: str | None = None, **answers: Any) -> int:
        """`by` (the form's usual author) files an issue from `form`; returns its number."""
        self.repo.now = when
        filing = FILINGS[form]
        number = self.repo.open_issue(
            by or filing.author, filing.title, body(form, **answers), FORMS[form].labels
        )
        self._acted(when, number)
        return number

    def edit(self, when: datetime, by: str | None = None, number: int = 1, **answers: Any) -> None:
        """`by` (the author) edits the form's answers; unnamed answers stay as they are."""
        self.repo.now = when
        issue = self.repo.get_issue(number)
        form = kind(issue, self.context_at(when))
        assert form is not None, f"issue #{number} was filed from no form the bot handles"
        current = {
            key: list(value["selected"]) if isinstance(value, dict) else value
            for key, value in parse_body(FORMS[form], issue.body).items()
        }
        text = render_body(FORMS[form], answers_of(current, answers))
        self.repo.edit_body(by or issue.author, number, text)
        self._acted(when, number)

    def say(self, when: datetime, actor: str, text: str, number: int = 1) -> int:
        """`actor` comments; returns the comment's id."""
        self.repo.now = when
        comment_id = self.repo.comment(actor, number, text)
        self._acted(when, number)
        return comment_id

    def edit_comment(
        self, when: datetime, actor: str, comment_id: int, text: str, number: int = 1
    ) -> None:
        self.repo.now = when
        self.repo.edit_comment(actor, number, comment_id, text)
        self._acted(when, number)

    def label(
        self,
        when: datetime,
        actor: str,
        add: Sequence[str] = (),
        remove: Sequence[str] = (),
        number: int = 1,
    ) -> None:
        self.repo.now = when
        self.repo.set_labels(actor, number, add, remove)
        self._acted(when, number)

    def assign(self, when: datetime, actor: str, users: Iterable[str], number: int = 1) -> None:
        self.repo.now = when
        self.repo.set_assignees(actor, number, users)
        self._acted(when, number)

    def close(self, when: datetime, actor: str, number: int = 1) -> None:
        self.repo.now = when
        self.repo.set_state(actor, number, "closed")
        self._acted(when, number)

    def reopen(self, when: datetime, actor: str, number: int = 1) -> None:
        self.repo.now = when
        self.repo.set_state(actor, number, "open")
        self._acted(when, number)

    def retitle(self, when: datetime, actor: str, title: str, number: int = 1) -> None:
        """`actor` changes the issue's title (GitHub records a `renamed` event)."""
        self.repo.now = when
        self.repo.edit_title(actor, number, title)
        self._acted(when, number)

    def delete_revision(self, when: datetime, actor: str, k: int, number: int = 1) -> None:
        """`actor` deletes the k-th version of the body (1 = as opened) from its edit history."""
        self.repo.now = when
        self.repo.delete_revision(actor, number, k)
        self._acted(when, number)

    def _acted(self, when: datetime, number: int) -> None:
        if self.reacts:
            self.run(when, number)

    # -- the bot runs

    def run(self, when: datetime, number: int = 1) -> Decision:
        """Reconcile at `when` and apply the plan, as the event workflow or a sweep does."""
        decision = self._decide(when, number)
        apply_plan(self.repo, decision.actions, dry_run=False)
        self.log += [(when, a) for a in decision.actions]
        if self.idempotent:
            again = self._decide(when, number)
            assert again.actions == (), f"not idempotent at {when}: {again.actions}"
        return decision

    def every(self, start: datetime, end: datetime, step: timedelta, number: int = 1) -> None:
        """Run at every `step` from `start` to `end` (a sweep on a schedule)."""
        moment = start
        while moment <= end:
            self.run(moment, number)
            moment += step

    def _decide(self, when: datetime, number: int) -> Decision:
        self.repo.now = when
        return decide(self.repo.get_issue(number), self.context_at(when))

    # -- what stands

    def context_at(self, when: datetime) -> Context:
        return context(when, self.policy, self.access)

    def issue(self, number: int = 1) -> Issue:
        return self.repo.get_issue(number)

    def incident_facts(self, when: datetime, number: int = 1) -> Incident:
        return incident_facts(self.issue(number), self.context_at(when))

    def change_facts(self, when: datetime, number: int = 1) -> Facts:
        return change_facts(self.issue(number), self.context_at(when))

    def maintenance_facts(self, when: datetime, number: int = 1) -> MaintenanceFacts:
        return maintenance_facts(self.issue(number), self.context_at(when))

    def actions(self, rule: str | None = None) -> list[Action]:
        """Every action planned so far (of `rule`, if given)."""
        return [a for _, a in self.log if rule is None or a.rule == rule]

    def planned(self, rule: str, kind: str | None = None) -> list[tuple[datetime, Action]]:
        """Every action of `rule` (of `kind`, if given) planned so far, with when."""
        return [(w, a) for w, a in self.log if a.rule == rule and (kind is None or a.kind == kind)]

    def posted(self, rule: str) -> list[tuple[datetime, Action]]:
        """The actions of `rule` planned so far other than edits of a comment, with when."""
        return [(w, a) for w, a in self.log if a.rule == rule and a.comment_id is None]

    def from_bot(self, number: int = 1) -> list[Comment]:
        """The bot's comments on the issue, oldest first."""
        return [c for c in self.issue(number).comments if c.author == self.policy.bot]

    def bot_text(self, key: str, number: int = 1) -> str:
        """The text of the bot's comment with this key as it stands."""
        return bot_comments(self.issue(number).comments, self.policy.bot)[key].body

    def card(self, number: int = 1) -> str:
        """The incident status card's text as it stands."""
        return self.bot_text("incident.status", number)


def approved_desk() -> Desk:
    """The default change request, opened at OPENED and approved by dana at T1."""
    desk = Desk()
    desk.open(OPENED, CHANGE)
    desk.say(T1, APPROVER, "/approve")
    assert "approved" in desk.issue().labels
    return desk


def done_desk() -> Desk:
    """An approved change whose window has ended: the first post-change prompt is posted."""
    desk = approved_desk()
    desk.run(END)
    return desk


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
