"""The sweep's job summary: a table of the runbooks due soon, expired or invalid (untracked
pages, with no review date, are left out).

Emits: nothing (the job summary)
Reads: runbooks.warning_days
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from dutydesk.policy import Policy
from dutydesk.rules.runbooks.model import Runbook, State
from dutydesk.rules.runbooks.review import status

_ORDER = {State.EXPIRED: 0, State.INVALID: 1, State.DUE_SOON: 2}


def summary_lines(runbooks: Iterable[Runbook], today: date, policy: Policy) -> list[str]:
    """Markdown for the sweep's job summary: runbooks due soon, expired or invalid.

    Empty when every runbook is fine.
    """
    from dutydesk.templating import render

    rows = [(r, status(r, today, policy)) for r in runbooks]
    rows = [(runbook, state) for runbook, state in rows if state in _ORDER]
    if not rows:
        return []
    rows.sort(key=lambda r: (_ORDER[r[1]], r[0].expires or date.max, r[0].path))
    text = render("runbook_summary.md.j2", rows=rows, today=today, states=State)
    return text.rstrip("\n").split("\n")
