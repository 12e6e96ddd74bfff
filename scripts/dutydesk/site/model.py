"""The status page as plain data: what the templates and the feed show, nothing more.

Every text here is either the policy's wording or a responder's public words (an `/update`,
a maintenance notice's answers); nothing else from an issue reaches the page. Times are in
the policy's timezone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class EntryKind(StrEnum):
    UPDATE = "update"
    RESOLVED = "resolved"


class Level(StrEnum):
    """A service's status, worst first; the style sheet colours each (the text says it)."""

    P1 = "p1"
    P2 = "p2"
    P3 = "p3"
    P4 = "p4"
    UNKNOWN = "unknown"  # a public incident with no priority yet
    MAINTENANCE = "maintenance"
    OK = "ok"


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: EntryKind
    text: str
    by: str | None = None  # only when the policy shows names (site.show_names)


@dataclass(frozen=True)
class PublicIncident:
    number: int
    service: str
    level: Level
    impact: str  # the policy's wording for its priority
    started: datetime
    resolved: datetime | None
    updated: datetime  # the latest of its opening, updates and resolution
    timeline: tuple[TimelineEntry, ...]  # newest first

    @property
    def latest(self) -> TimelineEntry | None:
        return self.timeline[0] if self.timeline else None


@dataclass(frozen=True)
class MaintenanceNotice:
    number: int
    service: str
    start: datetime
    end: datetime
    impact: str  # the notice's "User impact" answer
    in_progress: bool
    updated: datetime


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    level: Level
    status: str


@dataclass(frozen=True)
class StatusPage:
    title: str
    repository: str  # OWNER/NAME: the feed's ids are made from it
    url: str | None  # where the site is published (site.url)
    generated: datetime
    history_days: int
    services: tuple[ServiceStatus, ...]
    current: tuple[PublicIncident, ...]  # open public incidents, newest first
    maintenance: tuple[MaintenanceNotice, ...]  # in progress, then upcoming, soonest first
    resolved: tuple[PublicIncident, ...]  # resolved within history_days, newest first
