"""The job summary's section on notifications that failed (Markdown)."""

from __future__ import annotations

from collections.abc import Sequence

from dutydesk.notify.deliver import Failed
from dutydesk.templating import defang


def summary_markdown(failed: Sequence[Failed]) -> str:
    """A table of the failed deliveries; each is tried again on the next run."""
    if not failed:
        return ""
    lines = [
        "",
        "### Notifications not delivered",
        "",
        "Each is tried again on the next run (until `notifications.max_age` has passed).",
        "",
        "| Channel | Issue | Event | Why |",
        "| --- | --- | --- | --- |",
    ]
    for f in failed:
        why = defang(f.reason).replace("|", "\\|")
        lines.append(f"| {f.channel} | #{f.issue} | `{f.event}` | {why} |")
    return "\n".join(lines) + "\n"
