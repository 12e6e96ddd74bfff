"""Incidents: priority labels, commands, response-time escalation, update reminders, status
card, security and post-incident review.

Every rule is a pure function of the incident's facts: the issue snapshot, the policy and
`now`, and the incident's story read from them once (story.py: who set which priority when,
who acknowledged it, the updates, the time it spent closed). `handle` reads the facts, then
runs the rules over them in order, the status card last so that it shows the result:

    priority.py    incident.priority, incident.invalid   the priority label; no usable priority
    refused.py     incident.refused, incident.lead       replies to refused commands, label
                                                         changes and mistyped commands; the
                                                         lead
    escalation.py  incident.escalation                   a missed response target
    updates.py     incident.update_reminder              an update due and not given
    security.py    incident.security                     a ticked security box
    review.py      incident.review                       the blameless review on closing
    status.py      incident.status                       the dashboard comment

What they read: story.py (the facts), form.py (the form's priority and security answers),
commands.py (who may command, what each command says, which comments look like a command),
lead.py (whether to assign the lead), clock.py (durations that pause while closed), figures.py
(the measured figures, which the register also shows), wait.py (the event job's wait,
`incidents.wait_for_due`).

**Decisions outlive their comments**: the status card records the commands that shaped the
incident (the counted acknowledgement, each counted `/priority`, the `/lead` and `/comms` in
force), and they are read back as if their comments were still there as they were
(commands.py, status.py).

**Labels a person set win** (dutydesk.labels): the bot removes `needs-triage` only when the bot
added it last, and adds `needs-triage`, `sla-missed` or `security` at most once: not again
after a person removed it, except that a later missed response target (of a new priority) adds
`sla-missed` again. The priority labels are the exception: they are state. A responder's
priority label is a statement of priority like `/priority` (story.py), and the bot keeps exactly
one priority label, the current priority's, removing the other ones; anyone else's change to
them is put back, with one reply per person (priority.py, refused.py).

Emits: every rule id of RULES (the modules beside this one)
"""

from __future__ import annotations

from dutydesk.engine import Context, Decision, Item, run_rules
from dutydesk.rules.incidents.escalation import escalation
from dutydesk.rules.incidents.figures import Figures, figures_of
from dutydesk.rules.incidents.form import priority_of
from dutydesk.rules.incidents.priority import invalid_priority, priority_labels
from dutydesk.rules.incidents.refused import assign_lead, refused
from dutydesk.rules.incidents.review import review
from dutydesk.rules.incidents.security import security
from dutydesk.rules.incidents.status import status_card
from dutydesk.rules.incidents.story import Incident, read
from dutydesk.rules.incidents.updates import next_update_due, update_plan, update_reminder
from dutydesk.rules.incidents.wait import wait_deadline
from dutydesk.rules.notify import notify_incident

__all__ = [
    "RULES",
    "Figures",
    "Incident",
    "assign_lead",
    "decide",
    "escalation",
    "figures_of",
    "handle",
    "invalid_priority",
    "next_update_due",
    "priority_labels",
    "priority_of",
    "read",
    "refused",
    "review",
    "security",
    "status_card",
    "update_plan",
    "update_reminder",
    "wait_deadline",
]

RULES = (
    priority_labels,
    invalid_priority,
    refused,
    assign_lead,
    escalation,
    update_reminder,
    security,
    review,
    status_card,
)
"""The incident rules in the order they run: the status card last, so that it shows the rest."""


def handle(item: Item, ctx: Context) -> Decision:
    """Reconcile one incident: read its facts once, then every rule over them, then the
    notifications outside GitHub that its events call for (rules/notify.py)."""
    incident = read(item, ctx)
    return decide(incident) + notify_incident(incident)


def decide(incident: Incident) -> Decision:
    """Every rule over an incident's facts (as read by `read`)."""
    return run_rules(incident, RULES)
