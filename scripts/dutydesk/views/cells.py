"""Text from users made safe in the views' Markdown: one cell-escaping for every table."""

from __future__ import annotations

from dutydesk.templating import defang


def cell(text: str) -> str:
    """A Markdown table cell: defanged (one line, no pings, no HTML), backslashes doubled and
    pipes escaped (else a title's `\\|` would become `\\\\|`: an escaped backslash, then a
    cell break)."""
    return defang(text).replace("\\", "\\\\").replace("|", "\\|")
