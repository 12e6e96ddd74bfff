"""The status page and the HTML register in a real browser: Debian's chromium driven by
Playwright (nothing downloaded), the pages served from 127.0.0.1, axe-core run in them.

Locally these tests skip when chromium, Playwright or axe-core (`npm ci` in tests/browser) is
missing; with DUTYDESK_BROWSER_TESTS=required (as .ci/run sets) a missing one fails instead.
"""

from __future__ import annotations

import functools
import os
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from dutydesk.cli import cli

ROOT = Path(__file__).resolve().parents[2]
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
NO_EVENT = "Admin dashboard slow"  # the P2's title: never on the page
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"]


def need(what: str, present: bool) -> None:
    """Skip without `what`, or fail when the browser tests are required (CI)."""
    if present:
        return
    message = f"{what} is missing"
    if os.environ.get("DUTYDESK_BROWSER_TESTS") == "required":
        pytest.fail(f"{message}, and DUTYDESK_BROWSER_TESTS=required")
    pytest.skip(message)


def chromium() -> str | None:
    found = shutil.which("chromium") or "/usr/bin/chromium"
    return found if Path(found).exists() else None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need("playwright (pip install playwright)", False)
    path = chromium()
    need("chromium (apt-get install chromium)", path is not None)
    with sync_playwright() as play:
        launched = play.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The example's site and a register page, served from 127.0.0.1 on a free port."""
    folder = tmp_path_factory.mktemp("served")
    result = CliRunner().invoke(
        cli,
        [
            "simulate",
            str(ROOT / "examples" / "status-page.yaml"),
            "--policy",
            str(ROOT / "policy.yaml"),
            "--forms",
            str(ROOT / ".github" / "ISSUE_TEMPLATE"),
            "--site",
            str(folder),
        ],
    )
    assert result.exit_code == 0, result.output
    (folder / "report.html").write_text(register_page(), encoding="utf-8")
    handler = functools.partial(Quiet, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def register_page() -> str:
    """The HTML register of the example's incidents, at the scenario's end."""
    from dutydesk.engine import Context
    from dutydesk.forms import load_templates
    from dutydesk.registry import handlers
    from dutydesk.simulate import simulate
    from dutydesk.views.report import rows
    from dutydesk.views.report_html import report_html

    forms = load_templates(ROOT / ".github" / "ISSUE_TEMPLATE")
    sim, _ = simulate(
        ROOT / "examples" / "status-page.yaml", ROOT / "policy.yaml", forms, handlers()
    )
    ctx = Context(sim.policy, sim.scenario.until, forms, sim.access)
    issues = sim.repo.issues_since(sim.policy.label("incident"), None)
    return report_html(rows(issues, ctx), sim.policy, ctx.now)


def texts(page: Any, selector: str) -> list[str]:
    return [t.strip() for t in page.locator(selector).all_inner_texts()]


def check_status_page(page: Any) -> None:
    assert page.locator("h1").inner_text() == "Example service status"
    assert texts(page, ".services li") == [
        "Payments API\nService unavailable",
        "Reports\nNo known problems",
        "Admin dashboard\nNo known problems",
    ]
    p1 = page.locator("#item-3")
    assert p1.locator("h3").inner_text() == "Payments API: Service unavailable"
    assert "Mon 23 Nov 2026, 09:55 GMT (UTC+00:00)" in p1.locator(".facts").inner_text()
    assert texts(page, "#item-3 .timeline .text") == [
        "Payments are recovering: 98% now succeed. Next update by 12:15.",
        "Card payments are failing. We are moving to the standby database.",
    ]
    assert page.locator("#item-4").count() == 0  # the P2, never marked public
    body = page.locator("body").inner_text()
    assert "Internal only" not in body and NO_EVENT not in body and "alice" not in body
    notice = page.locator("#item-1")
    assert notice.locator("h3").inner_text() == "Payments API: planned maintenance"
    assert "Tue 24 Nov 2026, 20:00 GMT (UTC+00:00)" in notice.inner_text()
    assert page.locator("#past-heading + p + article h3").inner_text() == "Reports: Resolved"


def test_the_page_shows_the_public_p1_its_updates_and_the_maintenance(
    browser: Any, served: str
) -> None:
    page = browser.new_page()
    page.goto(served)
    check_status_page(page)
    assert page.locator('link[rel="alternate"][type="application/atom+xml"]').count() == 1
    page.close()


def test_the_page_renders_the_same_with_javascript_off(browser: Any, served: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(served)
    check_status_page(page)
    assert page.locator("script").count() == 0
    context.close()


@pytest.mark.parametrize("width", [320, 390])
def test_the_page_reflows_on_a_phone_without_scrolling_sideways(
    browser: Any, served: str, width: int
) -> None:
    page = browser.new_page(viewport={"width": width, "height": 800})
    page.goto(served)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.close()


def axe_violations(page: Any) -> list[str]:
    need("axe-core (npm ci in tests/browser)", AXE.is_file())
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
        ".violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))",
        WCAG,
    )
    return list(found)


@pytest.mark.parametrize("path", ["", "report.html"], ids=["status page", "register"])
def test_axe_finds_no_violations(browser: Any, served: str, path: str) -> None:
    page = browser.new_page()
    page.goto(served + path)
    assert axe_violations(page) == []
    page.close()


def test_the_register_shows_four_charts_and_the_table(browser: Any, served: str) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(served + "report.html")
    assert page.locator("svg[role=img]").count() == 4
    assert all(
        box is not None and box["width"] > 200
        for box in (s.bounding_box() for s in page.locator("svg").all())
    )
    assert texts(page, ".register tbody td:first-child") == ["#2", "#3", "#4"]
    page.close()
