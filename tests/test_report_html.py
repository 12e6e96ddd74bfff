"""`dutydesk report --format html`: one self-contained page with the headline figures, four
inline SVG charts and the register; and the same headline figures in the sweep's summary."""

from __future__ import annotations

import importlib
import re
from dataclasses import replace
from datetime import timedelta

import pytest
from click.testing import CliRunner

from desk import MONDAY, ROOT, closed, context, london, make_issue, thread
from dutydesk.cli import cli
from dutydesk.engine import Decision
from dutydesk.model import Issue
from dutydesk.views.headline import Share, by_priority, headline, weekly
from dutydesk.views.report import rows
from dutydesk.views.report_html import CHART_TITLES, report_html
from dutydesk.views.summary import summary_markdown

NOW = london("2026-12-08 12:00")


def incidents() -> list[Issue]:
    """A P1 acknowledged in 10 minutes and resolved in 2 hours, a P2 acknowledged late, and
    an open P3 two weeks later whose title is hostile."""
    p1 = make_issue(
        number=1,
        comments=thread(("bob", "/ack", MONDAY + timedelta(minutes=10))),
        state="closed",
        closed_at=MONDAY + timedelta(hours=2),
        events=(closed("bob", MONDAY + timedelta(hours=2)),),
    )
    p2 = make_issue(
        number=2,
        priority="P2",
        created_at=MONDAY + timedelta(days=1),
        comments=thread(("bob", "/ack", MONDAY + timedelta(days=1, hours=3))),
    )
    p3 = make_issue(
        number=3,
        priority="P3",
        created_at=MONDAY + timedelta(days=15),
        title='<img src=x onerror="alert(1)"> slow',
    )
    return [p1, p2, p3]


def register() -> list:  # type: ignore[type-arg]
    return rows(incidents(), context(NOW))


def test_the_headline_figures() -> None:
    assert dict(headline(register())) == {
        "Incidents": "3 (2 open)",
        "Response target met": "1 of 3 (33%)",
        "Update frequency met": "1 of 3 (33%)",
        "Median time to acknowledge": "1 hour 35 minutes",
        "Median time to resolve": "2 hours",
    }
    assert str(Share(0, 0)) == "—"


def test_figures_per_priority_and_per_week_with_empty_weeks() -> None:
    figures = {f.priority: f for f in by_priority(register(), context(NOW).policy)}
    assert figures["P1"].acknowledge == (timedelta(minutes=10),)
    assert figures["P1"].wall_target == timedelta(minutes=20)
    assert figures["P3"].wall_target is None  # office hours: not wall-clock time
    weeks = weekly(register())
    assert [(w.isoformat(), dict(c)) for w, c in weeks] == [
        ("2026-11-23", {"P1": 1, "P2": 1}),
        ("2026-11-30", {}),
        ("2026-12-07", {"P3": 1}),
    ]


def test_the_page_is_self_contained_with_four_labelled_charts_and_escaped_text() -> None:
    page = report_html(register(), context(NOW).policy, NOW)
    assert page.startswith("<!doctype html>") and '<html lang="en">' in page
    assert "<script" not in page.lower()
    assert not re.search(r'(src|href)="(https?:)?//', page)  # nothing fetched from elsewhere
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" role="img"') == 4
    for key in ("acknowledge", "resolve", "weeks", "met"):
        assert f'aria-labelledby="{key}-title {key}-desc"' in page
    for title in CHART_TITLES:
        assert f"<figcaption>{title}</figcaption>" in page
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt; slow" in page
    assert "median 10 minutes (target 20 minutes)" in page


def test_an_empty_register_has_no_charts() -> None:
    page = report_html([], context(NOW).policy, NOW)
    assert "<svg" not in page and "No incidents." in page


def test_report_format_html_through_the_adapter(monkeypatch: pytest.MonkeyPatch) -> None:
    from dutydesk.io.memory import MemoryRepository

    main = importlib.import_module("dutydesk.cli.main")

    class Listing(MemoryRepository):
        def issues_since(self, label: str, since: object) -> list[Issue]:
            return incidents()

    monkeypatch.setattr(main, "github", lambda opts: Listing(writers=["alice", "bob", "carol"]))
    result = CliRunner().invoke(
        cli,
        [
            "report",
            "--format",
            "html",
            "--repo",
            "example-org/operations",
            "--now",
            NOW.isoformat(),
            "--policy",
            str(ROOT / "policy.yaml"),
            "--forms",
            str(ROOT / ".github" / "ISSUE_TEMPLATE"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("<svg") == 4 and "<td>#3</td>" in result.output


def test_the_sweep_summary_shows_the_headline_figures_of_the_open_incidents() -> None:
    ctx = context(NOW)
    open_ones = [replace(i, state="open") for i in incidents()[1:]]
    summary = summary_markdown(ctx, [(i, Decision()) for i in open_ones], [])
    table = summary.split("### Figures of the open incidents\n\n", 1)[1].split("\n\n", 1)[0]
    assert table.splitlines()[:3] == [
        "| Figure | Value |",
        "|---|---|",
        "| Incidents | 2 (2 open) |",
    ]
    assert "| Median time to acknowledge | 3 hours |" in table


def test_no_open_incidents_no_figures() -> None:
    assert "### Figures" not in summary_markdown(context(NOW), [], [])
