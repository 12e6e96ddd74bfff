"""The one place that wires behaviours to the forms they handle, and so the one answer to
"which kind of item is this issue?" (the engine's, `engine.kind_of`, over these handlers).

The views ask here too: the register and the sweep summary take an incident's facts from the
incident rules' own reading (`read_incident`), never from a reading of their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from dutydesk.engine import Context, Handler, kind_of, view
from dutydesk.model import Issue

if TYPE_CHECKING:  # pragma: no cover
    from dutydesk.rules.incidents import Incident

INCIDENT = "incident"
"""The incident form's name (its template file name without .yml)."""


HANDLED = (INCIDENT, "out-of-hours-change", "planned-maintenance")
"""The forms a handler reconciles (`handlers()`'s keys, known without importing the rules)."""


def handlers() -> Mapping[str, Handler]:
    """Form name (template file name without .yml) -> the handler that reconciles it."""
    from dutydesk.rules import changes, incidents

    found: dict[str, Handler] = {
        INCIDENT: incidents.handle,
        "out-of-hours-change": changes.handle_change,
        "planned-maintenance": changes.handle_maintenance,
    }
    return found


def kind(issue: Issue, ctx: Context) -> str | None:
    """Which form's handler reconciles the issue, if any."""
    return kind_of(issue, ctx, handlers())


def is_incident(issue: Issue, ctx: Context) -> bool:
    """Is the issue an incident (reconciled by the incident rules)?"""
    return kind(issue, ctx) == INCIDENT


def read_incident(issue: Issue, ctx: Context) -> Incident | None:
    """The incident rules' reading of the issue (its facts), or None if it is no incident."""
    if not is_incident(issue, ctx):
        return None
    from dutydesk.rules.incidents import read

    return read(view(issue, ctx, INCIDENT), ctx)
