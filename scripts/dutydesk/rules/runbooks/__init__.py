"""Runbooks: read their front matter, tell which are due, and plan review pull requests.

Everything here is pure: the pages, CODEOWNERS and GitHub are read by
`dutydesk.io.runbook_store`, and the plan is a list of actions that `dutydesk.io.apply`
carries out. A "runbook" is any page read (a docs site's guides too); one with no review date
is untracked. The modules:

* model.py: `Runbook`, `PullInfo`, `CommitInfo` and the states;
* periods.py: ``6 months``, ``a year`` and calendar arithmetic;
* frontmatter.py: the text, line by line (fences, the review-date line, headings);
* codeowners.py: CODEOWNERS, read as GitHub reads it (last matching pattern wins);
* parse.py: a file becomes a `Runbook`, or an invalid one saying what to fix;
* sections.py: what validate reports (invalid pages, no owner, the template's sections);
* review.py: due dates, earlier pull requests and the verdict for each expired runbook;
* renewal.py: the rule, one review pull request per runbook that needs one;
* summary.py: the sweep's job summary;
* notices.py: the `runbook.review_opened` notification of each review pull request (not
  imported here: it needs the notification rule, rules/notify.py).

Each module's own docstring names the policy keys it reads.

Emits: runbook.renewal (renewal.py)
"""

from __future__ import annotations

from dutydesk.rules.runbooks.codeowners import CODEOWNERS_PATHS, CodeOwners, parse_codeowners
from dutydesk.rules.runbooks.model import (
    BRANCH_PREFIX,
    MAX_COMMITS_LISTED,
    NOT_RUNBOOKS,
    RUNBOOK_CATEGORY,
    CommitInfo,
    Convention,
    OwnerSource,
    PullInfo,
    PullState,
    Runbook,
    State,
)
from dutydesk.rules.runbooks.parse import load_runbooks, page_stem, parse_runbook
from dutydesk.rules.runbooks.periods import add_period, parse_period
from dutydesk.rules.runbooks.renewal import plan_renewals, renewed_text, unified_diff
from dutydesk.rules.runbooks.review import (
    Reason,
    Verdict,
    branch_for,
    last_review,
    latest_pulls,
    next_expiry,
    renewed_value,
    review_interval,
    review_verdicts,
    status,
)
from dutydesk.rules.runbooks.sections import (
    REQUIRED_SECTIONS,
    FindingKind,
    missing_sections,
    page_findings,
    validate_folder,
)
from dutydesk.rules.runbooks.summary import summary_lines

__all__ = [
    "BRANCH_PREFIX",
    "CODEOWNERS_PATHS",
    "MAX_COMMITS_LISTED",
    "NOT_RUNBOOKS",
    "REQUIRED_SECTIONS",
    "RUNBOOK_CATEGORY",
    "CodeOwners",
    "CommitInfo",
    "Convention",
    "FindingKind",
    "OwnerSource",
    "PullInfo",
    "PullState",
    "Reason",
    "Runbook",
    "State",
    "Verdict",
    "add_period",
    "branch_for",
    "last_review",
    "latest_pulls",
    "load_runbooks",
    "missing_sections",
    "next_expiry",
    "page_findings",
    "page_stem",
    "parse_codeowners",
    "parse_period",
    "parse_runbook",
    "plan_renewals",
    "renewed_text",
    "renewed_value",
    "review_interval",
    "review_verdicts",
    "status",
    "summary_lines",
    "unified_diff",
    "validate_folder",
]
