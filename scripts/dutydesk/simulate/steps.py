"""One step of a scenario: who does what, when. A table maps each verb to its parser.

A step is a mapping with `at` (ISO 8601 with an offset), `by` (a GitHub login) and exactly one
verb: `open: FORM` (with `title` and `fields`), or one of comment, edit, assign, label, close,
reopen, edit_comment, delete_comment, delete_revision, each a mapping naming the `issue` it
acts on.

`edit: {issue, fields, title}` changes the answers named in `fields`, the title, or both.
A comment may carry a `name`, by which `edit_comment: {issue, name, body}` and
`delete_comment: {issue, name}` find it later; those act as the step's `by`, who must be the
comment's author or have write access (as on github.com), else the step is refused.
`delete_revision: {issue, revision: K}` deletes the K-th version of the issue's body from its
edit history (1 = as opened; the current version cannot be deleted), as the issue's author or
a writer. A step GitHub would refuse is a scenario error naming the step.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dutydesk.errors import ScenarioError
from dutydesk.people import is_login

STEP_VERBS = (
    "open",
    "comment",
    "edit",
    "assign",
    "label",
    "close",
    "reopen",
    "edit_comment",
    "delete_comment",
    "delete_revision",
)
VERB_KEYS: dict[str, tuple[set[str], set[str]]] = {
    # verb: (required keys, optional keys) of its mapping
    "comment": ({"issue", "body"}, {"name"}),
    "edit_comment": ({"issue", "name", "body"}, set()),
    "delete_comment": ({"issue", "name"}, set()),
    "delete_revision": ({"issue", "revision"}, set()),
    "edit": ({"issue"}, {"fields", "title"}),
    "assign": ({"issue", "users"}, set()),
    "label": ({"issue"}, {"add", "remove"}),
    "close": ({"issue"}, set()),
    "reopen": ({"issue"}, set()),
}
OPEN_KEYS = {"title", "fields"}  # beside `open:` in the step itself


@dataclass(frozen=True)
class Step:
    index: int
    at: datetime
    by: str
    verb: str
    data: Mapping[str, Any]

    def describe(self) -> str:
        return DESCRIBE.get(self.verb, _acts)(self)


def _opens(step: Step) -> str:
    return f"{step.by} opens {step.data['form']}: {step.data.get('title', '')}"


def _comments(step: Step) -> str:
    first = str(step.data.get("body", "")).strip().splitlines()[0:1]
    return f"{step.by} comments on #{step.data['issue']}: {first[0] if first else ''}"


def _edits(step: Step) -> str:
    changed = [*(["title"] if "title" in step.data else []), *step.data.get("fields", {})]
    return f"{step.by} edits #{step.data['issue']}: " + ", ".join(changed)


def _assigns(step: Step) -> str:
    users = ", ".join(step.data.get("users", []))
    return f"{step.by} assigns #{step.data['issue']} to {users}"


def _labels(step: Step) -> str:
    d = step.data
    return f"{step.by} labels #{d['issue']}: +{d.get('add', [])} -{d.get('remove', [])}"


def _edits_comment(step: Step) -> str:
    first = str(step.data.get("body", "")).strip().splitlines()[0:1]
    text = first[0] if first else ""
    return f"{step.by} edits comment {step.data['name']!r} on #{step.data['issue']}: {text}"


def _deletes_comment(step: Step) -> str:
    return f"{step.by} deletes comment {step.data['name']!r} on #{step.data['issue']}"


def _deletes_revision(step: Step) -> str:
    d = step.data
    return f"{step.by} deletes revision {d['revision']} of #{d['issue']} from its edit history"


def _acts(step: Step) -> str:
    return f"{step.by} {step.verb}s #{step.data['issue']}"


DESCRIBE: dict[str, Callable[[Step], str]] = {
    "open": _opens,
    "comment": _comments,
    "edit": _edits,
    "assign": _assigns,
    "label": _labels,
    "edit_comment": _edits_comment,
    "delete_comment": _deletes_comment,
    "delete_revision": _deletes_revision,
}


# -- reading -------------------------------------------------------------------------------


def when(value: Any, where: str) -> datetime:
    """An aware moment: a YAML timestamp or ISO 8601 text with a UTC offset."""
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            raise ScenarioError(f"{where}: {value!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise ScenarioError(
            f"{where}: '{moment.isoformat()}' has no UTC offset (write e.g. +00:00)"
        )
    return moment


def strings(value: Any, where: str, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ScenarioError(f"{where}: {what} must be a list of names, e.g. [alice, bob]")
    return tuple(value)


def parse_step(raw: Any, index: int, where: str, opened: int) -> Step:
    """Step number `index`, when `opened` issues exist before it."""
    if not isinstance(raw, dict):
        raise ScenarioError(f"{where}: a step is a mapping with at, by and one action")
    if "at" not in raw or "by" not in raw:
        raise ScenarioError(f"{where}: needs `at` and `by`")
    at = when(raw["at"], where)
    by = raw["by"]
    if not isinstance(by, str) or not is_login(by, app=True):
        raise ScenarioError(f"{where}: by {by!r} is not a GitHub login")
    verb = _verb(raw, where)
    data = PARSERS[verb](raw, where, opened)
    return Step(index=index, at=at, by=by, verb=verb, data=data)


def _verb(raw: Mapping[Any, Any], where: str) -> str:
    verbs = [v for v in STEP_VERBS if v in raw]
    if len(verbs) != 1:
        raise ScenarioError(f"{where}: needs exactly one of " + ", ".join(STEP_VERBS))
    allowed = {"at", "by", verbs[0]} | (OPEN_KEYS if verbs[0] == "open" else set())
    extra = set(raw) - allowed
    if extra:
        raise ScenarioError(f"{where}: unknown keys " + ", ".join(sorted(map(str, extra))))
    return verbs[0]


StepParser = Callable[[Mapping[str, Any], str, int], dict[str, Any]]
"""(the step's mapping, where it is, issues opened before it) -> the step's data."""


def _open(raw: Mapping[str, Any], where: str, opened: int) -> dict[str, Any]:
    if not isinstance(raw["open"], str):
        raise ScenarioError(f"{where}: open names a form, e.g. `open: incident`")
    fields = raw.get("fields") or {}
    if not isinstance(fields, dict):
        raise ScenarioError(f"{where}: fields are answers by field id")
    title = raw.get("title") or ""
    if not isinstance(title, str):
        raise ScenarioError(f"{where}: title must be text")
    return {"form": raw["open"], "title": title, "fields": fields}


def _on_issue(verb: str, check: Callable[[Mapping[str, Any], str], None]) -> StepParser:
    """The parser of a verb that acts on an issue: its mapping's keys, the issue, then
    `check` for the verb's own values."""

    def parse(raw: Mapping[str, Any], where: str, opened: int) -> dict[str, Any]:
        value = raw[verb]
        _keys(verb, value, where)
        _issue(value["issue"], where, opened)
        check(value, where)
        return dict(value)

    return parse


def _keys(verb: str, value: Any, where: str) -> None:
    required, optional = VERB_KEYS[verb]
    if not isinstance(value, dict):
        raise ScenarioError(f"{where}: {verb} needs a mapping with " + ", ".join(sorted(required)))
    missing, unknown = required - set(value), set(value) - required - optional
    if missing or unknown:
        raise ScenarioError(
            f"{where}: {verb} takes "
            + ", ".join(sorted(required | optional))
            + (f"; missing {', '.join(sorted(missing))}" if missing else "")
            + (f"; unknown {', '.join(sorted(map(str, unknown)))}" if unknown else "")
        )


def _issue(number: Any, where: str, opened: int) -> None:
    if isinstance(number, bool) or not isinstance(number, int):
        raise ScenarioError(f"{where}: issue must be an issue number")
    if not 1 <= number <= opened:
        raise ScenarioError(f"{where}: there is no issue #{number} yet")


def _body(value: Mapping[str, Any], where: str) -> None:
    if not isinstance(value["body"], str):
        raise ScenarioError(f"{where}: comment needs a `body` of text")
    if "name" in value:
        _name(value, where)


def _name(value: Mapping[str, Any], where: str) -> None:
    if not isinstance(value["name"], str) or not value["name"].strip():
        raise ScenarioError(f"{where}: a comment's `name` is a word that names it, e.g. ack")


def _fields(value: Mapping[str, Any], where: str) -> None:
    if "fields" not in value and "title" not in value:
        raise ScenarioError(f"{where}: edit needs `fields` (answers by field id), `title`, or both")
    if "fields" in value and not isinstance(value["fields"], dict):
        raise ScenarioError(f"{where}: edit needs `fields`, answers by field id")
    if "title" in value and (not isinstance(value["title"], str) or not value["title"].strip()):
        raise ScenarioError(f"{where}: edit's `title` is the issue's new title, as text")


def _revision(value: Mapping[str, Any], where: str) -> None:
    k = value["revision"]
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ScenarioError(
            f"{where}: delete_revision's `revision` is a number, 1 for the body as opened"
        )


def _users(value: Mapping[str, Any], where: str) -> None:
    strings(value["users"], where, "assign.users")


def _label_names(value: Mapping[str, Any], where: str) -> None:
    for key in ("add", "remove"):
        if key in value:
            strings(value[key], where, f"label.{key}")


def _nothing_more(value: Mapping[str, Any], where: str) -> None:
    """The issue is all the verb takes."""


PARSERS: dict[str, StepParser] = {
    "open": _open,
    "comment": _on_issue("comment", _body),
    "edit": _on_issue("edit", _fields),
    "assign": _on_issue("assign", _users),
    "label": _on_issue("label", _label_names),
    "close": _on_issue("close", _nothing_more),
    "reopen": _on_issue("reopen", _nothing_more),
    "edit_comment": _on_issue("edit_comment", _body),
    "delete_comment": _on_issue("delete_comment", _name),
    "delete_revision": _on_issue("delete_revision", _revision),
}
