"""A repository's CODEOWNERS, read the way GitHub reads it, to find who reviews a page that has
no ``owner:``.

GitHub's rules (docs.github.com, "About code owners"):

* each line is a pattern and its owners (``@login``, ``@org/team`` or an e-mail address);
  ``#`` starts a comment, at the start of a line or after a space;
* patterns follow gitignore, except that ``!`` negation, ``[ ]`` ranges and ``\\#`` escapes do
  not work; a line GitHub cannot read is skipped;
* a pattern without a ``/`` (but a trailing one) matches at any depth, one with a ``/`` from the
  root; a trailing ``/`` matches everything below; ``*`` and ``?`` stay within a path segment;
  ``docs/*`` matches ``docs/a.md`` but not ``docs/b/c.md``;
* the last matching line wins, and a line with no owners leaves the file with none;
* paths are case-sensitive.

E-mail owners are kept out of the reviewers: a review can be requested only from a login or a
team. Which file is read (``.github/CODEOWNERS``, ``CODEOWNERS``, ``docs/CODEOWNERS``: the
first found) is for the caller, `dutydesk.io.runbook_store`.

Emits: nothing (read by parse.py)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dutydesk.people import is_person_or_team

#: Where GitHub looks for CODEOWNERS, in the order it looks; it uses the first it finds.
CODEOWNERS_PATHS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class OwnerRule:
    pattern: str
    regex: re.Pattern[str]
    owners: tuple[str, ...]  # logins and org/team slugs, without the @


@dataclass(frozen=True)
class CodeOwners:
    """The rules of one CODEOWNERS file, in order; ``source`` is its path in the repository."""

    source: str
    rules: tuple[OwnerRule, ...] = ()

    def owners_for(self, path: str) -> tuple[str, ...] | None:
        """The owners of a repository path by the last matching rule; None if none matches."""
        for rule in reversed(self.rules):
            if rule.regex.match(path):
                return rule.owners
        return None


def parse_codeowners(text: str, source: str = "CODEOWNERS") -> CodeOwners:
    """Every line GitHub can read, as a rule; the others are skipped, as GitHub skips them."""
    rules = [_rule(line) for line in text.splitlines()]
    return CodeOwners(source, tuple(rule for rule in rules if rule is not None))


def _rule(line: str) -> OwnerRule | None:
    words = re.split(r"\s+#", " " + line, maxsplit=1)[0].split()
    if not words or words[0].startswith("!") or not words[0].strip("/"):
        return None
    if "[" in words[0] or "***" in words[0]:
        return None
    pattern, handles = words[0], words[1:]
    owners: list[str] = []
    for handle in handles:
        if _EMAIL.match(handle):
            continue
        if not handle.startswith("@") or not is_person_or_team(handle[1:]):
            return None  # GitHub skips a line with an owner it cannot read
        owners.append(handle[1:])
    return OwnerRule(pattern, re.compile(_regex(pattern)), tuple(owners))


def _regex(pattern: str) -> str:
    """A gitignore-style pattern as a regular expression over a repository path."""
    anchored = "/" in pattern.rstrip("/")
    parts = pattern.strip("/").split("/")
    out = "" if anchored else "(?:.*/)?"
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if part == "**":
            out += ".+$" if last else "(?:.*/)?"
            continue
        out += _segment(part) + ("" if last else "/")
    if parts[-1] == "**":
        return out
    if pattern.endswith("/"):
        return out + "/.+$"
    if parts[-1] == "*" and anchored:
        return out + "$"  # `docs/*`: the files directly in docs/
    return out + "(?:/.*)?$"


def _segment(part: str) -> str:
    return "".join("[^/]*" if ch == "*" else "[^/]" if ch == "?" else re.escape(ch) for ch in part)
