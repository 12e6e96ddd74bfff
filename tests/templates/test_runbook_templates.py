"""What the runbook review pull requests and the job summary say, template by template.

The rule tests (tests/test_runbooks.py) assert on what is planned, `(rule, kind, path)` and the
pull request's payload; here the plan is made over the same situations and the wording the
runbook_* templates gave it is read.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from dutydesk.actions import Action, PullRequest
from dutydesk.policy import Policy, parse_policy
from dutydesk.rules.runbooks import (
    REQUIRED_SECTIONS,
    CommitInfo,
    PullInfo,
    PullState,
    Runbook,
    parse_runbook,
    plan_renewals,
    summary_lines,
)

TODAY = date(2026, 11, 25)
BRANCH = "dutydesk/runbook-review/runbooks-payments-api"
SECTIONS = "".join(f"\n## {name}\n" for name in REQUIRED_SECTIONS)


def make_policy(**runbooks: Any) -> Policy:
    return parse_policy({"runbooks": runbooks} if runbooks else {})


def make_runbook(
    path: str = "runbooks/payments-api.md",
    front: str = "expires: 2026-11-02\nowner: example-org/payments-team\n",
) -> Runbook:
    return parse_runbook(
        path, f"---\ncategory: runbooks\n{front}---\n# Payments API Runbook\n{SECTIONS}"
    )


def at(day: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, 15, tzinfo=UTC)


def pull_of(action: Action) -> PullRequest:
    assert isinstance(action.payload, PullRequest)
    return action.payload


# -- runbook_title, runbook_commit and runbook_pull_request ------------------------------


def test_the_title_commit_message_and_body_of_a_review_pull_request() -> None:
    commits = [
        CommitInfo("a1b2c3d4e5f6", at(3, 9), "dan-price", "Move the dashboards to Grafana\n\nlong"),
        CommitInfo("0f9e8d7c6b5a", at(1, 7), "priya-shah", "Update @tom-okafor's number <b>"),
    ]
    [action] = plan_renewals(
        [make_runbook()], {}, TODAY, make_policy(), {"runbooks/payments-api.md": commits}
    )
    pull = pull_of(action)
    assert pull.title == "Review runbook: Payments API (review was due 2026-11-02)"
    assert pull.message.startswith("Review runbook runbooks/payments-api.md: expires 2027-05-25")
    body = action.body or ""
    assert "Read the runbook end to end" in body
    assert "**Incident contact details**" in body and "**URLs**" in body
    assert "since its last review (2026-05-02)" in body
    assert "- a1b2c3d 2026-09-03 Move the dashboards to Grafana (dan-price)" in body
    assert "Update @\u200btom-okafor's number &lt;b&gt;" in body  # no pings, no HTML
    assert "30 days" in body


def test_a_tech_docs_review_says_last_reviewed_on_and_the_next_due_date() -> None:
    runbook = make_runbook(front="last_reviewed_on: 2026-05-01\nreview_in: 6 months\nowner: a\n")
    [action] = plan_renewals([runbook], {}, TODAY, make_policy(), {})
    pull = pull_of(action)
    assert pull.message.startswith(
        "Review runbook runbooks/payments-api.md: last reviewed on 2026-11-25"
    )
    assert (
        "sets `last_reviewed_on` to 2026-11-25 (it was 2026-05-01), "
        "so the next review is due 2027-05-25"
    ) in (action.body or "")


@pytest.mark.parametrize(
    ("commits", "wording"),
    [
        pytest.param(
            None, "Not looked up: this plan was made without access to GitHub.", id="not-looked-up"
        ),
        pytest.param(
            [], "None. Nothing in the file has changed since its last review", id="none-since"
        ),
    ],
)
def test_the_body_says_when_there_are_no_commits_to_list(
    commits: list[CommitInfo] | None, wording: str
) -> None:
    by_path = None if commits is None else {"runbooks/payments-api.md": commits}
    [action] = plan_renewals([make_runbook()], {}, TODAY, make_policy(), by_path)
    assert wording in (action.body or "")


def test_a_replacement_for_a_closed_pull_request_says_so() -> None:
    pull = PullInfo(7, PullState.CLOSED, False, at(1, 9), branch=BRANCH)
    [action] = plan_renewals([make_runbook()], {BRANCH: pull}, TODAY, make_policy(), {})
    assert "#7, was closed without merging" in (action.body or "")


# -- runbook_summary ---------------------------------------------------------------------


def test_the_job_summary_lists_expired_then_invalid_then_due_soon() -> None:
    runbooks = [
        make_runbook("runbooks/a.md", front="expires: 2026-12-01\nowner: a\n"),
        make_runbook("runbooks/b.md", front="expires: 2027-06-01\nowner: a\n"),
        make_runbook("runbooks/c.md", front="expires: 2026-11-01\nowner: example-org/t\n"),
        parse_runbook("runbooks/d.md", "---\nexpires: a|b\nowner: a\n---\n"),
    ]
    lines = summary_lines(runbooks, TODAY, make_policy())
    assert lines[0] == "### Runbooks due for review"
    rows = [line for line in lines if line.startswith("| `")]
    assert rows == [
        "| `runbooks/c.md` | expired | 2026-11-01 | example-org/t |",
        "| `runbooks/d.md` | invalid: `expires: a\\|b` is not a date; write YYYY-MM-DD, e.g. 2027-05-31 | — | a |",
        "| `runbooks/a.md` | due-soon | 2026-12-01 | a |",
    ]
    assert summary_lines(runbooks[1:2], TODAY, make_policy()) == []
