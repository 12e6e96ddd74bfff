"""Approval withdrawn: an approval covers the whole request as it was approved, so any visible
change after it withdraws it: an edit of the body's text (any field, or any other text; ticking
the pre-change checks excepted), a title change, or an approver taking the `approved` label off
by hand. One comment per change says who changed what (the fields that changed, with old and
new values of the short ones; the old and new title) and asks the approvers to review again,
and the `approved` label comes off.

An approval whose version of the body was deleted from the edit history (or that a deleted
revision followed) is void: one comment per deleted revision says so, the label comes off, and
a fresh approval is needed.

Emits: change.approval_withdrawn (keys `change.approval_withdrawn:<time of the change>`, and
`change.approval_withdrawn:void:<time of the deleted revision>` for a void approval)
Reads: changes.approvers, labels.approved
"""

from __future__ import annotations

from typing import Any

from dutydesk.actions import Action
from dutydesk.engine import Decision, Item
from dutydesk.forms import FieldType
from dutydesk.labels import remove_labels
from dutydesk.markers import comment_key, key_time
from dutydesk.rules.changes.approval import Cause, Void, Withdrawal
from dutydesk.rules.changes.facts import Facts
from dutydesk.rules.changes.fields import CHANGE_SPEC
from dutydesk.rules.changes.revisions import label_of
from dutydesk.rules.changes.wording import comment, common
from dutydesk.rules.ids import Rule

RULE = Rule.CHANGE_WITHDRAWN


def rule_withdrawn(facts: Facts) -> Decision:
    """[change.approval_withdrawn] a change after approval, or an approval made void."""
    item, ctx, outcome = facts.item, facts.ctx, facts.outcome
    if outcome.approved or outcome.rejection is not None:
        return Decision()
    actions: tuple[Action, ...] = ()
    if facts.remove_approved is RULE:
        actions += remove_labels(item, RULE, ctx.policy.label("approved"))
    if outcome.withdrawal is not None:
        actions += _withdrawn(facts, outcome.withdrawal)
    if outcome.void is not None:
        actions += _void(facts, outcome.void)
    return Decision(actions)


def _withdrawn(facts: Facts, withdrawal: Withdrawal) -> tuple[Action, ...]:
    item, ctx = facts.item, facts.ctx
    event = withdrawal.event
    return comment(
        item,
        RULE,
        comment_key(RULE, key_time(withdrawal.at)),
        "change_withdrawn.md.j2",
        cause=str(withdrawal.cause),
        approver=withdrawal.approval.by,
        approved_at=ctx.policy.local(withdrawal.approval.at),
        via_label=withdrawal.approval.via_label,
        edited_by=withdrawal.by,
        edited_at=ctx.policy.local(withdrawal.at),
        changed=changed_fields(item, withdrawal),
        text_changed=withdrawal.before.text != withdrawal.after.text,
        title=(event.before, event.after) if withdrawal.cause is Cause.TITLE and event else None,
        label=ctx.policy.label("approved"),
        label_removed=facts.remove_approved is not None,
        **common(facts),
    )


def _void(facts: Facts, void: Void) -> tuple[Action, ...]:
    item, ctx = facts.item, facts.ctx
    gap = void.gap
    return comment(
        item,
        RULE,
        comment_key(RULE, "void", key_time(gap.at if gap is not None else void.approval.at)),
        "change_approval_void.md.j2",
        approver=void.approval.by,
        approved_at=ctx.policy.local(void.approval.at),
        via_label=void.approval.via_label,
        deleted_by=gap.author if gap is not None else "",
        deleted_at=ctx.policy.local(gap.at) if gap is not None else None,
        label=ctx.policy.label("approved"),
        label_removed=facts.remove_approved is not None,
        **common(facts),
    )


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
