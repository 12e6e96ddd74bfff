"""The incident register: one row per incident, from the incident rules' own reading.

The seeds' "central incidents summary": number, title, priority, when it was opened,
acknowledged and resolved, how long each took, and whether the response target and the
update frequency were met. Pure: the CLI reads the issues and prints what this returns.

Which issues are incidents, and their facts, come from `registry.read_incident` (the incident
rules' `read`); the measured figures from rules/incidents/figures.py, which says how they are
measured (time closed does not count; "met" is no when a target passed, pending until due).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from dutydesk.engine import Context
from dutydesk.model import Issue
from dutydesk.registry import read_incident
from dutydesk.rules.incidents import Incident, figures_of
from dutydesk.views.cells import cell


class Format(StrEnum):
    MARKDOWN = "markdown"
    CSV = "csv"
    JSON = "json"


@dataclass(frozen=True)
class RegisterRow:
    number: int
    title: str
    priority: str | None
    state: str
    opened: datetime
    acknowledged: datetime | None
    acknowledged_by: str | None
    resolved: datetime | None
    time_to_acknowledge: timedelta | None
    time_to_resolve: timedelta | None
    response_met: bool | None  # None: pending (not acknowledged, not yet due)
    updates_met: bool
    lead: str | None
    security: bool


def rows(
    issues: Iterable[Issue],
    ctx: Context,
    since: date | None = None,
    now: datetime | None = None,
) -> list[RegisterRow]:
    """Register rows for the incidents among `issues` opened on or after `since` (a date in the
    policy's timezone), oldest first; measured at `now` (default: `ctx.now`)."""
    moment = now or ctx.now
    found: list[RegisterRow] = []
    for issue in issues:
        if issue.created_at > moment or not _opened_since(issue, ctx, since):
            continue
        incident = read_incident(issue, ctx)
        if incident is not None:
            found.append(register_row(incident, moment))
    return sorted(found, key=lambda r: (r.opened, r.number))


def _opened_since(issue: Issue, ctx: Context, since: date | None) -> bool:
    return since is None or ctx.policy.local(issue.created_at).date() >= since


def register_row(incident: Incident, moment: datetime) -> RegisterRow:
    """An incident's row, from the incident rules' reading and figures at `moment`."""
    local = incident.ctx.policy.local
    issue = incident.issue
    figures = figures_of(incident, moment)
    ack = incident.ack
    return RegisterRow(
        number=issue.number,
        title=issue.title,
        priority=incident.priority.id if incident.priority else None,
        state=issue.state,
        opened=local(incident.opened),
        acknowledged=local(ack.at) if ack else None,
        acknowledged_by=ack.by if ack else None,
        resolved=local(incident.resolved) if incident.resolved else None,
        time_to_acknowledge=figures.time_to_acknowledge,
        time_to_resolve=figures.time_to_resolve,
        response_met=figures.response_met,
        updates_met=figures.updates_met,
        lead=incident.lead,
        security=bool(incident.security),
    )


COLUMNS = (
    ("number", "Incident"),
    ("title", "Title"),
    ("priority", "Priority"),
    ("state", "State"),
    ("opened", "Opened"),
    ("acknowledged", "Acknowledged"),
    ("acknowledged_by", "Acknowledged by"),
    ("resolved", "Resolved"),
    ("time_to_acknowledge", "Time to acknowledge"),
    ("time_to_resolve", "Time to resolve"),
    ("response_met", "Response target met"),
    ("updates_met", "Update frequency met"),
    ("lead", "Incident lead"),
    ("security", "Security"),
)


_JSON_KEYS = (
    "number",
    "title",
    "priority",
    "state",
    "opened",
    "acknowledged",
    "acknowledged_by",
    "resolved",
    "minutes_to_acknowledge",
    "minutes_to_resolve",
    "response_met",
    "updates_met",
    "lead",
    "security",
)


def _minutes(td: timedelta | None) -> int | None:
    return None if td is None else int(td.total_seconds() // 60)


def _met(value: bool | None) -> str:
    return "pending" if value is None else ("yes" if value else "no")


def as_json(row: RegisterRow) -> dict[str, Any]:
    """One row for machines: ISO 8601 times with offsets, durations in whole minutes."""
    return {
        "number": row.number,
        "title": row.title,
        "priority": row.priority,
        "state": row.state,
        "opened": row.opened.isoformat(),
        "acknowledged": row.acknowledged.isoformat() if row.acknowledged else None,
        "acknowledged_by": row.acknowledged_by,
        "resolved": row.resolved.isoformat() if row.resolved else None,
        "minutes_to_acknowledge": _minutes(row.time_to_acknowledge),
        "minutes_to_resolve": _minutes(row.time_to_resolve),
        "response_met": row.response_met,
        "updates_met": row.updates_met,
        "lead": row.lead,
        "security": row.security,
    }


def text_cells(row: RegisterRow) -> dict[str, str]:
    """One row for people: local times, durations as "2 hours 5 minutes"."""
    from dutydesk.time.durations import format_timedelta

    def when(moment: datetime | None) -> str:
        return moment.strftime("%Y-%m-%d %H:%M %Z") if moment else ""

    def span(td: timedelta | None) -> str:
        return format_timedelta(td) if td is not None else ""

    return {
        "number": f"#{row.number}",
        "title": row.title,
        "priority": row.priority or "",
        "state": row.state,
        "opened": when(row.opened),
        "acknowledged": when(row.acknowledged),
        "acknowledged_by": row.acknowledged_by or "",
        "resolved": when(row.resolved),
        "time_to_acknowledge": span(row.time_to_acknowledge),
        "time_to_resolve": span(row.time_to_resolve),
        "response_met": _met(row.response_met),
        "updates_met": _met(row.updates_met),
        "lead": row.lead or "",
        "security": "yes" if row.security else "",
    }


def format_rows(register: list[RegisterRow], fmt: str = "markdown") -> str:
    """The register as a Markdown table, CSV (with a header row) or JSON (a list of objects)."""
    match Format(fmt):
        case Format.JSON:
            return json.dumps([as_json(r) for r in register], indent=2, ensure_ascii=False) + "\n"
        case Format.CSV:
            return _csv(register)
        case Format.MARKDOWN:
            return _markdown(register)


def _csv(register: list[RegisterRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    names = list(as_json(register[0])) if register else list(_JSON_KEYS)
    writer.writerow(names)
    for row in register:
        values = as_json(row)
        values["response_met"] = _met(row.response_met)
        values["updates_met"] = _met(row.updates_met)
        values["security"] = "yes" if row.security else "no"
        writer.writerow([_csv_safe("" if values[n] is None else str(values[n])) for n in names])
    return out.getvalue()


def _markdown(register: list[RegisterRow]) -> str:
    lines = [
        "| " + " | ".join(title for _, title in COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
    ]
    for row in register:
        text = text_cells(row)
        lines.append("| " + " | ".join(cell(text[name]) for name, _ in COLUMNS) + " |")
    if not register:
        lines.append("| " + " | ".join(["—"] + [""] * (len(COLUMNS) - 1)) + " |")
    return "\n".join(lines) + "\n"


def _csv_safe(text: str) -> str:
    """Keep a spreadsheet from running a title as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
