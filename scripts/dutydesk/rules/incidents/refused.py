"""Answers to commands: one reply per author to the commands that changed nothing, one per
person to the priority label changes that changed nothing, one per responder to the comments
that look like a command and are none, and the person `/lead` named assigned, once per `/lead`.

A refused command (commands.py: not a responder, who the responders are unreadable, a
malformed command, a word that names nobody) gets a reply: one per author per issue, edited in
place to cover their latest refused command. A priority label change that set no priority
(story.py `Relabel`: not a responder, who the responders are unreadable, a responder taking off
the priority's label without adding another) gets its own reply, one per person per issue,
edited in place to cover their latest; priority.py puts the labels back. A responder's comment
whose first line looks like a command but is none (commands.py `unknown_commands`: `/ak`,
`/acknowledge`, `/prio P2`) gets one reply per responder, edited in place to cover their
latest, listing the commands. The lead is assigned once per `/lead` command (lead.py says
when); never on a closed incident.

Emits: incident.refused, incident.lead
Reads: incidents.responders
"""

from __future__ import annotations

from typing import Any

from dutydesk.actions import Action, Kind
from dutydesk.engine import Decision
from dutydesk.people import same
from dutydesk.replies import Reply, reply_actions, reply_key
from dutydesk.rules.ids import Rule
from dutydesk.rules.incidents.commands import Refused, Unknown
from dutydesk.rules.incidents.story import Incident, Relabel

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


def relabel_key(login: str) -> str:
    """The key of the one reply to a person's priority label changes
    (`incident.refused:label:mallory`)."""
    return reply_key(RULE, login, "label")


def relabel_values(incident: Incident, relabel: Relabel) -> dict[str, Any]:
    """What incident_relabel.md.j2 shows: who, what they changed, why, what stays."""
    change, policy = relabel.change, incident.ctx.policy
    stays = policy.priorities[relabel.stays] if relabel.stays else None
    return {
        "author": change.by,
        "added": list(change.added),
        "removed": list(change.removed),
        "reason": str(relabel.reason),
        "detail": relabel.detail,
        "stays": stays,
        "stays_label": policy.label(stays.id) if stays else None,
        "reporter": same(change.by, incident.issue.author),
    }


def unknown_key(login: str) -> str:
    """The key of the one reply to a responder's comments that look like a command and are
    none (`incident.refused:command:bob`)."""
    return reply_key(RULE, login, "command")


def unknown_values(incident: Incident, unknown: Unknown) -> dict[str, Any]:
    """What incident_unknown_command.md.j2 shows: who, the word they wrote, the nearest
    command, the priorities."""
    return {
        "author": unknown.comment.author,
        "word": unknown.word,
        "suggestion": unknown.suggestion,
        "priorities": list(incident.ctx.policy.priorities),
    }


def refused(incident: Incident) -> Decision:
    """[incident.refused] one reply per author to the commands that changed nothing, one per
    person to the priority label changes that changed nothing, and one per responder to the
    comments that look like a command and are none, each edited in place to cover their
    latest."""
    replies = [
        Reply.of(
            RULE,
            refused_key(r.command.comment.author),
            "incident_refused.md.j2",
            **refusal_values(r),
        )
        for r in incident.refused
    ]
    replies += [
        Reply.of(
            RULE, relabel_key(r.change.by), "incident_relabel.md.j2", **relabel_values(incident, r)
        )
        for r in incident.relabels
        if r.change.by  # a deleted account: nobody to answer
    ]
    replies += [
        Reply.of(
            RULE,
            unknown_key(u.comment.author),
            "incident_unknown_command.md.j2",
            **unknown_values(incident, u),
        )
        for u in incident.unknown
    ]
    return Decision(reply_actions(incident.item, replies))


def assign_lead(incident: Incident) -> Decision:
    """[incident.lead] assign the person `/lead` named, once per `/lead`."""
    users = incident.assignment.to_assign
    if not users or not incident.is_open:
        return Decision()
    action = Action(Kind.ASSIGN, Rule.INCIDENT_LEAD, incident.item.number, users=users)
    return Decision((action,))
