"""The sweep's job summary ($GITHUB_STEP_SUMMARY): open incidents, other items, runbooks.

Which items are incidents, and their facts, come from the incident rules' own reading
(`registry.read_incident`).
"""

from __future__ import annotations

from collections.abc import Sequence

from dutydesk.budget import Deferred
from dutydesk.engine import Context, Decision
from dutydesk.model import Issue
from dutydesk.registry import read_incident
from dutydesk.rules.incidents import Incident, next_update_due
from dutydesk.templating import human, local_time
from dutydesk.views.cells import cell

Row = tuple[Issue, Decision]


def incident_line(incident: Incident) -> str:
    """An open incident's row: priority, age, acknowledgement and next update due."""
    policy, now = incident.ctx.policy, incident.ctx.now
    issue = incident.issue
    priority = incident.priority.id if incident.priority is not None else "—"
    ack = incident.ack
    acked = f"{local_time(policy.local(ack.at))} by {ack.by}" if ack else "**not yet**"
    due = next_update_due(incident)
    return (
        f"| #{issue.number} | {cell(issue.title)} | {priority} | "
        f"{human(now - issue.created_at)} | {cell(acked)} | "
        f"{local_time(policy.local(due)) if due else '—'} |"
    )


def incident_rows(incidents: Sequence[Incident]) -> list[str]:
    """The open incidents' table (or a line saying there are none)."""
    if not incidents:
        return ["No open incidents.", ""]
    header = [
        "| Incident | Title | Priority | Age | Acknowledged | Next update due |",
        "|---|---|---|---|---|---|",
    ]
    return [*header, *(incident_line(i) for i in incidents), ""]


def figure_rows(incidents: Sequence[Incident]) -> list[str]:
    """The open incidents' headline figures, as `dutydesk report --format html` shows them."""
    if not incidents:
        return []
    from dutydesk.views.headline import headline_markdown
    from dutydesk.views.report import register_row

    register = [register_row(i, i.ctx.now) for i in incidents]
    return ["### Figures of the open incidents", "", *headline_markdown(register)]


def other_rows(ctx: Context, others: Sequence[Row]) -> list[str]:
    """The change requests and maintenance notices: actions planned and the next check."""
    if not others:
        return []
    lines = ["### Change requests and maintenance", ""]
    lines += ["| Item | Title | Actions | Next check |", "|---|---|---|---|"]
    for issue, decision in others:
        nxt = local_time(ctx.policy.local(decision.next_check)) if decision.next_check else "—"
        lines.append(f"| #{issue.number} | {cell(issue.title)} | {len(decision.actions)} | {nxt} |")
    return [*lines, ""]


def _split(ctx: Context, rows: Sequence[Row]) -> tuple[list[Incident], list[Row]]:
    """The incidents (as the incident rules read them) and the other items."""
    incidents: list[Incident] = []
    others: list[Row] = []
    for issue, decision in rows:
        incident = read_incident(issue, ctx)
        if incident is None:
            others.append((issue, decision))
        else:
            incidents.append(incident)
    return incidents, others


def summary_markdown(
    ctx: Context,
    rows: Sequence[Row],
    failed: Sequence[tuple[int, str]],
    runbook_lines: Sequence[str] = (),
    deferred: Deferred | None = None,
) -> str:
    incidents, others = _split(ctx, rows)
    lines = ["## dutydesk sweep", ""]
    lines.append(
        f"At {local_time(ctx.policy.local(ctx.now))}: {len(rows)} open item(s) reconciled, "
        f"{sum(len(d.actions) for _, d in rows)} action(s), {len(failed)} failed."
    )
    lines += ["", "### Open incidents", ""]
    lines += incident_rows(incidents)
    lines += figure_rows(incidents)
    lines += other_rows(ctx, others)
    if runbook_lines:
        lines += ["### Runbooks", "", *runbook_lines, ""]
    if deferred is not None and deferred.items:
        lines += ["### Left for the next run", "", cell(deferred.sentence()), ""]
    if failed:
        lines += ["### Failed", ""]
        lines += [f"- #{number}: {cell(message)}" for number, message in failed]
        lines.append("")
    return "\n".join(lines) + "\n"
