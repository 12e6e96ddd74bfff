"""The incident register: one row per incident, read from the issues themselves.

The seeds' "central incidents summary": number, title, priority, when it was opened,
acknowledged and resolved, how long each took, and whether the response target and the
update frequency were met. Pure: the CLI reads the issues and prints what this returns.

Times to acknowledge and to resolve are wall-clock time from opening, not counting time the
issue spent closed (as everywhere in the incident rules). "Response target met" is no when any
priority's response time passed without an acknowledgement, pending while the incident is
unacknowledged and not yet due. "Update frequency met" is no when any update fell due and came
late or not at all.
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

from dutydesk.engine import Context, kind_of, view
from dutydesk.model import Issue
from dutydesk.rules.incidents import figures_of, handle, read
from dutydesk.templating import defang


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
    policy = ctx.policy
    found: list[RegisterRow] = []
    for issue in issues:
        if kind_of(issue, ctx, {"incident": handle}) != "incident":
            continue
        if since is not None and policy.local(issue.created_at).date() < since:
            continue
        if issue.created_at > moment:
            continue
        incident = read(view(issue, ctx, "incident"), ctx)
        figures = figures_of(incident, policy, moment)
        ack = incident.ack
        found.append(
            RegisterRow(
                number=issue.number,
                title=issue.title,
                priority=incident.priority.id if incident.priority else None,
                state=issue.state,
                opened=policy.local(issue.created_at),
                acknowledged=policy.local(ack.at) if ack else None,
                acknowledged_by=ack.by if ack else None,
                resolved=policy.local(incident.resolved) if incident.resolved else None,
                time_to_acknowledge=figures.time_to_acknowledge,
                time_to_resolve=figures.time_to_resolve,
                response_met=figures.response_met,
                updates_met=figures.updates_met,
                lead=incident.lead,
                security=bool(incident.security),
            )
        )
    return sorted(found, key=lambda r: (r.opened, r.number))


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


def _text(row: RegisterRow) -> dict[str, str]:
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


def _cell(text: str) -> str:
    """A Markdown table cell: defanged (one line, no pings, no HTML), backslashes doubled and
    pipes escaped (else a title's `\\|` would become `\\\\|`: an escaped backslash, then a
    cell break)."""
    return defang(text).replace("\\", "\\\\").replace("|", "\\|")


def format_rows(register: list[RegisterRow], fmt: str = "markdown") -> str:
    """The register as a Markdown table, CSV (with a header row) or JSON (a list of objects)."""
    match Format(fmt):
        case Format.JSON:
            return json.dumps([as_json(r) for r in register], indent=2, ensure_ascii=False) + "\n"
        case Format.CSV:
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            names = list(as_json(register[0])) if register else list(_JSON_KEYS)
            writer.writerow(names)
            for row in register:
                values = as_json(row)
                values["response_met"] = _met(row.response_met)
                values["updates_met"] = _met(row.updates_met)
                values["security"] = "yes" if row.security else "no"
                writer.writerow(
                    [_csv_safe("" if values[n] is None else str(values[n])) for n in names]
                )
            return out.getvalue()
        case Format.MARKDOWN:
            lines = [
                "| " + " | ".join(title for _, title in COLUMNS) + " |",
                "|" + "---|" * len(COLUMNS),
            ]
            for row in register:
                text = _text(row)
                lines.append("| " + " | ".join(_cell(text[name]) for name, _ in COLUMNS) + " |")
            if not register:
                lines.append("| " + " | ".join(["—"] + [""] * (len(COLUMNS) - 1)) + " |")
            return "\n".join(lines) + "\n"


def _csv_safe(text: str) -> str:
    """Keep a spreadsheet from running a title as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
