"""Runbooks: front matter in both conventions, states, one-line renewals and the review plan."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from dutydesk.actions import Action, Kind, PullRequest
from dutydesk.io.apply import apply_plan
from dutydesk.io.runbook_store import load_runbooks
from dutydesk.policy import Policy, load_policy, parse_policy
from dutydesk.rules import runbooks as rules
from dutydesk.rules.runbooks import (
    REQUIRED_SECTIONS,
    CodeOwners,
    CommitInfo,
    Convention,
    FindingKind,
    OwnerSource,
    PullInfo,
    PullState,
    Reason,
    Runbook,
    State,
    add_period,
    branch_for,
    latest_pulls,
    missing_sections,
    page_findings,
    parse_codeowners,
    parse_period,
    parse_runbook,
    plan_renewals,
    renewed_text,
    review_verdicts,
    status,
    summary_lines,
    validate_folder,
)
from memory_runbook_store import MemoryRunbookStore

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "runbooks"
TODAY = date(2026, 11, 25)
SECTIONS = "".join(f"\n## {name}\n" for name in REQUIRED_SECTIONS)


def fixture_runbooks() -> list[Runbook]:
    """The front-matter cases at the top of tests/fixtures/runbooks (not the tech-docs tree)."""
    return load_runbooks(FIXTURES, "runbooks", include=("*.md",))


def make_policy(**runbooks: Any) -> Policy:
    return parse_policy({"runbooks": runbooks} if runbooks else {})


def make_text(front: str = "expires: 2026-11-02\nowner: example-org/payments-team\n") -> str:
    return f"---\ncategory: runbooks\n{front}---\n# Payments API Runbook\n{SECTIONS}"


def make_runbook(path: str = "runbooks/payments-api.md", **overrides: Any) -> Runbook:
    return parse_runbook(path, make_text(**overrides))


def expired(n: int, start: date = date(2026, 1, 1)) -> list[Runbook]:
    """`n` expired runbooks, the first the most overdue."""
    return [
        make_runbook(
            f"runbooks/service-{i:02d}.md",
            front=f"expires: {(start + timedelta(days=i)).isoformat()}\nowner: alice-oncall\n",
        )
        for i in range(n)
    ]


def pull_of(action: Action) -> PullRequest:
    assert isinstance(action.payload, PullRequest)
    return action.payload


def planned_pulls(actions: list[Action]) -> list[tuple[str, Kind, str]]:
    """(rule, kind, path) of each planned review pull request."""
    return [(a.rule, a.kind, pull_of(a).path) for a in actions]


RENEWAL = ("runbook.renewal", Kind.OPEN_PULL_REQUEST)


def changed_lines(old: str, new: str) -> list[tuple[str, str]]:
    old_lines, new_lines = old.split("\n"), new.split("\n")
    assert len(old_lines) == len(new_lines)
    return [(a, b) for a, b in zip(old_lines, new_lines, strict=True) if a != b]


# -- periods -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "period", "sign", "expected"),
    [
        pytest.param(
            date(2026, 8, 31), "6 months", 1, date(2027, 2, 28), id="31-aug-plus-6-months-is-28-feb"
        ),
        pytest.param(
            date(2027, 8, 31),
            "6 months",
            1,
            date(2028, 2, 29),
            id="31-aug-plus-6-months-is-29-feb-in-a-leap-year",
        ),
        pytest.param(
            date(2028, 2, 29), "1 year", 1, date(2029, 2, 28), id="a-leap-day-plus-1-year-is-28-feb"
        ),
        pytest.param(
            date(2028, 2, 29),
            "4 years",
            1,
            date(2032, 2, 29),
            id="a-leap-day-plus-4-years-is-a-leap-day",
        ),
        pytest.param(
            date(2026, 1, 31), "1 month", 1, date(2026, 2, 28), id="31-jan-plus-1-month-is-28-feb"
        ),
        pytest.param(
            date(2026, 12, 15), "1 month", 1, date(2027, 1, 15), id="months-roll-over-the-year"
        ),
        pytest.param(date(2026, 11, 25), "3 weeks", 1, date(2026, 12, 16), id="weeks-are-7-days"),
        pytest.param(date(2026, 11, 25), "10 Days", 1, date(2026, 12, 5), id="days-and-any-case"),
        pytest.param(
            date(2027, 2, 28), "6 months", -1, date(2026, 8, 28), id="subtracting-keeps-the-day"
        ),
        pytest.param(
            date(2026, 8, 31),
            "6 months",
            -1,
            date(2026, 2, 28),
            id="subtracting-clamps-to-the-month-end",
        ),
    ],
)
def test_calendar_periods_clamp_to_the_end_of_the_month(
    start: date, period: str, sign: int, expected: date
) -> None:
    assert add_period(start, period, sign) == expected


@pytest.mark.parametrize("text", ["six", "6", "half a year", "-1 months", "1.5 years", "an age"])
def test_a_period_that_cannot_be_read_names_what_is_allowed(text: str) -> None:
    with pytest.raises(ValueError, match="'6 months', '3 weeks', '1 year'"):
        parse_period(text)


@pytest.mark.parametrize(
    ("text", "period"),
    [
        pytest.param("six months", (6, "month"), id="a-number-word"),
        pytest.param("a year", (12, "month"), id="a-for-one"),
        pytest.param("1 fortnight", (14, "day"), id="a-fortnight"),
        pytest.param("6 fortnights", (84, "day"), id="fortnights"),
        pytest.param("Twenty-One Days", (21, "day"), id="a-compound-number-in-any-case"),
        pytest.param("eighteen years", (216, "month"), id="the-gems-own-test-page"),
        pytest.param("100 years", (1200, "month"), id="at-most-100-years"),
    ],
)
def test_periods_the_tech_docs_gem_reads_with_chronic_are_read(
    text: str, period: tuple[int, str]
) -> None:
    assert parse_period(text) == period


@pytest.mark.parametrize("text", ["99999 years", "999999999999 days", "101 years", "5300 weeks"])
def test_a_period_longer_than_100_years_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="longer than 100 years"):
        parse_period(text)


@pytest.mark.parametrize(
    ("start", "period", "sign"),
    [
        pytest.param(date(9999, 12, 1), "6 months", 1, id="past-9999"),
        pytest.param(date(9999, 12, 31), "1 day", 1, id="a-day-past-9999"),
        pytest.param(date(1, 1, 1), "1 week", -1, id="before-year-1"),
    ],
)
def test_a_date_outside_the_calendar_is_a_value_error(start: date, period: str, sign: int) -> None:
    with pytest.raises(ValueError, match="not a date between years 1 and 9999"):
        add_period(start, period, sign)


# -- reading -----------------------------------------------------------------------------


def test_the_opg_convention_reads_expires_and_owner() -> None:
    runbook = make_runbook()
    assert runbook.valid and runbook.error is None
    assert runbook.convention is Convention.EXPIRES
    assert runbook.expires == date(2026, 11, 2)
    assert runbook.owner == ("example-org/payments-team",)
    assert runbook.title == "Payments API"


def test_the_tech_docs_convention_expires_review_in_after_the_last_review() -> None:
    runbook = make_runbook(
        front="last_reviewed_on: 2026-06-03\nreview_in: 6 months\nowner: [alice-oncall, '@bob']\n"
    )
    assert runbook.valid
    assert runbook.convention is Convention.LAST_REVIEWED_ON
    assert runbook.last_reviewed_on == date(2026, 6, 3)
    assert runbook.expires == date(2026, 12, 3)
    assert runbook.owner == ("alice-oncall", "bob")


def test_a_leap_day_review_with_review_in_a_year_expires_on_28_february() -> None:
    runbook = fixture_runbooks()
    leap = next(r for r in runbook if r.path == "runbooks/leap-day.md")
    assert leap.last_reviewed_on == date(2024, 2, 29)
    assert leap.expires == date(2025, 2, 28)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "---\nexpires: 2026-01-01\nowner: a\n# never closed\n",
            "no closing `---`",
            id="front-matter-never-closed",
        ),
        pytest.param(
            "---\nexpires: 2026-01-01\nowner: [a\n---\n", "not valid YAML at line", id="broken-yaml"
        ),
        pytest.param(
            "---\n- a\n- b\n---\n", "must be `key: value` lines", id="a-list-not-a-mapping"
        ),
        pytest.param(
            "---\ncategory: runbooks\nowner: a\n---\n",
            "no review date: add `expires: YYYY-MM-DD`",
            id="a-runbook-with-no-date",
        ),
        pytest.param(
            "---\nexpires: 2026-02-30\nowner: a\n---\n",
            "`expires: 2026-02-30` is not a real date",
            id="30-february",
        ),
        pytest.param(
            "---\nexpires: next March\nowner: a\n---\n",
            "`expires: next March` is not a date; write YYYY-MM-DD",
            id="words-for-a-date",
        ),
        pytest.param(
            "---\nexpires: 26-01-05\nowner: a\n---\n",
            "is not a date; write YYYY-MM-DD",
            id="a-two-digit-year",
        ),
        pytest.param(
            "---\nexpires: 2026-01-05T10:00:00Z\nowner: a\n---\n", "is not a date", id="a-timestamp"
        ),
        pytest.param("---\nexpires:\nowner: a\n---\n", "`expires` is empty", id="an-empty-date"),
        pytest.param(
            "---\nexpires: 2026-01-01\nowner: not a login!\n---\n",
            "is not a GitHub login or org/team slug",
            id="an-owner-that-is-no-login",
        ),
        pytest.param(
            "---\nexpires: 2026-01-01\nlast_reviewed_on: 2025-07-01\nreview_in: 6 months\nowner: a\n---\n",
            "keep one of them",
            id="both-conventions",
        ),
        pytest.param(
            "---\nlast_reviewed_on: 2025-07-01\nowner: a\n---\n",
            "needs `review_in`",
            id="last-reviewed-without-review-in",
        ),
        pytest.param(
            "---\nlast_reviewed_on: 2025-07-01\nreview_in: half a year\nowner: a\n---\n",
            "`review_in`: 'half a year' is not a period",
            id="an-unreadable-review-in",
        ),
        pytest.param(
            "---\nlast_reviewed_on: 2025-07-01\nreview_in: 0 days\nowner: a\n---\n",
            "at least 1 day",
            id="a-review-in-of-nothing",
        ),
        pytest.param(
            "---\nlast_reviewed_on: 2026-01-01\nreview_in: 99999 years\nowner: a\n---\n",
            "`review_in`: '99999 years' is longer than 100 years",
            id="review-in-99999-years",
        ),
        pytest.param(
            "---\nlast_reviewed_on: 2026-01-01\nreview_in: 999999999999 days\nowner: a\n---\n",
            "`review_in`: '999999999999 days' is longer than 100 years",
            id="review-in-999999999999-days",
        ),
        pytest.param(
            "---\nlast_reviewed_on: 9999-12-01\nreview_in: 6 months\nowner: a\n---\n",
            "`last_reviewed_on: 9999-12-01` plus `review_in: 6 months` is after 9999-12-31",
            id="reviewed-in-the-last-month-of-9999",
        ),
        pytest.param(
            "---\nexpires:\n  2026-01-01\nowner: a\n---\n",
            "write `expires` once, on one line",
            id="a-date-on-its-own-line",
        ),
    ],
)
def test_broken_front_matter_is_invalid_with_a_message_that_says_what_to_fix(
    text: str, message: str
) -> None:
    runbook = parse_runbook("runbooks/x.md", text)
    assert not runbook.valid
    assert runbook.error is not None and message in runbook.error
    assert status(runbook, TODAY, make_policy()) is State.INVALID


def test_every_problem_is_named_at_once() -> None:
    runbook = parse_runbook("runbooks/x.md", "---\nexpires: soon\nowner: 'no one!'\n---\n")
    assert runbook.error == (
        "`owner: no one!` is not a GitHub login or org/team slug; add `owner:` with the GitHub "
        "logins or org/team slugs who review this page; "
        "`expires: soon` is not a date; write YYYY-MM-DD, e.g. 2027-05-31"
    )


def test_a_folder_lists_every_runbook_the_broken_ones_too(tmp_path: Path) -> None:
    runbooks = fixture_runbooks()
    states = {r.path.removeprefix("runbooks/"): status(r, TODAY, make_policy()) for r in runbooks}
    assert states == {
        "broken-yaml.md": State.INVALID,
        "end-of-august.md": State.EXPIRED,
        "leap-day.md": State.EXPIRED,
        "missing-owner.md": State.OK,
        "no-date.md": State.INVALID,
        "quoted-with-comments.md": State.EXPIRED,
        "unreadable-date.md": State.INVALID,
    }
    missing = next(r for r in runbooks if r.path.endswith("missing-owner.md"))
    assert missing.expires == date(2027, 1, 15) and missing.error is None
    assert missing.findings and "no owner" in missing.findings[0]


def test_loading_skips_the_template_and_readme_and_keeps_subfolders(tmp_path: Path) -> None:
    (tmp_path / "team-a").mkdir()
    (tmp_path / "TEMPLATE.md").write_text(make_text())
    (tmp_path / "README.md").write_text("# Runbooks\n")
    (tmp_path / "team-a" / "api.md").write_text(make_text())
    (tmp_path / "notes.txt").write_text("not markdown")
    (tmp_path / "latin1.md").write_bytes("---\nowner: caf\xe9\n---\n".encode("latin-1"))
    runbooks = load_runbooks(tmp_path, "ops/runbooks/")
    assert [r.path for r in runbooks] == ["ops/runbooks/latin1.md", "ops/runbooks/team-a/api.md"]
    assert runbooks[0].error == "not UTF-8 text; save it as UTF-8"
    assert runbooks[1].file == tmp_path / "team-a" / "api.md"


def test_a_crlf_file_is_read_with_its_line_endings(tmp_path: Path) -> None:
    (tmp_path / "crlf.md").write_bytes(make_text().replace("\n", "\r\n").encode())
    [runbook] = load_runbooks(tmp_path, "runbooks")
    assert runbook.valid and runbook.expires == date(2026, 11, 2)
    assert runbook.text.count("\r\n") == make_text().count("\n")


# -- state -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expires", "state"),
    [
        pytest.param(date(2026, 11, 24), State.EXPIRED, id="expired-after-the-date"),
        pytest.param(date(2026, 11, 25), State.EXPIRED, id="expired-on-the-date"),
        pytest.param(date(2026, 11, 26), State.DUE_SOON, id="due-soon-the-day-before"),
        pytest.param(date(2026, 12, 9), State.DUE_SOON, id="due-soon-14-days-before"),
        pytest.param(date(2026, 12, 10), State.OK, id="ok-15-days-before"),
    ],
)
def test_a_runbook_is_expired_on_its_date_and_due_soon_within_the_warning_window(
    expires: date, state: State
) -> None:
    runbook = make_runbook(front=f"expires: {expires.isoformat()}\nowner: a\n")
    assert status(runbook, TODAY, make_policy()) is state


def test_the_warning_window_comes_from_the_policy() -> None:
    runbook = make_runbook(front="expires: 2026-12-20\nowner: a\n")
    assert status(runbook, TODAY, make_policy(warning_days=30)) is State.DUE_SOON
    assert status(runbook, TODAY, make_policy(warning_days=0)) is State.OK


# -- renewal: exactly one line -----------------------------------------------------------


def test_a_renewal_moves_expires_to_today_plus_the_review_period() -> None:
    runbook = make_runbook()
    new = renewed_text(runbook, TODAY, make_policy())
    assert changed_lines(runbook.text, new) == [("expires: 2026-11-02", "expires: 2027-05-25")]


def test_a_renewal_on_31_august_expires_on_28_february() -> None:
    runbook = next(r for r in fixture_runbooks() if "august" in r.path)
    new = renewed_text(runbook, date(2026, 8, 31), make_policy())
    assert changed_lines(runbook.text, new) == [("expires: 2026-08-31", "expires: 2027-02-28")]


def test_a_renewal_on_a_leap_day_with_a_yearly_period_expires_on_28_february() -> None:
    runbook = make_runbook(front="expires: 2028-02-29\nowner: a\n")
    new = renewed_text(runbook, date(2028, 2, 29), make_policy(review_period="1 year"))
    assert changed_lines(runbook.text, new) == [("expires: 2028-02-29", "expires: 2029-02-28")]


def test_a_tech_docs_renewal_sets_last_reviewed_on_to_today_and_keeps_review_in() -> None:
    runbook = next(r for r in fixture_runbooks() if "leap" in r.path)
    new = renewed_text(runbook, TODAY, make_policy())
    assert changed_lines(runbook.text, new) == [
        ("last_reviewed_on: 2024-02-29", "last_reviewed_on: 2026-11-25")
    ]
    assert parse_runbook(runbook.path, new).expires == date(2027, 11, 25)


def test_comments_quotes_and_key_order_are_unchanged_apart_from_the_one_line() -> None:
    runbook = next(r for r in fixture_runbooks() if "quoted" in r.path)
    new = renewed_text(runbook, TODAY, make_policy())
    assert changed_lines(runbook.text, new) == [
        (
            'expires: "2026-10-31"    # review by this date',
            'expires: "2027-05-25"    # review by this date',
        )
    ]
    assert "expires: 2020-01-01" in new  # the body's example is not front matter


@pytest.mark.parametrize(
    ("line", "renewed"),
    [
        pytest.param("expires: '2026-11-02'", "expires: '2027-05-25'", id="single-quotes"),
        pytest.param(
            'expires:   "2026-11-02"  ', 'expires:   "2027-05-25"  ', id="double-quotes-and-spaces"
        ),
        pytest.param(
            "expires : 2026-11-02 #next", "expires : 2027-05-25 #next", id="space-before-the-colon"
        ),
        pytest.param(
            "expires: 2026-11-02 # was expires: 2026-05-02",
            "expires: 2027-05-25 # was expires: 2026-05-02",
            id="a-date-in-the-comment-stays",
        ),
    ],
)
def test_only_the_date_itself_is_replaced(line: str, renewed: str) -> None:
    runbook = make_runbook(front=f"{line}\nowner: a\n")
    assert runbook.valid, runbook.error
    assert changed_lines(runbook.text, renewed_text(runbook, TODAY, make_policy())) == [
        (line, renewed)
    ]


def test_a_crlf_runbook_keeps_every_crlf_and_changes_one_line(tmp_path: Path) -> None:
    original = (
        b"---\r\n"
        b"category: runbooks\r\n"
        b"# comment kept\r\n"
        b"expires: '2026-11-02'\r\n"
        b"owner:\r\n"
        b"  - example-org/payments-team\r\n"
        b"---\r\n"
        b"# CRLF Runbook\r\n"
        b"\r\n"
        b"## Description\r\n"
        b"Trailing spaces stay.   \r\n"
        b"No newline at the end"
    )
    (tmp_path / "crlf.md").write_bytes(original)
    [runbook] = load_runbooks(tmp_path, "runbooks")
    new = renewed_text(runbook, TODAY, make_policy()).encode("utf-8")
    assert new == original.replace(b"expires: '2026-11-02'", b"expires: '2027-05-25'")
    assert new.count(b"\r\n") == original.count(b"\r\n") == 11
    assert b"\n" not in new.replace(b"\r\n", b"")


def test_a_byte_order_mark_and_a_missing_final_newline_survive() -> None:
    text = "\ufeff---\nexpires: 2026-11-02\nowner: a\n---\n# T"
    runbook = parse_runbook("runbooks/bom.md", text)
    assert runbook.valid
    assert renewed_text(runbook, TODAY, make_policy()) == text.replace("2026-11-02", "2027-05-25")


def test_a_nested_expires_key_is_not_the_review_date() -> None:
    runbook = make_runbook(
        front="certificate:\n  expires: 2026-01-01\nexpires: 2026-11-02\nowner: a\n"
    )
    new = renewed_text(runbook, TODAY, make_policy())
    assert changed_lines(runbook.text, new) == [("expires: 2026-11-02", "expires: 2027-05-25")]


def test_an_invalid_runbook_cannot_be_renewed() -> None:
    with pytest.raises(ValueError, match="invalid and cannot be renewed"):
        renewed_text(parse_runbook("runbooks/x.md", "# none\n"), TODAY, make_policy())


# -- sections ----------------------------------------------------------------------------


def test_the_shipped_template_and_examples_have_every_section() -> None:
    template = (ROOT / "runbooks" / "TEMPLATE.md").read_text(encoding="utf-8")
    assert missing_sections(parse_runbook("runbooks/TEMPLATE.md", template)) == []
    for runbook in load_runbooks(ROOT / "runbooks", "runbooks"):
        assert runbook.valid, (runbook.path, runbook.error)
        assert missing_sections(runbook) == [], runbook.path


def test_the_shipped_examples_show_each_state_on_25_november_2026() -> None:
    policy = load_policy(ROOT / "policy.yaml")
    states = {
        r.path: status(r, TODAY, policy) for r in load_runbooks(ROOT / "runbooks", "runbooks")
    }
    assert states == {
        "runbooks/notifications.md": State.DUE_SOON,
        "runbooks/payments-api.md": State.EXPIRED,
        "runbooks/status-page.md": State.OK,
    }


def test_missing_sections_are_named_and_headings_in_code_do_not_count() -> None:
    text = (
        "---\ncategory: runbooks\nexpires: 2027-01-01\nowner: a\n---\n# T\n"
        "## DESCRIPTION\n### Incident Response Hours:\n## Incident contact details\n"
        "## URLs\n```\n## Docs\n```\n## Service Team (non-urgent issues)\n"
    )
    assert missing_sections(parse_runbook("runbooks/x.md", text)) == ["Docs"]


def test_validate_folder_reports_invalid_runbooks_and_missing_sections() -> None:
    found = validate_folder(FIXTURES, make_policy())
    messages = {(Path(where).name, message.split(":")[0]) for where, message in found}
    assert (
        "broken-yaml.md",
        "the front matter is not valid YAML at line 5 "
        "(expected ',' or ']', but got '<stream end>'); fix it",
    ) in {(Path(where).name, message) for where, message in found}
    assert ("missing-owner.md", "missing template sections") in messages
    assert not any(name in {"end-of-august.md", "leap-day.md"} for name, _ in messages)
    assert validate_folder(FIXTURES / "nowhere", make_policy()) == [
        (str(FIXTURES / "nowhere"), "the runbooks folder (policy runbooks.folder) does not exist")
    ]


# -- branches and earlier pull requests --------------------------------------------------


@pytest.mark.parametrize(
    ("path", "branch"),
    [
        ("runbooks/payments-api.md", "dutydesk/runbook-review/runbooks-payments-api"),
        ("runbooks/Team A/Café API.md", "dutydesk/runbook-review/runbooks-team-a-cafe-api"),
        ("runbooks/x..y.md", "dutydesk/runbook-review/runbooks-x-y"),
    ],
)
def test_the_branch_is_a_stable_slug_of_the_path(path: str, branch: str) -> None:
    assert branch_for(path) == branch


def test_a_very_long_path_gets_a_short_branch_that_stays_distinct() -> None:
    first = branch_for("runbooks/" + "a" * 200 + "-1.md")
    second = branch_for("runbooks/" + "a" * 200 + "-2.md")
    assert first != second and len(first) <= len("dutydesk/runbook-review/") + 80


def at(day: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, 15, tzinfo=UTC)


def test_the_pull_request_that_decides_is_the_open_one_else_the_last_closed() -> None:
    b = "dutydesk/runbook-review/runbooks-x"
    older = PullInfo(1, PullState.CLOSED, False, at(1, 6), branch=b)
    newer = PullInfo(2, PullState.CLOSED, True, at(1, 9), branch=b)
    still_open = PullInfo(3, PullState.OPEN, branch=b)
    assert latest_pulls([older, newer])[b] == newer
    assert latest_pulls([newer, older])[b] == newer
    assert latest_pulls([older, still_open, newer])[b] == still_open


# -- the plan ----------------------------------------------------------------------------

BRANCH = "dutydesk/runbook-review/runbooks-payments-api"


@pytest.mark.parametrize(
    ("pull", "planned", "reason"),
    [
        pytest.param(None, 1, Reason.PLANNED, id="no-pull-request-yet-opens-one"),
        pytest.param(
            PullInfo(7, PullState.OPEN, branch=BRANCH), 0, Reason.OPEN, id="an-open-one-means-none"
        ),
        pytest.param(
            PullInfo(7, PullState.CLOSED, False, at(1), branch=BRANCH),
            0,
            Reason.CLOSED_RECENTLY,
            id="closed-unmerged-24-days-ago-means-none",
        ),
        pytest.param(
            PullInfo(7, PullState.CLOSED, False, at(27, 10), branch=BRANCH),
            0,
            Reason.CLOSED_RECENTLY,
            id="closed-unmerged-29-days-ago-means-none",
        ),
        pytest.param(
            PullInfo(7, PullState.CLOSED, False, at(26, 10), branch=BRANCH),
            1,
            Reason.PLANNED,
            id="closed-unmerged-30-days-ago-opens-a-new-one",
        ),
        pytest.param(
            PullInfo(7, PullState.CLOSED, True, at(24), branch=BRANCH),
            1,
            Reason.PLANNED,
            id="merged-and-expired-again-opens-one",
        ),
    ],
)
def test_review_pull_requests_are_idempotent(
    pull: PullInfo | None, planned: int, reason: Reason
) -> None:
    prs = {BRANCH: pull} if pull else {}
    runbooks = [make_runbook()]
    assert len(plan_renewals(runbooks, prs, TODAY, make_policy(), {})) == planned
    [verdict] = review_verdicts(runbooks, prs, TODAY, make_policy())
    assert verdict.reason is reason
    if reason is Reason.CLOSED_RECENTLY:
        assert verdict.resume_on is not None and verdict.resume_on > TODAY


def test_only_expired_valid_runbooks_are_planned() -> None:
    runbooks = [
        make_runbook("runbooks/due.md", front="expires: 2026-12-01\nowner: a\n"),
        make_runbook("runbooks/ok.md", front="expires: 2027-12-01\nowner: a\n"),
        parse_runbook("runbooks/broken.md", "---\nexpires: 2020-13-01\nowner: a\n---\n"),
        make_runbook("runbooks/expired.md", front="expires: 2026-11-25\nowner: a\n"),
    ]
    actions = plan_renewals(runbooks, {}, TODAY, make_policy(), {})
    assert planned_pulls(actions) == [(*RENEWAL, "runbooks/expired.md")]


def test_a_run_is_capped_by_max_pull_requests_per_run_most_overdue_first() -> None:
    runbooks = list(reversed(expired(7)))
    policy = make_policy(max_pull_requests_per_run=3)
    actions = plan_renewals(runbooks, {}, TODAY, policy, {})
    assert planned_pulls(actions) == [
        (*RENEWAL, "runbooks/service-00.md"),
        (*RENEWAL, "runbooks/service-01.md"),
        (*RENEWAL, "runbooks/service-02.md"),
    ]
    reasons = [v.reason for v in review_verdicts(runbooks, {}, TODAY, policy)]
    assert reasons == [Reason.PLANNED] * 3 + [Reason.CAPPED] * 4


def test_skipped_runbooks_do_not_use_up_the_cap() -> None:
    runbooks = expired(4)
    prs = {branch_for(runbooks[0].path): PullInfo(1, PullState.OPEN, branch="x")}
    actions = plan_renewals(runbooks, prs, TODAY, make_policy(max_pull_requests_per_run=2), {})
    assert planned_pulls(actions) == [
        (*RENEWAL, "runbooks/service-01.md"),
        (*RENEWAL, "runbooks/service-02.md"),
    ]


def test_the_action_carries_path_branch_title_diff_reviewers_and_label() -> None:
    commits = [
        CommitInfo("a1b2c3d4e5f6", at(3, 9), "dan-price", "Move the dashboards to Grafana\n\nlong"),
        CommitInfo("0f9e8d7c6b5a", at(1, 7), "priya-shah", "Update @tom-okafor's number <b>"),
    ]
    [action] = plan_renewals(
        [make_runbook()], {}, TODAY, make_policy(), {"runbooks/payments-api.md": commits}
    )
    pull = pull_of(action)
    assert (action.rule, action.kind, action.key, action.issue) == (*RENEWAL, None, None)
    assert action.labels == ("runbook-review",)
    assert (pull.path, pull.branch) == ("runbooks/payments-api.md", BRANCH)
    assert pull.reviewers == ("example-org/payments-team",)
    assert (pull.expired_on, pull.next_expiry) == (date(2026, 11, 2), date(2027, 5, 25))
    assert pull.title and pull.message and action.body  # worded by the runbook_* templates
    assert pull.old_text == make_runbook().text
    assert pull.new_text == renewed_text(make_runbook(), TODAY, make_policy())
    assert pull.diff == (
        "--- a/runbooks/payments-api.md\n+++ b/runbooks/payments-api.md\n"
        "@@ -1,6 +1,6 @@\n ---\n category: runbooks\n-expires: 2026-11-02\n+expires: 2027-05-25\n"
        " owner: example-org/payments-team\n ---\n # Payments API Runbook\n"
    )
    assert [name for name, _ in action.extra] == [
        "path",
        "branch",
        "title",
        "message",
        "reviewers",
        "expired_on",
        "next_expiry",
        "diff",
    ]


# -- idempotency, applied ----------------------------------------------------------------


def test_applying_the_plan_then_planning_again_plans_nothing_until_it_is_needed() -> None:
    policy = make_policy()
    runbooks = [make_runbook()]
    store = MemoryRunbookStore(files={r.path: r.text for r in runbooks})

    def plan(today: date) -> list[Any]:
        prs = store.pulls_for_prefix("dutydesk/runbook-review/")
        return plan_renewals(runbooks, prs, today, policy, {})

    first = plan(TODAY)
    [outcome] = apply_plan(None, first, dry_run=False, store=store)
    assert outcome.opened is not None and outcome.error is None
    assert store.pulls[0].content == renewed_text(runbooks[0], TODAY, policy)
    assert store.pulls[0].reviewers == ("example-org/payments-team",)
    assert plan(TODAY) == []  # the same run again: the pull request is open

    store.close_pull(1, datetime(2026, 11, 26, 10, tzinfo=UTC))  # closed, not merged
    assert plan(date(2026, 11, 27)) == []
    assert plan(date(2026, 12, 25)) == []
    assert len(plan(date(2026, 12, 26))) == 1  # 30 days after closing

    again = plan(date(2026, 12, 26))
    apply_plan(None, again, dry_run=False, store=store)
    store.close_pull(2, datetime(2026, 12, 27, 10, tzinfo=UTC), merged=True)
    merged = [parse_runbook(p, text) for p, text in store.files.items()]
    assert merged[0].expires == date(2027, 6, 26)
    prs = store.pulls_for_prefix("dutydesk/runbook-review/")
    assert plan_renewals(merged, prs, date(2026, 12, 28), policy, {}) == []


def test_a_dry_run_applies_nothing() -> None:
    runbooks = [make_runbook()]
    store = MemoryRunbookStore(files={r.path: r.text for r in runbooks})
    actions = plan_renewals(runbooks, {}, TODAY, make_policy(), {})
    assert apply_plan(None, actions, dry_run=True, store=store) == []
    assert store.pulls == [] and store.requests == 0


def test_one_failure_does_not_stop_the_others() -> None:
    runbooks = expired(2)
    store = MemoryRunbookStore(files={runbooks[1].path: runbooks[1].text})
    actions = plan_renewals(runbooks, {}, TODAY, make_policy(), {})
    outcomes = apply_plan(None, actions, dry_run=False, store=store)
    assert [o.error is None for o in outcomes] == [False, True]
    assert outcomes[0].error is not None and "404" in outcomes[0].error


def test_the_default_branch_is_read_once_for_every_pull_request_of_a_run() -> None:
    runbooks = expired(2)
    store = MemoryRunbookStore(files={r.path: r.text for r in runbooks})
    actions = plan_renewals(runbooks, {}, TODAY, make_policy(), {})
    outcomes = apply_plan(None, actions, dry_run=False, store=store)
    assert [o.opened.number for o in outcomes if o.opened] == [1, 2]
    assert store.requests == 2 + 2 * 6  # the head once; per pull request, six


def test_a_pull_request_needs_a_store_and_an_issue_write_a_repository() -> None:
    [action] = plan_renewals(expired(1), {}, TODAY, make_policy(), {})
    with pytest.raises(ValueError, match="runbook store"):
        apply_plan(None, [action], dry_run=False)
    with pytest.raises(ValueError, match="needs a repository"):
        apply_plan(None, [Action(Kind.CLOSE, "r", 1)], dry_run=False, store=MemoryRunbookStore())


# -- pages of a docs site ----------------------------------------------------------------

CODEOWNERS = """\
# the default owners
*                     @example-org/platform-team
/source/manual/       @example-org/ops-team   # a comment after the owners
/source/manual/alerts/ @example-org/platform-team @bob-sre
/source/standards/
"""


def page(front: str, path: str = "source/manual/page.html.md.erb", **kwargs: Any) -> Runbook:
    return parse_runbook(path, f"---\n{front}---\n# A page\n", **kwargs)


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        # docs.github.com's example file, line by line
        pytest.param("*", "any/file.md", True, id="star-is-everything"),
        pytest.param("*.js", "src/deep/app.js", True, id="an-extension-at-any-depth"),
        pytest.param("*.js", "src/app.jsx", False, id="an-extension-is-the-whole-ending"),
        pytest.param("/build/logs/", "build/logs/a/b.log", True, id="a-rooted-folder-and-below"),
        pytest.param("/build/logs/", "x/build/logs/a.log", False, id="a-rooted-folder-is-rooted"),
        pytest.param("docs/*", "docs/getting-started.md", True, id="docs-star-direct-files"),
        pytest.param(
            "docs/*", "docs/build-app/troubleshooting.md", False, id="docs-star-no-deeper"
        ),
        pytest.param("apps/", "deep/apps/x.md", True, id="a-folder-anywhere"),
        pytest.param("apps/", "apps", False, id="a-folder-pattern-needs-a-folder"),
        pytest.param("/docs/", "docs/a/b.md", True, id="a-rooted-folder-at-any-depth-below"),
        pytest.param("**/logs", "deep/logs/x.log", True, id="double-star-then-a-folder"),
        pytest.param("/scripts/**", "scripts/a/b.py", True, id="rooted-double-star"),
        pytest.param("a/**/b", "a/x/y/b/c.md", True, id="double-star-in-the-middle"),
        pytest.param("/source/manual", "source/manual/a.md", True, id="a-literal-and-below"),
        pytest.param("/source/manual", "source/manual.md", False, id="a-literal-is-whole"),
        pytest.param("page.html.md.erb", "source/x/page.html.md.erb", True, id="a-name-anywhere"),
        pytest.param("p?ge.md", "page.md", True, id="question-mark-one-character"),
        pytest.param("Docs/", "docs/a.md", False, id="case-sensitive"),
    ],
)
def test_codeowners_patterns_match_as_github_matches_them(
    pattern: str, path: str, matches: bool
) -> None:
    owners = parse_codeowners(f"{pattern} @someone").owners_for(path)
    assert (owners is not None) == matches


def test_the_last_matching_codeowners_line_wins_and_may_give_no_owners() -> None:
    codeowners = parse_codeowners(CODEOWNERS, ".github/CODEOWNERS")
    assert codeowners.owners_for("README.md") == ("example-org/platform-team",)
    assert codeowners.owners_for("source/manual/a.md") == ("example-org/ops-team",)
    assert codeowners.owners_for("source/manual/alerts/cpu.md") == (
        "example-org/platform-team",
        "bob-sre",
    )
    assert codeowners.owners_for("source/standards/logs.md") == ()
    assert parse_codeowners("").owners_for("a.md") is None


@pytest.mark.parametrize(
    "line",
    [
        pytest.param("!/source/ @negated", id="negation-does-not-work"),
        pytest.param("/source/[a-z]* @ranged", id="ranges-do-not-work"),
        pytest.param("/source/ @ok not-an-owner", id="an-owner-github-cannot-read"),
        pytest.param("# /source/ @commented", id="a-comment"),
    ],
)
def test_codeowners_lines_github_skips_are_skipped(line: str) -> None:
    codeowners = parse_codeowners(f"* @default\n{line}\n")
    assert codeowners.owners_for("source/a.md") == ("default",)


def test_an_email_owner_is_no_reviewer() -> None:
    codeowners = parse_codeowners("* docs@example.org @alice\n")
    assert codeowners.owners_for("a.md") == ("alice",)


@pytest.mark.parametrize(
    ("front", "path", "owner", "source"),
    [
        pytest.param(
            "owner: alice-oncall\n",
            "source/manual/a.md",
            ("alice-oncall",),
            OwnerSource.OWNER,
            id="owner-wins-over-codeowners",
        ),
        pytest.param(
            "",
            "source/manual/alerts/a.html.md.erb",
            ("example-org/platform-team", "bob-sre"),
            OwnerSource.CODEOWNERS,
            id="else-the-last-codeowners-match",
        ),
        pytest.param("", "source/standards/a.md", (), None, id="a-codeowners-line-with-no-owners"),
    ],
)
def test_reviewers_are_owner_else_codeowners(
    front: str, path: str, owner: tuple[str, ...], source: OwnerSource | None
) -> None:
    codeowners = parse_codeowners(CODEOWNERS, ".github/CODEOWNERS")
    runbook = page(
        f"last_reviewed_on: 2026-06-01\nreview_in: 1 year\n{front}", path, codeowners=codeowners
    )
    assert (runbook.owner, runbook.owner_from) == (owner, source)
    assert runbook.valid


@pytest.mark.parametrize("codeowners", [None, CodeOwners(".github/CODEOWNERS")])
def test_a_page_with_no_owner_keeps_its_state_and_has_a_finding(
    codeowners: CodeOwners | None,
) -> None:
    runbook = page("last_reviewed_on: 2026-01-10\nreview_in: 1 fortnight\n", codeowners=codeowners)
    assert runbook.error is None and runbook.owner == ()
    assert status(runbook, TODAY, make_policy()) is State.EXPIRED
    [(kind, message)] = page_findings(runbook, make_policy())
    assert kind is FindingKind.NO_OWNER and "no owner" in message
    assert len(plan_renewals([runbook], {}, TODAY, make_policy(), {})) == 1


@pytest.mark.parametrize(
    ("value", "carried"),
    [
        pytest.param("'#platform'", ("#platform",), id="a-channel"),
        pytest.param("'@alice'", ("@alice",), id="a-person"),
        pytest.param("['#a', '@b']", ("#a", "@b"), id="a-list"),
    ],
)
def test_owner_slack_is_carried(value: str, carried: tuple[str, ...]) -> None:
    runbook = page(f"last_reviewed_on: 2026-06-01\nreview_in: 1 year\nowner_slack: {value}\n")
    assert runbook.owner_slack == carried
    assert runbook.findings  # Slack is for notifying: no one to ask for a review


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("---\ntitle: Guides\n---\n# Guides\n", id="front-matter-without-a-date"),
        pytest.param("# No front matter\n", id="no-front-matter"),
        pytest.param("---\n---\n", id="empty-front-matter"),
    ],
)
def test_a_page_with_no_review_date_is_untracked_not_invalid(text: str) -> None:
    runbook = parse_runbook("source/guides/index.html.md.erb", text)
    assert (runbook.error, runbook.findings, runbook.tracked) == (None, (), False)
    assert status(runbook, TODAY, make_policy()) is State.UNTRACKED
    assert page_findings(runbook, make_policy()) == []
    assert plan_renewals([runbook], {}, TODAY, make_policy(), {}) == []
    assert summary_lines([runbook], TODAY, make_policy()) == []


def test_a_page_that_declares_runbooks_needs_a_date_and_the_sections() -> None:
    runbook = page("category: runbooks\nowner: a\n")
    assert status(runbook, TODAY, make_policy()) is State.INVALID
    kinds = [kind for kind, _ in page_findings(runbook, make_policy())]
    assert kinds == [FindingKind.INVALID, FindingKind.MISSING_SECTIONS]


def test_the_sections_check_is_for_runbooks_and_the_policy_names_the_sections() -> None:
    guide = page("last_reviewed_on: 2026-06-01\nreview_in: 1 year\nowner: a\n")
    assert missing_sections(guide) == [] and page_findings(guide, make_policy()) == []
    runbook = parse_runbook(
        "runbooks/x.md", "---\ncategory: runbooks\nexpires: 2027-01-01\nowner: a\n---\n## Docs\n"
    )
    assert page_findings(runbook, make_policy(sections=["Docs"])) == []
    assert page_findings(runbook, make_policy(sections=[])) == []
    assert page_findings(runbook, make_policy(sections=["Docs", "On call"])) == [
        (FindingKind.MISSING_SECTIONS, "missing template sections: On call")
    ]


@pytest.mark.parametrize(
    ("line", "reviewed"),
    [
        pytest.param("last_reviewed_on: 2025-1-16", date(2025, 1, 16), id="no-leading-zeros"),
        pytest.param("last_reviewed_on: '2025-01-6'", date(2025, 1, 6), id="quoted"),
    ],
)
def test_yaml_dates_are_read_and_a_renewal_writes_yyyy_mm_dd(line: str, reviewed: date) -> None:
    runbook = page(f"{line}\nreview_in: six months\nowner: a\n")
    assert runbook.valid and runbook.last_reviewed_on == reviewed
    assert runbook.expires == add_period(reviewed, "6 months")
    quote = "'" if "'" in line else ""
    assert changed_lines(runbook.text, renewed_text(runbook, TODAY, make_policy())) == [
        (line, f"last_reviewed_on: {quote}2026-11-25{quote}")
    ]


@pytest.mark.parametrize(
    ("path", "body", "title"),
    [
        pytest.param(
            "source/a.html.md.erb",
            "# High CPU on <%= config[:service] %> hosts\n",
            "High CPU on hosts",
            id="erb-tags-removed",
        ),
        pytest.param(
            "source/alerts/disk-full.html.md.erb",
            "# <%= current_page.data.title %>\n",
            "disk-full",
            id="only-erb-gives-the-file-name",
        ),
        pytest.param(
            "source/alerts/index.html.md.erb",
            "# <%= current_page.data.title %>\n",
            "alerts",
            id="an-index-page-is-named-by-its-folder",
        ),
        pytest.param(
            "source/a.md",
            "```\n# not a title\n```\n# Payments Runbook\n",
            "Payments",
            id="not-a-heading-in-code",
        ),
    ],
)
def test_the_title_comes_from_the_first_heading_without_erb(
    path: str, body: str, title: str
) -> None:
    text = f"---\nlast_reviewed_on: 2026-01-01\nreview_in: 1 week\nowner: a\n---\n{body}"
    runbook = parse_runbook(path, text)
    assert runbook.title == title
    [action] = plan_renewals([runbook], {}, TODAY, make_policy(), {})
    assert pull_of(action).title.startswith(f"Review runbook: {title} (")


def test_one_bad_page_does_not_stop_the_others() -> None:
    good = page("last_reviewed_on: 2026-01-01\nreview_in: 1 week\nowner: a\n", "source/good.md")
    bad = [
        page("last_reviewed_on: 2026-01-01\nreview_in: 99999 years\nowner: a\n", "source/b1.md"),
        page(
            "last_reviewed_on: 2026-01-01\nreview_in: 999999999999 days\nowner: a\n", "source/b2.md"
        ),
        page("last_reviewed_on: 9999-12-01\nreview_in: 6 months\nowner: a\n", "source/b3.md"),
    ]
    pages = [*bad, good]
    assert [status(p, TODAY, make_policy()) for p in pages] == [State.INVALID] * 3 + [State.EXPIRED]
    assert [len(page_findings(p, make_policy())) for p in pages] == [1, 1, 1, 0]
    assert planned_pulls(plan_renewals(pages, {}, TODAY, make_policy(), {})) == [
        (*RENEWAL, "source/good.md")
    ]


def test_the_loaders_kept_in_the_rules_package_read_as_the_store_does() -> None:
    assert rules.load_runbooks(FIXTURES, "runbooks") == load_runbooks(FIXTURES, "runbooks")
    assert validate_folder(FIXTURES, make_policy()) == rules.validate_folder(
        FIXTURES, make_policy()
    )


def test_an_untracked_pages_unusable_owner_is_a_finding_not_an_error() -> None:
    runbook = page("title: Guide\nowner: '#team-channel'\n")
    assert status(runbook, TODAY, make_policy()) is State.UNTRACKED
    [(kind, message)] = page_findings(runbook, make_policy())
    assert (
        kind is FindingKind.NO_OWNER and "`owner: #team-channel` is not a GitHub login" in message
    )
