"""Planned maintenance: a downtime notice needs readable times and enough working days'
notice (Street Manager asks for 5), counted as for a change request.

Emits: maintenance.invalid, maintenance.notice
Reads: changes.maintenance_notice, timezone, workdays, bank_holidays, changes.approvers,
labels.needs_info, labels.insufficient_notice
"""

from __future__ import annotations

from dataclasses import dataclass

from dutydesk.engine import Context, Decision, Item
from dutydesk.rules.changes.fields import MAINTENANCE_SPEC
from dutydesk.rules.changes.invalid import decide_invalid
from dutydesk.rules.changes.notice import decide_notice
from dutydesk.rules.changes.revisions import Notice, Revision, read_notice, read_revisions
from dutydesk.rules.ids import Rule


@dataclass(frozen=True)
class MaintenanceFacts:
    """What the maintenance rules read, once: the notice's revisions and its notice."""

    item: Item
    ctx: Context
    revisions: tuple[Revision, ...]
    notice: Notice | None


def read_maintenance(item: Item, ctx: Context) -> MaintenanceFacts:
    revisions = read_revisions(item, ctx, MAINTENANCE_SPEC)
    notice = read_notice(ctx, revisions, ctx.policy.changes.maintenance_notice)
    return MaintenanceFacts(item, ctx, revisions, notice)


def rule_maintenance_invalid(facts: MaintenanceFacts) -> Decision:
    """[maintenance.invalid] downtime times that cannot be read, or an end not after the start."""
    return decide_invalid(
        facts.item,
        facts.ctx,
        facts.revisions,
        Rule.MAINTENANCE_INVALID,
        "maintenance_invalid.md.j2",
    )


def rule_maintenance_notice(facts: MaintenanceFacts) -> Decision:
    """[maintenance.notice] fewer working days' notice than the policy asks."""
    return decide_notice(
        facts.item, facts.ctx, facts.notice, Rule.MAINTENANCE_NOTICE, "maintenance_notice.md.j2"
    )


MAINTENANCE_RULES = (rule_maintenance_invalid, rule_maintenance_notice)
