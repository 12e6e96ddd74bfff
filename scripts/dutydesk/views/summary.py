"""The sweep's job summary ($GITHUB_STEP_SUMMARY): open incidents, other items, runbooks.

Which items are incidents, and their facts, come from the incident rules' own reading
(`registry.read_incident`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from dutydesk.budget import Deferred
from dutydesk.engine import Context, Decision
from dutydesk.model import Issue
from dutydesk.registry import read_incident
from dutydesk.rules.incidents import Incident, next_update_due
from dutydesk.templating import human, local_time
from dutydesk.views.cells import cell

if TYPE_CHECKING:  # pragma: no cover
    from dutydesk.views.report import RegisterRow

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


def incident_rows(lines: Sequence[str]) -> list[str]:
    """The open incidents' table of `incident_line`s (or a line saying there are none)."""
    if not lines:
        return ["No open incidents.", ""]
    header = [
        "| Incident | Title | Priority | Age | Acknowledged | Next update due |",
        "|---|---|---|---|---|---|",
    ]
    return [*header, *lines, ""]


def figure_rows(register: Sequence[RegisterRow]) -> list[str]:
    """The open incidents' headline figures, as `dutydesk report --format html` shows them."""
    if not register:
        return []
    from dutydesk.views.headline import headline_markdown

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


class Summary:
    """The job summary, built an item at a time (`add`, as each is planned: the sweep does it
    while it waits for GitHub's next page), written at the end (`markdown`). Which items are
    incidents, and their facts, come from the incident rules' own reading."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._incidents: dict[int, tuple[str, RegisterRow]] = {}
        self._others: dict[int, Row] = {}
        self._actions: dict[int, int] = {}

    def add(self, issue: Issue, decision: Decision) -> None:
        from dutydesk.views.report import register_row

        self._actions[issue.number] = len(decision.actions)
        incident = read_incident(issue, self.ctx)
        if incident is None:
            self._others[issue.number] = (issue, decision)
        else:
            line = incident_line(incident)
            self._incidents[issue.number] = (line, register_row(incident, self.ctx.now))

    def markdown(
        self,
        failed: Sequence[tuple[int, str]],
        runbook_lines: Sequence[str] = (),
        deferred: Deferred | None = None,
    ) -> str:
        """The summary of the items added, but those that `failed` (by number), in order."""
        broken = {number for number, _ in failed}
        kept = sorted(n for n in self._actions if n not in broken)
        incidents = [self._incidents[n] for n in kept if n in self._incidents]
        lines = ["## dutydesk sweep", ""]
        lines.append(
            f"At {local_time(self.ctx.policy.local(self.ctx.now))}: {len(kept)} open item(s) "
            f"reconciled, {sum(self._actions[n] for n in kept)} action(s), {len(failed)} failed."
        )
        lines += ["", "### Open incidents", ""]
        lines += incident_rows([line for line, _ in incidents])
        lines += figure_rows([row for _, row in incidents])
        lines += other_rows(self.ctx, [self._others[n] for n in kept if n in self._others])
        if runbook_lines:
            lines += ["### Runbooks", "", *runbook_lines, ""]
        if deferred is not None and deferred.items:
            lines += ["### Left for the next run", "", cell(deferred.sentence()), ""]
        if failed:
            lines += ["### Failed", ""]
            lines += [f"- #{number}: {cell(message)}" for number, message in failed]
            lines.append("")
        return "\n".join(lines) + "\n"


def summary_markdown(
    ctx: Context,
    rows: Sequence[Row],
    failed: Sequence[tuple[int, str]],
    runbook_lines: Sequence[str] = (),
    deferred: Deferred | None = None,
) -> str:
    """The summary of `rows` at once (`Summary`, for items that are all planned already)."""
    summary = Summary(ctx)
    for issue, decision in rows:
        summary.add(issue, decision)
    return summary.markdown(failed, runbook_lines, deferred)
