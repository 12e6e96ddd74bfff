"""Escalation: a missed response target adds `sla-missed` and summons the contacts once.

The response is due at the later of opening and the last priority change, plus the priority's
response time (story.py). If it is missed, `sla-missed` is added; the escalation comment is
posted only while the incident is still unacknowledged and open: contacts are not summoned for
an incident someone already has. A person who took `sla-missed` off is not overruled for the
same miss; a target missed after that (a new priority's) puts it back, once. On an incident
filed by someone without write access, contacts already mentioned are named without the `@`
until a responder confirms it (contacts.py).

Emits: incident.escalation
Reads: priorities.<P>.response, priorities.<P>.escalate_to, rota, labels.sla_missed,
timezone, the calendar (workdays, support, on_call, bank_holidays)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dutydesk.actions import Action
from dutydesk.engine import Decision, post_once
from dutydesk.labels import add_once
from dutydesk.markers import comment_key, key_time
from dutydesk.policy import RotaEntry
from dutydesk.rules.ids import Rule
from dutydesk.rules.incidents.contacts import handle, split_contacts
from dutydesk.rules.incidents.story import Incident, Period
from dutydesk.templating import defang, render
from dutydesk.time.shifts import Level, RotaUnavailable

RULE = Rule.INCIDENT_ESCALATION


def escalation(incident: Incident) -> Decision:
    """[incident.escalation] response target missed: sla-missed, and one escalation comment."""
    now = incident.ctx.now
    missed = [p for p in incident.periods if p.missed(incident.ack, now)]
    actions = _sla_missed(incident, missed)
    period = incident.period
    if period is None or not incident.is_open or incident.ack is not None:
        return Decision(actions)
    if period.due is not None and period.due > now:
        return Decision(actions, next_check=period.due)
    if period in missed:
        actions += _escalate(incident, period)
    return Decision(actions)


def _sla_missed(incident: Incident, missed: list[Period]) -> tuple[Action, ...]:
    """`sla-missed`, unless a person took it off since the latest missed target."""
    dues = [p.due for p in missed if p.due is not None]
    if not dues:
        return ()
    label = incident.ctx.policy.label("sla_missed")
    return add_once(incident.item, incident.ctx, RULE, label, max(dues))


def _escalate(incident: Incident, period: Period) -> tuple[Action, ...]:
    """One escalation comment per priority and due time."""
    if period.due is None:
        return ()
    key = comment_key(RULE, period.priority.id, key_time(period.due))
    due = period.due

    def body() -> str:
        return render("incident_escalation.md.j2", **escalation_values(incident, period, due))

    return post_once(incident.item, RULE, key, body)


def escalation_values(incident: Incident, period: Period, due: datetime) -> dict[str, Any]:
    """What incident_escalation.md.j2 shows: the target missed, whom to summon, who is on call."""
    policy = incident.ctx.policy
    contacts, named = split_contacts(incident, period.priority.escalate_to)
    try:
        rota, unread = policy.rota_at(due), False
    except RotaUnavailable:  # PagerDuty unread: the escalation goes on, naming nobody
        rota, unread = None, True
    return {
        "priority": period.priority,
        "due": policy.local(due),
        "start": policy.local(period.start),
        "opened": policy.local(incident.opened),
        "contacts": contacts,
        "named": named,
        "rota": rota,
        "on_call": on_call_names(incident, rota) if rota else (),
        "rota_unread": unread,
        "pagerduty": policy.pagerduty is not None,
        "cover": str(policy.calendar.cover_at(due)),
        "cover_from": policy.calendar.next_change(due),
    }


def on_call_names(incident: Incident, rota: RotaEntry) -> tuple[str, str]:
    """The primary and secondary as the comment names them: a login as `handle` has it; a
    PagerDuty user with no login by name, never @-mentioned; an empty place as nobody."""
    if rota.people is None:
        return handle(incident, rota.primary), handle(incident, rota.secondary)
    pagerduty = incident.ctx.policy.pagerduty
    levels = pagerduty.levels if pagerduty is not None else ()
    names = []
    for level, place in zip(Level, rota.people, strict=True):
        shown = [handle(incident, p.login) if p.login else defang(p.name) for p in place]
        empty = "nobody (a gap in PagerDuty's cover)" if level in levels else "nobody"
        names.append(", ".join(shown) if shown else empty)
    return names[0], names[1]
