"""What an empty policy.yaml means, and the fixed vocabularies its values come from."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

MAX_WAIT = timedelta(minutes=40)
WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
REGIONS = ("england-and-wales", "scotland", "northern-ireland", "none")

DEFAULT_PRIORITIES: dict[str, dict[str, Any]] = {
    "P1": {
        "name": "Critical",
        "example": "Complete outage, or ongoing unauthorised access",
        "response": "20 minutes",
        "update_every": "1 hour",
        "review_on_close": True,
    },
    "P2": {
        "name": "Major",
        "example": "Substantial degradation of service",
        "response": "60 minutes",
        "update_every": "2 hours",
        "review_on_close": True,
    },
    "P3": {
        "name": "Significant",
        "example": "Users experiencing intermittent or degraded service due to platform issue",
        "response": "2 office hours",
        "update_after": "2 business days",
        "review_on_close": False,
    },
    "P4": {
        "name": "Minor",
        "example": (
            "Component failure that does not immediately impact a service, "
            "or an unsuccessful DoS attempt"
        ),
        "response": "1 business day",
        "update_after": "5 business days",
        "review_on_close": False,
    },
}

DEFAULT_LABELS: dict[str, tuple[str, str, str]] = {
    # role: (name, colour, description)
    "incident": ("incident", "d73a4a", "An incident, filed from the incident form"),
    "change_request": ("change-request", "0e8a16", "An out-of-hours change request"),
    "planned_maintenance": ("planned-maintenance", "1d76db", "Planned downtime notice"),
    "needs_triage": ("needs-triage", "fbca04", "Priority missing or unknown"),
    "needs_info": ("needs-info", "fbca04", "The request needs fixing before it can go on"),
    "sla_missed": ("sla-missed", "b60205", "Response time target missed"),
    "security": ("security", "5319e7", "Data or security breach"),
    "insufficient_notice": ("insufficient-notice", "e99695", "Less notice than the policy asks"),
    "in_hours": ("in-hours", "c2e0c6", "Window lies within support hours"),
    "approved": ("approved", "0e8a16", "Approved by a listed approver"),
    "rejected": ("rejected", "b60205", "Rejected by an approver"),
    "runbook_review": ("runbook-review", "c5def5", "A runbook's review date has passed"),
    "public": ("public", "0052cc", "Shown on the public status page (a responder's label)"),
}
PRIORITY_COLOURS = {"P1": "b60205", "P2": "d93f0b", "P3": "fbca04", "P4": "c5def5"}

#: runbooks.include: the pages read under runbooks.folder, as globs relative to it. They cover
#: tech-docs sites' ``.html.md.erb``, ``.md.erb`` and ``.html.md`` pages and ``.markdown``.
RUNBOOK_INCLUDE = ("**/*.md", "**/*.md.erb", "**/*.markdown", "**/*.markdown.erb")
#: runbooks.sections: the headings a ``category: runbooks`` page needs, the OPG template's.
RUNBOOK_SECTIONS = (
    "Description",
    "Incident response hours",
    "Incident contact details",
    "URLs",
    "Docs",
    "Service team (non-urgent issues)",
)
