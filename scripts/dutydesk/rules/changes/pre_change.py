"""Pre-change reminder: one reminder a lead time before the start of an approved change,
naming the pre-change checks still unticked (stakeholders informed; backup and rollback
verified) and the people assigned.

Emits: change.pre_change
Reads: changes.reminder_before, changes.approvers, rota
"""

from __future__ import annotations

from dutydesk.engine import Decision
from dutydesk.markers import comment_key, key_time
from dutydesk.rules.changes.facts import Facts
from dutydesk.rules.changes.revisions import utc
from dutydesk.rules.changes.wording import comment, common
from dutydesk.rules.ids import Rule

RULE = Rule.CHANGE_PRE


def rule_pre_change(facts: Facts) -> Decision:
    """[change.pre_change] one reminder a lead time before the start, naming unticked checks."""
    item, ctx, window = facts.item, facts.ctx, facts.window
    if not facts.approved or not window.valid or window.start is None:
        return Decision()
    key = comment_key(RULE, key_time(window.start))
    due = utc(window.start) - ctx.policy.changes.reminder_before.amount
    if ctx.now < due:
        return Decision(next_check=due) if key not in item.mine else Decision()
    if ctx.now >= window.start:
        return Decision()
    if key not in item.mine:
        facts.support.require()  # PagerDuty unread: the reminder waits for the next run
    # Those assigned, and those the approval assigns: the same text whether or not the
    # assignment has landed by the time the reminder is written.
    assignees = tuple(dict.fromkeys([*item.issue.assignees, *facts.support.people]))
    return Decision(
        comment(
            item,
            RULE,
            key,
            "change_pre.md.j2",
            unticked=facts.unticked,
            assignees=assignees,
            **common(facts),
        )
    )
