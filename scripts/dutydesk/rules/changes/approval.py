"""The approval timeline: where the request's approvals, rejections and edits leave it.

Edits of the request, `/approve` and `/reject` comments and `approved` labels people added are
replayed oldest first. An approval counts if, when it was made, the request was valid and had
enough notice (or was an emergency approval with a reason); an approver's own hand on the
label counts as a bare `/approve` at that moment; a later edit withdraws it; the latest
approval or rejection stands. The outcome depends only on the history, never on when the bot
happened to run. Each refused command (or label) leaves a reply for its author; the latest
per person stands.

This module reads; the rules in approved.py, withdrawn.py and refused.py decide and write.

Emits: nothing itself; its replies are written by change.refused and change.approval
Reads: changes.approvers, changes.notice, changes.allow_emergency, labels.approved
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from dutydesk.commands import Command, commands
from dutydesk.engine import Context, Item
from dutydesk.markers import comment_key, key_time
from dutydesk.model import EventKind, IssueEvent
from dutydesk.people import mention_word, same
from dutydesk.replies import Reply, reply_key
from dutydesk.rules.changes.fields import DECISION_COMMANDS
from dutydesk.rules.changes.revisions import Notice, Revision, edits, read_notice, upto, utc
from dutydesk.rules.changes.wording import notice_values
from dutydesk.rules.ids import Refusal, Rule

# -- /approve and who may use it ---------------------------------------------------------


@dataclass(frozen=True)
class ApproveArgs:
    """`/approve [emergency] [@a @b] [reason]`."""

    emergency: bool
    people: tuple[str, ...]
    teams: tuple[str, ...]
    reason: str


BARE_APPROVE = ApproveArgs(emergency=False, people=(), teams=(), reason="")


def parse_approve(args: str) -> ApproveArgs:
    """Leading words `emergency` and @mentions, in any order; the rest is the reason."""
    emergency = False
    people: list[str] = []
    teams: list[str] = []
    rest = ""
    for match in re.finditer(r"\S+", args):
        word = match.group(0)
        mention = mention_word(word)
        if not emergency and word.lower().rstrip(":,.;") == "emergency":
            emergency = True
        elif mention is not None:
            target = teams if mention.is_team else people
            if mention.handle not in target:
                target.append(mention.handle)
        else:
            rest = args[match.start() :].strip()
            break
    return ApproveArgs(emergency, tuple(people), tuple(teams), rest)


def authority(item: Item, ctx: Context, login: str, *, approving: bool) -> Refusal | None:
    """Why `login` may not approve (or reject) this request; None if they may."""
    if approving and same(login, item.issue.author):
        return Refusal.SELF
    member = ctx.access.member(login, ctx.policy.changes.approvers)
    if member is None:
        return Refusal.ACCESS_UNKNOWN  # a team of approvers could not be read
    return None if member else Refusal.NOT_APPROVER


def approval_problem(
    ctx: Context, known: Sequence[Revision], args: ApproveArgs
) -> tuple[Refusal | None, Notice | None]:
    """Why an approval made when `known` was the history would not count, if it would not."""
    if not known[-1].window.valid:
        return Refusal.INVALID, None
    notice = read_notice(ctx, known, ctx.policy.changes.notice)
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


# -- what the timeline leaves ------------------------------------------------------------


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
    """An approval that an edit of the request withdrew."""

    approval: Approval
    before: Revision
    after: Revision


class LabelStep(StrEnum):
    """What became of an `approved` label a person added, replayed at the moment they added it."""

    APPROVED = "approved"  # an approver's label that approved the change
    FAILED = "failed"  # an approver's label that could not approve it (no reply: superseded)
    REFUSED = "refused"  # refused with a reply
    UNKNOWN = "unknown"  # an approver team could not be read: explained, left alone
    IGNORED = "ignored"  # the change was already approved: the label adds nothing


@dataclass(frozen=True)
class ApprovalOutcome:
    """Where the approval timeline ends up."""

    approval: Approval | None = None
    rejection: Command | None = None
    withdrawal: Withdrawal | None = None
    replies: tuple[Reply, ...] = ()
    label_steps: Mapping[IssueEvent, LabelStep] = field(default_factory=dict)

    @property
    def approved(self) -> bool:
        return self.approval is not None


# -- replies -----------------------------------------------------------------------------


def refusal_reply(
    item: Item, ctx: Context, who: str, command: str, reason: Refusal, **values: Any
) -> Reply:
    """[change.refused] the one reply to `who` saying why their command changed nothing."""
    return Reply.of(
        Rule.CHANGE_REFUSED,
        reply_key(Rule.CHANGE_REFUSED, who),
        "change_refused.md.j2",
        reason=str(reason),
        who=who,
        command=command,
        approvers=ctx.policy.changes.approvers,
        requester=item.issue.author,
        label=ctx.policy.label("approved"),
        **values,
    )


def teams_unreadable_reply(ctx: Context, who: str, what: str) -> Reply:
    """[change.approval] to `who`: the approver teams could not be read, so neither yes nor no."""
    return Reply.of(
        Rule.CHANGE_APPROVAL,
        reply_key(Rule.CHANGE_APPROVAL, who, "teams"),
        "change_teams_unreadable.md.j2",
        who=who,
        what=what,
        label=ctx.policy.label("approved"),
        approvers=ctx.policy.changes.approvers,
    )


# -- the replay --------------------------------------------------------------------------


@dataclass
class _Replay:
    """The approval timeline, replayed one step at a time (mutable only inside `replay`)."""

    item: Item
    ctx: Context
    revisions: Sequence[Revision]
    edits: Sequence[Revision]
    approval: Approval | None = None
    approval_revision: Revision | None = None
    rejection: Command | None = None
    withdrawal: Withdrawal | None = None
    replies: dict[str, Reply] = field(default_factory=dict)
    label_steps: dict[IssueEvent, LabelStep] = field(default_factory=dict)

    def reply(self, reply: Reply) -> None:
        """Each person's latest refusal (or note) replaces their earlier one."""
        self.replies.pop(reply.key, None)
        self.replies[reply.key] = reply

    def refuse(self, who: str, what: str, reason: Refusal, **values: Any) -> None:
        self.reply(refusal_reply(self.item, self.ctx, who, what, reason, **values))

    def superseded(self, at: datetime) -> bool:
        return any(utc(e.at) > utc(at) for e in self.edits)

    def edit(self, revision: Revision) -> None:
        if self.approval is not None and self.approval_revision is not None:
            self.withdrawal = Withdrawal(self.approval, self.approval_revision, revision)
            self.approval = self.approval_revision = None

    def command(self, command: Command) -> None:
        who = command.comment.author
        refusal = authority(self.item, self.ctx, who, approving=command.name == "approve")
        if refusal is Refusal.ACCESS_UNKNOWN:
            self.reply(teams_unreadable_reply(self.ctx, who, command.name))
        elif refusal is not None:
            self.refuse(who, command.name, refusal)
        elif command.name == "reject":
            self.reject(command)
        else:
            args = parse_approve(command.args)
            self.approve(who, command.at, str(command.comment.id), args, "approve")

    def reject(self, command: Command) -> None:
        if not command.args.strip():
            self.refuse(command.comment.author, "reject", Refusal.REJECT_NO_REASON)
            return
        self.rejection = command
        self.approval = self.approval_revision = self.withdrawal = None

    def label(self, event: IssueEvent) -> None:
        """An `approved` label a person added by hand."""
        self.label_steps[event] = self.label_step(event)

    def label_step(self, event: IssueEvent) -> LabelStep:
        if self.approval is not None:
            return LabelStep.IGNORED
        who = event.actor
        refusal = authority(self.item, self.ctx, who, approving=True)
        if refusal is Refusal.ACCESS_UNKNOWN:
            self.reply(teams_unreadable_reply(self.ctx, who, "label"))
            return LabelStep.UNKNOWN
        if refusal is not None:
            self.refuse(who, "label", Refusal.LABEL, by_requester=refusal is Refusal.SELF)
            return LabelStep.REFUSED
        ref = comment_key("label", key_time(event.at))
        return self.approve(who, event.at, ref, BARE_APPROVE, "label")

    def approve(self, who: str, at: datetime, ref: str, args: ApproveArgs, what: str) -> LabelStep:
        """An approver's approval at `at`: it counts if the request then was valid and had
        enough notice (or is an emergency with a reason)."""
        known = upto(self.revisions, at)
        refusal, notice = approval_problem(self.ctx, known, args)
        if refusal is not None:
            if self.superseded(at):
                return LabelStep.FAILED
            self.refuse(who, what, refusal, **notice_values(self.ctx, notice))
            return LabelStep.REFUSED
        self.approval = Approval(who, at, ref, args, notice, via_label=what == "label")
        self.approval_revision = known[-1]
        self.rejection = self.withdrawal = None
        return LabelStep.APPROVED

    def outcome(self) -> ApprovalOutcome:
        return ApprovalOutcome(
            approval=self.approval,
            rejection=self.rejection,
            withdrawal=self.withdrawal,
            replies=tuple(self.replies.values()),
            label_steps=dict(self.label_steps),
        )


Step = Revision | Command | IssueEvent


def _steps(item: Item, ctx: Context, request_edits: Sequence[Revision]) -> list[Step]:
    """Edits, /approve and /reject comments, and `approved` labels people added, in time
    order (an edit before a command or label of the same moment)."""
    label = ctx.policy.label("approved")
    steps: list[tuple[datetime, int, Step]] = [(e.at, 0, e) for e in request_edits]
    steps += [
        (c.at, 1, c) for c in commands(item.issue.comments, ctx.policy.bot, DECISION_COMMANDS)
    ]
    steps += [
        (e.at, 1, e)
        for e in item.issue.events
        if e.kind is EventKind.LABELED and e.label == label and not ctx.is_bot(e.actor)
    ]
    steps.sort(key=lambda s: (utc(s[0]), s[1]))
    return [step for _, _, step in steps]


def replay(item: Item, ctx: Context, revisions: Sequence[Revision]) -> ApprovalOutcome:
    """Replay the approval timeline over the request's revisions."""
    state = _Replay(item, ctx, revisions, edits(revisions))
    for step in _steps(item, ctx, state.edits):
        if isinstance(step, Revision):
            state.edit(step)
        elif isinstance(step, Command):
            state.command(step)
        else:
            state.label(step)
    return state.outcome()
