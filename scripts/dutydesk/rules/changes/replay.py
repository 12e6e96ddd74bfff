"""The approval timeline, replayed: where the request's approvals, rejections and changes leave it.

Edits of the body (gaps included), title changes, `/approve` and `/reject` comments, and the
`approved` label added or taken off by a person are replayed oldest first:

* an approval counts if, when it was made, the version of the request then current is known,
  valid and had enough notice (or it is an emergency approval with a reason); an approver's own
  hand adding the label counts as a bare `/approve` at that moment;
* any later edit of the body's text (the pre-change checks' ticks excepted), a title change, or
  an approver taking the label off withdraws it; anyone else taking the label off changes
  nothing (the bot puts it back and tells them who may);
* an approval of a version that was later deleted from the edit history, or followed by a
  deleted revision, is void; it never counts for another version;
* the latest approval or rejection stands. The bot's confirmation and rejection comments
  carry a record of their `/approve` or `/reject` (commands.py), so a decision stands even when
  the comment that made it is edited or deleted; it is replayed as its author wrote it, when
  they wrote it.

The outcome depends only on the history, never on when the bot happened to run. Each refused
command (or label) leaves a reply for its author; the latest per person stands.

Emits: nothing itself; its replies are written by change.refused and change.approval
Reads: changes.approvers, changes.notice, changes.allow_emergency, labels.approved
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dutydesk.commands import Command, commands
from dutydesk.engine import Context, Item
from dutydesk.markers import comment_key, key_time
from dutydesk.model import EventKind, IssueEvent
from dutydesk.replies import Reply
from dutydesk.rules.changes.approval import (
    BARE_APPROVE,
    Approval,
    ApprovalOutcome,
    ApproveArgs,
    Cause,
    LabelStep,
    Void,
    Withdrawal,
    approval_problem,
    authority,
    parse_approve,
    refusal_reply,
    teams_unreadable_reply,
)
from dutydesk.rules.changes.fields import DECISION_COMMANDS
from dutydesk.rules.changes.revisions import Revision, edits, upto, utc
from dutydesk.rules.changes.wording import notice_values
from dutydesk.rules.ids import Refusal


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
    void: Void | None = None
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

    def requesters(self, at: datetime) -> list[str]:
        """The issue's author and everyone who edited the request by `at`."""
        editors = [e.author for e in self.edits if e.author and utc(e.at) <= utc(at)]
        return [self.item.issue.author, *editors]

    def authority(self, who: str, at: datetime, *, approving: bool) -> Refusal | None:
        return authority(self.ctx, who, self.requesters(at), approving=approving)

    # -- changes of the request

    def edit(self, revision: Revision) -> None:
        """An edit of the body: it withdraws a standing approval; a gap voids it."""
        if self.approval is None:
            return
        if revision.deleted:
            self.void = Void(self.approval, revision)
            self.approval = self.approval_revision = None
        else:
            self.withdraw(Cause.EDIT, revision)

    def withdraw(
        self, cause: Cause, after: Revision | None, event: IssueEvent | None = None
    ) -> None:
        if self.approval is None or self.approval_revision is None:
            return
        before = self.approval_revision
        self.withdrawal = Withdrawal(self.approval, before, after or before, cause, event)
        self.approval = self.approval_revision = None

    def event(self, event: IssueEvent) -> None:
        if event.kind is EventKind.RENAMED:
            self.withdraw(Cause.TITLE, None, event)
        elif event.kind is EventKind.UNLABELED:
            self.unlabel(event)
        else:
            self.label_steps[event] = self.label(event)

    # -- commands

    def command(self, command: Command) -> None:
        who = command.comment.author
        refusal = self.authority(who, command.at, approving=command.name == "approve")
        if refusal is Refusal.ACCESS_UNKNOWN:
            self.reply(teams_unreadable_reply(self.ctx, who, command.name))
        elif refusal is not None:
            self.refuse(who, command.name, refusal)
        elif command.name == "reject":
            self.reject(command)
        else:
            args = parse_approve(command.args)
            self.approve(who, command.at, str(command.comment.id), args, "approve", command)

    def reject(self, command: Command) -> None:
        if not command.args.strip():
            self.refuse(command.comment.author, "reject", Refusal.REJECT_NO_REASON)
            return
        self.rejection = command
        self.approval = self.approval_revision = self.withdrawal = self.void = None

    # -- the `approved` label by hand

    def label(self, event: IssueEvent) -> LabelStep:
        """An `approved` label a person added by hand."""
        if self.approval is not None:
            return LabelStep.IGNORED
        who = event.actor
        refusal = self.authority(who, event.at, approving=True)
        if refusal is Refusal.ACCESS_UNKNOWN:
            self.reply(teams_unreadable_reply(self.ctx, who, "label"))
            return LabelStep.UNKNOWN
        if refusal is not None:
            self.refuse(who, "label", Refusal.LABEL, by_requester=refusal is Refusal.SELF)
            return LabelStep.REFUSED
        ref = comment_key("label", key_time(event.at))
        return self.approve(who, event.at, ref, BARE_APPROVE, "label")

    def unlabel(self, event: IssueEvent) -> None:
        """The `approved` label a person took off: an approver's hand withdraws the approval
        (and so does a hand that cannot be checked: fail closed); anyone else's is put back."""
        if self.approval is None:
            return
        refusal = self.authority(event.actor, event.at, approving=False)
        if refusal is None or refusal is Refusal.ACCESS_UNKNOWN:
            self.withdraw(Cause.LABEL, None, event)
        else:
            self.refuse(event.actor, "label", Refusal.LABEL, removed=True, by_requester=False)

    # -- approving

    def approve(
        self,
        who: str,
        at: datetime,
        ref: str,
        args: ApproveArgs,
        what: str,
        command: Command | None = None,
    ) -> LabelStep:
        """An approver's approval at `at`: it counts if the version then current is known,
        valid and had enough notice (or is an emergency with a reason)."""
        known = upto(self.revisions, at)
        if not known or known[-1].deleted:
            approval = Approval(who, at, ref, args, None, via_label=what == "label")
            self.void = Void(approval, known[-1] if known else None)
            return LabelStep.FAILED
        refusal, notice = approval_problem(self.ctx, known, args)
        if refusal is not None:
            if self.superseded(at):
                return LabelStep.FAILED
            self.refuse(who, what, refusal, **notice_values(self.ctx, notice))
            return LabelStep.REFUSED
        self.approval = Approval(
            who, at, ref, args, notice, via_label=what == "label", command=command
        )
        self.approval_revision = known[-1]
        self.rejection = self.withdrawal = self.void = None
        return LabelStep.APPROVED

    def outcome(self) -> ApprovalOutcome:
        return ApprovalOutcome(
            approval=self.approval,
            rejection=self.rejection,
            withdrawal=self.withdrawal,
            void=self.void,
            replies=tuple(self.replies.values()),
            label_steps=dict(self.label_steps),
        )


Step = Revision | Command | IssueEvent


def _events(item: Item, ctx: Context) -> list[IssueEvent]:
    """Title changes, and the `approved` label added or taken off by a person."""
    label = ctx.policy.label("approved")
    return [
        e
        for e in item.issue.events
        if e.kind is EventKind.RENAMED
        or (
            e.kind in (EventKind.LABELED, EventKind.UNLABELED)
            and e.label == label
            and not ctx.is_bot(e.actor)
        )
    ]


def _steps(item: Item, ctx: Context, request_edits: Sequence[Revision]) -> list[Step]:
    """Edits, title changes, /approve and /reject comments (recorded ones included), and
    `approved` labels a person added or took off, in time order (an edit or a title change
    before a command or label of the same moment)."""
    steps: list[tuple[datetime, int, Step]] = [(e.at, 0, e) for e in request_edits]
    steps += [
        (c.at, 1, c) for c in commands(item.issue.comments, ctx.policy.bot, DECISION_COMMANDS)
    ]
    steps += [(e.at, 1 if e.label else 0, e) for e in _events(item, ctx)]
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
            state.event(step)
    return state.outcome()
