"""What the change rules read, once per reconcile: the request's revisions, its notice, the
approval outcome, who supports the change, which checks are unticked and who answered the
post-change prompt. The rules only decide over these facts.

Emits: nothing (the facts every change rule reads)
Reads: changes.notice, changes.approvers, rota, labels.approved, the calendar (on_call)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from dutydesk.commands import Command, commands
from dutydesk.engine import Context, Item
from dutydesk.forms import FieldType
from dutydesk.labels import last_labeled
from dutydesk.model import EventKind
from dutydesk.people import login_key, same
from dutydesk.rules.changes.approval import ApprovalOutcome, LabelStep
from dutydesk.rules.changes.fields import ANSWER_COMMANDS, CHANGE_SPEC, Answer, Field
from dutydesk.rules.changes.replay import replay
from dutydesk.rules.changes.revisions import (
    Notice,
    Revision,
    Window,
    read_notice,
    read_revisions,
    utc,
)
from dutydesk.rules.ids import Refusal, Rule
from dutydesk.time.shifts import Gap, RotaBeyondReach, RotaUnavailable

#: Why an answer to the post-change prompt was not accepted (change_post_answer.md.j2 reads it).
AnswerRefusal = Literal[Refusal.EARLY, Refusal.NOT_ALLOWED, Refusal.NO_NOTE]


@dataclass(frozen=True)
class Support:
    """Who supports the change: named in /approve, else the rota's pair at the start; with
    a PagerDuty rota, also who is on call without a GitHub login, and the gaps in cover over
    the window (or why PagerDuty could not be read: then nobody is guessed)."""

    people: tuple[str, ...] = ()
    from_rota: bool = True
    pagerduty: bool = False  # the rota is PagerDuty's
    unmapped: tuple[str, ...] = ()  # on call in PagerDuty, with no login: named, not assigned
    gaps: tuple[Gap, ...] = ()  # nobody on call at a level for part of the window
    unread: str = ""  # why the rota could not be read for the window ("" when it was)
    later: bool = False  # the window is past what PagerDuty answers (90 days): not known yet

    def require(self) -> None:
        """Raise RotaUnavailable when the support people come from a rota that was not read:
        a rule about to name them stops this run rather than say "nobody". A window beyond
        PagerDuty's reach is no outage: the approval goes ahead and says they are named later."""
        if self.from_rota and self.unread and not self.later:
            raise RotaUnavailable(self.unread)


@dataclass(frozen=True)
class PromptAnswers:
    """The answers to the post-change prompt given since the standing approval."""

    accepted: Command | None = None  # the latest accepted answer
    refused: tuple[tuple[Command, AnswerRefusal], ...] = ()  # the latest refused one per person
    reopened: bool = False  # a person reopened the issue after the accepted answer


@dataclass(frozen=True)
class Facts:
    item: Item
    ctx: Context
    revisions: tuple[Revision, ...]
    notice: Notice | None
    outcome: ApprovalOutcome
    remove_approved: Rule | None = None  # the rule that takes the `approved` label off
    support: Support = field(default_factory=Support)
    unticked: tuple[str, ...] = ()
    answers: PromptAnswers = field(default_factory=PromptAnswers)

    @property
    def current(self) -> Revision:
        return self.revisions[-1]

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
        return utc(approval.at) if approval is not None else None


def read_facts(item: Item, ctx: Context) -> Facts:
    revisions = read_revisions(item, ctx, CHANGE_SPEC)
    outcome = replay(item, ctx, revisions)
    window = revisions[-1].window
    approved_at = utc(outcome.approval.at) if outcome.approval is not None else None
    return Facts(
        item=item,
        ctx=ctx,
        revisions=revisions,
        notice=read_notice(ctx, revisions, ctx.policy.changes.notice),
        outcome=outcome,
        remove_approved=approved_label_removal(item, ctx, outcome),
        support=read_support(ctx, outcome, window),
        unticked=read_unticked(item),
        answers=read_answers(item, ctx, window, approved_at),
    )


def approved_label_removal(item: Item, ctx: Context, outcome: ApprovalOutcome) -> Rule | None:
    """Which rule takes the `approved` label off, if it has to go: it stays only on an
    approved change. (A label whose adder could not be checked is no approval: it goes too.)"""
    label = ctx.policy.label("approved")
    if label not in item.issue.labels or outcome.approved:
        return None
    last = last_labeled(item.issue, label)
    if last is None:  # no record of who added it
        return Rule.CHANGE_REFUSED
    step = None if ctx.is_bot(last.actor) else outcome.label_steps.get(last)
    if step is LabelStep.REFUSED:
        return Rule.CHANGE_REFUSED
    if step is LabelStep.UNKNOWN:
        return Rule.CHANGE_APPROVAL  # beside its reply: the teams could not be read
    withdrawn = outcome.withdrawal is not None or outcome.void is not None
    if outcome.rejection is None and withdrawn:
        return Rule.CHANGE_WITHDRAWN
    return Rule.CHANGE_APPROVAL


def read_support(ctx: Context, outcome: ApprovalOutcome, window: Window) -> Support:
    """The people /approve named, else the rota's primary and secondary at the start; and
    with a PagerDuty rota the gaps in its cover over the window."""
    approval = outcome.approval
    named = approval.args.people if approval is not None else ()
    if window.start is None:
        return Support(named, from_rota=not named)
    pagerduty = ctx.policy.pagerduty is not None
    try:
        gaps = read_gaps(ctx, window)
        entry = None if named else ctx.policy.rota_at(window.start)
    except RotaUnavailable as exc:
        later = isinstance(exc, RotaBeyondReach)
        return Support(
            named, from_rota=not named, pagerduty=pagerduty, unread=str(exc), later=later
        )
    if named or entry is None:
        return Support(named, from_rota=not named, pagerduty=pagerduty, gaps=gaps)
    return Support(entry.logins, pagerduty=pagerduty, unmapped=entry.unmapped, gaps=gaps)


def read_gaps(ctx: Context, window: Window) -> tuple[Gap, ...]:
    """The gaps in the PagerDuty rota's cover over a valid window (none for a list rota)."""
    if not window.valid or window.start is None or window.end is None:
        return ()
    return tuple(ctx.policy.cover_gaps(window.start, window.end))


def read_unticked(item: Item) -> tuple[str, ...]:
    """The pre-change checks not ticked on the current body."""
    checks = item.answers.get(Field.CHECKS.value)
    if not isinstance(checks, Mapping):
        checks = {}
    form_field = item.form.field(Field.CHECKS.value) if item.form is not None else None
    if form_field is not None and form_field.type is FieldType.CHECKBOXES:
        selected = list(checks.get("selected", []))
        return tuple(option for option in form_field.options if option not in selected)
    return tuple(checks.get("unselected", []))


def may_answer(item: Item, ctx: Context, login: str) -> bool:
    """The requester, an assignee, an approver or a writer may answer the prompt."""
    if same(login, item.issue.author) or any(same(login, a) for a in item.issue.assignees):
        return True
    return ctx.access.member(login, ctx.policy.changes.approvers) is True or ctx.access.can_write(
        login
    )


def _answer_refusal(
    item: Item, ctx: Context, start: datetime, command: Command
) -> AnswerRefusal | None:
    if not may_answer(item, ctx, command.comment.author):
        return Refusal.NOT_ALLOWED  # before "not started yet": a stranger may never answer
    if utc(command.at) < utc(start):
        return Refusal.EARLY
    if command.name == Answer.ROLLED_BACK and not command.args.strip():
        return Refusal.NO_NOTE
    return None


def read_answers(
    item: Item, ctx: Context, window: Window, approved_at: datetime | None
) -> PromptAnswers:
    """`/done` and `/rolled-back` since the approval (an answer about an earlier approval of
    other times does not count): the latest accepted, and each person's latest refused."""
    if approved_at is None or not window.valid or window.start is None:
        return PromptAnswers()
    accepted: Command | None = None
    refused: dict[str, tuple[Command, AnswerRefusal]] = {}
    for command in commands(item.issue.comments, ctx.policy.bot, ANSWER_COMMANDS):
        if utc(command.at) < approved_at:
            continue
        reason = _answer_refusal(item, ctx, window.start, command)
        if reason is None:
            accepted = command
            continue
        who = login_key(command.comment.author)
        refused.pop(who, None)
        refused[who] = (command, reason)
    reopened = accepted is not None and reopened_after(item, ctx, accepted.at)
    return PromptAnswers(accepted, tuple(refused.values()), reopened)


def reopened_after(item: Item, ctx: Context, moment: datetime) -> bool:
    """Whether a person (not the bot) reopened the issue after `moment`."""
    return any(
        e.kind is EventKind.REOPENED and not ctx.is_bot(e.actor) and utc(e.at) > utc(moment)
        for e in item.issue.events
    )
