"""The renewal plan: one review pull request for each expired runbook that needs one.

A review sets a new ``expires`` (today plus ``runbooks.review_period``), or sets
``last_reviewed_on`` to today (the runbook's own ``review_in`` then gives the next expiry).
A renewal changes exactly one line of the file, textually: the YAML is only ever read, never
dumped, so key order, quoting, comments, the body and the line endings stay byte for byte.
The action carries the text it commits, so what ``--dry-run`` prints is what is committed.

Emits: runbook.renewal
Reads: runbooks.review_period, runbooks.max_pull_requests_per_run,
runbooks.renotify_after_days, runbooks.folder, labels.runbook_review, timezone
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from dutydesk.actions import Action, Kind, PullRequest
from dutydesk.policy import Policy
from dutydesk.rules.ids import Rule
from dutydesk.rules.runbooks.frontmatter import (
    Block,
    content,
    front_matter,
    key_line,
    split_lines,
    value_pattern,
)
from dutydesk.rules.runbooks.model import (
    MAX_COMMITS_LISTED,
    CommitInfo,
    Convention,
    PullInfo,
    Runbook,
)
from dutydesk.rules.runbooks.review import (
    Reason,
    Verdict,
    last_review,
    next_expiry,
    renewed_value,
    review_interval,
    review_verdicts,
)


def renewed_text(runbook: Runbook, today: date, policy: Policy) -> str:
    """The runbook's text with exactly one front-matter line changed: the review date.

    Only the date itself is replaced: the key, spacing, quotes, a trailing comment and the
    line ending stay, and so does every other byte of the file.
    """
    if not runbook.valid or runbook.convention is None:
        raise ValueError(f"{runbook.path} is invalid and cannot be renewed: {runbook.error}")
    lines = split_lines(runbook.text)
    block = front_matter(lines)
    key = str(runbook.convention)
    index = key_line(lines, block, key) if isinstance(block, Block) else None
    if index is None:  # pragma: no cover - parse_runbook made it invalid already
        raise ValueError(f"{runbook.path}: no single `{key}:` line to renew")
    line = lines[index]
    body = content(line)
    ending = line[len(body) :]
    match = value_pattern(key).match(body)
    assert match is not None
    new = renewed_value(runbook, today, policy).isoformat()
    lines[index] = (
        match.group("head") + match.group("q") + new + match.group("q") + match.group("rest")
    ) + ending
    return "".join(lines)


def unified_diff(path: str, old: str, new: str) -> str:
    return "".join(
        difflib.unified_diff(
            split_lines(old), split_lines(new), fromfile=f"a/{path}", tofile=f"b/{path}"
        )
    )


def plan_renewals(
    runbooks: Iterable[Runbook],
    prs: Mapping[str, PullInfo],
    today: date,
    policy: Policy,
    commits_by_path: Mapping[str, Sequence[CommitInfo]] | None = None,
) -> list[Action]:
    """One ``open_pull_request`` action per expired runbook that needs one, at most the cap.

    ``prs`` maps review branches to the pull request that decides (see `latest_pulls`).
    ``commits_by_path`` lists the commits since each runbook's last review; None (or a missing
    path) means they were not looked up, which the body says.
    """
    actions: list[Action] = []
    for verdict in review_verdicts(runbooks, prs, today, policy):
        if verdict.reason is not Reason.PLANNED:
            continue
        commits = None if commits_by_path is None else commits_by_path.get(verdict.runbook.path)
        actions.append(_review_action(verdict, today, policy, commits))
    return actions


def _values(
    verdict: Verdict, today: date, policy: Policy, commits: Sequence[CommitInfo] | None
) -> dict[str, Any]:
    """What the runbook_* templates read."""
    runbook = verdict.runbook
    old_value = (
        runbook.expires if runbook.convention is Convention.EXPIRES else runbook.last_reviewed_on
    )
    return {
        "runbook": runbook,
        "key": str(runbook.convention),
        "old_value": old_value,
        "new_value": renewed_value(runbook, today, policy),
        "next_expiry": next_expiry(runbook, today, policy),
        "review_in": review_interval(runbook, policy),
        "since": last_review(runbook, policy),
        "commits": None if commits is None else list(commits[:MAX_COMMITS_LISTED]),
        "more_commits": 0 if commits is None else max(0, len(commits) - MAX_COMMITS_LISTED),
        "policy": policy,
        "previous": verdict.pull,
        "today": today,
        "branch": verdict.branch,
    }


def _review_action(
    verdict: Verdict, today: date, policy: Policy, commits: Sequence[CommitInfo] | None
) -> Action:
    from dutydesk.templating import render

    runbook = verdict.runbook
    assert runbook.convention is not None and runbook.expires is not None
    new_text = renewed_text(runbook, today, policy)
    values = _values(verdict, today, policy, commits)
    pull = PullRequest(
        path=runbook.path,
        branch=verdict.branch,
        title=render("runbook_title.md.j2", **values).strip(),
        message=render("runbook_commit.md.j2", **values).strip(),
        reviewers=runbook.owner,
        expired_on=runbook.expires,
        next_expiry=values["next_expiry"],
        diff=unified_diff(runbook.path, runbook.text, new_text),
        old_text=runbook.text,
        new_text=new_text,
    )
    return Action(
        kind=Kind.OPEN_PULL_REQUEST,
        rule=Rule.RUNBOOK_RENEWAL,
        labels=(policy.label("runbook_review"),),
        body=render("runbook_pull_request.md.j2", **values),
        payload=pull,
    )
