"""Reading runbooks: a page's front matter becomes a `Runbook`, or an invalid one whose error
says what to fix.

Two date conventions are read:

* OPG's ``expires: YYYY-MM-DD``: the runbook is reviewed by that date;
* GOV.UK tech-docs' ``last_reviewed_on: YYYY-MM-DD`` with ``review_in: 6 months``: the runbook
  expires ``review_in`` after its last review, as the tech-docs gem computes it.

Dates are read as YAML writes them (``2025-1-16`` too). A page with no review date is
untracked, not invalid, unless it declares ``category: runbooks``; so is a page with no front
matter. The reviewers are ``owner`` if given, else the file's owners in CODEOWNERS (handed in
as a `CodeOwners`); a tracked page with neither gets a finding, not an error. ``owner_slack``
is carried. One page's problems never reach another's: every problem is caught here, named at
once (the dates, then the one-line check that a renewal needs). Nothing here reads files or
the policy: `dutydesk.io.runbook_store` reads the pages and CODEOWNERS.

Emits: nothing (read by review.py and renewal.py)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from dutydesk.people import is_person_or_team
from dutydesk.rules.runbooks.codeowners import CodeOwners
from dutydesk.rules.runbooks.frontmatter import (
    Block,
    FrontMatterLoader,
    front_matter,
    has_front_matter,
    heading_title,
    key_line,
    split_lines,
    yaml_text,
)
from dutydesk.rules.runbooks.model import RUNBOOK_CATEGORY, Convention, OwnerSource, Runbook
from dutydesk.rules.runbooks.periods import add_period, parse_period
from dutydesk.yaml_load import load_with

_YAML_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_OWNER_FIX = "add `owner:` with the GitHub logins or org/team slugs who review this page"


@dataclass(frozen=True)
class _Dates:
    """The review date as the front matter gives it, and what is wrong with it."""

    convention: Convention | None = None
    expires: date | None = None
    reviewed: date | None = None
    review_in: str | None = None
    problems: tuple[str, ...] = ()


# -- one value at a time -----------------------------------------------------------------


def _date_value(key: str, value: Any) -> tuple[date | None, str | None]:
    if value is None or value == "":
        return None, f"`{key}` is empty; write a date as YYYY-MM-DD"
    text = str(value).strip()
    match = _YAML_DATE.match(text) if isinstance(value, str) else None
    if match is None:
        return None, f"`{key}: {text}` is not a date; write YYYY-MM-DD, e.g. 2027-05-31"
    try:
        return date(*(int(part) for part in match.groups())), None
    except ValueError:
        return None, f"`{key}: {text}` is not a real date; write YYYY-MM-DD"


def _owners(value: Any) -> tuple[tuple[str, ...], str | None]:
    if value is None or value == "" or value == []:
        return (), None
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        text = str(item).strip() if isinstance(item, str) else None
        if text is None or not is_person_or_team(text):
            return (), f"`owner: {item}` is not a GitHub login or org/team slug; {_OWNER_FIX}"
        out.append(text.removeprefix("@"))
    return tuple(out), None


def _texts(value: Any) -> tuple[str, ...]:
    """``owner_slack``: one handle or channel, or a list of them."""
    items = value if isinstance(value, list) else [value]
    return tuple(str(item).strip() for item in items if item is not None and str(item).strip())


def _declares_runbook(data: dict[Any, Any]) -> bool:
    category = data.get("category")
    items = category if isinstance(category, list) else [category]
    return any(isinstance(c, str) and c.strip().lower() == RUNBOOK_CATEGORY for c in items)


def _review_in(raw: Any) -> tuple[str | None, str | None]:
    """`review_in` as a period of at least a day, or the problem with it."""
    if raw is None:
        return None, "`last_reviewed_on` needs `review_in`, e.g. `review_in: 6 months`"
    text = str(raw).strip()
    try:
        amount, _ = parse_period(text)
    except ValueError as exc:
        return None, f"`review_in`: {exc}"
    if amount < 1:
        return None, f"`review_in`: {text!r} is not a period of at least 1 day"
    return text, None


# -- the review date ---------------------------------------------------------------------


def _expires_dates(data: dict[Any, Any]) -> _Dates:
    expires, problem = _date_value("expires", data["expires"])
    return _Dates(Convention.EXPIRES, expires=expires, problems=_only(problem))


def _reviewed_dates(data: dict[Any, Any]) -> _Dates:
    reviewed, date_problem = _date_value("last_reviewed_on", data["last_reviewed_on"])
    review_in, period_problem = _review_in(data.get("review_in"))
    expires = None
    if reviewed is not None and review_in is not None:
        try:
            expires = add_period(reviewed, review_in)
        except ValueError:
            period_problem = (
                f"`last_reviewed_on: {reviewed.isoformat()}` plus `review_in: {review_in}` "
                "is after 9999-12-31; check the date"
            )
    return _Dates(
        Convention.LAST_REVIEWED_ON,
        expires=expires,
        reviewed=reviewed,
        review_in=review_in,
        problems=_only(date_problem, period_problem),
    )


def _review_dates(data: dict[Any, Any], is_runbook: bool) -> _Dates:
    """Which convention the front matter uses, and the dates it gives."""
    has_expires, has_reviewed = "expires" in data, "last_reviewed_on" in data
    if has_expires and has_reviewed:
        return _Dates(problems=("both `expires` and `last_reviewed_on`: keep one of them",))
    if has_expires:
        return _expires_dates(data)
    if has_reviewed:
        return _reviewed_dates(data)
    if not is_runbook:
        return _Dates()  # untracked
    return _Dates(
        problems=(
            "no review date: add `expires: YYYY-MM-DD` "
            "(or `last_reviewed_on: YYYY-MM-DD` with `review_in: 6 months`)",
        )
    )


def _renewable(lines: list[str], block: Block, convention: Convention) -> str | None:
    """A problem unless the review date sits alone on one line, which a renewal rewrites."""
    if key_line(lines, block, convention) is not None:
        return None
    return (
        f"write `{convention}` once, on one line, as `{convention}: YYYY-MM-DD`, "
        "so that a review can renew it"
    )


def _only(*problems: str | None) -> tuple[str, ...]:
    return tuple(p for p in problems if p)


# -- who reviews -------------------------------------------------------------------------


def _reviewers(
    path: str, owner: tuple[str, ...], codeowners: CodeOwners | None
) -> tuple[tuple[str, ...], OwnerSource | None]:
    """``owner`` if given, else the file's owners in CODEOWNERS (the last matching line)."""
    if owner:
        return owner, OwnerSource.OWNER
    found = codeowners.owners_for(path) if codeowners is not None else None
    if found:
        return found, OwnerSource.CODEOWNERS
    return (), None


def _no_owner(codeowners: CodeOwners | None) -> str:
    where = (
        f"a line for this file in {codeowners.source}"
        if codeowners is not None
        else "a CODEOWNERS file (.github/CODEOWNERS)"
    )
    return f"no owner, so nobody is asked to review it: {_OWNER_FIX}, or add {where}"


# -- the whole file ----------------------------------------------------------------------


def _mapping(lines: list[str], block: Block) -> dict[Any, Any] | str:
    """The front matter as a mapping, or a message saying why it is not one."""
    try:
        data = load_with(yaml_text(lines, block), FrontMatterLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1 + block.start}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "cannot be read"
        return f"the front matter is not valid YAML{where} ({problem}); fix it"
    if data is None:
        return {}
    if not isinstance(data, dict):
        return "the front matter must be `key: value` lines"
    return data


def _named_title(data: dict[Any, Any], fallback: str) -> str:
    named = data.get("title")
    return named.strip() if isinstance(named, str) and named.strip() else fallback


def page_stem(path: str) -> str:
    """``guides/alerts.html.md.erb`` -> ``alerts``; an index page is named by its folder."""
    parts = path.split("/")
    stem = parts[-1].split(".", 1)[0]
    return parts[-2] if stem.lower() == "index" and len(parts) > 1 else stem


def parse_runbook(
    path: str, text: str, file: Path | None = None, codeowners: CodeOwners | None = None
) -> Runbook:
    """Read one page's text; a problem makes it invalid with a message saying what to fix.

    ``codeowners`` gives the reviewers of a page with no ``owner``; ``path`` is matched
    against it, so it is the page's path in the repository.
    """
    lines = split_lines(text)
    if not has_front_matter(lines):
        owner, source = _reviewers(path, (), codeowners)
        title = heading_title(lines, None, page_stem(path))
        return Runbook(path, text, title, file=file, owner=owner, owner_from=source)
    block = front_matter(lines)
    if isinstance(block, str):
        return Runbook(
            path, text, heading_title(lines, None, page_stem(path)), file=file, error=block
        )
    title = heading_title(lines, block, page_stem(path))
    data = _mapping(lines, block)
    if isinstance(data, str):
        return Runbook(path, text, title, file=file, error=data)
    page = Runbook(path, text, _named_title(data, title), file=file)
    return _from_front_matter(page, data, (lines, block), codeowners)


def _from_front_matter(
    page: Runbook,
    data: dict[Any, Any],
    where: tuple[list[str], Block],
    codeowners: CodeOwners | None,
) -> Runbook:
    is_runbook = _declares_runbook(data)
    owner, owner_problem = _owners(data.get("owner"))
    reviewers, source = _reviewers(page.path, owner, codeowners)
    dates = _review_dates(data, is_runbook)
    tracked = dates.convention is not None or is_runbook
    problems = _only(owner_problem if tracked else None, *dates.problems)
    if dates.convention is not None and not problems:
        problems = _only(_renewable(*where, dates.convention))
    findings = _only(None if tracked else owner_problem)  # an untracked page's owner
    if tracked and not reviewers and owner_problem is None:
        findings = (_no_owner(codeowners),)
    return Runbook(
        page.path,
        page.text,
        page.title,
        file=page.file,
        expires=dates.expires,
        owner=reviewers,
        convention=dates.convention,
        last_reviewed_on=dates.reviewed,
        review_in=dates.review_in,
        error="; ".join(problems) if problems else None,
        owner_from=source,
        owner_slack=_texts(data.get("owner_slack")),
        is_runbook=is_runbook,
        findings=findings,
    )


def load_runbooks(folder: Path, repo_folder: str | None = None) -> list[Runbook]:
    """Kept for `dutydesk.cli.jobs`: the pages under ``folder``, read by
    `dutydesk.io.runbook_store.load_runbooks` (which see), with the default
    ``runbooks.include`` and the repository's CODEOWNERS."""
    from dutydesk.io.runbook_store import load_runbooks as load

    return load(folder, repo_folder)
