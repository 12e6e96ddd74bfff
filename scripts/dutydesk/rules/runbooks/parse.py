"""Reading runbooks: a file's front matter becomes a `Runbook`, or an invalid one whose error
says what to fix.

Two date conventions are read:

* OPG's ``expires: YYYY-MM-DD``: the runbook is reviewed by that date;
* GOV.UK tech-docs' ``last_reviewed_on: YYYY-MM-DD`` with ``review_in: 6 months``: the runbook
  expires ``review_in`` after its last review.

Every problem is named at once, owner first, then the dates, then the one-line check that a
renewal needs. Nothing here reads the policy: `load_runbooks` is handed the folder.

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
from dutydesk.rules.runbooks.frontmatter import (
    Block,
    FrontMatterLoader,
    front_matter,
    heading_title,
    key_line,
    split_lines,
    yaml_text,
)
from dutydesk.rules.runbooks.model import NOT_RUNBOOKS, Convention, Runbook
from dutydesk.rules.runbooks.periods import add_period, parse_period

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_OWNER_FIX = "add `owner:` with the GitHub logins or org/team slugs who review this runbook"


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
    if isinstance(value, str) and _ISO_DATE.match(text):
        try:
            return date.fromisoformat(text), None
        except ValueError:
            return None, f"`{key}: {text}` is not a real date; write YYYY-MM-DD"
    return None, f"`{key}: {text}` is not a date; write YYYY-MM-DD, e.g. 2027-05-31"


def _owners(value: Any) -> tuple[tuple[str, ...], str | None]:
    if value is None or value == "" or value == []:
        return (), f"no `owner`: {_OWNER_FIX}"
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        text = str(item).strip() if isinstance(item, str) else None
        if text is None or not is_person_or_team(text):
            return (), f"`owner: {item}` is not a GitHub login or org/team slug; {_OWNER_FIX}"
        out.append(text.removeprefix("@"))
    return tuple(out), None


def _review_in(raw: Any) -> tuple[str | None, str | None]:
    """`review_in` as a period of at least a day, or the problem with it."""
    if raw is None:
        return None, "`last_reviewed_on` needs `review_in`, e.g. `review_in: 6 months`"
    text = str(raw).strip()
    try:
        amount, _ = parse_period(text)
        if amount < 1:
            raise ValueError(f"{text!r} is not a period of at least 1 day")
    except ValueError as exc:
        return None, f"`review_in`: {exc}"
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
        expires = add_period(reviewed, review_in)
    return _Dates(
        Convention.LAST_REVIEWED_ON,
        expires=expires,
        reviewed=reviewed,
        review_in=review_in,
        problems=_only(date_problem, period_problem),
    )


def _review_dates(data: dict[Any, Any]) -> _Dates:
    """Which convention the front matter uses, and the dates it gives."""
    has_expires, has_reviewed = "expires" in data, "last_reviewed_on" in data
    if has_expires and has_reviewed:
        return _Dates(problems=("both `expires` and `last_reviewed_on`: keep one of them",))
    if has_expires:
        return _expires_dates(data)
    if has_reviewed:
        return _reviewed_dates(data)
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


# -- the whole file ----------------------------------------------------------------------


def _mapping(lines: list[str], block: Block) -> dict[Any, Any] | str:
    """The front matter as a mapping, or a message saying why it is not one."""
    try:
        data = yaml.load(yaml_text(lines, block), Loader=FrontMatterLoader)  # a SafeLoader
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


def parse_runbook(path: str, text: str, file: Path | None = None) -> Runbook:
    """Read one runbook's text; a problem makes it invalid with a message saying what to fix."""
    lines = split_lines(text)
    stem = path.rsplit("/", 1)[-1].removesuffix(".md")
    block = front_matter(lines)
    if isinstance(block, str):
        return Runbook(path, text, heading_title(lines, None, stem), file=file, error=block)
    title = heading_title(lines, block, stem)
    data = _mapping(lines, block)
    if isinstance(data, str):
        return Runbook(path, text, title, file=file, error=data)
    owner, owner_problem = _owners(data.get("owner"))
    dates = _review_dates(data)
    problems = _only(owner_problem, *dates.problems)
    if dates.convention is not None and not problems:
        problems = _only(_renewable(lines, block, dates.convention))
    return Runbook(
        path,
        text,
        _named_title(data, title),
        file=file,
        expires=dates.expires,
        owner=owner,
        convention=dates.convention,
        last_reviewed_on=dates.reviewed,
        review_in=dates.review_in,
        error="; ".join(problems) if problems else None,
    )


def _read(file: Path, path: str) -> Runbook:
    """One file, read with ``newline=""`` so that CRLF stays."""
    try:
        with file.open(encoding="utf-8", newline="") as handle:
            text = handle.read()
    except UnicodeDecodeError:
        return Runbook(path, "", file.stem, file=file, error="not UTF-8 text; save it as UTF-8")
    except OSError as exc:
        return Runbook(path, "", file.stem, file=file, error=f"cannot be read: {exc.strerror}")
    return parse_runbook(path, text, file)


def load_runbooks(folder: Path, repo_folder: str | None = None) -> list[Runbook]:
    """Every ``*.md`` under ``folder`` (but TEMPLATE.md and README.md), sorted by path.

    ``repo_folder`` is the folder's path in the repository (default: ``folder`` as given);
    each runbook's ``path`` is under it. Text is read with ``newline=""``, so CRLF stays.
    """
    prefix = (repo_folder if repo_folder is not None else folder.as_posix()).strip("/")
    prefix = "" if prefix in ("", ".") else prefix.removeprefix("./")
    out: list[Runbook] = []
    for file in sorted(folder.rglob("*.md")):
        if not file.is_file() or file.name.lower() in NOT_RUNBOOKS:
            continue
        rel = file.relative_to(folder).as_posix()
        out.append(_read(file, f"{prefix}/{rel}" if prefix else rel))
    return out
