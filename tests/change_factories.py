"""Builders for change-request tests: policies, issue snapshots and a desk over memory.

Times in tests are written as text: ``"2026-11-23 10:00"`` is London local time, text with an
offset is exact. The default request is for Wednesday 25 November 2026 18:00-20:00 GMT (on-call hours).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from dutydesk.actions import Action, Kind
from dutydesk.engine import Context, Decision, Handler, reconcile, teams_in, view
from dutydesk.forms import FormTemplate, load_templates, render_body
from dutydesk.io.apply import apply_plan
from dutydesk.io.memory import MemoryRepository
from dutydesk.markers import with_marker
from dutydesk.model import Access, BodyRevision, Comment, EventKind, Issue, IssueEvent
from dutydesk.policy import Policy, deep_merge, parse_policy
from dutydesk.rules.changes import handle_change, handle_maintenance
from dutydesk.rules.changes.facts import Facts, read_facts
from dutydesk.rules.changes.maintenance import MaintenanceFacts, read_maintenance

ROOT = Path(__file__).resolve().parent.parent
FORMS: Mapping[str, FormTemplate] = load_templates(ROOT / ".github" / "ISSUE_TEMPLATE")
CHANGE = "out-of-hours-change"
MAINTENANCE = "planned-maintenance"
HANDLERS: Mapping[str, Handler] = {CHANGE: handle_change, MAINTENANCE: handle_maintenance}
LONDON = ZoneInfo("Europe/London")
BOT = "github-actions[bot]"

REQUESTER = "rita"
APPROVER = "dana"
OTHER_APPROVER = "erin"
STRANGER = "sam"
STAKEHOLDERS = "Stakeholders have been informed"
BACKUPS = "Backup and rollback procedures have been verified"

ROTA = [
    {"from": "2026-11-16", "primary": "carol-oncall", "secondary": "alice-oncall"},
    {"from": "2026-11-23", "primary": "alice-oncall", "secondary": "bob-oncall"},
    {"from": "2026-11-30", "primary": "bob-oncall", "secondary": "carol-oncall"},
]

CHANGE_DEFAULTS: dict[str, Any] = {
    "service": "Payments API",
    "change-details": "Upgrade the database from PostgreSQL 14 to 16.",
    "scheduled-start": "2026-11-25 18:00",
    "scheduled-end": "2026-11-25 20:00",
    "impact": "Payments unavailable for up to 30 minutes.",
    "rollback": "Restore the snapshot taken before the upgrade (20 minutes).",
    "checks": [],
}
MAINTENANCE_DEFAULTS: dict[str, Any] = {
    "service": "Street works register",
    "downtime-start": "2026-11-30 18:00",
    "downtime-end": "2026-11-30 20:00",
    "user-impact": "The register is read-only.",
    "communication": "Service banner and an email to all users.",
}


def at(text: str) -> datetime:
    """London local time, or exact time with an offset; always returned in UTC."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LONDON)
    return moment.astimezone(UTC)


#: The default request's opening, start and end, and three moments after the opening.
OPENED = at("2026-11-20 10:00")
START = at("2026-11-25 18:00")
END = at("2026-11-25 20:00")
T1 = at("2026-11-20 11:00")
T2 = at("2026-11-20 12:00")
T3 = at("2026-11-20 13:00")
TEAM = "example-org/platform"


def make_policy(**changes: Any) -> Policy:
    """The default policy with approvers dana and erin, a rota, and `changes` overrides."""
    data: dict[str, Any] = {
        "changes": {"approvers": [APPROVER, OTHER_APPROVER]},
        "rota": ROTA,
    }
    return parse_policy(deep_merge(data, {"changes": changes}) if changes else data)


def fields_of(defaults: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Answers by field id; keyword spellings with underscores become ids with hyphens."""
    out = dict(defaults)
    for key, value in overrides.items():
        out[key.replace("_", "-")] = value
    return out


def change_body(**overrides: Any) -> str:
    return render_body(FORMS[CHANGE], fields_of(CHANGE_DEFAULTS, overrides))


@dataclass
class IssueBuilder:
    """A change-request snapshot built by hand (no repository), for table tests."""

    opened: datetime = field(default_factory=lambda: at("2026-11-20 10:00"))
    author: str = REQUESTER
    fields: dict[str, Any] = field(default_factory=dict)
    edits: list[tuple[datetime, dict[str, Any]]] = field(default_factory=list)
    comments: list[tuple[datetime, str, str]] = field(default_factory=list)
    labels: set[str] = field(default_factory=lambda: {"change-request"})
    events: list[IssueEvent] = field(default_factory=list)
    assignees: tuple[str, ...] = ()
    state: str = "open"

    def build(self) -> Issue:
        current = fields_of(CHANGE_DEFAULTS, self.fields)
        revisions = [BodyRevision(self.opened, render_body(FORMS[CHANGE], current), self.author)]
        for moment, change in self.edits:
            current = fields_of(current, change)
            revisions.append(BodyRevision(moment, render_body(FORMS[CHANGE], current), self.author))
        comments = tuple(
            Comment(2000 + n, who, text, moment, moment)
            for n, (moment, who, text) in enumerate(self.comments)
        )
        last = max([r.at for r in revisions] + [c.created_at for c in comments])
        return Issue(
            number=1,
            title="[Change] Upgrade the payments database",
            body=revisions[-1].body,
            author=self.author,
            state=self.state,
            created_at=self.opened,
            updated_at=last,
            labels=frozenset(self.labels),
            assignees=self.assignees,
            comments=comments,
            events=tuple(self.events),
            revisions=tuple(revisions),
        )


def make_issue(**overrides: Any) -> Issue:
    """A change-request snapshot; keywords are the fields of :class:`IssueBuilder`."""
    return IssueBuilder(**overrides).build()


def bot_comment(key: str, moment: datetime) -> tuple[datetime, str, str]:
    """A marked bot comment, for `IssueBuilder.comments`."""
    return (moment, BOT, with_marker(key, "(an earlier bot comment)"))


def labelled(label: str, actor: str, moment: datetime) -> IssueEvent:
    return IssueEvent(EventKind.LABELED, actor, moment, label=label)


def context(
    now: datetime,
    policy: Policy | None = None,
    access: Access | None = None,
) -> Context:
    return Context(policy=policy or make_policy(), now=now, forms=FORMS, access=access or Access())


def decide(
    issue: Issue, now: datetime, policy: Policy | None = None, access: Access | None = None
) -> Decision:
    return reconcile(issue, context(now, policy, access), HANDLERS)


def facts_of(
    issue: Issue, now: datetime, policy: Policy | None = None, access: Access | None = None
) -> Facts:
    """What the change rules read from `issue` at `now`: revisions, notice, approval outcome."""
    ctx = context(now, policy, access)
    return read_facts(view(issue, ctx, CHANGE), ctx)


def plan(actions: Iterable[Action]) -> list[tuple[str, str, str | None]]:
    """(rule, kind, key) of each action: what rule tests compare."""
    return [(a.rule, str(a.kind), a.key) for a in actions]


def kinds(actions: Iterable[Action]) -> list[tuple[str, str]]:
    """(rule, kind) of each action: the shape most tables compare."""
    return [(a.rule, str(a.kind)) for a in actions]


def by_rule(actions: Iterable[Action], rule: str) -> list[Action]:
    return [a for a in actions if a.rule == rule]


def comments_of(actions: Iterable[Action]) -> list[Action]:
    return [a for a in actions if a.kind is Kind.COMMENT]


class Desk:
    """A change desk over the in-memory repository: people act, the bot reconciles and applies."""

    def __init__(
        self,
        policy: Policy | None = None,
        writers: Iterable[str] | None = None,
        teams: dict[str, Iterable[str]] | None = None,
        check_idempotent: bool = True,
    ) -> None:
        self.policy = policy or make_policy()
        self.check_idempotent = check_idempotent
        self.repo = MemoryRepository(bot=self.policy.bot, writers=writers, teams=teams)
        self.log: list[tuple[datetime, Action]] = []

    def access(self) -> Access:
        return self.repo.access(teams_in(self.policy.changes.approvers))

    def context(self, now: datetime) -> Context:
        return Context(policy=self.policy, now=now, forms=FORMS, access=self.access())

    def open(
        self, moment: datetime, by: str = REQUESTER, form: str = CHANGE, **overrides: Any
    ) -> int:
        self.repo.now = moment
        defaults = CHANGE_DEFAULTS if form == CHANGE else MAINTENANCE_DEFAULTS
        body = render_body(FORMS[form], fields_of(defaults, overrides))
        number = self.repo.open_issue(by, "[Change] test", body, labels=FORMS[form].labels)
        self.run(moment, number)
        return number

    def edit(
        self, moment: datetime, number: int = 1, by: str = REQUESTER, **overrides: Any
    ) -> None:
        self.repo.now = moment
        issue = self.repo.get_issue(number)
        form = FORMS[CHANGE] if "change-request" in issue.labels else FORMS[MAINTENANCE]
        from dutydesk.forms import parse_body

        answers: dict[str, Any] = {}
        for key, value in parse_body(form, issue.body).items():
            answers[key] = list(value["selected"]) if isinstance(value, dict) else value
        self.repo.edit_body(by, number, render_body(form, fields_of(answers, overrides)))
        self.run(moment, number)

    def comment(self, moment: datetime, by: str, text: str, number: int = 1) -> int:
        self.repo.now = moment
        comment_id = self.repo.comment(by, number, text)
        self.run(moment, number)
        return comment_id

    def label(
        self,
        moment: datetime,
        by: str,
        add: Sequence[str] = (),
        remove: Sequence[str] = (),
        number: int = 1,
    ) -> None:
        self.repo.now = moment
        self.repo.set_labels(by, number, add, remove)
        self.run(moment, number)

    def decide(self, now: datetime, number: int = 1) -> Decision:
        self.repo.now = now
        return reconcile(self.repo.get_issue(number), self.context(now), HANDLERS)

    def run(self, now: datetime, number: int = 1) -> Decision:
        """Reconcile at `now` and apply the plan, as the event workflow or the sweep would.

        Then, unless told not to, reconcile again at the same moment and insist that nothing
        more is planned: every test that uses a desk checks idempotency at every step.
        """
        decision = self.decide(now, number)
        apply_plan(self.repo, decision.actions, dry_run=False)
        self.log += [(now, a) for a in decision.actions]
        if self.check_idempotent:
            again = self.decide(now, number)
            assert again.actions == (), f"not idempotent at {now}: {again.actions}"
        return decision

    def facts(self, now: datetime, number: int = 1) -> Facts:
        """What the change rules read from the issue at `now`."""
        ctx = self.context(now)
        return read_facts(view(self.repo.get_issue(number), ctx, CHANGE), ctx)

    def maintenance_facts(self, now: datetime, number: int = 1) -> MaintenanceFacts:
        """What the maintenance rules read from the issue at `now`."""
        ctx = self.context(now)
        return read_maintenance(view(self.repo.get_issue(number), ctx, MAINTENANCE), ctx)

    def issue(self, number: int = 1) -> Issue:
        return self.repo.get_issue(number)

    def actions(self, rule: str | None = None) -> list[Action]:
        return [a for _, a in self.log if rule is None or a.rule == rule]

    def bot_comments(self, number: int = 1) -> list[Comment]:
        return [c for c in self.issue(number).comments if c.author == self.policy.bot]


def approved_desk(**policy: Any) -> Desk:
    """The default request, opened at OPENED and approved by dana at T1."""
    desk = Desk(make_policy(**policy))
    desk.open(OPENED)
    desk.comment(T1, APPROVER, "/approve")
    assert "approved" in desk.issue().labels
    return desk


def done_desk() -> Desk:
    """An approved change whose window has ended: the first post-change prompt is posted."""
    desk = approved_desk()
    desk.run(END)
    return desk
