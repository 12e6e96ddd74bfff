"""Priority: exactly one priority label, the current priority's; and with no priority that can
be used, `needs-triage` and one comment saying how to set one.

The priority label is state: a responder's label change is a statement of priority, read with
the others in story.py, so the label the bot keeps is the latest statement's and the bot removes
the *other* one, never the one that statement added. Anyone else's change is put back: the
story's label added again, theirs taken off (refused.py replies to them). With no priority yet,
a priority label someone added (who could not set one) comes off; one with no record of who
added it is left alone. The bot takes `needs-triage` off only when the bot added it last, and
adds it at most once: not again after a person removed it.

Emits: incident.priority, incident.invalid
Reads: labels.<P>, labels.needs_triage, priorities.<P>.name, priorities.<P>.example,
priorities.<P>.response
"""

from __future__ import annotations

from typing import Any

from dutydesk.engine import Decision, post_once
from dutydesk.labels import add_labels, add_once, added_by_bot, last_labeled, remove_labels
from dutydesk.markers import comment_key
from dutydesk.rules.ids import Rule
from dutydesk.rules.incidents.form import given_priority
from dutydesk.rules.incidents.story import Incident
from dutydesk.templating import render

INVALID_KEY = comment_key(Rule.INCIDENT_INVALID)


def priority_labels(incident: Incident) -> Decision:
    """[incident.priority] exactly one priority label: the current priority's; and
    `needs-triage` taken off, if the bot put it on. With no priority, no priority label that
    someone added."""
    item, ctx = incident.item, incident.ctx
    policy, rule = ctx.policy, Rule.INCIDENT_PRIORITY
    prio = incident.priority
    if prio is None:
        labels = [policy.label(p) for p in policy.priorities]
        added = [lbl for lbl in labels if last_labeled(item.issue, lbl)]
        return Decision(remove_labels(item, rule, *added))
    wanted = policy.label(prio.id)
    others = [policy.label(p) for p in policy.priorities if policy.label(p) != wanted]
    triage = policy.label("needs_triage")
    if added_by_bot(item, ctx, triage):
        others.append(triage)
    return Decision(add_labels(item, rule, wanted) + remove_labels(item, rule, *others))


def invalid_priority(incident: Incident) -> Decision:
    """[incident.invalid] no valid priority: one comment saying what to fix, and needs-triage."""
    if incident.priority is not None:
        return Decision()
    item, ctx = incident.item, incident.ctx
    rule = Rule.INCIDENT_INVALID

    def body() -> str:
        return render("incident_invalid.md.j2", **invalid_values(incident))

    return Decision(
        add_once(item, ctx, rule, ctx.policy.label("needs_triage"))
        + post_once(item, rule, INVALID_KEY, body)
    )


def invalid_values(incident: Incident) -> dict[str, Any]:
    """What incident_invalid.md.j2 shows: whom to tell, what they gave, what they may choose."""
    return {
        "author": incident.issue.author,
        "given": given_priority(incident.item.answers),
        "priorities": list(incident.ctx.policy.priorities.values()),
    }
