"""Out-of-hours change requests and planned-maintenance notices.

The process is the Modernisation Platform's: a team asks for out-of-hours support for a
planned change at least 48 hours ahead; an approver reviews it; approval is confirmed with
the support people assigned; before the change stakeholders are told and backup and rollback
are verified; afterwards the requester confirms the outcome. Planned downtime is announced
at least 5 working days ahead (Street Manager).

Everything here is a pure decision over the issue's snapshot, the policy and ``ctx.now``:

* the request's *fields* are every answer except the pre-change checks (ticking a check is
  not a change to the request);
* *notice* counts from when the current start time was first stated (the issue's creation,
  or the edit that set it) to the start, using the body's revision history;
* approval is read from the timeline of field changes, ``/approve`` / ``/reject`` comments
  and ``approved`` labels people added, oldest first: an approval counts if, when it was
  made, the request was valid and had enough notice (or was an emergency approval with a
  reason); an approver's own hand on the label counts as a bare ``/approve`` at that moment;
  a later field change withdraws it; the latest approval or rejection stands. The outcome
  depends only on the history, never on when the bot happened to run;
* each person gets one reply for what was refused, edited in place for their latest refused
  command, however many they send;
* the bot adds a label once for a situation (a start time, a window, a rejection) and never
  puts back one a person took off until the situation changes; it takes off only labels it
  added itself, except ``approved``, which stays only on an approved change.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from itertools import pairwise
from typing import Any

from dutydesk.actions import Action, Kind
from dutydesk.commands import Command, commands
from dutydesk.engine import (
    Context,
    Decision,
    Item,
    post_once,
    upsert,
)
from dutydesk.forms import FieldType, parse_body
from dutydesk.labels import add_labels, remove_labels
from dutydesk.markers import key_time
from dutydesk.model import EventKind, IssueEvent
from dutydesk.people import login_key
from dutydesk.templating import render
from dutydesk.time.calendar import Cover
from dutydesk.time.durations import Duration
from dutydesk.time.times import TimeParseError, accepted_forms, parse_time

__all__ = ["Rule", "handle_change", "handle_maintenance"]


class Rule(StrEnum):
    INVALID = "change.invalid"
    NOTICE = "change.notice"
    HOURS = "change.hours"
    APPROVAL = "change.approval"
    REFUSED = "change.refused"
    WITHDRAWN = "change.approval_withdrawn"
    PRE_CHANGE = "change.pre_change"
    POST_CHANGE = "change.post_change"
    MAINTENANCE_INVALID = "maintenance.invalid"
    MAINTENANCE_NOTICE = "maintenance.notice"


class Field(StrEnum):
    """Answer ids of the out-of-hours change form (.github/ISSUE_TEMPLATE/out-of-hours-change.yml)."""

    SERVICE = "service"
    DETAILS = "change-details"
    START = "scheduled-start"
    END = "scheduled-end"
    IMPACT = "impact"
    ROLLBACK = "rollback"
    CHECKS = "checks"


class MaintenanceField(StrEnum):
    """Answer ids of the planned-maintenance form (.github/ISSUE_TEMPLATE/planned-maintenance.yml)."""

    SERVICE = "service"
    START = "downtime-start"
    END = "downtime-end"
    IMPACT = "user-impact"
    COMMUNICATION = "communication"


class Refusal(StrEnum):
    """Why a command (or a hand-added label) changes nothing."""

    NOT_APPROVER = "not-approver"
    SELF = "self"
    INVALID = "invalid"
    NOTICE = "notice"
    EMERGENCY_OFF = "emergency-off"
    EMERGENCY_NO_REASON = "emergency-no-reason"
    REJECT_NO_REASON = "reject-no-reason"
    LABEL = "label"


class Answer(StrEnum):
    """The replies to the post-change prompt."""

    DONE = "done"
    ROLLED_BACK = "rolled-back"


#: The answers that make up the request: a change to any of them needs a new approval.
REQUEST_FIELDS = (
    Field.SERVICE,
    Field.DETAILS,
    Field.START,
    Field.END,
    Field.IMPACT,
    Field.ROLLBACK,
)
MAINTENANCE_FIELDS = tuple(MaintenanceField)
DECISION_COMMANDS = ("approve", "reject")
ANSWER_COMMANDS = (Answer.DONE.value, Answer.ROLLED_BACK.value)
#: Most periods without cover listed in one warning.
MAX_LISTED_PERIODS = 5
#: Most daily post-change prompts counted forward (about four years of business days).
MAX_PROMPTS = 1000

_LOGIN = re.compile(r"@([A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:/[A-Za-z0-9_.-]+)?)[,.;:]?")


# -- reading the request ----------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the scheduled times, for the invalid-request comment."""

    field: str  # the field's label on the form
    kind: str  # "missing", "unreadable" or "order"
    detail: str = ""


@dataclass(frozen=True)
class Window:
    """The scheduled times as read from one version of the body."""

    start: datetime | None
    end: datetime | None
    problems: tuple[Problem, ...]

    @property
    def valid(self) -> bool:
        return not self.problems and self.start is not None and self.end is not None


@dataclass(frozen=True)
class Version:
    """One revision of the body, read: its time, its request fields and its window."""

    at: datetime
    author: str
    fields: tuple[tuple[str, str | None], ...]
    window: Window


@dataclass(frozen=True)
class Spec:
    """Which answers of a form hold the request, the start and the end."""

    fields: tuple[str, ...]
    start: str
    end: str


CHANGE_SPEC = Spec(tuple(f.value for f in REQUEST_FIELDS), Field.START.value, Field.END.value)
MAINTENANCE_SPEC = Spec(
    tuple(f.value for f in MAINTENANCE_FIELDS),
    MaintenanceField.START.value,
    MaintenanceField.END.value,
)


def _label_of(item: Item, field_id: str) -> str:
    form_field = item.form.field(field_id) if item.form is not None else None
    return form_field.label if form_field is not None else field_id


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    return str(value)


def _window(item: Item, ctx: Context, answers: Mapping[str, Any], spec: Spec) -> Window:
    tz = ctx.policy.timezone
    times: dict[str, datetime | None] = {}
    problems: list[Problem] = []
    for field_id in (spec.start, spec.end):
        label = _label_of(item, field_id)
        text = _text(answers.get(field_id))
        times[field_id] = None
        if text is None:
            problems.append(Problem(label, "missing", accepted_forms(tz)))
            continue
        try:
            times[field_id] = parse_time(text, tz)
        except TimeParseError as exc:
            problems.append(Problem(label, "unreadable", str(exc)))
    start, end = times[spec.start], times[spec.end]
    if start is not None and end is not None and end <= start:
        problems.append(Problem(_label_of(item, spec.end), "order", _label_of(item, spec.start)))
    return Window(start, end, tuple(problems))


def _versions(item: Item, ctx: Context, spec: Spec) -> tuple[Version, ...]:
    """Every known version of the body, oldest first; the last is the current body."""
    history = list(item.issue.body_history())
    out: list[Version] = []
    for revision in history:
        if item.form is not None:
            answers: Mapping[str, Any] = parse_body(item.form, revision.body)
        else:
            answers = item.answers
        fields = tuple((f, _text(answers.get(f))) for f in spec.fields)
        out.append(Version(revision.at, revision.author, fields, _window(item, ctx, answers, spec)))
    if not history or history[-1].body != item.issue.body:
        fields = tuple((f, _text(item.answers.get(f))) for f in spec.fields)
        window = _window(item, ctx, item.answers, spec)
        out.append(Version(item.issue.updated_at, item.issue.author, fields, window))
    return tuple(out)


def _field_changes(versions: Sequence[Version]) -> tuple[Version, ...]:
    """The versions that changed a request field (the first version is not a change)."""
    return tuple(b for a, b in pairwise(versions) if a.fields != b.fields)


def _since(versions: Sequence[Version], key: Callable[[Version], object]) -> datetime:
    """When the current value of ``key`` was first stated: the earliest version since which
    it has been the current one."""
    current = key(versions[-1])
    since = versions[-1].at
    for version in reversed(versions):
        if key(version) != current:
            break
        since = version.at
    return since


def _stated_at(versions: Sequence[Version]) -> datetime | None:
    """When the current start time was first stated."""
    if not versions or versions[-1].window.start is None:
        return None
    return _since(versions, lambda v: v.window.start)


def _upto(versions: Sequence[Version], moment: datetime) -> tuple[Version, ...]:
    """The versions written at or before ``moment`` (at least the first)."""
    found = tuple(v for v in versions if v.at <= moment)
    return found or tuple(versions[:1])


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _digest(parts: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:12]


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


def _notice(ctx: Context, versions: Sequence[Version], needed: Duration) -> Notice | None:
    start = versions[-1].window.start if versions else None
    stated = _stated_at(versions)
    if start is None or stated is None or not versions[-1].window.valid:
        return None
    qualifying = _utc(ctx.policy.calendar.add(stated, needed))
    return Notice(_utc(stated), start, needed, qualifying)


# -- who may do what ---------------------------------------------------------------------


class Authority(StrEnum):
    OK = "ok"
    SELF = "self"
    NOT_APPROVER = "not-approver"
    UNKNOWN = "unknown"  # a team of approvers could not be read


def _authority(item: Item, ctx: Context, login: str, *, approving: bool) -> Authority:
    if approving and login.lower() == item.issue.author.lower():
        return Authority.SELF
    member = ctx.access.member(login, ctx.policy.changes.approvers)
    if member is None:
        return Authority.UNKNOWN
    return Authority.OK if member else Authority.NOT_APPROVER


def _is_approver(ctx: Context, login: str) -> bool:
    return ctx.access.member(login, ctx.policy.changes.approvers) is True


# -- the approval timeline ---------------------------------------------------------------


@dataclass(frozen=True)
class ApproveArgs:
    """`/approve [emergency] [@a @b] [reason]`."""

    emergency: bool
    people: tuple[str, ...]
    teams: tuple[str, ...]
    reason: str


def parse_approve(args: str) -> ApproveArgs:
    """Leading words `emergency` and @mentions, in any order; the rest is the reason."""
    emergency = False
    people: list[str] = []
    teams: list[str] = []
    rest = ""
    for match in re.finditer(r"\S+", args):
        word = match.group(0)
        mention = _LOGIN.fullmatch(word)
        if not emergency and word.lower().rstrip(":,.;") == "emergency":
            emergency = True
        elif mention is not None:
            target = teams if "/" in mention.group(1) else people
            if mention.group(1) not in target:
                target.append(mention.group(1))
        else:
            rest = args[match.start() :].strip()
            break
    return ApproveArgs(emergency, tuple(people), tuple(teams), rest)


@dataclass(frozen=True)
class Reply:
    """A refusal or a note for one person: one comment per person, kept up to date with their
    latest refused command."""

    rule: Rule
    key: str
    template: str
    values: tuple[tuple[str, Any], ...]

    def body(self) -> str:
        return render(self.template, **dict(self.values))


@dataclass(frozen=True)
class Approval:
    """A standing approval: an approver's `/approve`, or the `approved` label an approver
    added by hand (which counts as a bare `/approve` at the moment of the label)."""

    by: str
    at: datetime
    ref: str  # the confirmation's key suffix: the comment's id, or label:<stamp>
    args: ApproveArgs
    notice: Notice | None
    via_label: bool = False


@dataclass(frozen=True)
class Withdrawal:
    approval: Approval
    before: Version
    after: Version


class LabelStep(StrEnum):
    """What became of an `approved` label a person added, replayed at the moment they added it."""

    APPROVED = "approved"  # an approver's label that approved the change
    FAILED = "failed"  # an approver's label that could not approve it (no reply: superseded)
    REFUSED = "refused"  # refused with a reply
    UNKNOWN = "unknown"  # an approver team could not be read: explained, left alone
    IGNORED = "ignored"  # the change was already approved: the label adds nothing


@dataclass(frozen=True)
class Outcome:
    """Where the approval timeline ends up."""

    approval: Approval | None = None
    rejection: Command | None = None
    withdrawal: Withdrawal | None = None
    replies: tuple[Reply, ...] = ()
    label_steps: Mapping[IssueEvent, LabelStep] = field(default_factory=dict)

    @property
    def approved(self) -> bool:
        return self.approval is not None


def _reply(rule: Rule, key: str, template: str, **values: Any) -> Reply:
    return Reply(rule, key, template, tuple(sorted(values.items())))


def _refusal(
    item: Item, ctx: Context, who: str, command: str, reason: Refusal, **values: Any
) -> Reply:
    return _reply(
        Rule.REFUSED,
        f"{Rule.REFUSED}:{login_key(who)}",
        "change_refused.md.j2",
        reason=str(reason),
        who=who,
        command=command,
        approvers=ctx.policy.changes.approvers,
        requester=item.issue.author,
        label=ctx.policy.label("approved"),
        **values,
    )


def _teams_unreadable(ctx: Context, who: str, what: str) -> Reply:
    return _reply(
        Rule.APPROVAL,
        f"{Rule.APPROVAL}:teams:{login_key(who)}",
        "change_teams_unreadable.md.j2",
        who=who,
        what=what,
        label=ctx.policy.label("approved"),
        approvers=ctx.policy.changes.approvers,
    )


@dataclass
class _Replay:
    """The approval timeline, replayed one step at a time (mutable only inside `_timeline`)."""

    item: Item
    ctx: Context
    versions: Sequence[Version]
    changes: Sequence[Version]
    approval: Approval | None = None
    approval_version: Version | None = None
    rejection: Command | None = None
    withdrawal: Withdrawal | None = None
    replies: dict[str, Reply] = field(default_factory=dict)
    label_steps: dict[IssueEvent, LabelStep] = field(default_factory=dict)

    def reply(self, reply: Reply) -> None:
        """Each person's latest refusal (or note) replaces their earlier one."""
        self.replies.pop(reply.key, None)
        self.replies[reply.key] = reply

    def superseded(self, at: datetime) -> bool:
        return any(_utc(v.at) > _utc(at) for v in self.changes)

    def edit(self, version: Version) -> None:
        if self.approval is not None and self.approval_version is not None:
            self.withdrawal = Withdrawal(self.approval, self.approval_version, version)
            self.approval = self.approval_version = None

    def command(self, command: Command) -> None:
        who = command.comment.author
        authority = _authority(self.item, self.ctx, who, approving=command.name == "approve")
        if authority is Authority.UNKNOWN:
            self.reply(_teams_unreadable(self.ctx, who, command.name))
            return
        if authority is not Authority.OK:
            reason = Refusal.SELF if authority is Authority.SELF else Refusal.NOT_APPROVER
            self.reply(_refusal(self.item, self.ctx, who, command.name, reason))
            return
        if command.name == "reject":
            if not command.args.strip():
                self.reply(_refusal(self.item, self.ctx, who, "reject", Refusal.REJECT_NO_REASON))
                return
            self.rejection = command
            self.approval = self.approval_version = self.withdrawal = None
            return
        args = parse_approve(command.args)
        self.approve(who, command.comment.created_at, str(command.comment.id), args, "approve")

    def label(self, event: IssueEvent) -> None:
        """An `approved` label a person added by hand."""
        if self.approval is not None:
            self.label_steps[event] = LabelStep.IGNORED
            return
        who = event.actor
        authority = _authority(self.item, self.ctx, who, approving=True)
        if authority is Authority.UNKNOWN:
            self.reply(_teams_unreadable(self.ctx, who, "label"))
            self.label_steps[event] = LabelStep.UNKNOWN
        elif authority is not Authority.OK:
            self.reply(
                _refusal(
                    self.item,
                    self.ctx,
                    who,
                    "label",
                    Refusal.LABEL,
                    by_requester=authority is Authority.SELF,
                )
            )
            self.label_steps[event] = LabelStep.REFUSED
        else:
            args = ApproveArgs(emergency=False, people=(), teams=(), reason="")
            ref = f"label:{key_time(event.at)}"
            self.label_steps[event] = self.approve(who, event.at, ref, args, "label")

    def approve(self, who: str, at: datetime, ref: str, args: ApproveArgs, what: str) -> LabelStep:
        """An approver's approval at `at`: it counts if the request then was valid and had
        enough notice (or is an emergency with a reason)."""
        known = _upto(self.versions, at)
        refusal, notice = _approval_problem(self.ctx, known, args)
        if refusal is not None:
            if self.superseded(at):
                return LabelStep.FAILED
            values = _notice_values(self.ctx, notice)
            self.reply(_refusal(self.item, self.ctx, who, what, refusal, **values))
            return LabelStep.REFUSED
        self.approval = Approval(who, at, ref, args, notice, via_label=what == "label")
        self.approval_version = known[-1]
        self.rejection = self.withdrawal = None
        return LabelStep.APPROVED

    def outcome(self) -> Outcome:
        return Outcome(
            approval=self.approval,
            rejection=self.rejection,
            withdrawal=self.withdrawal,
            replies=tuple(self.replies.values()),
            label_steps=dict(self.label_steps),
        )


def _timeline(item: Item, ctx: Context, versions: Sequence[Version]) -> Outcome:
    """Replay field changes, /approve and /reject comments and `approved` labels added by
    people, in time order."""
    policy = ctx.policy
    label = policy.label("approved")
    replay = _Replay(item, ctx, versions, _field_changes(versions))
    steps: list[tuple[datetime, int, Version | Command | IssueEvent]] = [
        (v.at, 0, v) for v in replay.changes
    ]
    steps += [
        (c.comment.created_at, 1, c)
        for c in commands(item.issue.comments, policy.bot, DECISION_COMMANDS)
    ]
    steps += [
        (e.at, 1, e)
        for e in item.issue.events
        if e.kind is EventKind.LABELED and e.label == label and not ctx.is_bot(e.actor)
    ]
    steps.sort(key=lambda s: (_utc(s[0]), s[1]))
    for _, _, step in steps:
        if isinstance(step, Version):
            replay.edit(step)
        elif isinstance(step, Command):
            replay.command(step)
        else:
            replay.label(step)
    return replay.outcome()


def _approval_problem(
    ctx: Context, known: Sequence[Version], args: ApproveArgs
) -> tuple[Refusal | None, Notice | None]:
    """Why an approval made when ``known`` was the history would not count, if it would not."""
    if not known[-1].window.valid:
        return Refusal.INVALID, None
    notice = _notice(ctx, known, ctx.policy.changes.notice)
    if notice is None:  # pragma: no cover - a valid window always has a notice
        return Refusal.INVALID, None
    if notice.enough:
        return None, notice
    if not args.emergency:
        return Refusal.NOTICE, notice
    if not ctx.policy.changes.allow_emergency:
        return Refusal.EMERGENCY_OFF, notice
    if not args.reason:
        return Refusal.EMERGENCY_NO_REASON, notice
    return None, notice


def _notice_values(ctx: Context, notice: Notice | None) -> dict[str, Any]:
    if notice is None:
        return {"notice": None}
    return {
        "notice": {
            "given": notice.given,
            "needed": str(notice.needed),
            "stated_at": ctx.policy.local(notice.stated_at),
            "start": ctx.policy.local(notice.start),
            "qualifying": ctx.policy.local(notice.qualifying),
            "enough": notice.enough,
        },
        "allow_emergency": ctx.policy.changes.allow_emergency,
    }


# -- labels ------------------------------------------------------------------------------


def _last_labeled(item: Item, label: str) -> IssueEvent | None:
    found = [e for e in item.issue.events if e.kind is EventKind.LABELED and e.label == label]
    return max(found, key=lambda e: _utc(e.at)) if found else None


def _added_by_bot(item: Item, ctx: Context, label: str) -> bool:
    event = _last_labeled(item, label)
    return event is not None and ctx.is_bot(event.actor)


def _add_once(
    item: Item, ctx: Context, rule: Rule, label: str, since: datetime
) -> tuple[Action, ...]:
    """Add `label` for a situation that began at `since`, unless a person has taken it off
    since then: the bot never puts back a label a person removed until the situation changes."""
    removed = any(
        e.kind is EventKind.UNLABELED
        and e.label == label
        and not ctx.is_bot(e.actor)
        and _utc(e.at) >= _utc(since)
        for e in item.issue.events
    )
    return () if removed else add_labels(item, str(rule), label)


def _remove_own(item: Item, ctx: Context, rule: Rule, label: str) -> tuple[Action, ...]:
    """Take `label` off only if the bot put it there last: a person's label is theirs."""
    if label in item.issue.labels and _added_by_bot(item, ctx, label):
        return remove_labels(item, str(rule), label)
    return ()


def _approved_label_removal(item: Item, ctx: Context, outcome: Outcome) -> Rule | None:
    """Which rule takes the `approved` label off, if it has to go: it stays only on an
    approved change, or where the person who added it could not be checked."""
    label = ctx.policy.label("approved")
    if label not in item.issue.labels or outcome.approved:
        return None
    last = _last_labeled(item, label)
    if last is None:  # no record of who added it
        return Rule.REFUSED
    step = None if ctx.is_bot(last.actor) else outcome.label_steps.get(last)
    if step is LabelStep.UNKNOWN:
        return None
    if step is LabelStep.REFUSED:
        return Rule.REFUSED
    if outcome.rejection is not None:
        return Rule.APPROVAL
    if outcome.withdrawal is not None:
        return Rule.WITHDRAWN
    return Rule.APPROVAL


# -- facts shared by the rules -----------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    item: Item
    ctx: Context
    versions: tuple[Version, ...]
    notice: Notice | None
    outcome: Outcome
    remove_approved: Rule | None = None  # the rule that takes the `approved` label off
    answers: tuple[Command, ...] = field(default=())

    @property
    def current(self) -> Version:
        return self.versions[-1]

    @property
    def window(self) -> Window:
        return self.current.window

    @property
    def approved(self) -> bool:
        return self.outcome.approved

    @property
    def approved_at(self) -> datetime | None:
        """When the standing approval was given."""
        approval = self.outcome.approval
        return _utc(approval.at) if approval is not None else None


def _facts(item: Item, ctx: Context) -> Facts:
    versions = _versions(item, ctx, CHANGE_SPEC)
    notice = _notice(ctx, versions, ctx.policy.changes.notice)
    outcome = _timeline(item, ctx, versions)
    return Facts(
        item=item,
        ctx=ctx,
        versions=versions,
        notice=notice,
        outcome=outcome,
        remove_approved=_approved_label_removal(item, ctx, outcome),
        answers=tuple(commands(item.issue.comments, ctx.policy.bot, ANSWER_COMMANDS)),
    )


def _people(facts: Facts) -> tuple[tuple[str, ...], bool]:
    """Who supports the change: named in /approve, else the rota's pair at the start.

    The flag says whether they came from the rota.
    """
    approval = facts.outcome.approval
    if approval is not None and approval.args.people:
        return approval.args.people, False
    start = facts.window.start
    entry = facts.ctx.policy.rota_at(start) if start is not None else None
    if entry is None:
        return (), True
    people = [entry.primary]
    if entry.secondary.lower() != entry.primary.lower():
        people.append(entry.secondary)
    return tuple(people), True


def _unticked(facts: Facts) -> list[str]:
    checks = facts.item.answers.get(Field.CHECKS.value)
    selected = list(checks.get("selected", [])) if isinstance(checks, Mapping) else []
    form_field = facts.item.form.field(Field.CHECKS.value) if facts.item.form is not None else None
    if form_field is not None and form_field.type is FieldType.CHECKBOXES:
        return [option for option in form_field.options if option not in selected]
    return list(checks.get("unselected", [])) if isinstance(checks, Mapping) else []


def _common(facts: Facts) -> dict[str, Any]:
    """Values every change template may use."""
    policy = facts.ctx.policy
    window = facts.window
    return {
        "requester": facts.item.issue.author,
        "service": dict(facts.current.fields).get(Field.SERVICE.value) or "",
        "start": policy.local(window.start) if window.start is not None else None,
        "end": policy.local(window.end) if window.end is not None else None,
        "approvers": policy.changes.approvers,
        "timezone": policy.timezone.key,
    }


def _comment(item: Item, rule: Rule, key: str, template: str, **values: Any) -> tuple[Action, ...]:
    """A comment posted once for `key` (rendered only when it is still to be posted)."""
    if key in item.mine:
        return ()
    return post_once(item, str(rule), key, render(template, **values))


def _replies(item: Item, replies: Iterable[Reply], rule: Rule) -> tuple[Action, ...]:
    """One comment per person, edited in place to answer their latest refused command."""
    actions: tuple[Action, ...] = ()
    for reply in replies:
        if reply.rule is rule:
            actions += upsert(item, str(rule), reply.key, reply.body())
    return actions


# -- the rules ---------------------------------------------------------------------------


def rule_invalid(facts: Facts) -> Decision:
    """[change.invalid] times that cannot be read, or an end not after the start."""
    return _invalid(facts.item, facts.ctx, facts.versions, Rule.INVALID, "change_invalid.md.j2")


def _invalid(
    item: Item, ctx: Context, versions: Sequence[Version], rule: Rule, template: str
) -> Decision:
    label = ctx.policy.label("needs_info")
    window = versions[-1].window
    if window.valid:
        return Decision(_remove_own(item, ctx, rule, label))
    since = _since(versions, lambda v: v.window.problems)
    digest = _digest(f"{p.field}|{p.kind}|{p.detail}" for p in window.problems)
    actions = _add_once(item, ctx, rule, label, since)
    actions += _comment(
        item,
        rule,
        f"{rule}:{digest}",
        template,
        problems=window.problems,
        requester=item.issue.author,
        accepted=accepted_forms(ctx.policy.timezone),
    )
    return Decision(actions)


def rule_notice(facts: Facts) -> Decision:
    """[change.notice] less notice than the policy asks, counted from when the start was set."""
    return _notice_rule(facts.item, facts.ctx, facts.notice, Rule.NOTICE, "change_notice.md.j2")


def _notice_rule(
    item: Item, ctx: Context, notice: Notice | None, rule: Rule, template: str
) -> Decision:
    label = ctx.policy.label("insufficient_notice")
    if notice is None:
        return Decision()
    if notice.enough:
        return Decision(_remove_own(item, ctx, rule, label))
    actions = _add_once(item, ctx, rule, label, notice.stated_at)
    actions += _comment(
        item,
        rule,
        f"{rule}:{key_time(notice.stated_at)}",
        template,
        requester=item.issue.author,
        approvers=ctx.policy.changes.approvers,
        **_notice_values(ctx, notice),
    )
    return Decision(actions)


def rule_hours(facts: Facts) -> Decision:
    """[change.hours] a window inside support hours, or partly outside on-call cover."""
    item, ctx, window = facts.item, facts.ctx, facts.window
    label = ctx.policy.label("in_hours")
    if not window.valid or window.start is None or window.end is None:
        return Decision()
    calendar = ctx.policy.calendar
    length = window.end - window.start
    suffix = f"{key_time(window.start)}-{key_time(window.end)}"
    actions: tuple[Action, ...] = ()
    if calendar.office_time_between(window.start, window.end) == length:
        since = _since(facts.versions, lambda v: (v.window.start, v.window.end))
        actions += _add_once(item, ctx, Rule.HOURS, label, since)
        actions += _comment(
            item,
            Rule.HOURS,
            f"{Rule.HOURS}:in:{suffix}",
            "change_hours.md.j2",
            in_hours=True,
            uncovered=[],
            more=0,
            **_common(facts),
        )
        return Decision(actions)
    actions += _remove_own(item, ctx, Rule.HOURS, label)
    uncovered = calendar.periods(window.start, window.end, Cover.NONE)
    if uncovered:
        actions += _comment(
            item,
            Rule.HOURS,
            f"{Rule.HOURS}:uncovered:{suffix}",
            "change_hours.md.j2",
            in_hours=False,
            uncovered=uncovered[:MAX_LISTED_PERIODS],
            more=max(0, len(uncovered) - MAX_LISTED_PERIODS),
            **_common(facts),
        )
    return Decision(actions)


def rule_approval(facts: Facts) -> Decision:
    """[change.approval] /approve and /reject from approvers (and an approver's own hand on
    the `approved` label): labels, assignment, confirmation."""
    item, ctx, outcome = facts.item, facts.ctx, facts.outcome
    approved_label = ctx.policy.label("approved")
    rejected_label = ctx.policy.label("rejected")
    actions = _replies(item, outcome.replies, Rule.APPROVAL)
    if facts.remove_approved is Rule.APPROVAL:
        actions += remove_labels(item, str(Rule.APPROVAL), approved_label)
    approval = outcome.approval
    if approval is not None:
        key = f"{Rule.APPROVAL}:{approval.ref}"
        if key not in item.mine:
            people, from_rota = _people(facts)
            missing = tuple(
                p for p in people if p.lower() not in {a.lower() for a in item.issue.assignees}
            )
            actions += _remove_own(item, ctx, Rule.APPROVAL, rejected_label)
            actions += add_labels(item, str(Rule.APPROVAL), approved_label)
            if missing:
                actions += (Action(Kind.ASSIGN, str(Rule.APPROVAL), item.number, users=missing),)
            args = approval.args
            actions += _comment(
                item,
                Rule.APPROVAL,
                key,
                "change_approved.md.j2",
                approver=approval.by,
                via_label=approval.via_label,
                label=approved_label,
                people=people,
                from_rota=from_rota,
                teams=args.teams,
                emergency=args.emergency and args.reason != "",
                reason=args.reason,
                unticked=_unticked(facts),
                reminder_before=str(ctx.policy.changes.reminder_before),
                **_notice_values(ctx, approval.notice),
                **_common(facts),
            )
    elif outcome.rejection is not None:
        rejection = outcome.rejection
        actions += _add_once(item, ctx, Rule.APPROVAL, rejected_label, rejection.comment.created_at)
        actions += _comment(
            item,
            Rule.APPROVAL,
            f"{Rule.APPROVAL}:reject:{rejection.comment.id}",
            "change_rejected.md.j2",
            approver=rejection.comment.author,
            reason=rejection.args.strip(),
            **_common(facts),
        )
    return Decision(actions)


def rule_withdrawn(facts: Facts) -> Decision:
    """[change.approval_withdrawn] a change to the fields after approval."""
    item, ctx, outcome = facts.item, facts.ctx, facts.outcome
    withdrawal = outcome.withdrawal
    if withdrawal is None or outcome.approved or outcome.rejection is not None:
        return Decision()
    actions: tuple[Action, ...] = ()
    if facts.remove_approved is Rule.WITHDRAWN:
        actions += remove_labels(item, str(Rule.WITHDRAWN), ctx.policy.label("approved"))
    before, after = dict(withdrawal.before.fields), dict(withdrawal.after.fields)
    changed = []
    for field_id in CHANGE_SPEC.fields:
        if before.get(field_id) == after.get(field_id):
            continue
        form_field = item.form.field(field_id) if item.form is not None else None
        short = form_field is None or form_field.type is not FieldType.TEXTAREA
        changed.append(
            {
                "label": _label_of(item, field_id),
                "old": before.get(field_id),
                "new": after.get(field_id),
                "short": short,
            }
        )
    actions += _comment(
        item,
        Rule.WITHDRAWN,
        f"{Rule.WITHDRAWN}:{key_time(withdrawal.after.at)}",
        "change_withdrawn.md.j2",
        approver=withdrawal.approval.by,
        approved_at=ctx.policy.local(withdrawal.approval.at),
        via_label=withdrawal.approval.via_label,
        edited_by=withdrawal.after.author,
        edited_at=ctx.policy.local(withdrawal.after.at),
        changed=changed,
        label_removed=facts.remove_approved is not None,
        **_common(facts),
    )
    return Decision(actions)


def rule_refused(facts: Facts) -> Decision:
    """[change.refused] /approve from a non-approver or the requester, and the like; an
    `approved` label added by hand by someone who may not approve."""
    item, ctx = facts.item, facts.ctx
    label = ctx.policy.label("approved")
    actions: tuple[Action, ...] = ()
    if facts.remove_approved is Rule.REFUSED:
        actions += remove_labels(item, str(Rule.REFUSED), label)
        if _last_labeled(item, label) is None:  # nobody to answer: tell the requester
            actions += _comment(
                item,
                Rule.REFUSED,
                f"{Rule.REFUSED}:label:unknown",
                "change_refused.md.j2",
                reason=str(Refusal.LABEL),
                who="",
                command="label",
                by_requester=False,
                label=label,
                approvers=ctx.policy.changes.approvers,
                requester=item.issue.author,
            )
    actions += _replies(item, facts.outcome.replies, Rule.REFUSED)
    return Decision(actions)


def rule_pre_change(facts: Facts) -> Decision:
    """[change.pre_change] one reminder a lead time before the start, naming unticked checks."""
    item, ctx, window = facts.item, facts.ctx, facts.window
    if not facts.approved or not window.valid or window.start is None:
        return Decision()
    key = f"{Rule.PRE_CHANGE}:{key_time(window.start)}"
    due = _utc(window.start) - ctx.policy.changes.reminder_before.amount
    if ctx.now < due:
        return Decision(next_check=due) if key not in item.mine else Decision()
    if ctx.now >= window.start:
        return Decision()
    return Decision(
        _comment(
            item,
            Rule.PRE_CHANGE,
            key,
            "change_pre.md.j2",
            unticked=_unticked(facts),
            # Those assigned, and those the approval assigns: the same text whether or not
            # the assignment has landed by the time the reminder is written.
            assignees=tuple(dict.fromkeys([*item.issue.assignees, *_people(facts)[0]])),
            **_common(facts),
        )
    )


def _may_answer(facts: Facts, login: str) -> bool:
    item, ctx = facts.item, facts.ctx
    if login.lower() == item.issue.author.lower():
        return True
    if login.lower() in {a.lower() for a in item.issue.assignees}:
        return True
    return _is_approver(ctx, login) or ctx.access.can_write(login)


def _reopened_after(facts: Facts, moment: datetime) -> bool:
    """Whether a person (not the bot) reopened the issue after `moment`."""
    return any(
        e.kind is EventKind.REOPENED and not facts.ctx.is_bot(e.actor) and _utc(e.at) > _utc(moment)
        for e in facts.item.issue.events
    )


def rule_post_change(facts: Facts) -> Decision:
    """[change.post_change] after the end: ask for /done or /rolled-back, each business day.

    The latest accepted answer stands. `/done` closes the issue once, as its answer is first
    posted, and never again once a person has reopened the issue after it.
    """
    item, ctx, window = facts.item, facts.ctx, facts.window
    if not facts.approved or not window.valid or window.start is None or window.end is None:
        return Decision()
    rule = str(Rule.POST_CHANGE)
    refusals: dict[str, Reply] = {}
    answer: Command | None = None
    since = facts.approved_at
    for command in facts.answers:
        if since is not None and _utc(command.comment.created_at) < since:
            continue  # an answer about an earlier approval of other times
        reason = None
        if _utc(command.comment.created_at) < _utc(window.start):
            reason = "early"
        elif not _may_answer(facts, command.comment.author):
            reason = "not-allowed"
        elif command.name == Answer.ROLLED_BACK and not command.args.strip():
            reason = "no-note"
        if reason is None:
            answer = command
            continue
        who = command.comment.author
        key = f"{rule}:refused:{login_key(who)}"
        refusals.pop(key, None)
        refusals[key] = _reply(
            Rule.POST_CHANGE,
            key,
            "change_post_answer.md.j2",
            accepted=False,
            reason=reason,
            who=who,
            command=command.name,
            note="",
            closing=False,
            **_common(facts),
        )
    actions = _replies(item, refusals.values(), Rule.POST_CHANGE)
    if answer is not None:
        key = f"{rule}:{answer.name}:{answer.comment.id}"
        done = answer.name == Answer.DONE
        closing = done and not _reopened_after(facts, answer.comment.created_at)
        if key not in item.mine:
            actions += _comment(
                item,
                Rule.POST_CHANGE,
                key,
                "change_post_answer.md.j2",
                accepted=True,
                reason="",
                who=answer.comment.author,
                command=answer.name,
                note=answer.args.strip(),
                closing=closing,
                **_common(facts),
            )
        if closing and item.issue.is_open:  # also when the answer was posted but closing failed
            actions += (Action(Kind.CLOSE, rule, item.number),)
        return Decision(actions)
    if ctx.now < window.end:
        return Decision(actions, next_check=_utc(window.end))
    due, following = _prompt_due(facts, window.end)
    actions += _comment(
        item,
        Rule.POST_CHANGE,
        f"{rule}:{key_time(due)}",
        "change_post.md.j2",
        first=due == _utc(window.end),
        assignees=item.issue.assignees,
        **_common(facts),
    )
    return Decision(actions, next_check=following)


def _prompt_due(facts: Facts, end: datetime) -> tuple[datetime, datetime | None]:
    """The latest prompt due at or before now, and the next one: the end, then one business
    day apart."""
    calendar, now = facts.ctx.policy.calendar, facts.ctx.now
    due = _utc(end)
    for _ in range(MAX_PROMPTS):
        following = _utc(calendar.add(due, Duration.business_days(1)))
        if following > now:
            return due, following
        due = following
    return due, None


# -- the handlers ------------------------------------------------------------------------

CHANGE_RULES = (
    rule_invalid,
    rule_notice,
    rule_hours,
    rule_approval,
    rule_withdrawn,
    rule_refused,
    rule_pre_change,
    rule_post_change,
)


def handle_change(item: Item, ctx: Context) -> Decision:
    """Reconcile an out-of-hours change request."""
    if not item.issue.is_open:
        return Decision()
    facts = _facts(item, ctx)
    decision = Decision()
    for rule in CHANGE_RULES:
        decision += rule(facts)
    if decision.next_check is not None and decision.next_check <= ctx.now:
        decision = Decision(decision.actions, None)
    return decision


def handle_maintenance(item: Item, ctx: Context) -> Decision:
    """Reconcile a planned-maintenance notice: readable times and enough working days' notice."""
    if not item.issue.is_open:
        return Decision()
    versions = _versions(item, ctx, MAINTENANCE_SPEC)
    decision = _invalid(item, ctx, versions, Rule.MAINTENANCE_INVALID, "maintenance_invalid.md.j2")
    notice = _notice(ctx, versions, ctx.policy.changes.maintenance_notice)
    decision += _notice_rule(item, ctx, notice, Rule.MAINTENANCE_NOTICE, "maintenance_notice.md.j2")
    return decision
