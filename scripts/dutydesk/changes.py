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
* approval is read from the timeline of field changes and ``/approve`` / ``/reject``
  comments, oldest first: an approval counts if, when it was made, the request was valid and
  had enough notice (or was an emergency approval with a reason); a later field change
  withdraws it; the latest approval or rejection stands. The outcome depends only on the
  history, never on when the bot happened to run.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from itertools import pairwise
from typing import Any

from dutydesk.actions import Action, Kind
from dutydesk.calendar import Cover
from dutydesk.commands import Command, commands
from dutydesk.durations import Duration
from dutydesk.engine import (
    Context,
    Decision,
    Item,
    add_labels,
    post_once,
    remove_labels,
)
from dutydesk.forms import FieldType, parse_body
from dutydesk.model import EventKind, IssueEvent
from dutydesk.templating import render
from dutydesk.times import TimeParseError, accepted_forms, parse_time

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


def _stated_at(versions: Sequence[Version]) -> datetime | None:
    """When the current start time was first stated: the earliest version since which the
    parsed start has been the current one."""
    if not versions or versions[-1].window.start is None:
        return None
    start = versions[-1].window.start
    stated = versions[-1].at
    for version in reversed(versions):
        if version.window.start != start:
            break
        stated = version.at
    return stated


def _upto(versions: Sequence[Version], moment: datetime) -> tuple[Version, ...]:
    """The versions written at or before ``moment`` (at least the first)."""
    found = tuple(v for v in versions if v.at <= moment)
    return found or tuple(versions[:1])


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _stamp(moment: datetime) -> str:
    """A moment as marker-key text: 20261123T220000Z."""
    return _utc(moment).strftime("%Y%m%dT%H%M%SZ")


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
    """A refusal or a note answering one command."""

    rule: Rule
    key: str
    template: str
    values: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class Withdrawal:
    approval: Command
    before: Version
    after: Version


@dataclass(frozen=True)
class Outcome:
    """Where the approval timeline ends up."""

    approval: Command | None = None
    approve_args: ApproveArgs | None = None
    notice_at_approval: Notice | None = None
    rejection: Command | None = None
    withdrawal: Withdrawal | None = None
    replies: tuple[Reply, ...] = ()

    @property
    def approved(self) -> bool:
        return self.approval is not None


def _reply(rule: Rule, key: str, template: str, **values: Any) -> Reply:
    return Reply(rule, key, template, tuple(sorted(values.items())))


def _refusal(item: Item, ctx: Context, command: Command, reason: Refusal, **values: Any) -> Reply:
    return _reply(
        Rule.REFUSED,
        f"{Rule.REFUSED}:{command.comment.id}",
        "change_refused.md.j2",
        reason=str(reason),
        who=command.comment.author,
        command=command.name,
        approvers=ctx.policy.changes.approvers,
        requester=item.issue.author,
        **values,
    )


def _teams_unreadable(ctx: Context, key: str, who: str, what: str) -> Reply:
    return _reply(
        Rule.APPROVAL,
        key,
        "change_teams_unreadable.md.j2",
        who=who,
        what=what,
        approvers=ctx.policy.changes.approvers,
    )


def _timeline(item: Item, ctx: Context, versions: Sequence[Version]) -> Outcome:
    """Replay field changes and /approve, /reject comments in time order."""
    policy = ctx.policy
    changes = _field_changes(versions)
    decisions = commands(item.issue.comments, policy.bot, DECISION_COMMANDS)
    steps: list[tuple[datetime, int, Version | Command]] = [(v.at, 0, v) for v in changes]
    steps += [(c.comment.created_at, 1, c) for c in decisions]
    steps.sort(key=lambda s: (_utc(s[0]), s[1]))

    approval: Command | None = None
    approve_args: ApproveArgs | None = None
    approval_notice: Notice | None = None
    approval_version: Version | None = None
    rejection: Command | None = None
    withdrawal: Withdrawal | None = None
    replies: list[Reply] = []

    for at, _, step in steps:
        if isinstance(step, Version):
            if approval is not None and approval_version is not None:
                withdrawal = Withdrawal(approval, approval_version, step)
                approval = approve_args = approval_notice = approval_version = None
            continue
        command = step
        superseded = any(_utc(v.at) > _utc(at) for v in changes)
        authority = _authority(
            item, ctx, command.comment.author, approving=command.name == "approve"
        )
        if authority is Authority.UNKNOWN:
            replies.append(
                _teams_unreadable(
                    ctx,
                    f"{Rule.APPROVAL}:teams:{command.comment.id}",
                    command.comment.author,
                    command.name,
                )
            )
            continue
        if authority is not Authority.OK:
            reason = Refusal.SELF if authority is Authority.SELF else Refusal.NOT_APPROVER
            replies.append(_refusal(item, ctx, command, reason))
            continue
        known = _upto(versions, at)
        if command.name == "reject":
            if not command.args.strip():
                replies.append(_refusal(item, ctx, command, Refusal.REJECT_NO_REASON))
                continue
            rejection = command
            approval = approve_args = approval_notice = approval_version = None
            withdrawal = None
            continue
        args = parse_approve(command.args)
        refusal, notice = _approval_problem(ctx, known, args)
        if refusal is not None:
            if not superseded:
                replies.append(_refusal(item, ctx, command, refusal, **_notice_values(ctx, notice)))
            continue
        approval, approve_args, approval_notice, approval_version = command, args, notice, known[-1]
        rejection = None
        withdrawal = None
    return Outcome(
        approval=approval,
        approve_args=approve_args,
        notice_at_approval=approval_notice,
        rejection=rejection,
        withdrawal=withdrawal,
        replies=tuple(replies),
    )


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


# -- facts shared by the rules -----------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    item: Item
    ctx: Context
    versions: tuple[Version, ...]
    notice: Notice | None
    outcome: Outcome
    hand_label: HandLabel | None = None
    answers: tuple[Command, ...] = field(default=())

    @property
    def current(self) -> Version:
        return self.versions[-1]

    @property
    def window(self) -> Window:
        return self.current.window

    @property
    def approved(self) -> bool:
        """Approved by a command, or by an approver's own hand on the label."""
        return self.outcome.approved or (self.hand_label is not None and self.hand_label.kept)

    @property
    def approved_at(self) -> datetime | None:
        """When the standing approval was given."""
        if self.outcome.approval is not None:
            return _utc(self.outcome.approval.comment.created_at)
        if self.hand_label is not None and self.hand_label.kept and self.hand_label.event:
            return _utc(self.hand_label.event.at)
        return None


@dataclass(frozen=True)
class HandLabel:
    """The `approved` label, present without a standing approval, and who put it there."""

    event: IssueEvent | None
    authority: Authority | None  # None: the bot put it there

    @property
    def kept(self) -> bool:
        return self.authority is Authority.OK


def _last_labeled(item: Item, label: str) -> IssueEvent | None:
    found = [e for e in item.issue.events if e.kind is EventKind.LABELED and e.label == label]
    return max(found, key=lambda e: _utc(e.at)) if found else None


def _added_by_bot(item: Item, ctx: Context, label: str) -> bool:
    event = _last_labeled(item, label)
    return event is not None and ctx.is_bot(event.actor)


def _hand_label(item: Item, ctx: Context, outcome: Outcome) -> HandLabel | None:
    label = ctx.policy.label("approved")
    if outcome.approved or label not in item.issue.labels:
        return None
    event = _last_labeled(item, label)
    if event is not None and ctx.is_bot(event.actor):
        return HandLabel(event, None)
    actor = event.actor if event is not None else ""
    return HandLabel(
        event, _authority(item, ctx, actor, approving=True) if actor else Authority.NOT_APPROVER
    )


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
        hand_label=_hand_label(item, ctx, outcome),
        answers=tuple(commands(item.issue.comments, ctx.policy.bot, ANSWER_COMMANDS)),
    )


def _people(facts: Facts) -> tuple[tuple[str, ...], bool]:
    """Who supports the change: named in /approve, else the rota's pair at the start.

    The flag says whether they came from the rota.
    """
    args = facts.outcome.approve_args
    if args is not None and args.people:
        return args.people, False
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


# -- the rules ---------------------------------------------------------------------------


def rule_invalid(facts: Facts) -> Decision:
    """[change.invalid] times that cannot be read, or an end not after the start."""
    return _invalid(facts.item, facts.ctx, facts.window, Rule.INVALID, "change_invalid.md.j2")


def _invalid(item: Item, ctx: Context, window: Window, rule: Rule, template: str) -> Decision:
    label = ctx.policy.label("needs_info")
    if window.valid:
        if label in item.issue.labels and _added_by_bot(item, ctx, label):
            return Decision(remove_labels(item, str(rule), label))
        return Decision()
    digest = _digest(f"{p.field}|{p.kind}|{p.detail}" for p in window.problems)
    actions = add_labels(item, str(rule), label)
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
        if label in item.issue.labels and _added_by_bot(item, ctx, label):
            return Decision(remove_labels(item, str(rule), label))
        return Decision()
    actions = add_labels(item, str(rule), label)
    actions += _comment(
        item,
        rule,
        f"{rule}:{_stamp(notice.stated_at)}",
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
    suffix = f"{_stamp(window.start)}-{_stamp(window.end)}"
    actions: tuple[Action, ...] = ()
    if calendar.office_time_between(window.start, window.end) == length:
        actions += add_labels(item, str(Rule.HOURS), label)
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
    if label in item.issue.labels and _added_by_bot(item, ctx, label):
        actions += remove_labels(item, str(Rule.HOURS), label)
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
    """[change.approval] /approve and /reject from approvers: labels, assignment, confirmation."""
    item, ctx, outcome = facts.item, facts.ctx, facts.outcome
    approved_label = ctx.policy.label("approved")
    rejected_label = ctx.policy.label("rejected")
    actions: tuple[Action, ...] = ()
    for reply in outcome.replies:
        if reply.rule is Rule.APPROVAL:
            actions += _comment(item, reply.rule, reply.key, reply.template, **dict(reply.values))
    if outcome.approval is not None and outcome.approve_args is not None:
        key = f"{Rule.APPROVAL}:{outcome.approval.comment.id}"
        if key not in item.mine:
            people, from_rota = _people(facts)
            missing = tuple(
                p for p in people if p.lower() not in {a.lower() for a in item.issue.assignees}
            )
            actions += remove_labels(item, str(Rule.APPROVAL), rejected_label)
            actions += add_labels(item, str(Rule.APPROVAL), approved_label)
            if missing:
                actions += (Action(Kind.ASSIGN, str(Rule.APPROVAL), item.number, users=missing),)
            args = outcome.approve_args
            actions += _comment(
                item,
                Rule.APPROVAL,
                key,
                "change_approved.md.j2",
                approver=outcome.approval.comment.author,
                people=people,
                from_rota=from_rota,
                teams=args.teams,
                emergency=args.emergency and args.reason != "",
                reason=args.reason,
                unticked=_unticked(facts),
                reminder_before=str(ctx.policy.changes.reminder_before),
                **_notice_values(ctx, outcome.notice_at_approval),
                **_common(facts),
            )
    elif outcome.rejection is not None:
        rejection = outcome.rejection
        actions += add_labels(item, str(Rule.APPROVAL), rejected_label)
        hand = facts.hand_label
        if hand is not None and hand.authority is None:
            actions += remove_labels(item, str(Rule.APPROVAL), approved_label)
        actions += _comment(
            item,
            Rule.APPROVAL,
            f"{Rule.APPROVAL}:reject:{rejection.comment.id}",
            "change_rejected.md.j2",
            approver=rejection.comment.author,
            reason=rejection.args.strip(),
            **_common(facts),
        )
    elif (
        facts.hand_label is not None
        and facts.hand_label.authority is None
        and outcome.withdrawal is None
    ):  # the bot's label with nothing behind it
        actions += remove_labels(item, str(Rule.APPROVAL), approved_label)
    return Decision(actions)


def rule_withdrawn(facts: Facts) -> Decision:
    """[change.approval_withdrawn] a change to the fields after approval."""
    item, ctx, outcome = facts.item, facts.ctx, facts.outcome
    withdrawal = outcome.withdrawal
    if withdrawal is None or outcome.approved or outcome.rejection is not None:
        return Decision()
    actions: tuple[Action, ...] = ()
    hand = facts.hand_label
    label_removed = hand is not None and hand.authority is None
    if label_removed:
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
        f"{Rule.WITHDRAWN}:{_stamp(withdrawal.after.at)}",
        "change_withdrawn.md.j2",
        approver=withdrawal.approval.comment.author,
        approved_at=ctx.policy.local(withdrawal.approval.comment.created_at),
        edited_by=withdrawal.after.author,
        edited_at=ctx.policy.local(withdrawal.after.at),
        changed=changed,
        label_removed=label_removed,
        **_common(facts),
    )
    return Decision(actions)


def rule_refused(facts: Facts) -> Decision:
    """[change.refused] /approve from a non-approver or the requester; a label added by hand."""
    item, ctx = facts.item, facts.ctx
    actions: tuple[Action, ...] = ()
    for reply in facts.outcome.replies:
        if reply.rule is Rule.REFUSED:
            actions += _comment(item, reply.rule, reply.key, reply.template, **dict(reply.values))
    hand = facts.hand_label
    if hand is None or hand.authority is None or hand.kept:
        return Decision(actions)
    actor = hand.event.actor if hand.event is not None else ""
    when = _stamp(hand.event.at) if hand.event is not None else "unknown"
    if hand.authority is Authority.UNKNOWN:
        note = _teams_unreadable(ctx, f"{Rule.REFUSED}:label-teams:{when}", actor, "label")
        actions += _comment(item, Rule.REFUSED, note.key, note.template, **dict(note.values))
        return Decision(actions)
    actions += remove_labels(item, str(Rule.REFUSED), ctx.policy.label("approved"))
    actions += _comment(
        item,
        Rule.REFUSED,
        f"{Rule.REFUSED}:label:{when}",
        "change_refused.md.j2",
        reason=str(Refusal.LABEL),
        who=actor,
        command="label",
        by_requester=hand.authority is Authority.SELF,
        label=ctx.policy.label("approved"),
        approvers=ctx.policy.changes.approvers,
        requester=item.issue.author,
    )
    return Decision(actions)


def rule_pre_change(facts: Facts) -> Decision:
    """[change.pre_change] one reminder a lead time before the start, naming unticked checks."""
    item, ctx, window = facts.item, facts.ctx, facts.window
    if not facts.approved or not window.valid or window.start is None:
        return Decision()
    key = f"{Rule.PRE_CHANGE}:{_stamp(window.start)}"
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
            assignees=item.issue.assignees,
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


def rule_post_change(facts: Facts) -> Decision:
    """[change.post_change] after the end: ask for /done or /rolled-back, each business day."""
    item, ctx, window = facts.item, facts.ctx, facts.window
    if not facts.approved or not window.valid or window.start is None or window.end is None:
        return Decision()
    rule = str(Rule.POST_CHANGE)
    actions: tuple[Action, ...] = ()
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
        if reason is not None:
            actions += _comment(
                item,
                Rule.POST_CHANGE,
                f"{rule}:refused:{command.comment.id}",
                "change_post_answer.md.j2",
                accepted=False,
                reason=reason,
                who=command.comment.author,
                command=command.name,
                **_common(facts),
            )
            continue
        if answer is None:
            answer = command
    if answer is not None:
        done = answer.name == Answer.DONE
        actions += _comment(
            item,
            Rule.POST_CHANGE,
            f"{rule}:{answer.name}:{answer.comment.id}",
            "change_post_answer.md.j2",
            accepted=True,
            reason="",
            who=answer.comment.author,
            command=answer.name,
            note=answer.args.strip(),
            **_common(facts),
        )
        if done:
            actions += (Action(Kind.CLOSE, rule, item.number),)
        return Decision(actions)
    if ctx.now < window.end:
        return Decision(actions, next_check=_utc(window.end))
    due, following = _prompt_due(facts, window.end)
    actions += _comment(
        item,
        Rule.POST_CHANGE,
        f"{rule}:{_stamp(due)}",
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
    window = versions[-1].window
    decision = _invalid(item, ctx, window, Rule.MAINTENANCE_INVALID, "maintenance_invalid.md.j2")
    notice = _notice(ctx, versions, ctx.policy.changes.maintenance_notice)
    decision += _notice_rule(item, ctx, notice, Rule.MAINTENANCE_NOTICE, "maintenance_notice.md.j2")
    return decision
