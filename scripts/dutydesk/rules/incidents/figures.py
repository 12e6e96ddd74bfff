"""The measured figures of an incident, for the status card, the review comment and the
register (`dutydesk report`).

Times to acknowledge and to resolve are wall-clock time from opening, not counting time the
issue spent closed. "Response target met" is no when any priority's response time passed
without an acknowledgement, pending while the incident is unacknowledged and not yet due.
"Update frequency met" is no when any update fell due and came late or not at all.

Emits: nothing (read by status.py, review.py and the register)
Reads: priorities.<P>.response, priorities.<P>.update_every, priorities.<P>.update_after
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from dutydesk.rules.incidents.clock import open_time
from dutydesk.rules.incidents.story import Incident
from dutydesk.rules.incidents.updates import missed_update_count


@dataclass(frozen=True)
class Figures:
    """The measured figures of an incident (status card, review comment and register)."""

    time_to_acknowledge: timedelta | None
    time_to_resolve: timedelta | None
    response_met: bool | None  # None: not acknowledged and not yet due
    updates_met: bool
    missed_updates: int


def response_met(incident: Incident, now: datetime) -> bool | None:
    """No if a response target passed unacknowledged; pending (None) while not yet due."""
    if any(p.missed(incident.ack, now) for p in incident.periods):
        return False
    if incident.ack is not None or incident.resolved is not None:
        return True
    return None


def time_to_acknowledge(incident: Incident) -> timedelta | None:
    """From opening to the acknowledgement, not counting time closed (None: not yet)."""
    ack = incident.ack
    return open_time(incident.opened, ack.at, incident.closed) if ack else None


def time_to_resolve(incident: Incident) -> timedelta | None:
    """From opening to the resolution, not counting time closed (None: open)."""
    resolved = incident.resolved
    return open_time(incident.opened, resolved, incident.closed) if resolved else None


def figures_of(incident: Incident, now: datetime) -> Figures:
    """The figures measured at `now`."""
    resolved = incident.resolved
    missed = missed_update_count(incident, min(resolved or now, now))
    return Figures(
        time_to_acknowledge=time_to_acknowledge(incident),
        time_to_resolve=time_to_resolve(incident),
        response_met=response_met(incident, now),
        updates_met=not missed,
        missed_updates=missed,
    )
