"""Notice: less notice than the policy asks, counted from when the current start was stated.

`insufficient-notice` goes on once for a start time (a person may take it off) and comes off
when the start has enough notice; each start time with too little gets one comment with the
notice given, needed and the earliest start that qualifies.

Emits: change.notice (and maintenance.notice, through maintenance.py)
Reads: changes.notice, maintenance.notice, changes.approvers,
changes.allow_emergency, labels.insufficient_notice
"""

from __future__ import annotations

from dutydesk.engine import Context, Decision, Item
from dutydesk.labels import add_once, remove_own
from dutydesk.markers import comment_key, key_time
from dutydesk.rules.changes.facts import Facts
from dutydesk.rules.changes.revisions import Notice
from dutydesk.rules.changes.wording import comment, notice_values
from dutydesk.rules.ids import Rule


def decide_notice(
    item: Item, ctx: Context, notice: Notice | None, rule: Rule, template: str
) -> Decision:
    """`insufficient-notice` and a comment while `notice` is short; off when it is enough."""
    label = ctx.policy.label("insufficient_notice")
    if notice is None:
        return Decision()
    if notice.enough:
        return Decision(remove_own(item, ctx, rule, label))
    actions = add_once(item, ctx, rule, label, notice.stated_at)
    actions += comment(
        item,
        rule,
        comment_key(rule, key_time(notice.stated_at)),
        template,
        requester=item.issue.author,
        approvers=ctx.policy.changes.approvers,
        **notice_values(ctx, notice),
    )
    return Decision(actions)


def rule_notice(facts: Facts) -> Decision:
    """[change.notice] less notice than the policy asks, counted from when the start was set."""
    return decide_notice(
        facts.item, facts.ctx, facts.notice, Rule.CHANGE_NOTICE, "change_notice.md.j2"
    )
