"""Security: a ticked security box (form.py) adds the `security` label once and tells the
security contacts once. A person who took the label off is not overruled. On an incident filed
by someone without write access, contacts already mentioned are named without the `@`
(contacts.py).

Emits: incident.security
Reads: incidents.security_contacts, labels.security
"""

from __future__ import annotations

from typing import Any

from dutydesk.engine import Decision, post_once
from dutydesk.labels import add_once
from dutydesk.markers import comment_key
from dutydesk.rules.ids import Rule
from dutydesk.rules.incidents.contacts import split_contacts
from dutydesk.rules.incidents.story import Incident
from dutydesk.templating import render

RULE = Rule.INCIDENT_SECURITY
SECURITY_KEY = comment_key(RULE)


def security(incident: Incident) -> Decision:
    """[incident.security] security label and one comment to the security contacts."""
    if not incident.security:
        return Decision()
    item, ctx = incident.item, incident.ctx

    def body() -> str:
        return render("incident_security.md.j2", **security_values(incident))

    return Decision(
        add_once(item, ctx, RULE, ctx.policy.label("security"))
        + post_once(item, RULE, SECURITY_KEY, body)
    )


def security_values(incident: Incident) -> dict[str, Any]:
    """What incident_security.md.j2 shows: why, and whom to tell."""
    contacts, named = split_contacts(incident, incident.ctx.policy.incidents.security_contacts)
    return {"reasons": list(incident.security), "contacts": contacts, "named": named}
