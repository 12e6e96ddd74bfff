"""The one place that wires behaviours to the forms they handle."""

from __future__ import annotations

from collections.abc import Mapping

from dutydesk.engine import Handler


def handlers() -> Mapping[str, Handler]:
    """Form name (template file name without .yml) -> the handler that reconciles it."""
    from dutydesk.rules import changes, incidents

    return {
        "incident": incidents.handle,
        "out-of-hours-change": changes.handle_change,
        "planned-maintenance": changes.handle_maintenance,
    }
