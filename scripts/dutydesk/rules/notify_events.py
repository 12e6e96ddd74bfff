"""What happened to an item that people outside GitHub may be told: events read from the facts
the incident and change rules already read (story.py, changes/facts.py), at `ctx.now`. Pure.

Each event has a key, unique on its issue and the same on every run (`incident.escalated:P1:
<due>`), and the moment it happened, at which a route's `when` is judged:

    incident.opened         the first priority (at opening, or when it was first triaged)
    incident.reprioritised  each later change of priority
    incident.escalated      the response target of the priority in force missed, unacknowledged
    incident.acknowledged   the first counted /ack, /lead or a responder's assignment
    incident.updated        each /update
    incident.resolved       each closing (a reopened and closed incident resolves again)
    incident.security       a ticked security box (when the bot said so, or now)
    change.requested        the request was opened
    change.approved         the standing approval
    change.starting         the approved window has started (a check is due at its start)
    change.done             an accepted /done
    change.rolled_back      an accepted /rolled-back, with its note
    maintenance.announced   the notice was opened
    runbook.review_opened   a runbook's review pull request was opened (rules/runbooks/notices.py)

Emits: nothing (the events rules/notify.py routes)
Reads: priorities.<P>.response, the calendar (timezone, workdays, support, on_call,
bank_holidays)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from dutydesk.markers import comment_key, key_time
from dutydesk.people import login_key
from dutydesk.policy.notifications import Event
from dutydesk.rules.ids import Rule

if TYPE_CHECKING:  # pragma: no cover
    # Types only: the incident and change packages import this module's rule (rules/notify.py).
    from dutydesk.rules.changes.facts import Facts
    from dutydesk.rules.changes.maintenance import MaintenanceFacts
    from dutydesk.rules.changes.revisions import Window
    from dutydesk.rules.incidents.story import Incident

SECURITY_KEY = comment_key(Rule.INCIDENT_SECURITY)  # the security rule's comment (security.py)
DONE = "done"  # the /done answer (changes/fields.py Answer.DONE)


@dataclass(frozen=True)
class Happening:
    """One event of one issue."""

    event: Event
    key: str
    at: datetime
    priority: str | None = None  # incident events: the priority the event is about
    by: str = ""  # who did it (a login), when a person did
    detail: str = ""  # user text: an update's words, a rollback's note
    window: tuple[datetime, datetime] | None = None  # a change's or downtime's times
    owners: tuple[str, ...] = ()  # who is asked to act (a runbook's owners), user text
    slack: tuple[str, ...] = ()  # the Slack conversations of a `to: owner_slack` route


@dataclass(frozen=True)
class Happenings:
    """An item's events, and what PagerDuty needs to know besides.

    `alerting`: an open incident nobody has acknowledged, for which a PagerDuty alert should
    stand (triggers go only while it is so). `settled`: the latest event that ended the need
    for one (the acknowledgement or a resolution), which resolves any alert triggered.
    """

    items: tuple[Happening, ...] = ()
    alerting: bool = False
    settled: Happening | None = None
    next_check: datetime | None = None


def incident_events(incident: Incident) -> Happenings:
    """The incident's events up to `now`."""
    found = [*_priorities(incident), *_escalated(incident)]
    ack = incident.ack
    if ack is not None:
        found.append(_event(incident, Event.INCIDENT_ACKNOWLEDGED, "", ack.at, by=ack.by))
    for update in incident.updates:
        part = f"{key_time(update.at)}:{login_key(update.by)}"
        found.append(
            _event(
                incident, Event.INCIDENT_UPDATED, part, update.at, by=update.by, detail=update.text
            )
        )
    resolved = incident.resolved
    if resolved is not None:
        found.append(_event(incident, Event.INCIDENT_RESOLVED, key_time(resolved), resolved))
    if incident.security:
        posted = incident.item.mine.get(SECURITY_KEY)
        at = posted.created_at if posted is not None else incident.ctx.now
        found.append(_event(incident, Event.INCIDENT_SECURITY, "", at))
    ends = [h for h in found if h.event in _SETTLING]
    settled = max(ends, key=lambda h: h.at) if ends else None
    alerting = incident.is_open and ack is None
    return Happenings(tuple(found), alerting=alerting, settled=settled)


_SETTLING = frozenset({Event.INCIDENT_ACKNOWLEDGED, Event.INCIDENT_RESOLVED})


def _event(
    incident: Incident, event: Event, part: str, at: datetime, by: str = "", detail: str = ""
) -> Happening:
    """An incident event about the priority in force at its moment."""
    period = incident.period_at(at) or incident.period
    priority = period.priority.id if period is not None else None
    key = f"{event}:{part}" if part else str(event)
    return Happening(event, key, at, priority=priority, by=by, detail=detail)


def _priorities(incident: Incident) -> list[Happening]:
    found: list[Happening] = []
    for index, period in enumerate(incident.periods):
        pid = period.priority.id
        if index == 0:
            found.append(
                Happening(Event.INCIDENT_OPENED, str(Event.INCIDENT_OPENED), period.start, pid)
            )
            continue
        key = f"{Event.INCIDENT_REPRIORITISED}:{pid}:{key_time(period.start)}"
        found.append(Happening(Event.INCIDENT_REPRIORITISED, key, period.start, pid))
    return found


def _escalated(incident: Incident) -> list[Happening]:
    """The missed target of the priority in force, as incident.escalation sees it."""
    period, now = incident.period, incident.ctx.now
    if period is None or period.due is None or not incident.is_open or incident.ack is not None:
        return []
    if not period.missed(None, now):
        return []
    key = f"{Event.INCIDENT_ESCALATED}:{period.priority.id}:{key_time(period.due)}"
    return [Happening(Event.INCIDENT_ESCALATED, key, period.due, period.priority.id)]


def change_events(facts: Facts) -> Happenings:
    """The change request's events up to `now`, and the start of its window if still to come."""
    issue, now = facts.item.issue, facts.ctx.now
    found = [Happening(Event.CHANGE_REQUESTED, str(Event.CHANGE_REQUESTED), issue.created_at)]
    window = _times(facts.window)
    approval = facts.outcome.approval
    if approval is None:
        return Happenings(tuple(found))
    at = _utc(approval.at)
    key = f"{Event.CHANGE_APPROVED}:{key_time(at)}"
    found.append(Happening(Event.CHANGE_APPROVED, key, at, by=approval.by, window=window))
    due: datetime | None = None
    if window is not None and window[0] <= now:
        key = f"{Event.CHANGE_STARTING}:{key_time(window[0])}"
        found.append(Happening(Event.CHANGE_STARTING, key, window[0], window=window))
    elif window is not None:
        due = window[0]
    found += _answered(facts, window)
    return Happenings(tuple(found), next_check=due)


def _answered(facts: Facts, window: tuple[datetime, datetime] | None) -> list[Happening]:
    accepted = facts.answers.accepted
    if accepted is None:
        return []
    at = _utc(accepted.at)
    event = Event.CHANGE_DONE if accepted.name == DONE else Event.CHANGE_ROLLED_BACK
    key = f"{event}:{key_time(at)}"
    return [Happening(event, key, at, by=accepted.author, detail=accepted.args, window=window)]


def maintenance_events(facts: MaintenanceFacts) -> Happenings:
    window = _times(facts.revisions[-1].window)
    opened = facts.item.issue.created_at
    key = str(Event.MAINTENANCE_ANNOUNCED)
    return Happenings((Happening(Event.MAINTENANCE_ANNOUNCED, key, opened, window=window),))


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _times(window: Window) -> tuple[datetime, datetime] | None:
    if not window.valid or window.start is None or window.end is None:
        return None
    return _utc(window.start), _utc(window.end)
