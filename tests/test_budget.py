"""The write budget: a sweep applies whole items, the most urgent first, within --max-writes,
and leaves the rest for the next run, which plans them again from what it reads."""

from __future__ import annotations

import pytest

from dutydesk.actions import Action, Kind
from dutydesk.budget import planned, urgency, within, writes
from dutydesk.engine import Decision
from dutydesk.rules.ids import Rule


def _plan(*rules: tuple[Rule, Kind]) -> Decision:
    return Decision(tuple(Action(kind, rule, 1, labels=("a",), body="x") for rule, kind in rules))


CARD = _plan((Rule.INCIDENT_STATUS, Kind.COMMENT))
ESCALATE = _plan(
    (Rule.INCIDENT_ESCALATION, Kind.ADD_LABELS), (Rule.INCIDENT_ESCALATION, Kind.COMMENT)
)
APPROVE = _plan(
    (Rule.CHANGE_APPROVAL, Kind.ADD_LABELS),
    (Rule.CHANGE_APPROVAL, Kind.ASSIGN),
    (Rule.CHANGE_APPROVAL, Kind.COMMENT),
)
NOTHING = Decision()


def test_writes_count_requests() -> None:
    assert writes(Action(Kind.REMOVE_LABELS, Rule.INCIDENT_PRIORITY, 1, labels=("P1", "P2"))) == 2
    assert writes(Action(Kind.ADD_LABELS, Rule.INCIDENT_PRIORITY, 1, labels=("P1", "P2"))) == 1
    assert urgency(ESCALATE) < urgency(APPROVE) < urgency(CARD)


@pytest.mark.parametrize(
    ("budget", "now", "later"),
    [
        (None, ["escalate", "approve", "card"], []),
        (10, ["escalate", "approve", "card"], []),
        (5, ["escalate", "approve"], ["card"]),
        (4, ["escalate", "card"], ["approve"]),  # whole items only: the approval does not fit
        (2, ["escalate"], ["approve", "card"]),
        (1, ["escalate"], ["approve", "card"]),  # the first item goes even if alone too big
    ],
)
def test_whole_items_most_urgent_first_within_the_budget(
    budget: int | None, now: list[str], later: list[str]
) -> None:
    items = [("card", CARD), ("nothing", NOTHING), ("approve", APPROVE), ("escalate", ESCALATE)]
    cut = within(planned(items), budget)
    assert [p.item for p in cut.now] == now
    assert [p.item for p in cut.later] == later
    assert cut.deferred_writes == sum(p.writes for p in cut.later)
