"""The typed policy: frozen dataclasses that `parse_policy` builds once from policy.yaml."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from dutydesk.time.calendar import BankHolidays, BusinessCalendar, Cover, DaySchedule
from dutydesk.time.durations import Duration
from dutydesk.time.shifts import (
    Gap,
    Level,
    Person,
    RotaBeyondReach,
    RotaUnavailable,
    Shifts,
    gaps,
    on_call,
)

if TYPE_CHECKING:  # pragma: no cover
    from dutydesk.policy.notifications import NotificationsPolicy

PRIORITY_IDS = ("P1", "P2", "P3", "P4")


@dataclass(frozen=True)
class Priority:
    id: str
    name: str
    example: str
    response: Duration
    update_every: Duration | None
    update_after: Duration | None
    escalate_to: tuple[str, ...]
    review_on_close: bool

    @property
    def label(self) -> str:
        return self.id


@dataclass(frozen=True)
class IncidentsPolicy:
    responders: tuple[str, ...]
    security_contacts: tuple[str, ...]
    wait_for_due: Duration  # the event job stays to fire an escalation due within this
    punctual: tuple[str, ...] = ("P1", "P2")  # priorities the timers workflow keeps on time
    timers_every: timedelta = timedelta(minutes=10)  # the timers workflow's schedule


@dataclass(frozen=True)
class ChangesPolicy:
    notice: Duration
    approvers: tuple[str, ...]
    allow_emergency: bool
    reminder_before: Duration
    maintenance_notice: Duration
    max_window: Duration = field(default_factory=lambda: Duration.wall(timedelta(days=7)))


@dataclass(frozen=True)
class RotaEntry:
    """Who is primary and secondary on call: an entry of the list form, or (PagerDuty) the
    people on call at a moment, with `people` saying who each is (`primary` and `secondary`
    are then the first person's login or name, "" when nobody holds the place)."""

    start: date
    primary: str
    secondary: str
    people: tuple[tuple[Person, ...], tuple[Person, ...]] | None = None  # PagerDuty only

    @property
    def logins(self) -> tuple[str, ...]:
        """The pair's GitHub logins, primary first, each once: whom to assign and mention
        (a PagerDuty user with no login in `rota.pagerduty.users` is left out)."""
        if self.people is None:
            found = [self.primary, self.secondary]
        else:
            found = [p.login for place in self.people for p in place if p.login]
        out: list[str] = []
        for login in found:
            if login and all(login.lower() != o.lower() for o in out):
                out.append(login)
        return tuple(out)

    @property
    def unmapped(self) -> tuple[str, ...]:
        """The names of the PagerDuty users on call who have no GitHub login."""
        if self.people is None:
            return ()
        return tuple(dict.fromkeys(p.name for place in self.people for p in place if not p.login))


@dataclass(frozen=True)
class PagerDutyRota:
    """`rota: {pagerduty: ...}`: the rota is read from PagerDuty's `/oncalls`."""

    primary_schedule: str
    secondary_schedule: str | None = None
    token_env: str = "PD_API_TOKEN"
    api_url: str = "https://api.pagerduty.com"
    users: Mapping[str, str] = field(default_factory=dict)  # PagerDuty id or email -> login
    look_ahead: timedelta = timedelta(days=14)  # `validate` checks cover this far ahead

    @property
    def levels(self) -> tuple[Level, ...]:
        if self.secondary_schedule is None:
            return (Level.PRIMARY,)
        return (Level.PRIMARY, Level.SECONDARY)

    def login_for(self, user_id: str, email: str) -> str | None:
        """The GitHub login the policy maps a PagerDuty user to (by id, or email in any case)."""
        found = self.users.get(user_id)
        if found is None and email:
            found = self.users.get(email.lower())
        return found


@dataclass(frozen=True)
class RunbooksPolicy:
    folder: str
    review_period: str
    warning_days: int
    renotify_after_days: int
    max_pull_requests_per_run: int
    include: tuple[str, ...]  # globs of the pages read, relative to folder
    sections: tuple[str, ...]  # the headings a `category: runbooks` page needs


@dataclass(frozen=True)
class LabelSpec:
    name: str
    color: str
    description: str


#: site.impact: what a public incident's priority means to the service's users, by default.
DEFAULT_IMPACT: Mapping[str, str] = {
    "P1": "Service unavailable",
    "P2": "Service degraded",
    "P3": "Some users affected",
    "P4": "Minor problem",
}


@dataclass(frozen=True)
class SitePolicy:
    """The public status page and feed (`dutydesk site build`)."""

    title: str = "Service status"
    url: str | None = None  # where the site is published, for the feed's links
    services: tuple[str, ...] = ()  # always listed, with no known problem
    impact: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_IMPACT))
    show_names: bool = False  # show who wrote each public update
    history_days: int = 90  # resolved public incidents shown for this long
    templates: str | None = None  # a folder of templates that override the built-in ones


@dataclass(frozen=True)
class Policy:
    source: str
    timezone: ZoneInfo
    bank_holidays: str
    workdays: frozenset[int]
    support: DaySchedule
    on_call: DaySchedule
    bot: str
    priorities: Mapping[str, Priority]
    incidents: IncidentsPolicy
    changes: ChangesPolicy
    rota: tuple[RotaEntry, ...]
    runbooks: RunbooksPolicy
    labels: Mapping[str, LabelSpec]
    max_writes_per_run: int = 300  # a run's write budget (budget.py)
    pagerduty: PagerDutyRota | None = None  # the rota comes from PagerDuty (rota.pagerduty)
    shifts: Shifts | None = None  # what was read from PagerDuty (io/pagerduty.py), if it was
    shifts_problem: str = ""  # why PagerDuty could not be read (no secret in it)
    site: SitePolicy = field(default_factory=SitePolicy)
    notifications: NotificationsPolicy = field(default_factory=lambda: _no_notifications())
    raw: Mapping[str, Any] = field(repr=False, compare=False, default_factory=dict)

    @cached_property
    def calendar(self) -> BusinessCalendar:
        return BusinessCalendar(
            tz=self.timezone,
            workdays=self.workdays,
            support=self.support,
            on_call=self.on_call,
            holidays=BankHolidays.uk(self.bank_holidays),
        )

    def label(self, role: str) -> str:
        return self.labels[role].name

    def priority_labels(self) -> tuple[str, ...]:
        return tuple(p.label for p in self.priorities.values())

    def rota_at(self, moment: datetime) -> RotaEntry | None:
        """The rota entry in force at a moment (the last whose `from` date has come); with a
        PagerDuty rota, who PagerDuty has on call then (None: nobody at either level).

        Raises RotaUnavailable when the rota comes from PagerDuty and was not read for the
        moment: "nobody is on call" would be a guess."""
        if self.pagerduty is not None:
            return self._pagerduty_at(moment)
        day = moment.astimezone(self.timezone).date()
        current: RotaEntry | None = None
        for entry in sorted(self.rota, key=lambda e: e.start):
            if entry.start <= day:
                current = entry
        return current

    def read_shifts(self, start: datetime, end: datetime | None = None) -> Shifts:
        """The shifts read from PagerDuty, when they span [start, end]; else RotaUnavailable."""
        if self.shifts is None:
            raise RotaUnavailable(
                self.shifts_problem or "the on-call rota comes from PagerDuty and was not read"
            )
        if not self.shifts.spans(start, end):
            inside = self.shifts.spans(start)
            missing = end if end is not None and inside else start
            moment = self.local(missing)
            beyond = missing.astimezone(UTC) > self.shifts.until.astimezone(UTC)
            raise (RotaBeyondReach if beyond else RotaUnavailable)(
                f"the on-call rota for {moment:%a %d %b %Y %H:%M %Z} was not read from "
                f"PagerDuty (read from {self.local(self.shifts.since):%d %b %Y %H:%M} to "
                f"{self.local(self.shifts.until):%d %b %Y %H:%M %Z}; PagerDuty answers at most "
                "90 days ahead)"
            )
        return self.shifts

    def cover_gaps(self, start: datetime, end: datetime) -> list[Gap]:
        """The gaps in PagerDuty's cover (primary or secondary) within the policy's on-call
        hours of [start, end): in support hours the team is at work, and outside on-call
        hours the policy promises no cover. Empty for a list-form rota (see views/rota.py);
        RotaUnavailable when PagerDuty was not read for the span."""
        if self.pagerduty is None:
            return []
        shifts = self.read_shifts(start, end)
        found = []
        for a, b in self.calendar.periods(start, end, Cover.ON_CALL):
            found += gaps(shifts.shifts, shifts.levels, a, b)
        return sorted(found, key=lambda g: (g.start, g.level is not Level.PRIMARY))

    def _pagerduty_at(self, moment: datetime) -> RotaEntry | None:
        shifts = self.read_shifts(moment)
        primary = on_call(shifts.shifts, Level.PRIMARY, moment)
        secondary = on_call(shifts.shifts, Level.SECONDARY, moment)
        if not primary and not secondary:
            return None
        starts = [s.start for s in shifts.shifts if s.holds(moment) and s.start is not None] or [
            shifts.since
        ]
        return RotaEntry(
            start=self.local(max(starts)).date(),
            primary=str(primary[0]) if primary else "",
            secondary=str(secondary[0]) if secondary else "",
            people=(primary, secondary),
        )

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.timezone)


def _no_notifications() -> NotificationsPolicy:
    """The default: no channels, no routes (notifications are off)."""
    from dutydesk.policy.notifications import NotificationsPolicy

    return NotificationsPolicy()
