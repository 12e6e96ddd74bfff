"""The event job's wait: how long after an incident's event the job stays, so that an
escalation (or any check) due soon after fires on time even with an hourly sweep.

`jobs.Wait` calls `wait_deadline` for the event job's deadline; the job stays for each check
the rules ask for (`Decision.next_check`) that falls due by then.

Emits: nothing (the event job's deadline)
Reads: incidents.wait_for_due
"""

from __future__ import annotations

from datetime import datetime

from dutydesk.policy import Policy


def wait_deadline(policy: Policy, event_at: datetime) -> datetime:
    """The latest moment the event job for an event at `event_at` stays for a check."""
    return event_at + policy.incidents.wait_for_due.amount
