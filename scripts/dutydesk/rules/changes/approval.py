"""What the approval timeline is made of: `/approve` and who may use it, and what the replay
(replay.py) leaves: the standing approval, a withdrawal, a void approval, the replies.

An approval covers the whole request as it was when it was given: its title and every text of
its body except the pre-change checks' ticks. The requester, and anyone who edited the request
(the author of an edit of its body), cannot approve it. An approval whose version of the body
was deleted from the edit history, or that a deleted revision followed, is *void*: what it
approved can no longer be checked, so it no longer stands and a fresh approval is needed.

This module reads; the rules in approved.py, withdrawn.py and refused.py decide and write.

Emits: nothing itself; its replies are written by change.refused and change.approval
Reads: changes.approvers, changes.notice, changes.allow_emergency, labels.approved
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from dutydesk.commands import Command
from dutydesk.engine import Context, Item
from dutydesk.model import IssueEvent
from dutydesk.people import mention_word, same
from dutydesk.replies import Reply, reply_key
from dutydesk.rules.changes.revisions import Notice, Revision, read_notice
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


def authority(
    ctx: Context, login: str, requesters: Iterable[str], *, approving: bool
) -> Refusal | None:
    """Why `login` may not approve (or reject, or take the label off) this request; None if
    they may. `requesters` are its author and everyone who edited it."""
    if approving and any(same(login, r) for r in requesters):
        return Refusal.SELF
    member = ctx.access.member(login, ctx.policy.changes.approvers)
    if member is None:
        return Refusal.ACCESS_UNKNOWN  # a team of approvers could not be read
    return None if member else Refusal.NOT_APPROVER


def approval_problem(
    ctx: Context, known: Sequence[Revision], args: ApproveArgs
) -> tuple[Refusal | None, Notice | None]:
    """Why an approval made when `known` was the history would not count, if it would not
    (`known` ends with a version whose text is known: a gap voids the approval instead)."""
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
    command: Command | None = None  # the /approve, recorded in the confirmation


class Cause(StrEnum):
    """What withdrew an approval (change_withdrawn.md.j2 reads it)."""

    EDIT = "edit"  # an edit of the body's text
    TITLE = "title"  # the title changed
    LABEL = "label"  # an approver took the `approved` label off


@dataclass(frozen=True)
class Withdrawal:
    """An approval that a later change withdrew: an edit (`after`, the version that withdrew
    it), a title change or an approver's hand taking the label off (`event`)."""

    approval: Approval
    before: Revision  # the version approved
    after: Revision  # the version when it was withdrawn (`before`, unless an edit did it)
    cause: Cause = Cause.EDIT
    event: IssueEvent | None = None

    @property
    def by(self) -> str:
        return self.event.actor if self.event is not None else self.after.author

    @property
    def at(self) -> datetime:
        return self.event.at if self.event is not None else self.after.at


@dataclass(frozen=True)
class Void:
    """An approval that history deleted from the body's edit history makes void: the version
    it approved was deleted (`gap` is then that version), or a deleted revision followed it."""

    approval: Approval
    gap: Revision | None  # the deleted revision (None: no version at all was known then)


class LabelStep(StrEnum):
    """What became of an `approved` label a person added, replayed at the moment they added it."""

    APPROVED = "approved"  # an approver's label that approved the change
    FAILED = "failed"  # an approver's label that could not approve it (no reply: superseded)
    REFUSED = "refused"  # refused with a reply
    UNKNOWN = "unknown"  # an approver team could not be read: explained, taken off
    IGNORED = "ignored"  # the change was already approved: the label adds nothing


@dataclass(frozen=True)
class ApprovalOutcome:
    """Where the approval timeline ends up."""

    approval: Approval | None = None
    rejection: Command | None = None
    withdrawal: Withdrawal | None = None
    void: Void | None = None
    replies: tuple[Reply, ...] = ()
    label_steps: Mapping[IssueEvent, LabelStep] = field(default_factory=dict)

    @property
    def approved(self) -> bool:
        return self.approval is not None


# -- replies -----------------------------------------------------------------------------


def refusal_reply(
    item: Item, ctx: Context, who: str, command: str, reason: Refusal, **values: Any
) -> Reply:
    """[change.refused] the one reply to `who` saying why their command changed nothing (or
    why the bot put back the `approved` label they took off: `removed`)."""
    values.setdefault("edited", not same(who, item.issue.author))  # an editor, if refused as SELF
    values.setdefault("removed", False)
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
    """[change.approval] to `who`: the approver teams could not be read, so neither yes nor no
    (a label they added is not an approval and comes off)."""
    return Reply.of(
        Rule.CHANGE_APPROVAL,
        reply_key(Rule.CHANGE_APPROVAL, who, "teams"),
        "change_teams_unreadable.md.j2",
        who=who,
        what=what,
        label=ctx.policy.label("approved"),
        approvers=ctx.policy.changes.approvers,
    )
