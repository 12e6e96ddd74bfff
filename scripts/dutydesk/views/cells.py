"""Text from users made safe in the views' Markdown: one cell-escaping for every table."""

from __future__ import annotations

from dutydesk.templating import defang


def cell(text: str) -> str:
    """A Markdown table cell: defanged (one line, no pings, no HTML, no links; backslashes
    doubled, so a title's `\\|` cannot become an escaped backslash and then a cell break),
    and pipes escaped."""
    return defang(text).replace("|", "\\|")
