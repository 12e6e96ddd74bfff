"""Approval withdrawn: an edit of the request's fields after its approval withdraws the
approval; one comment per edit names the fields that changed (old and new values of the short
ones) and asks the approvers to review again, and the `approved` label comes off.

Emits: change.approval_withdrawn
Reads: changes.approvers, labels.approved
"""

from __future__ import annotations

from typing import Any

from dutydesk.actions import Action
from dutydesk.engine import Decision, Item
from dutydesk.forms import FieldType
from dutydesk.labels import remove_labels
from dutydesk.markers import comment_key, key_time
from dutydesk.rules.changes.approval import Withdrawal
from dutydesk.rules.changes.facts import Facts
from dutydesk.rules.changes.fields import CHANGE_SPEC
from dutydesk.rules.changes.revisions import label_of
from dutydesk.rules.changes.wording import comment, common
from dutydesk.rules.ids import Rule

RULE = Rule.CHANGE_WITHDRAWN


def rule_withdrawn(facts: Facts) -> Decision:
    """[change.approval_withdrawn] an edit of the fields after approval."""
    item, ctx, outcome = facts.item, facts.ctx, facts.outcome
    withdrawal = outcome.withdrawal
    if withdrawal is None or outcome.approved or outcome.rejection is not None:
        return Decision()
    actions: tuple[Action, ...] = ()
    if facts.remove_approved is RULE:
        actions += remove_labels(item, RULE, ctx.policy.label("approved"))
    actions += comment(
        item,
        RULE,
        comment_key(RULE, key_time(withdrawal.after.at)),
        "change_withdrawn.md.j2",
        approver=withdrawal.approval.by,
        approved_at=ctx.policy.local(withdrawal.approval.at),
        via_label=withdrawal.approval.via_label,
        edited_by=withdrawal.after.author,
        edited_at=ctx.policy.local(withdrawal.after.at),
        changed=changed_fields(item, withdrawal),
        label_removed=facts.remove_approved is not None,
        **common(facts),
    )
    return Decision(actions)


def changed_fields(item: Item, withdrawal: Withdrawal) -> list[dict[str, Any]]:
    """The request fields the edit changed, with old and new values; `short` unless the field
    is a text area (whose values are not quoted)."""
    before, after = dict(withdrawal.before.fields), dict(withdrawal.after.fields)
    changed = []
    for field_id in CHANGE_SPEC.fields:
        if before.get(field_id) == after.get(field_id):
            continue
        form_field = item.form.field(field_id) if item.form is not None else None
        changed.append(
            {
                "label": label_of(item, field_id),
                "old": before.get(field_id),
                "new": after.get(field_id),
                "short": form_field is None or form_field.type is not FieldType.TEXTAREA,
            }
        )
    return changed
