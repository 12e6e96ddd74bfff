"""Comment wording lives in Jinja2 templates under dutydesk/templates/."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import jinja2

_MENTION = re.compile(r"@(?=[A-Za-z0-9])")
# Every character CommonMark or a browser may treat as a line break.
_BREAKS = re.compile(r"[\r\n\v\f\x85\u2028\u2029]+")
# Bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069), which can make quoted
# text read differently from what it is, and control characters other than the breaks above.
_INVISIBLE = re.compile(r"[\u202a-\u202e\u2066-\u2069\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
# What starts a Markdown link or image: quoted, it is shown as text, never made a link.
_LINK = re.compile(r"([\\\[\]])")
QUOTE_LIMIT = 300


def defang(text: str | None, limit: int = QUOTE_LIMIT) -> str:
    """User text made safe to quote inline in a bot comment.

    One line (so it cannot start a heading, a list, a table row or a fake bot paragraph), no
    pings (`@` gets a zero-width space), no HTML (so no comments, tags or markers), no links or
    images (`\\`, `[` and `]` are escaped, so `[text](url)` shows as written), no bidirectional
    overrides or control characters, and at most `limit` characters.
    """
    if not text:
        return ""
    text = _INVISIBLE.sub("", text.replace("\t", " "))
    text = _BREAKS.sub(" ", text).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    text = _LINK.sub(r"\\\1", _MENTION.sub("@\u200b", text))
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mention(people: Any) -> str:
    """`@alice, @org/team` for logins and team slugs the policy names."""
    return ", ".join("@" + str(p).removeprefix("@") for p in people)


def local_time(moment: datetime | None, fmt: str = "%a %d %b %Y %H:%M %Z") -> str:
    return moment.strftime(fmt) if moment is not None else "—"


def human(td: timedelta | None) -> str:
    from dutydesk.time.durations import format_timedelta

    return format_timedelta(td) if td is not None else "—"


@cache
def environment() -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("dutydesk", "templates"),
        autoescape=False,  # Markdown, not HTML; user text goes through `defang`
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        auto_reload=False,  # the templates do not change while the process runs: no stat each time
    )
    env.filters["defang"] = defang
    env.filters["mention"] = mention
    env.filters["local"] = local_time
    env.filters["human"] = human
    return env


def render(name: str, **values: Any) -> str:
    return environment().get_template(name).render(**values).strip() + "\n"


def template_source(name: str) -> str:
    """A template's own text, as the environment loads it: read from the package's folder
    when it is there (a steady sweep then never imports Jinja2), else by the loader."""
    path = Path(__file__).parent / "templates" / name
    if path.is_file():
        return path.read_bytes().decode("utf-8")  # as PackageLoader reads it: no newline changes
    env = environment()
    assert env.loader is not None
    source, _, _ = env.loader.get_source(env, name)
    return source
