"""Labels sync: every label the policy names exists in the repository, with the policy's
colour and description (`dutydesk labels sync`).

A label is saved when it is missing, or when its colour (in any case) or its description
differs; one that is already right is left alone, so a second run plans nothing.

Emits: labels.sync
Reads: labels
"""

from __future__ import annotations

from collections.abc import Mapping

from dutydesk.actions import Action, Kind, LabelDefinition
from dutydesk.policy import LabelSpec, Policy
from dutydesk.rules.ids import Rule


def is_right(spec: LabelSpec, current: tuple[str, str] | None) -> bool:
    """Does the repository's label (colour, description) already match the policy's?"""
    return (
        current is not None
        and current[0].lower() == spec.color.lower()
        and current[1] == spec.description
    )


def plan_labels(policy: Policy, existing: Mapping[str, tuple[str, str]]) -> list[Action]:
    """One `save_label` action per policy label that is missing or differs, in policy order.

    `existing` maps the repository's label names to (colour, description).
    """
    return [
        Action(
            kind=Kind.SAVE_LABEL,
            rule=Rule.LABELS_SYNC,
            payload=LabelDefinition(
                spec.name, spec.color, spec.description, exists=spec.name in existing
            ),
        )
        for spec in policy.labels.values()
        if not is_right(spec, existing.get(spec.name))
    ]
