"""The status page as HTML, from its Jinja2 templates (pure: a `StatusPage` in, text out).

The templates are HTML with every value escaped (autoescape on). A team overrides any of
them (`index.html.j2`, `base.html.j2`, `style.css`) by putting a file of the same name in
its own folder (`site.templates`, or `dutydesk site build --templates DIR`); the others stay
the built-in ones.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path

import jinja2

from dutydesk.site.model import StatusPage

PAGE_TEMPLATE = "index.html.j2"


def offset(at: datetime) -> str:
    """`UTC+01:00` for a moment's offset from UTC."""
    delta = at.utcoffset()
    minutes = int(delta.total_seconds() // 60) if delta is not None else 0
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{mins:02d}"


def moment(at: datetime) -> str:
    """A moment for people: `Mon 23 Nov 2026, 10:02 GMT (UTC+00:00)`."""
    return f"{at.strftime('%a %d %b %Y, %H:%M %Z')} ({offset(at)})"


def iso(at: datetime) -> str:
    """A moment for machines (`<time datetime>`): ISO 8601 with its offset."""
    return at.isoformat(timespec="seconds")


@cache
def environment(overrides: Path | None = None) -> jinja2.Environment:
    """The templates: the team's folder first, if any, then the built-in ones."""
    loaders: list[jinja2.BaseLoader] = []
    if overrides is not None:
        loaders.append(jinja2.FileSystemLoader(str(overrides)))
    loaders.append(jinja2.PackageLoader("dutydesk", "site/templates"))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters["moment"] = moment
    env.filters["iso"] = iso
    env.filters["offset"] = offset
    return env


def render_page(page: StatusPage, overrides: Path | None = None) -> str:
    """The page's HTML."""
    return environment(overrides).get_template(PAGE_TEMPLATE).render(page=page)
