"""Status card: one comment, edited in place, that is the incident's dashboard: priority,
state, response due, acknowledgement, leads, updates, escalations and security. It is written
last, so that it shows what the other rules did, and it carries the hidden trace of the
`/lead` the bot assigned for (lead.py) and the hidden records of the commands that shaped the
incident (story.py `records`): the counted `/ack` (or `/lead` that acknowledged it), each
counted `/priority`, and the `/lead` and `/comms` in force. The bot reads its records back as
those commands (dutydesk.commands), so a decision survives its comment being deleted or edited;
a record changes only when a command does, so the card is not edited on every run.

The card also carries a digest of the facts it shows (`<!-- dutydesk-facts … -->`): a run whose
facts digest to what the bot's own text of the card says, in a card nobody else has edited, has
nothing to write and does not render the card again to find that out.

Emits: incident.status
Reads: priorities.<P>.name, priorities.<P>.response, priorities.<P>.update_every,
priorities.<P>.update_after, timezone, the calendar (workdays, support, on_call, bank_holidays)
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from typing import Any

from dutydesk.commands import records
from dutydesk.engine import Decision, upsert
from dutydesk.people import same
from dutydesk.rules.ids import Rule
from dutydesk.rules.incidents.figures import time_to_acknowledge, time_to_resolve
from dutydesk.rules.incidents.lead import STATUS_KEY
from dutydesk.rules.incidents.story import Incident
from dutydesk.rules.incidents.updates import update_plan
from dutydesk.templating import render, template_source

RULE = Rule.INCIDENT_STATUS
TEMPLATE = "incident_status.md.j2"
_FACTS = re.compile(r"^<!-- dutydesk-facts ([0-9a-f]{32}) -->$", re.MULTILINE)

__all__ = ["STATUS_KEY", "card_digest", "facts_digest", "status_card", "status_values"]


def status_card(incident: Incident) -> Decision:
    """[incident.status] one comment, edited in place: the incident's dashboard."""
    values = status_values(incident)
    digest = facts_digest(values)
    existing = incident.item.mine.get(STATUS_KEY)
    if (
        existing is not None
        and same(existing.written_by, existing.author)
        and card_digest(existing.body) == digest
    ):
        return Decision()
    body = f"{render(TEMPLATE, **values)}\n<!-- dutydesk-facts {digest} -->\n"
    return Decision(upsert(incident.item, RULE, STATUS_KEY, body))


def facts_digest(values: dict[str, Any]) -> str:
    """A digest of what the card shows and of the template that shows it: equal digests, equal
    cards. Every value is a plain value or a frozen dataclass of them, whose repr is its fields
    (never an address), so the digest is the same in every process."""
    text = repr(sorted(values.items()))
    return hashlib.blake2b(f"{_template_digest()}\n{text}".encode(), digest_size=16).hexdigest()


def card_digest(body: str) -> str | None:
    """The facts digest a card's text carries (None if it has none)."""
    match = _FACTS.search(body)
    return match.group(1) if match else None


@cache
def _template_digest() -> str:
    """The template's text and the package's version (a release may change the filters)."""
    from dutydesk import __version__

    text = f"{__version__}\n{template_source(TEMPLATE)}"
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


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
