"""User text made safe for each transport: one line, no pings, no forged links (pure).

* Slack mrkdwn: `&`, `<` and `>` are written `&amp;`, `&lt;` and `&gt;` (Slack's own escaping),
  so no `<!channel>`, `<!here>`, `<@U123>` or `<https://evil|looks fine>` can be made; a plain
  `@channel`, `@here` or `@everyone` gets a zero-width space after the `@`.
* Teams (Adaptive Card text, a Markdown subset): `[text](url)` is broken up (a zero-width space
  between `]` and `(`), so it shows as written and links nowhere; `@` words as for Slack.
* Email headers and PagerDuty summaries: one line; CR, LF and every other control character
  become spaces, so no header can be added.

Every function also drops bidirectional overrides and caps the length.
"""

from __future__ import annotations

import re

_BREAKS = re.compile(r"[\r\n\t\v\f\x85\u2028\u2029]+")
_INVISIBLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_BROADCAST = re.compile(r"@(?=(?:channel|here|everyone|all)\b)", re.IGNORECASE)
_LINK = re.compile(r"\]\s*\(")
TITLE_LIMIT = 120
DETAIL_LIMIT = 300


def one_line(text: str | None, limit: int = TITLE_LIMIT) -> str:
    """Plain text on one line, no control characters, at most `limit` characters."""
    if not text:
        return ""
    text = _INVISIBLE.sub("", _BREAKS.sub(" ", text))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def slack(text: str | None, limit: int = TITLE_LIMIT) -> str:
    line = one_line(text, limit).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub("@\u200b", line)


def teams(text: str | None, limit: int = TITLE_LIMIT) -> str:
    line = _LINK.sub("]\u200b(", one_line(text, limit))
    return _BROADCAST.sub("@\u200b", line)


def plain(text: str | None, limit: int = TITLE_LIMIT) -> str:
    """For email headers and bodies and PagerDuty: one line (no header injection)."""
    return one_line(text, limit)
