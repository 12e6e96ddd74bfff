"""Review dates and verdicts: which runbooks are due, when each was last reviewed, what a
review writes, and whether an expired one gets a review pull request in this run.

A page with no review date is untracked. A runbook is expired on and after its expiry date, and due soon within the policy's
``warning_days`` before it. A review pull request is not opened while one is open for the
runbook, nor within ``renotify_after_days`` of one closed unmerged, nor past the run's cap.

Emits: nothing itself; renewal.py plans runbook.renewal from its verdicts
Reads: runbooks.warning_days, runbooks.review_period, runbooks.renotify_after_days,
runbooks.max_pull_requests_per_run, timezone
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from dutydesk.policy import Policy
from dutydesk.rules.runbooks.model import (
    BRANCH_PREFIX,
    Convention,
    PullInfo,
    PullState,
    Runbook,
    State,
)
from dutydesk.rules.runbooks.periods import add_period


def status(runbook: Runbook, today: date, policy: Policy) -> State:
    """Untracked (no review date), invalid, expired, due soon or ok."""
    if not runbook.tracked:
        return State.UNTRACKED
    if not runbook.valid or runbook.expires is None:
        return State.INVALID
    if today >= runbook.expires:
        return State.EXPIRED
    if today >= runbook.expires - timedelta(days=policy.runbooks.warning_days):
        return State.DUE_SOON
    return State.OK


# -- dates -------------------------------------------------------------------------------


def last_review(runbook: Runbook, policy: Policy) -> date | None:
    """When the runbook was last reviewed: ``last_reviewed_on``, or expiry less the period."""
    if runbook.convention is Convention.LAST_REVIEWED_ON:
        return runbook.last_reviewed_on
    if runbook.expires is None:
        return None
    return add_period(runbook.expires, policy.runbooks.review_period, sign=-1)


def renewed_value(runbook: Runbook, today: date, policy: Policy) -> date:
    """The date a review writes: the new ``expires``, or ``last_reviewed_on`` = today."""
    if runbook.convention is Convention.LAST_REVIEWED_ON:
        return today
    return add_period(today, policy.runbooks.review_period)


def review_interval(runbook: Runbook, policy: Policy) -> str:
    """How long a review lasts: the page's own ``review_in``, else the policy's period."""
    if runbook.convention is Convention.LAST_REVIEWED_ON and runbook.review_in:
        return runbook.review_in
    return policy.runbooks.review_period


def next_expiry(runbook: Runbook, today: date, policy: Policy) -> date:
    """When the runbook will expire again once this review is merged."""
    if runbook.convention is Convention.LAST_REVIEWED_ON and runbook.review_in:
        return add_period(today, runbook.review_in)
    return renewed_value(runbook, today, policy)


# -- branches and earlier pull requests --------------------------------------------------


def branch_for(path: str) -> str:
    """The stable branch for a runbook's review: ``dutydesk/runbook-review/<slug of path>``."""
    stem = path.removesuffix(".md")  # only .md, so existing branches stay
    ascii_text = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    digest = hashlib.sha1(path.encode("utf-8")).hexdigest()[:8]
    if not slug:
        slug = digest
    elif len(slug) > 80:
        slug = f"{slug[:71].rstrip('-')}-{digest}"
    return BRANCH_PREFIX + slug


def latest_pulls(pulls: Iterable[PullInfo]) -> dict[str, PullInfo]:
    """Per branch, the pull request that decides: an open one, else the last one closed."""

    def rank(pull: PullInfo) -> tuple[int, float, int]:
        closed = pull.closed_at.timestamp() if pull.closed_at is not None else float("-inf")
        return (pull.state is PullState.OPEN, closed, pull.number)

    out: dict[str, PullInfo] = {}
    for pull in pulls:
        current = out.get(pull.branch)
        if current is None or rank(pull) > rank(current):
            out[pull.branch] = pull
    return out


# -- verdicts ----------------------------------------------------------------------------


class Reason(StrEnum):
    """Why an expired runbook does, or does not, get a review pull request in this run."""

    PLANNED = "planned"
    OPEN = "open"  # a review pull request is open
    CLOSED_RECENTLY = "closed-recently"  # closed unmerged, within renotify_after_days
    CAPPED = "capped"  # max_pull_requests_per_run reached


@dataclass(frozen=True)
class Verdict:
    runbook: Runbook
    branch: str
    reason: Reason
    pull: PullInfo | None = None
    resume_on: date | None = None  # CLOSED_RECENTLY: the first day a new one may be opened


def _waiting(
    runbook: Runbook, branch: str, pull: PullInfo | None, today: date, policy: Policy
) -> Verdict | None:
    """The verdict when the runbook waits for people: its review pull request is open, or
    was closed unmerged too lately to open another; else None."""
    if pull is None:
        return None
    if pull.state is PullState.OPEN:
        return Verdict(runbook, branch, Reason.OPEN, pull)
    if pull.merged or pull.closed_at is None:
        return None
    closed_on = policy.local(pull.closed_at).date()
    resume = closed_on + timedelta(days=policy.runbooks.renotify_after_days)
    if today < resume:
        return Verdict(runbook, branch, Reason.CLOSED_RECENTLY, pull, resume)
    return None


def review_verdicts(
    runbooks: Iterable[Runbook], prs: Mapping[str, PullInfo], today: date, policy: Policy
) -> list[Verdict]:
    """One verdict for each expired runbook, most overdue first."""
    expired = [r for r in runbooks if status(r, today, policy) is State.EXPIRED]
    expired.sort(key=lambda r: (r.expires or date.min, r.path))
    cap = policy.runbooks.max_pull_requests_per_run
    planned = 0
    out: list[Verdict] = []
    for runbook in expired:
        branch = branch_for(runbook.path)
        pull = prs.get(branch)
        verdict = _waiting(runbook, branch, pull, today, policy)
        if verdict is None and planned >= cap:
            verdict = Verdict(runbook, branch, Reason.CAPPED, pull)
        elif verdict is None:
            planned += 1
            verdict = Verdict(runbook, branch, Reason.PLANNED, pull)
        out.append(verdict)
    return out
