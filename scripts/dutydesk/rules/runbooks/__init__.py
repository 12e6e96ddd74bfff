"""Runbooks: read their front matter, tell which are due, and plan review pull requests.

Two date conventions are read:

* OPG's ``expires: YYYY-MM-DD``: the runbook is reviewed by that date; a review sets a new one
  (today plus the policy's ``runbooks.review_period``);
* GOV.UK tech-docs' ``last_reviewed_on: YYYY-MM-DD`` with ``review_in: 6 months``: the runbook
  expires ``review_in`` after its last review; a review sets ``last_reviewed_on`` to today.

A runbook is expired on and after its expiry date, and due soon within the policy's
``warning_days`` before it. Everything here is pure: files are read by :func:`load_runbooks`,
GitHub is read by the caller (``runbook_store``), and the plan is a list of actions.

A renewal changes exactly one line of the file, textually: the YAML is only ever read, never
dumped, so key order, quoting, comments, the body and the line endings stay byte for byte.
"""

from __future__ import annotations

import calendar
import difflib
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from dutydesk.actions import Action, Kind
from dutydesk.policy import Policy

BRANCH_PREFIX = "dutydesk/runbook-review/"
#: Files in the runbooks folder that are not runbooks.
NOT_RUNBOOKS = frozenset({"template.md", "readme.md"})
#: The sections of the OPG runbook template, in order.
REQUIRED_SECTIONS = (
    "Description",
    "Incident response hours",
    "Incident contact details",
    "URLs",
    "Docs",
    "Service team (non-urgent issues)",
)
#: The most commits listed in a review pull request's body.
MAX_COMMITS_LISTED = 30

_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")
_TEAM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PERIOD = re.compile(r"^\s*(\d+)\s+(day|week|month|year)s?\s*$", re.IGNORECASE)
_FENCE_OPEN = re.compile(r"^---[ \t]*$")
_FENCE_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*$")
_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]*(.*?)[ \t]*#*[ \t]*$")
_CODE_FENCE = re.compile(r"^ {0,3}(```|~~~)")


class State(StrEnum):
    OK = "ok"
    DUE_SOON = "due-soon"
    EXPIRED = "expired"
    INVALID = "invalid"


class Rule(StrEnum):
    RENEWAL = "runbook.renewal"


class Convention(StrEnum):
    """Which front-matter key carries the review date (and so which line a renewal edits)."""

    EXPIRES = "expires"
    LAST_REVIEWED_ON = "last_reviewed_on"


class PullState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class PullInfo:
    """What the plan needs to know about an earlier review pull request for a branch."""

    number: int
    state: PullState
    merged: bool = False
    closed_at: datetime | None = None
    url: str = ""
    branch: str = ""


@dataclass(frozen=True)
class CommitInfo:
    """A commit that touched a runbook, listed in the review pull request's body."""

    sha: str
    date: datetime
    author: str
    message: str

    @property
    def short_sha(self) -> str:
        return self.sha[:7]

    @property
    def subject(self) -> str:
        lines = self.message.strip().splitlines()
        return lines[0] if lines else ""


@dataclass(frozen=True)
class Runbook:
    """One runbook file as read from disk.

    ``path`` is the file's path in the repository (POSIX, e.g. ``runbooks/payments-api.md``);
    ``file`` is where it was read from. ``text`` is the exact text (CRLF kept). ``error`` is set,
    and ``expires`` may be None, when the front matter cannot be used: such a runbook is
    ``invalid`` and is never renewed.
    """

    path: str
    text: str
    title: str
    file: Path | None = None
    expires: date | None = None
    owner: tuple[str, ...] = ()
    convention: Convention | None = None
    last_reviewed_on: date | None = None
    review_in: str | None = None
    error: str | None = None

    @property
    def valid(self) -> bool:
        return self.error is None and self.expires is not None and self.convention is not None


# -- periods -----------------------------------------------------------------------------


def parse_period(text: str) -> tuple[int, str]:
    """``"6 months"`` -> ``(6, "month")``; raises ValueError naming what is allowed."""
    match = _PERIOD.match(str(text))
    if not match:
        raise ValueError(f"{text!r} is not a period; write e.g. '6 months', '3 weeks', '1 year'")
    return int(match.group(1)), match.group(2).lower()


def add_period(start: date, period: str, sign: int = 1) -> date:
    """``start`` plus (or, with ``sign=-1``, minus) a calendar period.

    Months and years keep the day of the month, clamped to the month's last day:
    31 August plus 6 months is 28 February (29 in a leap year); 29 February plus 1 year is
    28 February.
    """
    amount, unit = parse_period(period)
    amount *= sign
    if unit == "day":
        return start + timedelta(days=amount)
    if unit == "week":
        return start + timedelta(weeks=amount)
    months = amount * 12 if unit == "year" else amount
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


# -- reading -----------------------------------------------------------------------------


def _lines(text: str) -> list[str]:
    """Lines with their endings kept; only \\n (and \\r\\n) end a line, as in YAML and git."""
    return re.findall(r"[^\n]*\n|[^\n]+$", text)


def _content(line: str) -> str:
    if line.endswith("\r\n"):
        return line[:-2]
    if line.endswith("\n"):
        return line[:-1]
    return line


class _FrontMatterLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text, so that a wrong date gets a message we write."""


_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class _Block:
    start: int  # index of the first line inside the front matter
    end: int  # index of the closing fence line


def _front_matter(lines: Sequence[str]) -> _Block | str:
    """Where the front matter is, or a message saying what is wrong with its fences."""
    if not lines or not _FENCE_OPEN.match(_content(lines[0]).lstrip("\ufeff")):
        return "no front matter: start the file with a `---` line, the keys, and another `---`"
    for index in range(1, len(lines)):
        if _FENCE_CLOSE.match(_content(lines[index])):
            return _Block(1, index)
    return "the front matter has no closing `---` line"


def _title(lines: Sequence[str], block: _Block | None, fallback: str) -> str:
    """The first level-1 heading, less a trailing "Runbook"; else the file name."""
    start = block.end + 1 if block is not None else 0
    for line in lines[start:]:
        match = _HEADING.match(_content(line))
        if match and len(match.group(1)) == 1 and match.group(2):
            title = re.sub(r"\s+runbook$", "", match.group(2), flags=re.IGNORECASE)
            return title or match.group(2)
    return fallback


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
    fix = "add `owner:` with the GitHub logins or org/team slugs who review this runbook"
    if value is None or value == "" or value == []:
        return (), f"no `owner`: {fix}"
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        text = str(item).strip().removeprefix("@") if isinstance(item, str) else None
        if text is None or not (_LOGIN.match(text) or _TEAM.match(text)):
            return (), f"`owner: {item}` is not a GitHub login or org/team slug; {fix}"
        out.append(text)
    return tuple(out), None


def _key_line(lines: Sequence[str], block: _Block, key: str) -> int | None:
    """The index of the one top-level line holding ``key: <date>`` (quoted or not)."""
    pattern = _value_pattern(key)
    found = [
        i
        for i in range(block.start, block.end)
        if re.match(rf"^{re.escape(key)}[ \t]*:", _content(lines[i]))
    ]
    if len(found) != 1 or not pattern.match(_content(lines[found[0]])):
        return None
    return found[0]


def _value_pattern(key: str) -> re.Pattern[str]:
    return re.compile(
        rf"^(?P<head>{re.escape(key)}[ \t]*:[ \t]*)(?P<q>[\"']?)"
        r"(?P<value>\d{4}-\d{2}-\d{2})(?P=q)(?P<rest>[ \t]*(?:#.*)?)$"
    )


def parse_runbook(path: str, text: str, file: Path | None = None) -> Runbook:
    """Read one runbook's text; a problem makes it invalid with a message saying what to fix."""
    lines = _lines(text)
    stem = path.rsplit("/", 1)[-1].removesuffix(".md")
    found = _front_matter(lines)
    if isinstance(found, str):
        return Runbook(path, text, _title(lines, None, stem), file=file, error=found)
    block = found
    title = _title(lines, block, stem)
    invalid = Runbook(path, text, title, file=file)
    yaml_text = "".join(_content(line) + "\n" for line in lines[block.start : block.end])
    try:
        data = yaml.load(yaml_text, Loader=_FrontMatterLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1 + block.start}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "cannot be read"
        return _replace(invalid, f"the front matter is not valid YAML{where} ({problem}); fix it")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return _replace(invalid, "the front matter must be `key: value` lines")

    named = data.get("title")
    if isinstance(named, str) and named.strip():
        title = named.strip()
        invalid = Runbook(path, text, title, file=file)

    problems: list[str] = []
    owner, owner_problem = _owners(data.get("owner"))
    if owner_problem:
        problems.append(owner_problem)

    has_expires = "expires" in data
    has_reviewed = "last_reviewed_on" in data
    convention: Convention | None = None
    expires: date | None = None
    reviewed: date | None = None
    review_in: str | None = None
    if has_expires and has_reviewed:
        problems.append("both `expires` and `last_reviewed_on`: keep one of them")
    elif has_expires:
        convention = Convention.EXPIRES
        expires, problem = _date_value("expires", data["expires"])
        if problem:
            problems.append(problem)
    elif has_reviewed:
        convention = Convention.LAST_REVIEWED_ON
        reviewed, problem = _date_value("last_reviewed_on", data["last_reviewed_on"])
        if problem:
            problems.append(problem)
        raw = data.get("review_in")
        if raw is None:
            problems.append("`last_reviewed_on` needs `review_in`, e.g. `review_in: 6 months`")
        else:
            review_in = str(raw).strip()
            try:
                amount, _ = parse_period(review_in)
                if amount < 1:
                    raise ValueError(f"{review_in!r} is not a period of at least 1 day")
            except ValueError as exc:
                problems.append(f"`review_in`: {exc}")
                review_in = None
            if reviewed is not None and review_in is not None:
                expires = add_period(reviewed, review_in)
    else:
        problems.append(
            "no review date: add `expires: YYYY-MM-DD` "
            "(or `last_reviewed_on: YYYY-MM-DD` with `review_in: 6 months`)"
        )

    if convention is not None and not problems and _key_line(lines, block, convention) is None:
        problems.append(
            f"write `{convention}` once, on one line, as `{convention}: YYYY-MM-DD`, "
            "so that a review can renew it"
        )
    return Runbook(
        path,
        text,
        title,
        file=file,
        expires=expires,
        owner=owner,
        convention=convention,
        last_reviewed_on=reviewed,
        review_in=review_in,
        error="; ".join(problems) if problems else None,
    )


def _replace(runbook: Runbook, error: str, owner: tuple[str, ...] = ()) -> Runbook:
    return Runbook(
        runbook.path, runbook.text, runbook.title, runbook.file, owner=owner, error=error
    )


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
        path = f"{prefix}/{rel}" if prefix else rel
        try:
            with file.open(encoding="utf-8", newline="") as handle:
                text = handle.read()
        except UnicodeDecodeError:
            out.append(
                Runbook(path, "", file.stem, file=file, error="not UTF-8 text; save it as UTF-8")
            )
            continue
        except OSError as exc:
            out.append(
                Runbook(path, "", file.stem, file=file, error=f"cannot be read: {exc.strerror}")
            )
            continue
        out.append(parse_runbook(path, text, file))
    return out


# -- state -------------------------------------------------------------------------------


def status(runbook: Runbook, today: date, policy: Policy) -> State:
    if not runbook.valid or runbook.expires is None:
        return State.INVALID
    if today >= runbook.expires:
        return State.EXPIRED
    if today >= runbook.expires - timedelta(days=policy.runbooks.warning_days):
        return State.DUE_SOON
    return State.OK


def missing_sections(runbook: Runbook) -> list[str]:
    """The template's sections that the runbook has no heading for (any level, any case)."""
    found: set[str] = set()
    in_code = False
    for line in _lines(runbook.text):
        text = _content(line)
        if _CODE_FENCE.match(text):
            in_code = not in_code
            continue
        if in_code:
            continue
        match = _HEADING.match(text)
        if match:
            found.add(_normal(match.group(2)))
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


def summary_lines(runbooks: Iterable[Runbook], today: date, policy: Policy) -> list[str]:
    """Markdown for the sweep's job summary: runbooks due soon, expired or invalid.

    Empty when every runbook is fine.
    """
    from dutydesk.templating import render

    rows = []
    for runbook in runbooks:
        state = status(runbook, today, policy)
        if state is not State.OK:
            rows.append((runbook, state))
    if not rows:
        return []
    order = {State.EXPIRED: 0, State.INVALID: 1, State.DUE_SOON: 2}
    rows.sort(key=lambda r: (order[r[1]], r[0].expires or date.max, r[0].path))
    text = render("runbook_summary.md.j2", rows=rows, today=today, states=State)
    return text.rstrip("\n").split("\n")


# -- renewal -----------------------------------------------------------------------------


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


def next_expiry(runbook: Runbook, today: date, policy: Policy) -> date:
    """When the runbook will expire again once this review is merged."""
    if runbook.convention is Convention.LAST_REVIEWED_ON and runbook.review_in:
        return add_period(today, runbook.review_in)
    return renewed_value(runbook, today, policy)


def renewed_text(runbook: Runbook, today: date, policy: Policy) -> str:
    """The runbook's text with exactly one front-matter line changed: the review date.

    Only the date itself is replaced: the key, spacing, quotes, a trailing comment and the
    line ending stay, and so does every other byte of the file.
    """
    if not runbook.valid or runbook.convention is None:
        raise ValueError(f"{runbook.path} is invalid and cannot be renewed: {runbook.error}")
    lines = _lines(runbook.text)
    block = _front_matter(lines)
    key = str(runbook.convention)
    index = _key_line(lines, block, key) if isinstance(block, _Block) else None
    if index is None:  # pragma: no cover - parse_runbook made it invalid already
        raise ValueError(f"{runbook.path}: no single `{key}:` line to renew")
    line = lines[index]
    body = _content(line)
    ending = line[len(body) :]
    match = _value_pattern(key).match(body)
    assert match is not None
    new = renewed_value(runbook, today, policy).isoformat()
    lines[index] = (
        match.group("head") + match.group("q") + new + match.group("q") + match.group("rest")
    ) + ending
    return "".join(lines)


def unified_diff(path: str, old: str, new: str) -> str:
    return "".join(
        difflib.unified_diff(_lines(old), _lines(new), fromfile=f"a/{path}", tofile=f"b/{path}")
    )


def branch_for(path: str) -> str:
    """The stable branch for a runbook's review: ``dutydesk/runbook-review/<slug of path>``."""
    stem = path.removesuffix(".md")
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
        if pull is not None and pull.state is PullState.OPEN:
            out.append(Verdict(runbook, branch, Reason.OPEN, pull))
            continue
        if pull is not None and not pull.merged and pull.closed_at is not None:
            closed_on = policy.local(pull.closed_at).date()
            resume = closed_on + timedelta(days=policy.runbooks.renotify_after_days)
            if today < resume:
                out.append(Verdict(runbook, branch, Reason.CLOSED_RECENTLY, pull, resume))
                continue
        if planned >= cap:
            out.append(Verdict(runbook, branch, Reason.CAPPED, pull))
            continue
        planned += 1
        out.append(Verdict(runbook, branch, Reason.PLANNED, pull))
    return out


def plan_renewals(
    runbooks: Iterable[Runbook],
    prs: Mapping[str, PullInfo],
    today: date,
    policy: Policy,
    commits_by_path: Mapping[str, Sequence[CommitInfo]] | None = None,
) -> list[Action]:
    """One ``open_pull_request`` action per expired runbook that needs one, at most the cap.

    ``prs`` maps review branches to the pull request that decides (see :func:`latest_pulls`).
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


def _review_action(
    verdict: Verdict, today: date, policy: Policy, commits: Sequence[CommitInfo] | None
) -> Action:
    from dutydesk.templating import render

    runbook = verdict.runbook
    assert runbook.convention is not None and runbook.expires is not None
    new_text = renewed_text(runbook, today, policy)
    key = str(runbook.convention)
    old_value = (
        runbook.expires if runbook.convention is Convention.EXPIRES else runbook.last_reviewed_on
    )
    values: dict[str, Any] = {
        "runbook": runbook,
        "key": key,
        "old_value": old_value,
        "new_value": renewed_value(runbook, today, policy),
        "next_expiry": next_expiry(runbook, today, policy),
        "since": last_review(runbook, policy),
        "commits": None if commits is None else list(commits[:MAX_COMMITS_LISTED]),
        "more_commits": 0 if commits is None else max(0, len(commits) - MAX_COMMITS_LISTED),
        "policy": policy,
        "previous": verdict.pull,
        "today": today,
        "branch": verdict.branch,
    }
    title = render("runbook_title.md.j2", **values).strip()
    return Action(
        kind=Kind.OPEN_PULL_REQUEST,
        rule=Rule.RENEWAL,
        labels=(policy.label("runbook_review"),),
        body=render("runbook_pull_request.md.j2", **values),
        extra=(
            ("path", runbook.path),
            ("branch", verdict.branch),
            ("title", title),
            ("message", render("runbook_commit.md.j2", **values).strip()),
            ("reviewers", runbook.owner),
            ("expired_on", runbook.expires.isoformat()),
            ("next_expiry", values["next_expiry"].isoformat()),
            ("diff", unified_diff(runbook.path, runbook.text, new_text)),
        ),
    )
