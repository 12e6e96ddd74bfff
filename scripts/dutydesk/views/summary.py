"""The sweep's job summary ($GITHUB_STEP_SUMMARY): open incidents, other items, runbooks."""

from __future__ import annotations

from collections.abc import Sequence

from dutydesk.engine import Context, Decision, view
from dutydesk.model import Issue
from dutydesk.templating import defang, human, local_time


def _cell(text: str) -> str:
    return defang(text).replace("|", "\\|").replace("\n", " ")


def incident_rows(ctx: Context, rows: Sequence[tuple[Issue, Decision]]) -> list[str]:
    """Open incidents with priority, age, acknowledgement and next update due."""
    from dutydesk.rules.incidents import next_update_due, read

    policy = ctx.policy
    incident_label = policy.label("incident")
    lines: list[str] = []
    for issue, _ in rows:
        if incident_label not in issue.labels:
            continue
        item = view(issue, ctx, "incident")
        incident = read(item, ctx)
        priority = incident.priority.id if incident.priority is not None else "—"
        ack = incident.ack
        acked = f"{local_time(policy.local(ack.at))} by {ack.by}" if ack else "**not yet**"
        due = next_update_due(item, ctx)
        lines.append(
            f"| #{issue.number} | {_cell(issue.title)} | {priority} | "
            f"{human(ctx.now - issue.created_at)} | {_cell(acked)} | "
            f"{local_time(policy.local(due)) if due else '—'} |"
        )
    if not lines:
        return ["No open incidents.", ""]
    header = [
        "| Incident | Title | Priority | Age | Acknowledged | Next update due |",
        "|---|---|---|---|---|---|",
    ]
    return [*header, *lines, ""]


def summary_markdown(
    ctx: Context,
    rows: Sequence[tuple[Issue, Decision]],
    failed: Sequence[tuple[int, str]],
    runbook_lines: Sequence[str] = (),
) -> str:
    policy = ctx.policy
    lines = ["## dutydesk sweep", ""]
    lines.append(
        f"At {local_time(policy.local(ctx.now))}: {len(rows)} open item(s) reconciled, "
        f"{sum(len(d.actions) for _, d in rows)} action(s), {len(failed)} failed."
    )
    lines += ["", "### Open incidents", ""]
    lines += incident_rows(ctx, rows)
    others = [(i, d) for i, d in rows if policy.label("incident") not in i.labels]
    if others:
        lines += ["### Change requests and maintenance", ""]
        lines += ["| Item | Title | Actions | Next check |", "|---|---|---|---|"]
        for issue, decision in others:
            nxt = local_time(policy.local(decision.next_check)) if decision.next_check else "—"
            lines.append(
                f"| #{issue.number} | {_cell(issue.title)} | {len(decision.actions)} | {nxt} |"
            )
        lines.append("")
    if runbook_lines:
        lines += ["### Runbooks", "", *runbook_lines, ""]
    if failed:
        lines += ["### Failed", ""]
        lines += [f"- #{number}: {_cell(message)}" for number, message in failed]
        lines.append("")
    return "\n".join(lines) + "\n"
