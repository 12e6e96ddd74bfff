"""A runbook's text, line by line: the front matter's fences, its one review-date line, and
Markdown headings.

Lines keep their endings (only ``\\n`` and ``\\r\\n`` end one, as in YAML and git), so that a
renewal can change one line and leave every other byte as it was.

Emits: nothing (read by parse.py and renewal.py)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import yaml

_FENCE_OPEN = re.compile(r"^---[ \t]*$")
_FENCE_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*$")
HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]*(.*?)[ \t]*#*[ \t]*$")
CODE_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_ERB = re.compile(r"<%.*?%>", re.DOTALL)


def split_lines(text: str) -> list[str]:
    """Lines with their endings kept; only \\n (and \\r\\n) end a line, as in YAML and git."""
    return re.findall(r"[^\n]*\n|[^\n]+$", text)


def content(line: str) -> str:
    """A line less its ending."""
    if line.endswith("\r\n"):
        return line[:-2]
    if line.endswith("\n"):
        return line[:-1]
    return line


class FrontMatterLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text, so that a wrong date gets a message we write."""


FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class Block:
    start: int  # index of the first line inside the front matter
    end: int  # index of the closing fence line


def has_front_matter(lines: Sequence[str]) -> bool:
    """Does the text open with a `---` line (after a byte order mark)?"""
    return bool(lines) and bool(_FENCE_OPEN.match(content(lines[0]).lstrip("\ufeff")))


def front_matter(lines: Sequence[str]) -> Block | str:
    """Where the front matter is, or a message saying what is wrong with its fences."""
    if not has_front_matter(lines):
        return "no front matter: start the file with a `---` line, the keys, and another `---`"
    for index in range(1, len(lines)):
        if _FENCE_CLOSE.match(content(lines[index])):
            return Block(1, index)
    return "the front matter has no closing `---` line"


def yaml_text(lines: Sequence[str], block: Block) -> str:
    """The front matter's lines, as YAML with LF endings."""
    return "".join(content(line) + "\n" for line in lines[block.start : block.end])


def heading_title(lines: Sequence[str], block: Block | None, fallback: str) -> str:
    """The first level-1 heading outside code, less ERB tags (``<%= ... %>``) and a trailing
    "Runbook"; else the file name."""
    start = block.end + 1 if block is not None else 0
    in_code = False
    for line in lines[start:]:
        if CODE_FENCE.match(content(line)):
            in_code = not in_code
        match = None if in_code else HEADING.match(content(line))
        text = " ".join(_ERB.sub(" ", match.group(2)).split()) if match else ""
        if match and len(match.group(1)) == 1 and text:
            title = re.sub(r"\s+runbook$", "", text, flags=re.IGNORECASE)
            return title or text
    return fallback


def key_line(lines: Sequence[str], block: Block, key: str) -> int | None:
    """The index of the one top-level line holding ``key: <date>`` (quoted or not)."""
    pattern = value_pattern(key)
    found = [
        i
        for i in range(block.start, block.end)
        if re.match(rf"^{re.escape(key)}[ \t]*:", content(lines[i]))
    ]
    if len(found) != 1 or not pattern.match(content(lines[found[0]])):
        return None
    return found[0]


def value_pattern(key: str) -> re.Pattern[str]:
    """``key: 2026-11-02`` (or YAML's ``2026-1-5``) with its parts named: head, q (the
    quote), value and rest."""
    return re.compile(
        rf"^(?P<head>{re.escape(key)}[ \t]*:[ \t]*)(?P<q>[\"']?)"
        r"(?P<value>\d{4}-\d{1,2}-\d{1,2})(?P=q)(?P<rest>[ \t]*(?:#.*)?)$"
    )
