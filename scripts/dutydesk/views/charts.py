"""Charts as inline SVG, drawn from plain figures (pure: no I/O, nothing but text out).

Every chart is an `<svg role="img">` with a title and a description that say what it shows;
every bar carries its value as text, so colour is never the only way to read it. Labels are
escaped here (the SVG is put into the report as markup).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 800
LABEL_WIDTH = 110
BAR_WIDTH = 260
ROW = 30
COLOURS = {
    "P1": "#b3261e",
    "P2": "#c2410c",
    "P3": "#8a5a00",
    "P4": "#1d4ed8",
    "none": "#4b5563",
}
TARGET_COLOUR = "#1b1b1b"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float  # in the chart's unit; the longest bar fills the width
    text: str  # the value as people read it, shown after the bar
    colour: str = COLOURS["none"]
    marker: float | None = None  # a target, drawn as a line across the bar's row


def _frame(key: str, title: str, desc: str, height: int, body: Sequence[str]) -> str:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" aria-labelledby="{key}-title {key}-desc" class="chart">'
        f'<title id="{key}-title">{escape(title)}</title>'
        f'<desc id="{key}-desc">{escape(desc)}</desc>'
    )
    return head + "".join(body) + "</svg>"


def _text(x: float, y: float, text: str, anchor: str = "start", extra: str = "") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="14" '
        f'fill="#1b1b1b"{extra}>{escape(text)}</text>'
    )


def bar_chart(
    key: str, title: str, desc: str, bars: Sequence[Bar], scale: float | None = None
) -> str:
    """Horizontal bars, one a row, each with its value as text and an optional target line;
    a bar of `scale` (default: the longest bar or target) fills the width."""
    top = scale or max([b.value for b in bars] + [b.marker or 0 for b in bars] + [1e-9])
    body: list[str] = []
    for index, bar in enumerate(bars):
        y = 10 + index * ROW
        length = BAR_WIDTH * bar.value / top
        body.append(_text(0, y + 17, bar.label))
        if scale is not None:  # a track showing the whole scale (100%)
            body.append(
                f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="{BAR_WIDTH}" height="18" '
                f'fill="none" stroke="#6b7280"/>'
            )
        body.append(
            f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="{length:.1f}" height="18" '
            f'fill="{bar.colour}"/>'
        )
        if bar.marker is not None:
            x = LABEL_WIDTH + BAR_WIDTH * bar.marker / top
            body.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y}" y2="{y + 26}" '
                f'stroke="{TARGET_COLOUR}" stroke-width="3" stroke-dasharray="4 2"/>'
            )
        body.append(_text(LABEL_WIDTH + BAR_WIDTH + 10, y + 17, bar.text))
    return _frame(key, title, desc, 20 + max(len(bars), 1) * ROW, body)


def stacked_columns(
    key: str,
    title: str,
    desc: str,
    columns: Sequence[tuple[str, Mapping[str, int]]],
    series: Sequence[str],
) -> str:
    """Vertical columns, one per label (a week), stacked by series (priority), with each
    column's total on top and a legend naming the series."""
    height, plot, base = 260, 180, 210
    top = max([sum(c.values()) for _, c in columns] + [1])
    step = (WIDTH - 60) / max(len(columns), 1)
    body: list[str] = [f'<line x1="40" x2="{WIDTH}" y1="{base}" y2="{base}" stroke="#1b1b1b"/>']
    for index, (label, counts) in enumerate(columns):
        x, y = 50 + index * step, float(base)
        width = max(step * 0.7, 2)
        for name in series:
            count = counts.get(name, 0)
            if count:
                h = plot * count / top
                y -= h
                body.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{h:.1f}" '
                    f'fill="{COLOURS.get(name, COLOURS["none"])}" stroke="#fff">'
                    f"<title>{escape(label)}: "
                    f"{count} {escape(name)}</title></rect>"
                )
        body.append(_text(x + width / 2, y - 4, str(sum(counts.values())), "middle"))
        if len(columns) <= 14 or index % max(len(columns) // 12, 1) == 0:
            body.append(_text(x + width / 2, base + 18, label, "middle"))
    body += _legend(series, base + 40)
    return _frame(key, title, desc, height + 10, body)


def _legend(series: Sequence[str], y: float) -> list[str]:
    parts: list[str] = []
    for index, name in enumerate(series):
        x = 40 + index * 110
        colour = COLOURS.get(name, COLOURS["none"])
        parts.append(f'<rect x="{x}" y="{y - 12}" width="14" height="14" fill="{colour}"/>')
        parts.append(_text(x + 20, y, name))
    return parts
