"""Time `dutydesk site build` for 100 and 1,000 public incidents, weigh the page, and take
screenshots of the status page and of the HTML register in Debian's chromium.

Run from the repository root: `python benchmarks/site.py [--runs N] [--out DIR]`. The issues
are made in the in-memory repository (60 days of incidents, every one marked public by a
responder, each with two or three `/update`s, nine in ten resolved, a maintenance notice);
the timed part is what `dutydesk site build` does after reading them: the page's facts, its
HTML and its feed. Screenshots (PNG) go to --out (default: a temporary folder); they need
playwright and /usr/bin/chromium, and are skipped without them.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from dutydesk.engine import Context  # noqa: E402
from dutydesk.forms import load_templates, render_body  # noqa: E402
from dutydesk.io.memory import MemoryRepository  # noqa: E402
from dutydesk.policy import load_policy  # noqa: E402
from dutydesk.site import build_page, site_files, write_site  # noqa: E402
from dutydesk.views.report import rows  # noqa: E402
from dutydesk.views.report_html import report_html  # noqa: E402

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
SERVICES = ["Payments API", "Accounts", "Reports", "Search", "Notifications"]
PRIORITIES = [
    "P1 Critical – Complete outage or ongoing unauthorised access",
    "P2 Major – Substantial degradation of service",
    "P3 Significant – Users experiencing intermittent or degraded service due to platform issue",
]
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def repository(count: int, seed: int = 17) -> MemoryRepository:
    """`count` public incidents over 60 days before NOW, and one maintenance notice."""
    forms = load_templates(ROOT / ".github" / "ISSUE_TEMPLATE")
    rng = random.Random(seed)
    repo = MemoryRepository(writers=["alice", "bob"])
    for _ in range(count):
        opened = NOW - timedelta(minutes=rng.randrange(60, 60 * 24 * 60))
        repo.now = opened
        answers = {"priority": rng.choice(PRIORITIES), "service": rng.choice(SERVICES)}
        body = render_body(forms["incident"], answers)
        number = repo.open_issue("alice", "Something is wrong", body, ["incident"])
        repo.now = opened + timedelta(minutes=5)
        repo.set_labels("bob", number, ["public"], [])
        repo.now = opened + timedelta(minutes=rng.randrange(3, 90))
        repo.comment("bob", number, "/ack")
        for step in range(rng.randrange(2, 4)):
            repo.now = opened + timedelta(minutes=95 + 40 * step)
            repo.comment("bob", number, f"/update Update {step + 1}: we are on it & <fixing>.")
        if rng.random() < 0.9:
            repo.now = opened + timedelta(minutes=rng.randrange(240, 3000))
            repo.set_state("bob", number, "closed")
    repo.now = NOW - timedelta(days=8)
    notice = {
        "service": "Payments API",
        "downtime-start": "2026-11-25 20:00",
        "downtime-end": "2026-11-25 22:00",
        "user-impact": "Card payments will not be taken for two hours.",
        "communication": "This page.",
    }
    body = render_body(forms["planned-maintenance"], notice)
    repo.open_issue("bob", "[Maintenance] Database upgrade", body, ["planned-maintenance"])
    repo.now = NOW
    return repo


def context(repo: MemoryRepository) -> Context:
    policy = load_policy(ROOT / "policy.yaml")
    forms = load_templates(ROOT / ".github" / "ISSUE_TEMPLATE")
    return Context(policy=policy, now=NOW, forms=forms, access=repo.access(()))


def timed(repo: MemoryRepository, ctx: Context, runs: int) -> tuple[list[float], int]:
    times, weight = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        files = site_files(build_page(repo, ctx, "example/operations"))
        times.append(time.perf_counter() - start)
        weight = len(files["index.html"])
    return times, weight


def screenshots(out: Path, repo: MemoryRepository, ctx: Context) -> list[Path]:
    """The status page (phone and desktop width) and the HTML register, as PNG."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return []
    if not Path(CHROMIUM).exists():
        return []
    site = out / "site"
    write_site(site, site_files(build_page(repo, ctx, "example/operations")))
    issues = repo.issues_since(ctx.policy.label("incident"), None)
    report = out / "report.html"
    report.write_text(report_html(rows(issues, ctx), ctx.policy, ctx.now), encoding="utf-8")
    shots = [
        (site / "index.html", out / "site-desktop.png", 1280),
        (site / "index.html", out / "site-phone.png", 390),
        (report, out / "report.png", 1280),
    ]
    with sync_playwright() as play:
        browser = play.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for page_file, png, width in shots:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto(page_file.as_uri())
            page.screenshot(path=str(png), full_page=False)
            page.close()
        browser.close()
    return [png for _, png, _ in shots]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed builds per size")
    parser.add_argument("--out", type=Path, help="folder for the screenshots")
    args = parser.parse_args()
    for count in (100, 1000):
        repo = repository(count)
        ctx = context(repo)
        times, weight = timed(repo, ctx, args.runs)
        print(
            f"{count:>5} incidents: build min {min(times):.3f} s, median "
            f"{statistics.median(times):.3f} s, max {max(times):.3f} s ({args.runs} runs); "
            f"index.html {weight:,} bytes"
        )
    out = args.out or Path(tempfile.mkdtemp(prefix="dutydesk-site-"))
    out.mkdir(parents=True, exist_ok=True)
    repo = repository(30)
    for png in screenshots(out, repo, context(repo)):
        print(f"screenshot: {png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
