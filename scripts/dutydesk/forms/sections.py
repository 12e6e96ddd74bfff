"""Where each answer is in an issue body: its lines, fenced code, ``###`` headings, sections.

Only a whole line ``### <label>`` outside a closed code fence starts a section (or inside one,
for a label with no heading outside: a fence one answer left open does not swallow the answers
after it); when a label's heading occurs more than once, the occurrence that fits the template's
order wins (see the package docstring, deviations 2 to 4).
"""

from __future__ import annotations

import math
import re

from dutydesk.forms.model import JS_WHITESPACE, FormTemplate

_HEADING = re.compile(r" {0,3}### *(.*)")
_FENCE_OPEN = re.compile(r" {0,3}(?P<fence>`{3,}|~{3,})(?P<info>.*)")
_FENCE_CLOSE = re.compile(r" {0,3}(?P<fence>`{3,}|~{3,})[ \t]*")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def lines_of(body: str) -> tuple[list[str], list[int]]:
    """The lines of ``body`` (split at CRLF, LF or a lone CR) and the offset where each starts."""
    if "\r" not in body:  # the usual body: LF only, split without a regular expression
        lines = body.split("\n")
        offsets = [0] * len(lines)
        for i in range(1, len(lines)):
            offsets[i] = offsets[i - 1] + len(lines[i - 1]) + 1
        return lines, offsets
    lines = []
    starts = [0]
    for match in _LINE_BREAK.finditer(body):
        lines.append(body[starts[-1] : match.start()])
        starts.append(match.end())
    lines.append(body[starts[-1] :])
    return lines, starts


def _may_fence(line: str) -> bool:
    """Whether a line could open or close a fence (three backticks or tildes are in it)."""
    return "```" in line or "~~~" in line


def _closing_fences(
    lines: list[str], candidates: list[int]
) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """For each fence character: the length of the closing fence on each line (else 0), and
    the longest closing fence on that line or any after it. Only the `candidates` (the lines
    that may be fences) are looked at."""
    count = len(lines)
    closer = {"`": [0] * count, "~": [0] * count}
    for i in candidates:
        line = lines[i]
        match = _FENCE_CLOSE.fullmatch(line)
        if match:
            fence = match.group("fence")
            closer[fence[0]][i] = len(fence)
    longest_after = {char: [0] * (count + 1) for char in closer}
    for char, lengths in closer.items():
        for i in range(count - 1, -1, -1):
            longest_after[char][i] = max(lengths[i], longest_after[char][i + 1])
    return closer, longest_after


def fenced_lines(lines: list[str]) -> list[bool]:
    """Which lines belong to a closed fenced code block (fence lines included)."""
    count = len(lines)
    fenced = [False] * count
    candidates = [i for i, line in enumerate(lines) if _may_fence(line)]
    if not candidates:  # no fence at all: the usual body
        return fenced
    closer, longest_after = _closing_fences(lines, candidates)
    i = 0
    while i < count:
        match = _FENCE_OPEN.fullmatch(lines[i]) if _may_fence(lines[i]) else None
        if match is None or (match.group("fence")[0] == "`" and "`" in match.group("info")):
            i += 1
            continue
        char, length = match.group("fence")[0], len(match.group("fence"))
        if longest_after[char][i + 1] < length:  # never closed: not a fence
            i += 1
            continue
        end = i + 1
        while closer[char][end] < length:
            end += 1
        for line_no in range(i, end + 1):
            fenced[line_no] = True
        i = end + 1
    return fenced


def headings(lines: list[str]) -> list[tuple[int, str, bool]]:
    """``(line number, heading text, inside fenced code)`` of every ``###`` heading."""
    fenced = fenced_lines(lines)
    found: list[tuple[int, str, bool]] = []
    for line_no, line in enumerate(lines):
        if "###" not in line:
            continue
        match = _HEADING.fullmatch(line)
        text = match.group(1).rstrip(JS_WHITESPACE) if match else ""
        if text:
            found.append((line_no, text, fenced[line_no]))
    return found


def label_headings(
    template: FormTemplate, lines: list[str]
) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """For each field index, the lines of its label's heading: outside and inside fenced code."""
    index_of = {field.label: index for index, field in enumerate(template.fields)}
    outside: dict[int, list[int]] = {}
    inside: dict[int, list[int]] = {}
    for line_no, text, fenced in headings(lines):
        if text in index_of:
            (inside if fenced else outside).setdefault(index_of[text], []).append(line_no)
    return outside, inside


def _between(chosen: dict[int, int], index: int) -> tuple[float, float]:
    """The lines between which field `index`'s heading must lie, given the chosen ones."""
    before = [i for i in chosen if i < index]
    after = [i for i in chosen if i > index]
    low = chosen[max(before)] if before else -1
    high = chosen[min(after)] if after else math.inf
    return low, high


def fenced_fitting(inside: dict[int, list[int]], chosen: dict[int, int]) -> dict[int, int]:
    """Headings inside "code" for labels with none outside, where they fit the template's order.

    GitHub writes each answer under its own heading, so a fence that one answer leaves open
    (closed only by a fence in a later answer) must not swallow the headings between: a label
    found only inside such "code", in its place in the order, is the heading it really is.
    """
    found = dict(chosen)
    for index in sorted(i for i in inside if i not in chosen):
        low, high = _between(found, index)
        fitting = [line for line in inside[index] if low < line < high]
        if fitting:
            found[index] = fitting[0]
    return found


def choose_headings(occurrences: dict[int, list[int]]) -> dict[int, int]:
    """Pick, for each field index, the line whose heading starts its section.

    A label heading seen once is the section. For a label seen more than once, the occurrence
    between the sections of its neighbours in the template (those already chosen) wins, else
    the first; the others stay text of the answer they are in.
    """
    chosen = {index: lines[0] for index, lines in occurrences.items() if len(lines) == 1}
    for index in sorted(i for i, lines in occurrences.items() if len(lines) > 1):
        low, high = _between(chosen, index)
        fitting = [line for line in occurrences[index] if low < line < high]
        chosen[index] = fitting[0] if fitting else occurrences[index][0]
    return chosen


def sections(template: FormTemplate, body: str) -> dict[str, str]:
    """The raw text of each field's section in ``body``, keyed by field id."""
    lines, offsets = lines_of(body)
    outside, inside = label_headings(template, lines)
    chosen = fenced_fitting(inside, choose_headings(outside))
    starts = sorted((line_no, index) for index, line_no in chosen.items())
    found: dict[str, str] = {}
    for position, (line_no, index) in enumerate(starts):
        end = offsets[starts[position + 1][0]] if position + 1 < len(starts) else len(body)
        begin = offsets[line_no + 1] if line_no + 1 < len(offsets) else len(body)
        found[template.fields[index].id] = body[begin:end]
    return found
