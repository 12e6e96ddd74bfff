"""The checks `dutydesk runbooks validate` and `dutydesk validate` report: findings, not actions.

A page is invalid when its front matter cannot be used; a tracked page with nobody to review
it has a finding; a page that declares ``category: runbooks`` needs a heading for each of the
policy's sections (by default the OPG runbook template's six). Other pages, such as a docs
site's guides and index pages, are not held to the template.

Emits: nothing (findings for `validate`, not actions)
Reads: runbooks.sections, runbooks.folder
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path

from dutydesk.policy import Policy
from dutydesk.policy.defaults import RUNBOOK_SECTIONS
from dutydesk.rules.runbooks.frontmatter import CODE_FENCE, HEADING, content, split_lines
from dutydesk.rules.runbooks.model import Runbook

#: The sections of the OPG runbook template, in order (the default of runbooks.sections).
REQUIRED_SECTIONS = RUNBOOK_SECTIONS


class FindingKind(StrEnum):
    INVALID = "invalid"
    NO_OWNER = "no-owner"
    MISSING_SECTIONS = "missing-sections"


def _headings(text: str) -> set[str]:
    """Every heading's text, normalised; headings inside fenced code do not count."""
    found: set[str] = set()
    in_code = False
    for line in split_lines(text):
        body = content(line)
        if CODE_FENCE.match(body):
            in_code = not in_code
            continue
        match = None if in_code else HEADING.match(body)
        if match:
            found.add(_normal(match.group(2)))
    return found


def missing_sections(runbook: Runbook, sections: Sequence[str] = REQUIRED_SECTIONS) -> list[str]:
    """The sections that a ``category: runbooks`` page has no heading for (any level, any
    case); none for other pages."""
    if not runbook.is_runbook or not runbook.text:
        return []
    found = _headings(runbook.text)
    return [name for name in sections if _normal(name) not in found]


def _normal(heading: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", heading.lower()).split())


def page_findings(runbook: Runbook, policy: Policy) -> list[tuple[FindingKind, str]]:
    """What `validate` reports about one page, each with its kind."""
    found: list[tuple[FindingKind, str]] = []
    if runbook.error:
        found.append((FindingKind.INVALID, runbook.error))
    found += [(FindingKind.NO_OWNER, finding) for finding in runbook.findings]
    missing = missing_sections(runbook, policy.runbooks.sections)
    if missing:
        message = "missing template sections: " + ", ".join(missing)
        found.append((FindingKind.MISSING_SECTIONS, message))
    return found


def validate_folder(folder: Path, policy: Policy) -> list[tuple[str, str]]:
    """Kept for `dutydesk.views.validation`: (file, message) for every finding, read by
    `dutydesk.io.runbook_store.validate_folder`."""
    from dutydesk.io.runbook_store import validate_folder as validate

    return validate(folder, policy)
