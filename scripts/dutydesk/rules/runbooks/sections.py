"""The template check: every runbook has a heading for each section of the OPG runbook
template, and a front matter that can be used (`dutydesk runbooks validate`, `dutydesk
validate`): findings, not actions.

Emits: nothing (findings for `validate`, not actions)
Reads: runbooks.folder
"""

from __future__ import annotations

import re
from pathlib import Path

from dutydesk.policy import Policy
from dutydesk.rules.runbooks.frontmatter import CODE_FENCE, HEADING, content, split_lines
from dutydesk.rules.runbooks.model import Runbook
from dutydesk.rules.runbooks.parse import load_runbooks

#: The sections of the OPG runbook template, in order.
REQUIRED_SECTIONS = (
    "Description",
    "Incident response hours",
    "Incident contact details",
    "URLs",
    "Docs",
    "Service team (non-urgent issues)",
)


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


def missing_sections(runbook: Runbook) -> list[str]:
    """The template's sections that the runbook has no heading for (any level, any case)."""
    found = _headings(runbook.text)
    return [name for name in REQUIRED_SECTIONS if _normal(name) not in found]


def _normal(heading: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", heading.lower()).split())


def validate_folder(folder: Path, policy: Policy) -> list[tuple[str, str]]:
    """(file, message) for every invalid runbook and every missing template section."""
    if not folder.is_dir():
        return [(str(folder), "the runbooks folder (policy runbooks.folder) does not exist")]
    out: list[tuple[str, str]] = []
    for runbook in load_runbooks(folder, policy.runbooks.folder):
        where = str(runbook.file) if runbook.file is not None else runbook.path
        if runbook.error:
            out.append((where, runbook.error))
        missing = missing_sections(runbook) if runbook.text else []
        if missing:
            out.append((where, "missing template sections: " + ", ".join(missing)))
    return out
