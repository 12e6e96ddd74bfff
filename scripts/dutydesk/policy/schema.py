"""The typed policy: frozen dataclasses that `parse_policy` builds once from policy.yaml."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from dutydesk.time.calendar import BankHolidays, BusinessCalendar, DaySchedule
from dutydesk.time.durations import Duration

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
    start: date
    primary: str
    secondary: str


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
        """The rota entry in force at a moment (the last whose `from` date has come)."""
        day = moment.astimezone(self.timezone).date()
        current: RotaEntry | None = None
        for entry in sorted(self.rota, key=lambda e: e.start):
            if entry.start <= day:
                current = entry
        return current

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.timezone)


def _no_notifications() -> NotificationsPolicy:
    """The default: no channels, no routes (notifications are off)."""
    from dutydesk.policy.notifications import NotificationsPolicy

    return NotificationsPolicy()
