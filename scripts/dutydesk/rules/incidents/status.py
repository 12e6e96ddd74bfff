"""Status card: one comment, edited in place, that is the incident's dashboard: priority,
state, response due, acknowledgement, leads, updates, escalations and security. It is written
last, so that it shows what the other rules did, and it carries the hidden trace of the
`/lead` the bot assigned for (lead.py) and the hidden records of the commands that shaped the
incident (story.py `records`): the counted `/ack` (or `/lead` that acknowledged it), each
counted `/priority`, and the `/lead` and `/comms` in force. The bot reads its records back as
those commands (dutydesk.commands), so a decision survives its comment being deleted or edited;
a record changes only when a command does, so the card is not edited on every run.

Emits: incident.status
Reads: priorities.<P>.name, priorities.<P>.response, priorities.<P>.update_every,
priorities.<P>.update_after, timezone, the calendar (workdays, support, on_call, bank_holidays)
"""

from __future__ import annotations

from typing import Any

from dutydesk.commands import records
from dutydesk.engine import Decision, upsert
from dutydesk.rules.ids import Rule
from dutydesk.rules.incidents.figures import time_to_acknowledge, time_to_resolve
from dutydesk.rules.incidents.lead import STATUS_KEY
from dutydesk.rules.incidents.story import Incident
from dutydesk.rules.incidents.updates import update_plan
from dutydesk.templating import render

RULE = Rule.INCIDENT_STATUS

__all__ = ["STATUS_KEY", "status_card", "status_values"]


def status_card(incident: Incident) -> Decision:
    """[incident.status] one comment, edited in place: the incident's dashboard."""
    body = render("incident_status.md.j2", **status_values(incident))
    return Decision(upsert(incident.item, RULE, STATUS_KEY, body))


def status_values(incident: Incident) -> dict[str, Any]:
    """Everything incident_status.md.j2 shows."""
    item = incident.item
    return {
        "number": item.number,
        "service": item.answers.get("service"),
        "opened": incident.ctx.policy.local(incident.opened),
        "author": item.issue.author,
        "security": bool(incident.security),
        **_priority(incident),
        **_acknowledgement(incident),
        **_leads(incident),
        **_updates(incident),
        **_state(incident),
    }


def _priority(incident: Incident) -> dict[str, Any]:
    """The priority, since when, its response due time and the targets missed."""
    local, now = incident.ctx.policy.local, incident.ctx.now
    period = incident.period
    due = period.due if period else None
    return {
        "priority": period.priority if period else None,
        "priority_since": local(period.start) if period else None,
        "priority_changes": len(incident.changes),
        "due": local(due) if due else None,
        "overdue": bool(due and due <= now and incident.ack is None),
        "escalations": [
            {"priority": p.priority, "due": local(p.due)}
            for p in incident.periods
            if p.due is not None and p.missed(incident.ack, now)
        ],
    }


def _acknowledgement(incident: Incident) -> dict[str, Any]:
    """Who acknowledged it when, and whether within the target of the priority then."""
    ack = incident.ack
    then = incident.period_at(ack.at) if ack else None
    return {
        "ack": ack,
        "ack_at": incident.ctx.policy.local(ack.at) if ack else None,
        "ack_target": str(then.priority.response) if then else None,
        "ack_in_time": bool(ack and then and then.due and ack.at <= then.due),
        "time_to_acknowledge": time_to_acknowledge(incident),
    }


def _leads(incident: Incident) -> dict[str, Any]:
    return {
        "lead": incident.lead,
        "comms": incident.comms,
        "lead_unassigned": incident.assignment.unassigned,
        "lead_trace": incident.assignment.trace,
        "records": records(incident.records),
    }


def _updates(incident: Incident) -> dict[str, Any]:
    """The last update, and when the next is due (while open)."""
    local = incident.ctx.policy.local
    plan = update_plan(incident, incident.ctx.now)
    last = incident.last_update()
    next_due = plan.first_due if incident.is_open else None
    return {
        "last": last,
        "last_at": local(last.at) if last else None,
        "next_update": local(next_due) if next_due else None,
        "update_overdue": plan.overdue is not None,
    }


def _state(incident: Incident) -> dict[str, Any]:
    """Open or resolved, when, and the reopenings."""
    local = incident.ctx.policy.local
    resolved = incident.resolved
    return {
        "is_open": incident.is_open,
        "resolved": local(resolved) if resolved else None,
        "time_to_resolve": time_to_resolve(incident),
        "reopened": [local(r) for _, r in incident.closed if r is not None],
    }
