"""The answers of the change-request and planned-maintenance forms, and which of them make up
the request.

The request's *fields* are every answer except the pre-change checks: ticking a check is not
an edit of the request, so it neither restarts the notice count nor withdraws an approval.
Any other change of the body's text is an edit (revisions.py).

Emits: nothing (the forms' answer ids)
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Field(StrEnum):
    """Answer ids of the out-of-hours change form (.github/ISSUE_TEMPLATE/out-of-hours-change.yml)."""

    SERVICE = "service"
    DETAILS = "change-details"
    START = "scheduled-start"
    END = "scheduled-end"
    IMPACT = "impact"
    ROLLBACK = "rollback"
    CHECKS = "checks"


class MaintenanceField(StrEnum):
    """Answer ids of the planned-maintenance form (.github/ISSUE_TEMPLATE/planned-maintenance.yml)."""

    SERVICE = "service"
    START = "downtime-start"
    END = "downtime-end"
    IMPACT = "user-impact"
    COMMUNICATION = "communication"


class Answer(StrEnum):
    """The replies to the post-change prompt: `/done` and `/rolled-back <note>`."""

    DONE = "done"
    ROLLED_BACK = "rolled-back"


#: The answers that make up the request: an edit of any of them needs a new approval.
REQUEST_FIELDS = (
    Field.SERVICE,
    Field.DETAILS,
    Field.START,
    Field.END,
    Field.IMPACT,
    Field.ROLLBACK,
)
MAINTENANCE_FIELDS = tuple(MaintenanceField)
DECISION_COMMANDS = ("approve", "reject")
ANSWER_COMMANDS = (Answer.DONE.value, Answer.ROLLED_BACK.value)


@dataclass(frozen=True)
class Spec:
    """Which answers of a form hold the request, the start and the end, and the checkboxes
    whose ticking is not an edit (`ticks`)."""

    fields: tuple[str, ...]
    start: str
    end: str
    ticks: str | None = None


CHANGE_SPEC = Spec(
    tuple(f.value for f in REQUEST_FIELDS), Field.START.value, Field.END.value, Field.CHECKS.value
)
MAINTENANCE_SPEC = Spec(
    tuple(f.value for f in MAINTENANCE_FIELDS),
    MaintenanceField.START.value,
    MaintenanceField.END.value,
)
