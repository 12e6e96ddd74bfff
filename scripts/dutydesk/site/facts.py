"""From the repository's issues to the status page (pure: issues, context and `now` in, a
`StatusPage` out; no I/O, no clock).

* **Incidents**: only those marked public by a responder (public.py), read by the incident
  rules' own reading (`registry.read_incident`): the service from the form, the impact from
  the priority in force (`site.impact.<P>`), when it started (the form's answer when it reads
  as a time no later than the opening, else the opening), and the public timeline: the
  responders' `/update` texts and the resolution, newest first. Open ones are current;
  closed ones are shown for `site.history_days`.
* **Maintenance**: open planned-maintenance notices a responder filed or marked public, with
  readable times and enough notice (the maintenance rules' reading), not yet over: in
  progress or upcoming.
* **Services**: `site.services`, then every service the page names, each with its worst
  current status.

Reads: site.impact.<P>, site.services, site.show_names, site.history_days, site.title,
site.url, timezone
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from dutydesk.engine import Context, view
from dutydesk.model import Issue
from dutydesk.registry import kind, read_incident
from dutydesk.rules.changes.maintenance import read_maintenance
from dutydesk.rules.incidents import Incident
from dutydesk.site.model import (
    EntryKind,
    Level,
    MaintenanceNotice,
    PublicIncident,
    ServiceStatus,
    StatusPage,
    TimelineEntry,
)
from dutydesk.site.public import marked_public, notice_trusted
from dutydesk.time.times import TimeParseError, parse_time

MAINTENANCE = "planned-maintenance"
"""The planned-maintenance form's name."""
UNDER_MAINTENANCE = "Under maintenance"
NO_PROBLEMS = "No known problems"
IMPACT_UNKNOWN = "Impact being assessed"
UNNAMED_SERVICE = "Service"

# Control characters (but tab and line breaks), and bidirectional overrides and isolates,
# which XML cannot carry or which make text read differently from what it is.
_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffe\uffff]")


def clean(text: object) -> str:
    """User text made safe to carry in HTML and XML (the templates escape it as well)."""
    return _UNSAFE.sub("", str(text or "")).strip()


def status_page(issues: Iterable[Issue], ctx: Context, repository: str) -> StatusPage:
    """The page at `ctx.now` from the issues (incidents and notices; others are passed by)."""
    incidents: list[PublicIncident] = []
    notices: list[MaintenanceNotice] = []
    for issue in _unique(issues):
        if issue.created_at > ctx.now or (not issue.is_open and not _recent(issue, ctx)):
            continue
        incident = read_incident(issue, ctx)
        if incident is not None:
            if marked_public(issue, ctx):
                incidents.append(public_incident(incident))
        elif kind(issue, ctx) == MAINTENANCE:
            notice = maintenance_notice(issue, ctx)
            if notice is not None:
                notices.append(notice)
    return _page(ctx, repository, incidents, notices)


def _unique(issues: Iterable[Issue]) -> list[Issue]:
    """Each issue once (the adapter may list an open incident twice), by number."""
    return list({issue.number: issue for issue in issues}.values())


def _recent(issue: Issue, ctx: Context) -> bool:
    closed = issue.closed_at or issue.updated_at
    return closed >= ctx.now - timedelta(days=ctx.policy.site.history_days)


def _page(
    ctx: Context,
    repository: str,
    incidents: Sequence[PublicIncident],
    notices: Sequence[MaintenanceNotice],
) -> StatusPage:
    site, local = ctx.policy.site, ctx.policy.local
    since = ctx.now - timedelta(days=site.history_days)
    current = [i for i in incidents if i.resolved is None]
    resolved = [i for i in incidents if i.resolved is not None and i.resolved >= since]
    current.sort(key=lambda i: (i.started, i.number), reverse=True)
    resolved.sort(key=lambda i: (i.resolved or i.started, i.number), reverse=True)
    maintenance = sorted(notices, key=lambda n: (not n.in_progress, n.start, n.number))
    return StatusPage(
        title=site.title,
        repository=repository,
        url=site.url,
        generated=local(ctx.now),
        history_days=site.history_days,
        services=services(site.services, current, maintenance, resolved),
        current=tuple(current),
        maintenance=tuple(maintenance),
        resolved=tuple(resolved),
    )


# -- incidents ----------------------------------------------------------------------------


def public_incident(incident: Incident) -> PublicIncident:
    """What the public sees of an incident: service, impact, start, timeline."""
    policy = incident.ctx.policy
    priority = incident.priority
    resolved = policy.local(incident.resolved) if incident.resolved else None
    timeline = _timeline(incident, resolved)
    started = _started(incident)
    return PublicIncident(
        number=incident.issue.number,
        service=clean(incident.item.answers.get("service")) or UNNAMED_SERVICE,
        level=Level(priority.id.lower()) if priority else Level.UNKNOWN,
        impact=policy.site.impact.get(priority.id, priority.name) if priority else IMPACT_UNKNOWN,
        started=started,
        resolved=resolved,
        updated=max([started, policy.local(incident.opened), *(e.at for e in timeline)]),
        timeline=timeline,
    )


def _timeline(incident: Incident, resolved: datetime | None) -> tuple[TimelineEntry, ...]:
    """The responders' `/update` texts and the resolution, newest first."""
    policy = incident.ctx.policy
    names = policy.site.show_names
    entries = [
        TimelineEntry(policy.local(u.at), EntryKind.UPDATE, clean(u.text), u.by if names else None)
        for u in incident.updates
        if clean(u.text)
    ]
    if resolved is not None:
        entries.append(TimelineEntry(resolved, EntryKind.RESOLVED, ""))
    entries.sort(key=lambda e: (e.at, e.kind is EntryKind.RESOLVED), reverse=True)
    return tuple(entries)


def _started(incident: Incident) -> datetime:
    """The form's "when did it start?" when it reads as a moment no later than the opening;
    otherwise the opening."""
    policy, opened = incident.ctx.policy, incident.opened
    text = incident.item.answers.get("started-at")
    try:
        said = parse_time(str(text), policy.timezone) if isinstance(text, str) else None
    except TimeParseError:
        said = None
    return policy.local(said if said is not None and said <= opened else opened)


# -- maintenance --------------------------------------------------------------------------


def maintenance_notice(issue: Issue, ctx: Context) -> MaintenanceNotice | None:
    """A notice the public sees: open, trusted, valid, with enough notice, not yet over."""
    if not issue.is_open or not notice_trusted(issue, ctx):
        return None
    facts = read_maintenance(view(issue, ctx, MAINTENANCE), ctx)
    window = facts.revisions[-1].window
    if facts.notice is None or not facts.notice.enough or window.end is None:
        return None
    start, end, local = facts.notice.start, window.end, ctx.policy.local
    if end <= ctx.now:
        return None
    answers = facts.item.answers
    return MaintenanceNotice(
        number=issue.number,
        service=clean(answers.get("service")) or UNNAMED_SERVICE,
        start=local(start),
        end=local(end),
        impact=clean(answers.get("user-impact")),
        in_progress=start <= ctx.now,
        updated=local(max(facts.revisions[-1].at, issue.created_at)),
    )


# -- services -----------------------------------------------------------------------------

_ORDER = list(Level)


def services(
    listed: Sequence[str],
    current: Sequence[PublicIncident],
    maintenance: Sequence[MaintenanceNotice],
    resolved: Sequence[PublicIncident],
) -> tuple[ServiceStatus, ...]:
    """Each service once (the policy's spelling first, matched ignoring case), with the
    worst of its current incidents, else maintenance in progress, else no known problem."""
    names: dict[str, str] = {}
    for name in [
        *listed,
        *(i.service for i in [*current, *resolved]),
        *(n.service for n in maintenance),
    ]:
        names.setdefault(name.casefold(), name)
    found: dict[str, ServiceStatus] = {
        key: ServiceStatus(name, Level.OK, NO_PROBLEMS) for key, name in names.items()
    }
    candidates = [(i.service, i.level, i.impact) for i in current] + [
        (n.service, Level.MAINTENANCE, UNDER_MAINTENANCE) for n in maintenance if n.in_progress
    ]
    for service, level, status in candidates:
        key = service.casefold()
        if _ORDER.index(level) < _ORDER.index(found[key].level):
            found[key] = ServiceStatus(names[key], level, status)
    return tuple(found.values())
