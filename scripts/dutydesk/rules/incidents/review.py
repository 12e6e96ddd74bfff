"""Review: closing an incident of a priority that asks for one posts one blameless
post-incident review comment, with the incident's figures.

Emits: incident.review
Reads: priorities.<P>.review_on_close, priorities.<P>.response, priorities.<P>.update_every,
priorities.<P>.update_after
"""

from __future__ import annotations

from typing import Any

from dutydesk.engine import Decision, post_once
from dutydesk.markers import comment_key
from dutydesk.policy import Priority
from dutydesk.rules.ids import Rule
from dutydesk.rules.incidents.figures import figures_of
from dutydesk.rules.incidents.story import Incident
from dutydesk.templating import render

RULE = Rule.INCIDENT_REVIEW
REVIEW_KEY = comment_key(RULE)


def review(incident: Incident) -> Decision:
    """[incident.review] closing a priority that asks for one: one blameless-review comment."""
    prio = incident.priority
    if incident.resolved is None or prio is None or not prio.review_on_close:
        return Decision()

    def body() -> str:
        return render("incident_review.md.j2", **review_values(incident, prio))

    return Decision(post_once(incident.item, RULE, REVIEW_KEY, body))


def review_values(incident: Incident, prio: Priority) -> dict[str, Any]:
    """What incident_review.md.j2 shows: the priority, whom to ask, the figures."""
    return {
        "priority": prio,
        "people": [p for p in dict.fromkeys([incident.lead, incident.comms]) if p],
        "figures": figures_of(incident, incident.ctx.now),
    }
