"""Update reminders: one reminder for the latest update due time that passed with no `/update`.

With `update_every`, reminders fall due every interval from the latest of opening, the last
priority change and the last `/update`. A run after several due times have passed posts one
reminder, for the latest of them, keyed by that due time; so a late sweep never skips one and
never posts two (the latest is computed, not found by walking every due time since: clock.py
`dues_around`). With `update_after`, one update is expected after that long from opening (or
the last priority change); one reminder if none came. The clock pauses while closed.

Emits: incident.update_reminder
Reads: priorities.<P>.update_every, priorities.<P>.update_after, timezone, the calendar
(workdays, support, on_call, bank_holidays)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dutydesk.actions import Action
from dutydesk.engine import Decision, post_once
from dutydesk.markers import comment_key, key_time
from dutydesk.policy import Priority
from dutydesk.rules.ids import Rule
from dutydesk.rules.incidents.clock import Span, advance, count_dues, dues, dues_around, is_zero
from dutydesk.rules.incidents.story import Incident, Period
from dutydesk.templating import render
from dutydesk.time.calendar import BusinessCalendar
from dutydesk.time.durations import Duration

RULE = Rule.INCIDENT_UPDATE_REMINDER


@dataclass(frozen=True)
class UpdatePlan:
    """The current update expectation: what is overdue now, and what falls due next."""

    first_due: datetime | None = None  # the first update due after the last update (or anchor)
    overdue: datetime | None = None  # the latest due time that has passed with no update
    next_due: datetime | None = None  # the next due time after now


@dataclass(frozen=True)
class _Clock:
    """The incident's calendar, pausing while it was closed."""

    calendar: BusinessCalendar
    closed: tuple[Span, ...]

    def after(self, start: datetime, duration: Duration) -> datetime | None:
        return advance(self.calendar, start, duration, self.closed)

    def every(self, anchor: datetime, interval: Duration) -> Iterator[datetime]:
        return dues(self.calendar, anchor, interval, self.closed)

    def passed(
        self, anchor: datetime, interval: Duration, until: datetime, before: datetime | None
    ) -> int:
        """How many of `every(anchor, interval)` fall by `until` and before `before`."""
        return count_dues(self.calendar, anchor, interval, self.closed, until, before)

    def around(
        self, anchor: datetime, interval: Duration, now: datetime
    ) -> tuple[datetime | None, datetime | None, datetime | None]:
        """Of `every(anchor, interval)`: the first, the latest by `now`, the next after it."""
        return dues_around(self.calendar, anchor, interval, self.closed, now)


def _clock(incident: Incident) -> _Clock:
    return _Clock(incident.ctx.policy.calendar, incident.closed)


def update_plan(incident: Incident, now: datetime) -> UpdatePlan:
    """What is overdue at `now` in the current period, and what falls due next (worked out
    once per incident and moment: the reminder, the status card and the summary ask)."""
    return incident.ctx.once(
        "update_plan", incident, lambda: _update_plan(incident, now), now, now.tzinfo
    )


def _update_plan(incident: Incident, now: datetime) -> UpdatePlan:
    period = incident.period
    if period is None:
        return UpdatePlan()
    prio = period.priority
    since = [u.at for u in incident.updates if u.at >= period.start]
    if prio.update_every is not None:
        anchor = max([period.start, *since])
        return UpdatePlan(*_clock(incident).around(anchor, prio.update_every, now))
    if prio.update_after is not None and not since and not is_zero(prio.update_after):
        return _plan_after(_clock(incident).after(period.start, prio.update_after), now)
    return UpdatePlan()


def _plan_after(due_at: datetime | None, now: datetime) -> UpdatePlan:
    if due_at is None:
        return UpdatePlan()
    if due_at <= now:
        return UpdatePlan(due_at, due_at, None)
    return UpdatePlan(due_at, None, due_at)


def next_update_due(incident: Incident) -> datetime | None:
    """When the next update is due (for the sweep summary); None if none is expected."""
    if not incident.is_open:
        return None
    return update_plan(incident, incident.ctx.now).first_due


# -- the register's count -------------------------------------------------------------------


def missed_update_count(incident: Incident, until: datetime) -> int:
    """How many update due times up to `until` passed before an update came (the register),
    counted without walking them one by one (clock.py `count_dues`)."""
    clock = _clock(incident)
    return sum(
        _missed_in(clock, period, _updates_in(incident, period), until)
        for period in incident.periods
    )


def _updates_in(incident: Incident, period: Period) -> list[datetime]:
    return [
        u.at
        for u in incident.updates
        if period.start <= u.at and (period.end is None or u.at < period.end)
    ]


def _missed_in(clock: _Clock, period: Period, updates: list[datetime], until: datetime) -> int:
    prio = period.priority
    if prio.update_every is not None:
        return _missed_every(clock, period, prio.update_every, updates, until)
    if prio.update_after is not None and not is_zero(prio.update_after):
        return _missed_after(clock.after(period.start, prio.update_after), period, updates, until)
    return 0


def _missed_every(
    clock: _Clock, period: Period, every: Duration, updates: list[datetime], until: datetime
) -> int:
    """The due times from each anchor (the start, then each update) until the next anchor."""
    anchors = [period.start, *updates]
    missed = 0
    for index, anchor in enumerate(anchors):
        following = anchors[index + 1] if index + 1 < len(anchors) else period.end
        missed += clock.passed(anchor, every, until, following)
    return missed


def _missed_after(
    due_at: datetime | None, period: Period, updates: list[datetime], until: datetime
) -> int:
    if due_at is None or due_at > until:
        return 0
    if (period.end is not None and due_at >= period.end) or any(a <= due_at for a in updates):
        return 0
    return 1


# -- the rule -------------------------------------------------------------------------------


def update_reminder(incident: Incident) -> Decision:
    """[incident.update_reminder] one reminder for the latest update due time that passed."""
    period = incident.period
    if not incident.is_open or period is None:
        return Decision()
    plan = update_plan(incident, incident.ctx.now)
    actions: tuple[Action, ...] = ()
    if plan.overdue is not None:
        key = comment_key(RULE, key_time(plan.overdue))
        due, prio = plan.overdue, period.priority
        actions = post_once(
            incident.item,
            RULE,
            key,
            lambda: render("incident_reminder.md.j2", **reminder_values(incident, prio, due)),
        )
    return Decision(actions, next_check=plan.next_due)


def reminder_values(incident: Incident, prio: Priority, due: datetime) -> dict[str, Any]:
    """What incident_reminder.md.j2 shows: the update due, the last one, whom to remind."""
    local = incident.ctx.policy.local
    last = incident.last_update()
    people = [p for p in (incident.comms, incident.lead) if p]
    return {
        "priority": prio,
        "due": local(due),
        "last": last,
        "last_at": local(last.at) if last else None,
        "every": str(prio.update_every) if prio.update_every else None,
        "after": str(prio.update_after) if prio.update_after else None,
        "people": list(dict.fromkeys(people)),
    }
