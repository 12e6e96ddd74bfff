"""Refused: `/approve` or `/reject` from someone who may not (a non-approver, or a requester
approving their own change: its author or anyone who edited it), a slip an approver made (no
reason, too little notice, unusable times), an `approved` label added by hand by someone who
may not approve, and the label taken off an approved change by someone who may not withdraw
the approval: one reply per person, edited for their latest refusal; a refused label is taken
off, and a label taken off by such a person is put back (by change.approval).

The refusals come from the approval timeline (approval.py); this rule only writes them.

Emits: change.refused
Reads: changes.approvers, changes.notice, changes.allow_emergency, labels.approved
"""

from __future__ import annotations

from dutydesk.actions import Action
from dutydesk.engine import Decision
from dutydesk.labels import last_labeled, remove_labels
from dutydesk.markers import comment_key
from dutydesk.replies import reply_actions
from dutydesk.rules.changes.facts import Facts
from dutydesk.rules.changes.wording import comment
from dutydesk.rules.ids import Refusal, Rule

RULE = Rule.CHANGE_REFUSED


def rule_refused(facts: Facts) -> Decision:
    """[change.refused] /approve from a non-approver or the requester, and the like; an
    `approved` label added by hand by someone who may not approve."""
    item = facts.item
    actions: tuple[Action, ...] = ()
    if facts.remove_approved is RULE:
        label = facts.ctx.policy.label("approved")
        actions += remove_labels(item, RULE, label)
        if last_labeled(item.issue, label) is None:
            actions += _nobody_added(facts, label)
    actions += reply_actions(item, facts.outcome.replies, RULE)
    return Decision(actions)


def _nobody_added(facts: Facts, label: str) -> tuple[Action, ...]:
    """A label with no record of who added it: nobody to answer, so tell the requester."""
    return comment(
        facts.item,
        RULE,
        comment_key(RULE, "label", "unknown"),
        "change_refused.md.j2",
        reason=str(Refusal.LABEL),
        who="",
        command="label",
        by_requester=False,
        edited=False,
        removed=False,
        label=label,
        approvers=facts.ctx.policy.changes.approvers,
        requester=facts.item.issue.author,
    )
