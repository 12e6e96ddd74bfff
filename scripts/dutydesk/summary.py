"""The sweep's job summary ($GITHUB_STEP_SUMMARY): what is open and what needs attention."""

from __future__ import annotations

from dutydesk.engine import Context, Decision
from dutydesk.model import Issue
from dutydesk.policy import Policy
from dutydesk.templating import defang, human, local_time


def summary_markdown(
    policy: Policy,
    ctx: Context,
    rows: list[tuple[Issue, Decision]],
    failed: list[tuple[int, str]],
) -> str:
    lines = ["## dutydesk sweep", ""]
    lines.append(f"At {local_time(policy.local(ctx.now))}: {len(rows)} open item(s) reconciled.")
    lines.append("")
    priorities = set(policy.priority_labels())
    if rows:
        lines += [
            "| Item | Title | Priority | Age | Actions | Next check |",
            "|---|---|---|---|---|---|",
        ]
        for issue, decision in rows:
            prio = ", ".join(sorted(issue.labels & priorities)) or "—"
            age = human(ctx.now - issue.created_at)
            nxt = local_time(policy.local(decision.next_check)) if decision.next_check else "—"
            title = defang(issue.title).replace("|", "\\|")
            lines.append(
                f"| #{issue.number} | {title} | {prio} | {age} | {len(decision.actions)} | {nxt} |"
            )
        lines.append("")
    if failed:
        lines += ["### Failed", ""]
        lines += [f"- #{number}: {defang(message)}" for number, message in failed]
        lines.append("")
    return "\n".join(lines) + "\n"
