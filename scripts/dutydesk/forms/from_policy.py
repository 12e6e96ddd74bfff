"""The parts of the issue forms that come from the policy, so that a form never says what the
policy does not: the priority table and options, the notice, the on-call hours, the time zone.

A form marks each such part with two YAML comment lines, which GitHub ignores:

    # dutydesk:policy priority-options
      options:
        - "P1 Critical – Complete outage or ongoing unauthorised access"
    # dutydesk:end

`sync` rewrites the lines between the markers from the policy, at the indentation of the first
line after the opening marker (or of the marker itself), and leaves every other line as it is:
a team words the rest of its forms as it likes. `dutydesk forms` writes the result and
`dutydesk forms --check` (and `validate`) report a form whose parts are out of step.

Dropdown options never contain ", ": GitHub joins a multiple-choice answer with ", ", so tools
that read forms with GitHub's reference parser would split such an option in two.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import time

from dutydesk.policy import PRIORITY_IDS, Policy, Priority
from dutydesk.time.schedule import TimeRange

_BEGIN = re.compile(r"^(?P<indent> *)# dutydesk:policy (?P<name>[a-z-]+)\s*$")
_END = re.compile(r"^ *# dutydesk:end\s*$")


class RegionError(ValueError):
    """A form's policy markers are broken (an unknown part, or a part that is never closed)."""


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is YAML's)."""
    return json.dumps(text, ensure_ascii=False)


def zone_words(policy: Policy) -> str:
    """How the forms name the policy's time zone: "UK local time", or "local time
    (America/New_York)"."""
    key = policy.timezone.key
    return "UK local time" if key == "Europe/London" else f"local time ({key})"


def option_text(priority: Priority) -> str:
    """A priority's dropdown option: `P1 Critical – example`, with no ", " in it."""
    example = re.sub(r",\s+(?=(?:or|and)\b)", " ", priority.example)
    return f"{priority.id} {priority.name} – {example}".replace(", ", "; ")


def _clock(moment: time) -> str:
    if moment == time(0):
        return "midnight"
    hour = moment.hour % 12 or 12
    suffix = "am" if moment.hour < 12 else "pm"
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    return f"{hour}{minutes}{suffix}"


def _ranges(ranges: tuple[TimeRange, ...]) -> str:
    words = [f"{_clock(r.start)}–{_clock(r.end)}" for r in ranges]
    return " and ".join(words) if words else "never"


def _update_words(priority: Priority) -> str:
    if priority.update_every is not None:
        return str(priority.update_every)
    if priority.update_after is not None:
        return f"Once after {priority.update_after}"
    return "—"


def notice_words(notice: object) -> str:
    """`48 hours' notice`, `1 business day's notice`."""
    text = str(notice)
    return f"{text}' notice" if text.endswith("s") else f"{text}'s notice"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


# -- the parts, each as lines at indentation 0 ------------------------------------------------


def _priority_table(policy: Policy) -> list[str]:
    rows = [
        f"| **{p.id}** {_cell(p.name)} | {_cell(p.example)} | {p.response} | {_update_words(p)} |"
        for p in (policy.priorities[pid] for pid in PRIORITY_IDS)
    ]
    return [
        "- type: markdown",
        "  attributes:",
        "    value: |",
        "      | Priority | What it means | Response time | Update frequency |",
        "      | --- | --- | --- | --- |",
        *(f"      {row}" for row in rows),
        "",
        "      If you are unsure, pick the higher priority: the responder can lower it.",
    ]


def _priority_options(policy: Policy) -> list[str]:
    options = [option_text(policy.priorities[pid]) for pid in PRIORITY_IDS]
    return ["options:", *(f"  - {_quoted(o)}" for o in options)]


def _started_at(policy: Policy) -> list[str]:
    return [f"placeholder: {_quoted(f'YYYY-MM-DD HH:MM ({zone_words(policy)})')}"]


def _change_description(policy: Policy) -> list[str]:
    notice = notice_words(policy.changes.notice)
    text = f"Ask for on-call support for a planned change outside support hours ({notice})."
    return [f"description: {_quoted(text)}"]


def _change_intro(policy: Policy) -> list[str]:
    notice = notice_words(policy.changes.notice)
    on_call = policy.on_call
    return [
        "- type: markdown",
        "  attributes:",
        "    value: |",
        "      Use this form to ask for support with a planned change that has to happen outside",
        f"      support hours. Give **at least {notice}**: later requests may not be",
        "      approved.",
        "",
        f"      Write times in {zone_words(policy)} as `YYYY-MM-DD HH:MM` (for example",
        "      `2025-03-14 22:00`), or in ISO 8601 with an offset (for example",
        "      `2025-03-14T22:00+00:00`).",
        "",
        f"      On-call hours (set in `policy.yaml`) are {_ranges(on_call.working_days)} on working",
        f"      days, and {_ranges(on_call.other_days)} at weekends and on bank holidays. Nobody is",
        "      on call outside them, so schedule the change inside them.",
    ]


def _time_description(policy: Policy) -> list[str]:
    return [f"description: {_quoted(f'{zone_words(policy)}, or ISO 8601 with an offset.')}"]


def _maintenance_description(policy: Policy) -> list[str]:
    notice = policy.changes.maintenance_notice
    text = f"Tell us about planned downtime at least {notice} in advance."
    return [f"description: {_quoted(text)}"]


def _maintenance_intro(policy: Policy) -> list[str]:
    notice = notice_words(policy.changes.maintenance_notice)
    return [
        "- type: markdown",
        "  attributes:",
        "    value: |",
        "      Use this form for planned work that will make a service unavailable or degraded for",
        f"      its users. Give **at least {notice}** so that users can be told in time.",
        "",
        f"      Write times in {zone_words(policy)} as `YYYY-MM-DD HH:MM`, or in ISO 8601 with an",
        "      offset. If the work happens outside support hours, also file an out-of-hours",
        "      change request.",
    ]


PARTS: dict[str, Callable[[Policy], list[str]]] = {
    "priority-table": _priority_table,
    "priority-options": _priority_options,
    "started-at-placeholder": _started_at,
    "change-description": _change_description,
    "change-intro": _change_intro,
    "time-description": _time_description,
    "maintenance-description": _maintenance_description,
    "maintenance-intro": _maintenance_intro,
}


# -- rewriting a form -------------------------------------------------------------------------


@dataclass(frozen=True)
class Synced:
    """A form's text with its policy parts rewritten, and the parts that changed."""

    text: str
    parts: tuple[str, ...]  # every part the form marks
    changed: tuple[str, ...]  # the parts whose text the policy changed


def _regions(lines: list[str]) -> Iterator[tuple[int, int, str, int]]:
    """(begin line, end line, part name, indentation) of every marked part."""
    index = 0
    while index < len(lines):
        begin = _BEGIN.match(lines[index])
        if begin is None:
            index += 1
            continue
        name = begin.group("name")
        if name not in PARTS:
            known = ", ".join(PARTS)
            raise RegionError(f"line {index + 1}: unknown policy part {name!r} (known: {known})")
        end = next((i for i in range(index + 1, len(lines)) if _END.match(lines[i])), None)
        if end is None:
            raise RegionError(
                f"line {index + 1}: `# dutydesk:policy {name}` has no `# dutydesk:end`"
            )
        yield index, end, name, _indent(lines[index + 1 : end], len(begin.group("indent")))
        index = end + 1


def _indent(body: list[str], default: int) -> int:
    for line in body:
        if line.strip():
            return len(line) - len(line.lstrip(" "))
    return default


def sync(text: str, policy: Policy) -> Synced:
    """The form's text with every marked part written from the policy."""
    lines = text.split("\n")
    out: list[str] = []
    parts: list[str] = []
    changed: list[str] = []
    position = 0
    for begin, end, name, indent in _regions(lines):
        wanted = [(" " * indent + line) if line else "" for line in PARTS[name](policy)]
        out += lines[position : begin + 1] + wanted
        parts.append(name)
        if lines[begin + 1 : end] != wanted:
            changed.append(name)
        position = end
    out += lines[position:]
    return Synced("\n".join(out), tuple(parts), tuple(changed))
