"""The public status page and its feed: who is trusted to make an incident public, what the
page shows of it, and the files `dutydesk site build` and `simulate --site` write."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from desk import (
    BOT,
    MAINTENANCE,
    MONDAY,
    ROOT,
    STRANGER,
    access,
    closed,
    context,
    labelled,
    london,
    make_issue,
    make_policy,
    thread,
    unlabelled,
)
from dutydesk.cli import cli
from dutydesk.errors import PolicyError
from dutydesk.model import Issue
from dutydesk.site import site_files, status_page
from dutydesk.site.feed import entry_id
from dutydesk.site.model import EntryKind, Level, StatusPage
from dutydesk.site.public import marked_public

ATOM = "{http://www.w3.org/2005/Atom}"
NOW = london("2026-11-23 12:00")
LABELLED = MONDAY + timedelta(minutes=3)
LATER = LABELLED + timedelta(minutes=1)
REPO = "example-org/operations"
EXAMPLE = ROOT / "examples" / "status-page.yaml"


def public_incident(number: int = 1, **fields: Any) -> Issue:
    """A P1 that bob (a writer: a responder by default) labelled public, with two updates."""
    base = make_issue(
        number=number,
        labels={"incident", "P1", "public"},
        events=[labelled("bob", "public", LABELLED)],
        comments=thread(
            (
                "carol",
                "/update Card payments fail. We are failing over.",
                MONDAY + timedelta(minutes=20),
            ),
            (
                "carol",
                "/update Recovering: 98% of payments succeed.",
                MONDAY + timedelta(minutes=70),
            ),
        ),
    )
    return replace(base, **fields)


def page(*issues: Issue, now: datetime = NOW, **policy: Any) -> StatusPage:
    return status_page(issues, context(now, make_policy(**policy) if policy else None), REPO)


# -- who makes an incident public -------------------------------------------------------------


@pytest.mark.parametrize(
    ("labels", "events", "writers", "shown"),
    [
        ({"public"}, [labelled("bob", "public", LABELLED)], None, True),
        ({"public"}, [labelled(STRANGER, "public", LABELLED)], None, False),
        ({"public"}, [labelled(BOT, "public", LABELLED)], None, False),
        ({"public"}, [], None, False),
        (set(), [labelled("bob", "public", LABELLED)], None, False),
        (
            {"public"},
            [
                labelled("bob", "public", LABELLED),
                unlabelled("bob", "public", LATER),
                labelled(STRANGER, "public", LATER),
            ],
            None,
            False,
        ),
        ({"public"}, [labelled("bob", "public", LABELLED)], "unreadable", False),
    ],
    ids=[
        "a responder's label",
        "someone else's label",
        "the bot's label",
        "no record of who added it",
        "no label now",
        "added again by someone else",
        "who may write unknown",
    ],
)
def test_only_a_responders_public_label_makes_an_incident_public(
    labels: set[str], events: list[Any], writers: str | None, shown: bool
) -> None:
    issue = replace(
        make_issue(), labels=frozenset({"incident", "P1", *labels}), events=tuple(events)
    )
    ctx = context(NOW, access=access(None) if writers else None)
    assert marked_public(issue, ctx) is shown
    assert [i.number for i in status_page([issue], ctx, REPO).current] == ([1] if shown else [])


def test_the_public_label_is_a_role_the_policy_can_rename() -> None:
    issue = public_incident(
        labels=frozenset({"incident", "P1", "on-status-page"}),
        events=(labelled("bob", "on-status-page", LABELLED),),
    )
    assert page(issue, labels={"public": "on-status-page"}).current
    assert not page(issue).current


def test_an_incident_nobody_marked_public_never_appears() -> None:
    issue = replace(public_incident(), labels=frozenset({"incident", "P2"}), events=())
    shown = page(issue, site={"services": ["Payments API"]})
    assert shown.current == () and shown.resolved == ()
    assert [(s.name, s.level) for s in shown.services] == [("Payments API", Level.OK)]


# -- what the page shows of it -----------------------------------------------------------------


def test_a_public_incident_shows_service_impact_start_and_updates_newest_first() -> None:
    (incident,) = page(public_incident()).current
    assert (incident.service, incident.level, incident.impact) == (
        "Payments API",
        Level.P1,
        "Service unavailable",
    )
    assert incident.started == MONDAY
    assert [e.text for e in incident.timeline] == [
        "Recovering: 98% of payments succeed.",
        "Card payments fail. We are failing over.",
    ]
    assert all(e.by is None for e in incident.timeline)  # no names unless the policy says
    assert incident.updated == MONDAY + timedelta(minutes=70)


def test_the_impact_is_the_policys_wording_and_names_show_when_it_says() -> None:
    (incident,) = page(
        public_incident(), site={"impact": {"P1": "Payments are down"}, "show_names": True}
    ).current
    assert incident.impact == "Payments are down"
    assert [e.by for e in incident.timeline] == ["carol", "carol"]


def test_only_responders_updates_are_public_and_the_form_says_when_it_started() -> None:
    issue = public_incident(
        comments=thread(
            ("carol", "/update We are on it.", MONDAY + timedelta(minutes=20)),
            (STRANGER, "/update Lol it is all broken", MONDAY + timedelta(minutes=30)),
            ("bob", "Internal: node-7 is out of disk", MONDAY + timedelta(minutes=40)),
        )
    )
    issue = replace(issue, body=make_issue(answers={"started-at": "2026-11-23 09:41"}).body)
    (incident,) = page(issue).current
    assert [e.text for e in incident.timeline] == ["We are on it."]
    assert incident.started == london("2026-11-23 09:41")


def test_a_resolved_incident_shows_its_resolution_first_and_stays_for_the_history_days() -> None:
    resolved_at = MONDAY + timedelta(hours=2)
    issue = public_incident(
        state="closed",
        closed_at=resolved_at,
        events=(labelled("bob", "public", LABELLED), closed("bob", resolved_at)),
    )
    shown = page(issue)
    assert shown.current == ()
    (incident,) = shown.resolved
    assert [e.kind for e in incident.timeline] == [
        EntryKind.RESOLVED,
        EntryKind.UPDATE,
        EntryKind.UPDATE,
    ]
    assert incident.updated == resolved_at
    assert page(issue, now=resolved_at + timedelta(days=89)).resolved
    assert not page(issue, now=resolved_at + timedelta(days=91)).resolved
    assert not page(issue, now=resolved_at + timedelta(days=8), site={"history_days": 7}).resolved


def test_a_service_shows_its_worst_current_status() -> None:
    p1 = public_incident(1)
    p3 = replace(
        public_incident(2),
        labels=frozenset({"incident", "P3", "public"}),
        body=make_issue(priority="P3").body,
    )
    shown = page(p3, p1, site={"services": ["Search", "payments api"]})
    assert [(s.name, s.status) for s in shown.services] == [
        ("Search", "No known problems"),
        ("payments api", "Service unavailable"),
    ]


# -- maintenance -----------------------------------------------------------------------------


def notice(**fields: Any) -> Issue:
    """The default notice (30 Nov 18:00-20:00, filed 20 Nov by a non-writer), as `fields` say."""
    return replace(make_issue(MAINTENANCE, priority=None), **fields)


@pytest.mark.parametrize(
    ("fields", "now", "shown"),
    [
        ({"author": "bob"}, NOW, "upcoming"),
        ({}, NOW, None),
        (
            {
                "labels": {"planned-maintenance", "public"},
                "events": [labelled("bob", "public", NOW)],
            },
            NOW,
            "upcoming",
        ),
        ({"author": "bob"}, london("2026-11-30 19:00"), "in progress"),
        ({"author": "bob"}, london("2026-11-30 20:00"), None),
        ({"author": "bob", "state": "closed"}, NOW, None),
    ],
    ids=[
        "filed by a responder",
        "filed by someone else",
        "marked public by a responder",
        "in progress",
        "over",
        "closed",
    ],
)
def test_a_maintenance_notice_shows_when_trusted_valid_and_not_over(
    fields: dict[str, Any], now: datetime, shown: str | None
) -> None:
    if "labels" in fields:
        fields = {
            **fields,
            "labels": frozenset(fields["labels"]),
            "events": tuple(fields["events"]),
        }
    found = page(notice(**fields), now=now).maintenance
    assert [("in progress" if n.in_progress else "upcoming") for n in found] == (
        [shown] if shown else []
    )


def test_a_notice_with_too_little_notice_or_unreadable_times_is_not_shown() -> None:
    late = make_issue(
        MAINTENANCE,
        priority=None,
        answers={"downtime-start": "2026-11-23 18:00", "downtime-end": "2026-11-23 19:00"},
    )
    unreadable = make_issue(MAINTENANCE, priority=None, answers={"downtime-start": "soon"})
    for issue in (late, unreadable):
        assert page(replace(issue, author="bob")).maintenance == ()


# -- the files ------------------------------------------------------------------------------


def files(*issues: Issue, now: datetime = NOW, **policy: Any) -> tuple[str, ET.Element]:
    built = site_files(page(*issues, now=now, **policy))
    return built["index.html"].decode("utf-8"), ET.fromstring(built["feed.xml"])


def test_user_text_is_escaped_in_the_page_and_the_feed() -> None:
    hostile = "/update <script>alert(1)</script> & <b>bold</b>\x07 \u202eevil"
    issue = public_incident(comments=thread(("carol", hostile, MONDAY + timedelta(minutes=9))))
    html, feed = files(issue)
    assert (
        "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;" in html
    )
    assert "\x07" not in html and "\u202e" not in html
    content = feed.find(f"{ATOM}entry/{ATOM}content")
    assert content is not None and "<script>alert(1)</script> & <b>bold</b>" in (content.text or "")


def test_the_feed_is_atom_with_stable_ids_and_an_updated_that_moves_with_each_update() -> None:
    first = public_incident()
    _, before = files(first, notice(number=2, author="bob"))
    later = replace(
        first,
        comments=(
            *first.comments,
            *thread(("carol", "/update Fixed.", MONDAY + timedelta(minutes=90))),
        ),
    )
    _, after = files(later, notice(number=2, author="bob"), now=NOW + timedelta(minutes=5))
    for feed in (before, after):
        assert feed.tag == f"{ATOM}feed"
        for name in ("id", "title", "updated", "author/" + ATOM + "name"):
            assert feed.find(ATOM + name) is not None, name
        for entry in feed.findall(f"{ATOM}entry"):
            assert all(
                entry.find(ATOM + n) is not None for n in ("id", "title", "updated", "content")
            )
    ids = [[e.findtext(f"{ATOM}id") for e in f.findall(f"{ATOM}entry")] for f in (before, after)]
    assert sorted(ids[0]) == sorted(ids[1]) == sorted([entry_id(REPO, 1), entry_id(REPO, 2)])
    assert before.findtext(f"{ATOM}id") == after.findtext(f"{ATOM}id")

    def incident_entry(feed: ET.Element) -> ET.Element:
        return next(
            e for e in feed.findall(f"{ATOM}entry") if e.findtext(f"{ATOM}id") == entry_id(REPO, 1)
        )

    assert incident_entry(before).findtext(f"{ATOM}updated") == "2026-11-23T11:10:00+00:00"
    assert incident_entry(after).findtext(f"{ATOM}updated") == "2026-11-23T11:30:00+00:00"
    assert (incident_entry(after).findtext(f"{ATOM}content") or "").endswith(": Fixed.")


def test_the_page_shows_times_with_their_offset_in_the_policys_timezone() -> None:
    summer = london("2026-07-06 10:00")
    issue = public_incident(
        created_at=summer,
        events=(labelled("bob", "public", summer),),
        comments=thread(("carol", "/update Looking.", summer + timedelta(minutes=5))),
    )
    issue = replace(issue, body=make_issue(answers={"started-at": "2026-07-06 10:00"}).body)
    html, _ = files(issue, now=summer + timedelta(hours=1))
    assert "Mon 06 Jul 2026, 10:05 BST (UTC+01:00)" in html
    assert 'datetime="2026-07-06T10:05:00+01:00"' in html


def test_site_policy_keys_are_checked() -> None:
    with pytest.raises(PolicyError, match=r"site\.url"):
        make_policy(site={"url": "ftp://example.org"})
    with pytest.raises(PolicyError, match=r"site\.impact\.P9"):
        make_policy(site={"impact": {"P9": "x"}})
    with pytest.raises(PolicyError, match=r"site\.colour"):
        make_policy(site={"colour": "red"})
    assert (
        make_policy(site={"url": "https://org.github.io/ops"}).site.url
        == "https://org.github.io/ops/"
    )


# -- the commands -----------------------------------------------------------------------------


def simulate(*options: str) -> Any:
    return CliRunner().invoke(
        cli,
        [
            "simulate",
            str(EXAMPLE),
            "--policy",
            str(ROOT / "policy.yaml"),
            "--forms",
            str(ROOT / ".github" / "ISSUE_TEMPLATE"),
            *options,
        ],
    )


def test_simulate_site_builds_the_page_at_the_end_and_leaves_the_timeline_alone(
    tmp_path: Path,
) -> None:
    plain = simulate()
    built = simulate("--site", str(tmp_path / "site"))
    assert built.exit_code == 0, built.output
    assert built.stdout == plain.stdout
    html = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "Payments are recovering" in html and "Internal only" not in html
    assert "Admin dashboard" in html and "No known problems" in html
    assert ET.parse(tmp_path / "site" / "feed.xml").getroot().tag == f"{ATOM}feed"


def test_site_build_reads_through_the_adapter_and_writes_the_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dutydesk.cli import site as site_command
    from dutydesk.forms import load_templates
    from dutydesk.registry import handlers
    from dutydesk.simulate import simulate as run

    forms = load_templates(ROOT / ".github" / "ISSUE_TEMPLATE")
    sim, _ = run(EXAMPLE, ROOT / "policy.yaml", forms, handlers())
    monkeypatch.setattr(site_command, "github", lambda opts: sim.repo)
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "style.css").write_text("body{color:#000}/* ours */", encoding="utf-8")
    args = ["site", "build", "--repo", REPO, "--now", "2026-11-23T14:00:00+00:00"]
    args += [
        "--policy",
        str(ROOT / "policy.yaml"),
        "--forms",
        str(ROOT / ".github" / "ISSUE_TEMPLATE"),
    ]
    result = CliRunner().invoke(
        cli, [*args, "--out", str(tmp_path / "out"), "--templates", str(templates)]
    )
    assert result.exit_code == 0, result.output
    html = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "/* ours */" in html and "Card payments are failing" in html
    feed = ET.parse(tmp_path / "out" / "feed.xml").getroot()
    assert entry_id(REPO, 3) in [e.findtext(f"{ATOM}id") for e in feed.findall(f"{ATOM}entry")]
    (tmp_path / "file").write_text("", encoding="utf-8")
    refused = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "file")])
    assert refused.exit_code == 2 and "is a file" in refused.output
