"""Out-of-hours change requests and planned-maintenance notices.

The process is the Modernisation Platform's: a team asks for out-of-hours support for a
planned change at least 48 hours ahead; an approver reviews it; approval is confirmed with
the support people assigned; before the change stakeholders are told and backup and rollback
are verified; afterwards the requester confirms the outcome. Planned downtime is announced
at least 5 working days ahead (Street Manager).

Everything here is a pure decision over the issue's snapshot, the policy and `ctx.now`. The
facts are read once (facts.py: the request's revisions and notice, the approval timeline
replayed by replay.py over the records of approval.py, who answered), then each rule decides
over them:

    invalid.py      change.invalid             times that cannot be used
    notice.py       change.notice              too little notice
    hours.py        change.hours               inside support hours, or partly uncovered
    approved.py     change.approval            approval and rejection
    withdrawn.py    change.approval_withdrawn  any change after approval; a void approval
    refused.py      change.refused             commands and labels that change nothing
    pre_change.py   change.pre_change          the reminder before the start
    post_change.py  change.post_change         the prompt after the end, /done, /rolled-back
    maintenance.py  maintenance.*              planned-maintenance notices

Each person gets one reply for what was refused, edited in place for their latest refused
command. The bot adds a label once for a situation (a start time, a window, a rejection) and
never puts back one a person took off until the situation changes; it takes off only labels
it added itself, except `approved`, which stays only on an approved change: only an approver's
hand on it counts, and the bot undoes anyone else's.

Emits: every rule id of CHANGE_RULES and MAINTENANCE_RULES (the modules beside this one)
"""

from __future__ import annotations

from dutydesk.engine import Context, Decision, Item, run_rules
from dutydesk.rules.changes.approval import parse_approve
from dutydesk.rules.changes.approved import rule_approval
from dutydesk.rules.changes.facts import read_facts
from dutydesk.rules.changes.hours import rule_hours
from dutydesk.rules.changes.invalid import rule_invalid
from dutydesk.rules.changes.maintenance import MAINTENANCE_RULES, read_maintenance
from dutydesk.rules.changes.notice import rule_notice
from dutydesk.rules.changes.post_change import rule_post_change
from dutydesk.rules.changes.pre_change import rule_pre_change
from dutydesk.rules.changes.refused import rule_refused
from dutydesk.rules.changes.withdrawn import rule_withdrawn
from dutydesk.rules.notify import notify_change, notify_maintenance

__all__ = ["CHANGE_RULES", "handle_change", "handle_maintenance", "parse_approve"]

CHANGE_RULES = (
    rule_invalid,
    rule_notice,
    rule_hours,
    rule_approval,
    rule_withdrawn,
    rule_refused,
    rule_pre_change,
    rule_post_change,
)


def handle_change(item: Item, ctx: Context) -> Decision:
    """Reconcile an out-of-hours change request."""
    if not item.issue.is_open:
        return Decision()
    facts = read_facts(item, ctx)
    decision = run_rules(facts, CHANGE_RULES) + notify_change(facts)
    if decision.next_check is not None and decision.next_check <= ctx.now:
        return Decision(decision.actions, None)
    return decision


def handle_maintenance(item: Item, ctx: Context) -> Decision:
    """Reconcile a planned-maintenance notice: readable times and enough working days' notice."""
    if not item.issue.is_open:
        return Decision()
    facts = read_maintenance(item, ctx)
    return run_rules(facts, MAINTENANCE_RULES) + notify_maintenance(facts)
