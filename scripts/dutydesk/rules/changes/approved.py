"""Approval: an approver's `/approve` (or their own hand on the `approved` label) approves the
change: the `approved` label, the support people assigned and one confirmation saying what to
do before, during and after, with the approver's instructions (the text after `/approve`).
While the approval stands the label stays on: if someone who may not withdraw it takes it off,
it is put back (change.refused tells them). `/reject <reason>` adds `rejected` and one comment.
A team of approvers that cannot be read gets each person one explanation, neither yes nor no;
an `approved` label such a person added is no approval and comes off.

The outcome comes from the approval timeline (approval.py); this rule only acts on it. The
confirmation and the rejection each carry a hidden record of their command (commands.py), so
that editing or deleting the `/approve` or `/reject` comment undoes nothing.

Emits: change.approval
Reads: changes.approvers, changes.notice, changes.allow_emergency, changes.reminder_before,
rota, labels.approved, labels.rejected
"""

from __future__ import annotations

from dutydesk.actions import Action, Kind
from dutydesk.commands import Command, records
from dutydesk.engine import Decision
from dutydesk.labels import add_labels, add_once, remove_labels, remove_own
from dutydesk.markers import comment_key
from dutydesk.people import same
from dutydesk.replies import reply_actions
from dutydesk.rules.changes.approval import Approval
from dutydesk.rules.changes.facts import Facts
from dutydesk.rules.changes.wording import comment, common, notice_values, support_values
from dutydesk.rules.ids import Rule

RULE = Rule.CHANGE_APPROVAL


def rule_approval(facts: Facts) -> Decision:
    """[change.approval] /approve and /reject from approvers (and an approver's own hand on
    the `approved` label): labels, assignment, confirmation."""
    item, outcome = facts.item, facts.outcome
    actions = reply_actions(item, outcome.replies, RULE)
    if facts.remove_approved is RULE:
        actions += remove_labels(item, RULE, facts.ctx.policy.label("approved"))
    if outcome.approval is not None:
        actions += _approve(facts, outcome.approval)
    elif outcome.rejection is not None:
        actions += _reject(facts, outcome.rejection)
    return Decision(actions)


def _assign(facts: Facts) -> tuple[Action, ...]:
    """Assign the support people not yet assigned."""
    item = facts.item
    missing = tuple(
        p for p in facts.support.people if not any(same(p, a) for a in item.issue.assignees)
    )
    return (Action(Kind.ASSIGN, RULE, item.number, users=missing),) if missing else ()


def _approve(facts: Facts, approval: Approval) -> tuple[Action, ...]:
    """The label (put back if someone who may not withdraw the approval took it off), the
    support people and the confirmation, once."""
    item, ctx = facts.item, facts.ctx
    key = comment_key(RULE, approval.ref)
    label = ctx.policy.label("approved")
    if key in item.mine:
        return add_labels(item, RULE, label)
    facts.support.require()  # PagerDuty unread: this item waits for the next run
    actions = remove_own(item, ctx, RULE, ctx.policy.label("rejected"))
    actions += add_labels(item, RULE, label)
    actions += _assign(facts)
    args = approval.args
    actions += comment(
        item,
        RULE,
        key,
        "change_approved.md.j2",
        approver=approval.by,
        via_label=approval.via_label,
        label=label,
        people=facts.support.people,
        from_rota=facts.support.from_rota,
        **support_values(facts),
        teams=args.teams,
        emergency=args.emergency and args.reason != "",
        reason=args.reason,
        instructions="" if args.emergency else args.reason,
        unticked=facts.unticked,
        reminder_before=str(ctx.policy.changes.reminder_before),
        **notice_values(ctx, approval.notice),
        **common(facts),
        records=records([approval.command] if approval.command else []),
    )
    return actions


def _reject(facts: Facts, rejection: Command) -> tuple[Action, ...]:
    item, ctx = facts.item, facts.ctx
    said = rejection.comment
    actions = add_once(item, ctx, RULE, ctx.policy.label("rejected"), rejection.at)
    actions += comment(
        item,
        RULE,
        comment_key(RULE, "reject", str(said.id)),
        "change_rejected.md.j2",
        approver=said.author,
        reason=rejection.args.strip(),
        **common(facts),
        records=records([rejection]),
    )
    return actions
