"""The incident register as one self-contained HTML file: the headline figures, four charts
drawn as inline SVG and the register table (pure: rows in, text out; `dutydesk report
--format html` prints it).

The charts: time to acknowledge against the response target, per priority; time to resolve,
per priority; incidents opened each week, by priority; and the share of targets met. A
target counted in office hours or business days is not wall-clock time, so it is written
beside the bar rather than drawn across it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import cache

import jinja2
from markupsafe import Markup

from dutydesk.policy import Policy
from dutydesk.time.durations import format_timedelta
from dutydesk.views.charts import COLOURS, Bar, bar_chart, stacked_columns
from dutydesk.views.headline import (
    NO_PRIORITY,
    PriorityFigures,
    by_priority,
    headline,
    middle,
    weekly,
)
from dutydesk.views.report import COLUMNS, RegisterRow, text_cells


def _minutes(value: timedelta | None) -> float:
    return value.total_seconds() / 60 if value is not None else 0.0


def _span(value: timedelta | None) -> str:
    """A duration to its two largest units ("1 day 11 hours"), for a chart's labels."""
    if value is None:
        return "none yet"
    words = format_timedelta(value).split()
    return " ".join(words[:4])


CHART_TITLES = (
    "Time to acknowledge, against the response target",
    "Time to resolve",
    "Incidents per week, by priority",
    "Targets met, as a share",
)


def acknowledge_chart(figures: Sequence[PriorityFigures]) -> str:
    bars = []
    for f in figures:
        typical = middle(f.acknowledge)
        target = f"target {f.target}" if f.target is not None else "no target"
        bars.append(
            Bar(
                f.priority,
                _minutes(typical),
                f"median {_span(typical)} ({target})",
                COLOURS[f.priority],
                _minutes(f.wall_target) if f.wall_target is not None else None,
            )
        )
    return bar_chart(
        "acknowledge",
        CHART_TITLES[0],
        "For each priority, the median time from opening to acknowledgement; a dashed line "
        "marks a wall-clock response target. " + "; ".join(f"{b.label}: {b.text}" for b in bars),
        bars,
    )


def resolve_chart(figures: Sequence[PriorityFigures]) -> str:
    bars = []
    for f in figures:
        typical = middle(f.resolve)
        longest = max(f.resolve) if f.resolve else None
        text = f"median {_span(typical)}, longest {_span(longest)}"
        bars.append(Bar(f.priority, _minutes(typical), text, COLOURS[f.priority]))
    return bar_chart(
        "resolve",
        CHART_TITLES[1],
        "For each priority, the median time from opening to resolution. "
        + "; ".join(f"{b.label}: {b.text}" for b in bars),
        bars,
    )


def met_chart(figures: Sequence[PriorityFigures]) -> str:
    bars = []
    for f in figures:
        for what, share in (("response", f.response), ("updates", f.updates)):
            bars.append(
                Bar(f"{f.priority} {what}", share.percent or 0.0, str(share), COLOURS[f.priority])
            )
    return bar_chart(
        "met",
        CHART_TITLES[3],
        "For each priority, the share of incidents that met the response target and the "
        "update frequency (a full bar is 100%). " + "; ".join(f"{b.label}: {b.text}" for b in bars),
        bars,
        scale=100.0,
    )


def weeks_chart(register: Sequence[RegisterRow], policy: Policy) -> str:
    weeks = weekly(register)
    series = [*policy.priorities, NO_PRIORITY]
    used = [s for s in series if any(counts.get(s) for _, counts in weeks)]
    columns = [(week.strftime("%d %b"), counts) for week, counts in weeks]
    desc = "Incidents opened each week (weeks from Monday), by priority. " + "; ".join(
        f"week of {label}: {sum(c.values())}" for label, c in columns
    )
    return stacked_columns("weeks", CHART_TITLES[2], desc, columns, used)


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("dutydesk", "views/templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )


def report_html(register: Sequence[RegisterRow], policy: Policy, now: datetime) -> str:
    """The register, its headline figures and its charts, as one HTML page."""
    figures = by_priority(register, policy)
    drawn = (
        acknowledge_chart(figures),
        resolve_chart(figures),
        weeks_chart(register, policy),
        met_chart(figures),
    )
    charts = [(title, Markup(svg)) for title, svg in zip(CHART_TITLES, drawn, strict=True)]
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            generated=policy.local(now),
            headline=headline(register),
            charts=charts if register else [],
            columns=COLUMNS,
            rows=[text_cells(r) for r in register],
        )
    )
