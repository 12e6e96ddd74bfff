"""Reading the answers of an issue body, in the JSON shape of ``@github/issue-parser``."""

from __future__ import annotations

import re
from typing import Any

from dutydesk.forms.model import (
    NO_RESPONSE,
    NO_SELECTION,
    FieldType,
    FormField,
    FormTemplate,
    js_trim,
)
from dutydesk.forms.sections import sections

_CHECKBOX = re.compile(r"[-*+]\s+\[(?P<mark>[ xX])\]\s+(?P<label>.*)")
_DROPDOWN_SEPARATOR = re.compile(r", *")
_RENDERED_FENCE = re.compile(r"(?P<fence>`{3,})[^`\n]*\n(?P<text>.*)\n(?P=fence)", re.DOTALL)


def parse_body(template: FormTemplate, body: str | None) -> dict[str, Any]:
    """Read the answers of an issue created from ``template`` out of its body.

    Returns one key per field id: text or ``None`` for inputs and textareas, a list of selected
    options for dropdowns, ``{"selected": [...], "unselected": [...]}`` for checkboxes. Missing
    or empty sections give ``None``, ``[]`` or empty lists. Never raises on any body text.
    """
    found = sections(template, body) if body else {}
    return {field.id: _format(field, found.get(field.id)) for field in template.fields}


def _clean(raw: str) -> str:
    """Trim an answer exactly as the reference parser does."""
    return js_trim(raw).replace("\r", "").strip("\n")


def _is_empty(value: str) -> bool:
    return value.lower() in ("", NO_RESPONSE.lower(), NO_SELECTION.lower())


def _empty_answer(field: FormField) -> Any:
    if field.type is FieldType.DROPDOWN:
        return []
    if field.type is FieldType.CHECKBOXES:
        return {"selected": [], "unselected": []}
    return None


def _format(field: FormField, raw: str | None) -> Any:
    if raw is None:
        return _empty_answer(field)
    value = _clean(raw)
    if _is_empty(value):
        return _empty_answer(field)
    if field.type is FieldType.DROPDOWN:
        return _split_dropdown(value, field.options)
    if field.type is FieldType.CHECKBOXES:
        return _checkboxes(value, field.options)
    if field.render:
        match = _RENDERED_FENCE.fullmatch(value)
        if match:
            inner = _clean(match.group("text"))
            return None if _is_empty(inner) else inner
    return value


#: An HTML comment, which GitHub renders as nothing: a `- [x]` inside one ticks nothing.
_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)


def _checkboxes(value: str, options: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """The ticked and unticked labels of the checkbox items (other lines are not counted).

    An option whose label spans several lines (`label: |`) is written by GitHub as an item
    followed by the rest of its lines: an item whose lines match such an option is that option.
    """
    selected: list[str] = []
    unselected: list[str] = []
    lines = _HTML_COMMENT.sub("", value).split("\n")
    for index, line in enumerate(lines):
        match = _CHECKBOX.fullmatch(js_trim(line))
        if match and match.group("label"):
            target = unselected if match.group("mark") == " " else selected
            target.append(_whole_option(match.group("label"), lines[index + 1 :], options))
    return {"selected": selected, "unselected": unselected}


def _whole_option(label: str, after: list[str], options: tuple[str, ...]) -> str:
    """The multi-line option that `label` and the lines `after` it spell, else `label`."""
    for option in options:
        first, *rest = [js_trim(part) for part in js_trim(option).split("\n")]
        if rest and first == label and [js_trim(x) for x in after[: len(rest)]] == rest:
            return option
    return label


def _split_dropdown(value: str, options: tuple[str, ...]) -> list[str]:
    """Split ``A, B`` into selections, keeping options that contain ``", "`` whole.

    Chooses the split with the fewest pieces that are not options, then the fewest pieces;
    with no known option involved this is the reference's ``value.split(/, */)``.
    """
    known = set(options)
    if value in known:
        return [value]
    separators = list(_DROPDOWN_SEPARATOR.finditer(value))
    starts = [0] + [s.end() for s in separators]
    ends = [s.start() for s in separators] + [len(value)]
    reach = 1 + max((option.count(",") for option in options), default=0)
    count = len(starts)
    # best[i]: (pieces that are not options, pieces, next start) for value[starts[i]:]
    best: list[tuple[int, int, int]] = [(0, 0, count)] * (count + 1)
    for i in range(count - 1, -1, -1):
        candidates = []
        for j in range(i, min(count, i + reach)):
            piece = value[starts[i] : ends[j]]
            if j > i and piece not in known:
                continue
            unknown = 0 if piece in known else 1
            candidates.append((best[j + 1][0] + unknown, best[j + 1][1] + 1, j + 1))
        best[i] = min(candidates)
    pieces: list[str] = []
    i = 0
    while i < count:
        following = best[i][2]
        pieces.append(value[starts[i] : ends[following - 1]])
        i = following
    return pieces
