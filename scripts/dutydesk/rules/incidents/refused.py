"""Answers to commands: one reply per author to the commands that changed nothing, and the
person `/lead` named assigned, once per `/lead`.

A refused command (commands.py: not a responder, who the responders are unreadable, a
malformed command, a word that names nobody) gets a reply: one per author per issue, edited in
place to cover their latest refused command. The lead is assigned once per `/lead` command
(lead.py says when); never on a closed incident.

Emits: incident.refused, incident.lead
Reads: incidents.responders
"""

from __future__ import annotations

from typing import Any

from dutydesk.actions import Action, Kind
from dutydesk.engine import Decision
from dutydesk.replies import Reply, reply_actions, reply_key
from dutydesk.rules.ids import Rule
from dutydesk.rules.incidents.commands import Refused
from dutydesk.rules.incidents.story import Incident

RULE = Rule.INCIDENT_REFUSED


def refused_key(login: str) -> str:
    """The key of the one reply to an author's refused commands (`incident.refused:mallory`)."""
    return reply_key(RULE, login)


def refusal_values(refusal: Refused) -> dict[str, Any]:
    """What incident_refused.md.j2 shows: who, which command, why."""
    return {
        "author": refusal.command.comment.author,
        "command": refusal.command.name,
        "reason": str(refusal.reason),
        "detail": refusal.detail,
        "given": refusal.given,
    }


def refused(incident: Incident) -> Decision:
    """[incident.refused] one reply per author to the commands that changed nothing, edited in
    place to cover their latest."""
    replies = (
        Reply.of(
            RULE,
            refused_key(r.command.comment.author),
            "incident_refused.md.j2",
            **refusal_values(r),
        )
        for r in incident.refused
    )
    return Decision(reply_actions(incident.item, replies))


def assign_lead(incident: Incident) -> Decision:
    """[incident.lead] assign the person `/lead` named, once per `/lead`."""
    users = incident.assignment.to_assign
    if not users or not incident.is_open:
        return Decision()
    action = Action(Kind.ASSIGN, Rule.INCIDENT_LEAD, incident.item.number, users=users)
    return Decision((action,))
