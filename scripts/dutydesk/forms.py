"""GitHub issue forms: load the templates, parse rendered issue bodies, render bodies.

GitHub renders an issue form's answers into the issue body as ``### <label>`` sections joined by
blank lines: an empty input or textarea as ``_No response_``, a dropdown without a selection as
``None``, a multiple-choice dropdown as ``A, B``, and every checkbox option as ``- [X] label`` or
``- [ ] label``. :func:`parse_body` turns such a body back into answers, in the JSON shape of
GitHub's reference parser, npm ``@github/issue-parser`` 2.0.0, used with a template:

- input, textarea: the trimmed text, or ``None`` for ``_No response_``, ``None`` or nothing;
- dropdown: the list of selected options (``[]`` when empty);
- checkboxes: ``{"selected": [...], "unselected": [...]}``.

Values are trimmed exactly as the reference trims them (JavaScript ``String.trim``, then every
carriage return removed, then leading and trailing newlines removed); its fixtures and recorded
outputs live in ``tests/fixtures/issue-parser/``.

Deliberate deviations from the reference, each for robustness:

1. Every field of the template has a key. A field whose section is missing, or whose section is
   empty, is ``None`` / ``[]`` / ``{"selected": [], "unselected": []}``; the reference leaves the
   key out (or sets it to ``undefined``, which JSON drops).
2. Only a whole line ``### <label>`` starts a section (up to three spaces of indentation, as in
   Markdown), and every other line is text of the section it is in. The reference also splits at
   ``###`` in the middle of a line, and when an answer begins with a ``###`` line (such as
   ``#### Details``) it drops that section and appends its text to the section before it.
3. A ``### <label>`` line inside a fenced code block (three or more backticks or tildes) is
   text. A fence that is never closed is not treated as a fence, so that one stray fence cannot
   swallow the rest of the form.
4. When a label's heading occurs more than once, the occurrence that fits the template's order
   between the sections around it starts the section (else the first); the other occurrences are
   text of the section they are in. The reference keeps the last one, losing the first answer.
5. Checkbox sections count only lines that are checkbox items (``- [x] label``, any bullet,
   ``x`` in either case); the reference files any other line, even a blank one, as unselected.
6. A dropdown answer is split into options with the template's options in mind, so that an option
   containing ``", "`` (the incident priorities do) stays whole; text that matches no option is
   split at commas as the reference does.
7. A textarea with ``render:`` is rendered by GitHub inside a code fence; that fence is removed
   from the parsed answer (the reference keeps it), so that parsing undoes rendering.

Lines end at LF, CRLF or a lone CR, as for the reference. Headings that are not labels of the
template, such as a ``### Timeline`` a reporter typed into a textarea, stay in the text of the
answer they are in, as in the reference. Text before the first section is ignored.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "FieldType",
    "FormError",
    "FormField",
    "FormTemplate",
    "identify_form",
    "load_template",
    "load_templates",
    "parse_body",
    "render_body",
]

NO_RESPONSE = "_No response_"
"""What GitHub writes for an empty input or textarea."""
NO_SELECTION = "None"
"""What GitHub writes for a dropdown with nothing selected."""


class FieldType(StrEnum):
    """The type of an issue-form body element."""

    INPUT = "input"
    TEXTAREA = "textarea"
    DROPDOWN = "dropdown"
    CHECKBOXES = "checkboxes"
    MARKDOWN = "markdown"


@dataclass(frozen=True)
class FormField:
    """One answerable field of an issue form (never a markdown block).

    ``id`` is the field's ``id:``, or its label made into a key as the reference parser does
    (``"The Name"`` becomes ``"the_name"``). ``options`` are the dropdown options or the
    checkbox labels. ``render`` is a textarea's ``render:`` language, or ``""``.
    """

    id: str
    type: FieldType
    label: str
    options: tuple[str, ...] = ()
    required: bool = False
    multiple: bool = False
    render: str = ""


@dataclass(frozen=True)
class FormTemplate:
    """An issue form template, as far as dutydesk needs it."""

    name: str
    """The template's file name without its extension: the form's kind, e.g. ``"incident"``."""
    title: str
    """The form's ``name:``."""
    labels: tuple[str, ...]
    title_prefix: str
    """The form's ``title:``, or ``""``."""
    fields: tuple[FormField, ...]
    """The answerable fields, in order (markdown blocks left out)."""

    def field(self, id: str) -> FormField | None:
        """The field with this id, or ``None``."""
        for candidate in self.fields:
            if candidate.id == id:
                return candidate
        return None


class FormError(ValueError):
    """An issue-form template that cannot be used; the message names the file, key and problem."""


# --------------------------------------------------------------------------------------------
# Loading templates

_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]+")


def load_template(path: Path) -> FormTemplate:
    """Load one issue-form template (``.yml`` or ``.yaml``).

    Raises :class:`FormError` when the file cannot be read, is not YAML, or is not a usable
    issue form (no ``name`` or ``body``, a field without a label, options that are not text...).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FormError(f"{path}: cannot read the file: {exc}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise FormError(f"{path}: not valid YAML: {exc}") from exc
    return _Builder(path).template(data)


def load_templates(folder: Path) -> dict[str, FormTemplate]:
    """Load every ``*.yml`` / ``*.yaml`` form in ``folder`` except ``config.yml``, keyed by name."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FormError(f"{folder}: not a folder of issue-form templates")
    templates: dict[str, FormTemplate] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix not in (".yml", ".yaml") or path.stem == "config" or not path.is_file():
            continue
        template = load_template(path)
        if template.name in templates:
            raise FormError(
                f"{path}: another file in {folder} already defines the form {template.name!r}"
            )
        templates[template.name] = template
    return templates


def _kind(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"the boolean {value!r} (quote it to make it text)"
    if isinstance(value, int | float):
        return f"the number {value!r} (quote it to make it text)"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


class _Builder:
    """Turns a parsed YAML document into a :class:`FormTemplate`, naming the key in errors."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def error(self, key: str, problem: str) -> FormError:
        return FormError(f"{self.path}: key {key!r}: {problem}")

    def text(self, value: object, key: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, f"expected non-empty text, found {_kind(value)}")
        return value

    def flag(self, value: object, key: str) -> bool:
        if value is None:
            return False
        if not isinstance(value, bool):
            raise self.error(key, f"expected true or false, found {_kind(value)}")
        return value

    def mapping(self, value: object, key: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.error(key, f"expected a mapping, found {_kind(value)}")
        return value

    def template(self, data: object) -> FormTemplate:
        if not isinstance(data, dict):
            raise FormError(
                f"{self.path}: expected a mapping with keys such as name and body at the top "
                f"level, found {_kind(data)}"
            )
        title = self.text(data.get("name"), "name")
        title_prefix = data.get("title")
        title_prefix = "" if title_prefix is None else self.text(title_prefix, "title")
        body = data.get("body")
        if body is None:
            raise self.error("body", "missing: an issue form needs a body list of fields")
        if not isinstance(body, list) or not body:
            raise self.error("body", f"expected a non-empty list of fields, found {_kind(body)}")
        fields: list[FormField] = []
        for index, item in enumerate(body):
            built = self.field(item, f"body[{index}]")
            if built is None:
                continue
            for other in fields:
                if other.id == built.id:
                    raise self.error(f"body[{index}].id", f"{built.id!r} is used twice")
                if other.label == built.label:
                    raise self.error(
                        f"body[{index}].attributes.label", f"{built.label!r} is used twice"
                    )
            fields.append(built)
        return FormTemplate(
            name=self.path.stem,
            title=title,
            labels=self.labels(data.get("labels")),
            title_prefix=title_prefix,
            fields=tuple(fields),
        )

    def labels(self, value: object) -> tuple[str, ...]:
        if value is None:
            return ()
        if isinstance(value, str):  # GitHub also takes a comma-separated string
            return tuple(part.strip() for part in value.split(",") if part.strip())
        if not isinstance(value, list):
            raise self.error("labels", f"expected a list of label names, found {_kind(value)}")
        return tuple(self.text(label, f"labels[{i}]") for i, label in enumerate(value))

    def field(self, item: object, where: str) -> FormField | None:
        item = self.mapping(item, where)
        raw_type = item.get("type")
        if not isinstance(raw_type, str) or raw_type not in {t.value for t in FieldType}:
            allowed = ", ".join(t.value for t in FieldType)
            raise self.error(f"{where}.type", f"expected one of {allowed}, found {_kind(raw_type)}")
        field_type = FieldType(raw_type)
        attributes = self.mapping(item.get("attributes"), f"{where}.attributes")
        if field_type is FieldType.MARKDOWN:
            self.text(attributes.get("value"), f"{where}.attributes.value")
            return None
        label = self.text(attributes.get("label"), f"{where}.attributes.label")
        field_id = item.get("id")
        if field_id is None:
            field_id = _slug(label)
            if not field_id:
                raise self.error(f"{where}.id", f"needed: the label {label!r} makes no key")
        elif not isinstance(field_id, str) or not _ID_PATTERN.fullmatch(field_id):
            raise self.error(
                f"{where}.id", f"expected letters, digits, - and _ only, found {_kind(field_id)}"
            )
        validations = item.get("validations")
        required = False
        if validations is not None:
            validations = self.mapping(validations, f"{where}.validations")
            required = self.flag(validations.get("required"), f"{where}.validations.required")
        options: tuple[str, ...] = ()
        multiple = False
        render = ""
        if field_type is FieldType.DROPDOWN:
            options = self.options(attributes.get("options"), f"{where}.attributes.options")
            multiple = self.flag(attributes.get("multiple"), f"{where}.attributes.multiple")
        elif field_type is FieldType.CHECKBOXES:
            key = f"{where}.attributes.options"
            raw_options = attributes.get("options")
            if not isinstance(raw_options, list) or not raw_options:
                raise self.error(key, f"expected a non-empty list, found {_kind(raw_options)}")
            options = tuple(
                self.text(self.mapping(o, f"{key}[{i}]").get("label"), f"{key}[{i}].label")
                for i, o in enumerate(raw_options)
            )
        elif field_type is FieldType.TEXTAREA and attributes.get("render") is not None:
            render = self.text(attributes.get("render"), f"{where}.attributes.render")
        return FormField(
            id=field_id,
            type=field_type,
            label=label,
            options=options,
            required=required,
            multiple=multiple,
            render=render,
        )

    def options(self, value: object, key: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not value:
            raise self.error(key, f"expected a non-empty list of options, found {_kind(value)}")
        options = tuple(self.text(option, f"{key}[{i}]") for i, option in enumerate(value))
        if len(set(options)) != len(options):
            raise self.error(key, "an option is listed twice")
        return options


def _slug(label: str) -> str:
    """The reference parser's ``formatKey``: the key of a field that has no id."""
    key = re.sub(r"[^a-z0-9]", "_", _js_trim(label).lower())
    return re.sub(r"_+", "_", key.strip("_"))


# --------------------------------------------------------------------------------------------
# Parsing bodies

# JavaScript's String.prototype.trim() whitespace (WhiteSpace and LineTerminator), which is not
# quite Python's: it has U+FEFF, and lacks U+001C-U+001F and U+0085.
_JS_WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_HEADING = re.compile(r" {0,3}### *(.*)")
_FENCE_OPEN = re.compile(r" {0,3}(?P<fence>`{3,}|~{3,})(?P<info>.*)")
_FENCE_CLOSE = re.compile(r" {0,3}(?P<fence>`{3,}|~{3,})[ \t]*")
_CHECKBOX = re.compile(r"[-*+]\s+\[(?P<mark>[ xX])\]\s+(?P<label>.*)")
_DROPDOWN_SEPARATOR = re.compile(r", *")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_RENDERED_FENCE = re.compile(r"(?P<fence>`{3,})[^`\n]*\n(?P<text>.*)\n(?P=fence)", re.DOTALL)


def _js_trim(text: str) -> str:
    return text.strip(_JS_WHITESPACE)


def _clean(raw: str) -> str:
    """Trim an answer exactly as the reference parser does."""
    return _js_trim(raw).replace("\r", "").strip("\n")


def _is_empty(value: str) -> bool:
    return value.lower() in ("", NO_RESPONSE.lower(), NO_SELECTION.lower())


def _fenced_lines(lines: list[str]) -> list[bool]:
    """Which lines belong to a closed fenced code block (fence lines included)."""
    count = len(lines)
    # closer[char][i]: length of the closing fence of that char on line i, else 0.
    closer = {"`": [0] * count, "~": [0] * count}
    for i, line in enumerate(lines):
        match = _FENCE_CLOSE.fullmatch(line)
        if match:
            fence = match.group("fence")
            closer[fence[0]][i] = len(fence)
    # longest_after[char][i]: the longest closing fence of that char on a line >= i.
    longest_after = {char: [0] * (count + 1) for char in closer}
    for char, lengths in closer.items():
        for i in range(count - 1, -1, -1):
            longest_after[char][i] = max(lengths[i], longest_after[char][i + 1])
    fenced = [False] * count
    i = 0
    while i < count:
        match = _FENCE_OPEN.fullmatch(lines[i])
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


def _headings(lines: list[str]) -> list[tuple[int, str]]:
    """``(line number, heading text)`` of every ``###`` heading outside fenced code."""
    fenced = _fenced_lines(lines)
    found: list[tuple[int, str]] = []
    for line_no, line in enumerate(lines):
        if fenced[line_no] or "###" not in line:
            continue
        match = _HEADING.fullmatch(line)
        text = match.group(1).rstrip(_JS_WHITESPACE) if match else ""
        if text:
            found.append((line_no, text))
    return found


def _choose_headings(occurrences: dict[int, list[int]]) -> dict[int, int]:
    """Pick, for each field index, the line whose heading starts its section.

    A label heading seen once is the section. For a label seen more than once, the occurrence
    between the sections of its neighbours in the template (those already chosen) wins, else
    the first; the others stay text of the answer they are in.
    """
    chosen = {index: lines[0] for index, lines in occurrences.items() if len(lines) == 1}
    for index in sorted(i for i, lines in occurrences.items() if len(lines) > 1):
        before = [i for i in chosen if i < index]
        after = [i for i in chosen if i > index]
        low = chosen[max(before)] if before else -1
        high = chosen[min(after)] if after else math.inf
        fitting = [line for line in occurrences[index] if low < line < high]
        chosen[index] = fitting[0] if fitting else occurrences[index][0]
    return chosen


def _lines(body: str) -> tuple[list[str], list[int]]:
    """The lines of ``body`` (split at CRLF, LF or a lone CR) and the offset where each starts."""
    lines: list[str] = []
    starts = [0]
    for match in _LINE_BREAK.finditer(body):
        lines.append(body[starts[-1] : match.start()])
        starts.append(match.end())
    lines.append(body[starts[-1] :])
    return lines, starts


def _sections(template: FormTemplate, body: str) -> dict[str, str]:
    """The raw text of each field's section in ``body``, keyed by field id."""
    lines, offsets = _lines(body)
    index_of = {field.label: index for index, field in enumerate(template.fields)}
    occurrences: dict[int, list[int]] = {}
    for line_no, text in _headings(lines):
        if text in index_of:
            occurrences.setdefault(index_of[text], []).append(line_no)
    starts = sorted((line_no, index) for index, line_no in _choose_headings(occurrences).items())
    sections: dict[str, str] = {}
    for position, (line_no, index) in enumerate(starts):
        end = offsets[starts[position + 1][0]] if position + 1 < len(starts) else len(body)
        begin = offsets[line_no + 1] if line_no + 1 < len(offsets) else len(body)
        sections[template.fields[index].id] = body[begin:end]
    return sections


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
        selected: list[str] = []
        unselected: list[str] = []
        for line in value.split("\n"):
            match = _CHECKBOX.fullmatch(_js_trim(line))
            if match and match.group("label"):
                target = unselected if match.group("mark") == " " else selected
                target.append(match.group("label"))
        return {"selected": selected, "unselected": unselected}
    if field.render:
        match = _RENDERED_FENCE.fullmatch(value)
        if match:
            inner = _clean(match.group("text"))
            return None if _is_empty(inner) else inner
    return value


def parse_body(template: FormTemplate, body: str | None) -> dict[str, Any]:
    """Read the answers of an issue created from ``template`` out of its body.

    Returns one key per field id: text or ``None`` for inputs and textareas, a list of selected
    options for dropdowns, ``{"selected": [...], "unselected": [...]}`` for checkboxes. Missing
    or empty sections give ``None``, ``[]`` or empty lists. Never raises on any body text.
    """
    sections = _sections(template, body) if body else {}
    return {field.id: _format(field, sections.get(field.id)) for field in template.fields}


# --------------------------------------------------------------------------------------------
# Rendering bodies


def _selection(field: FormField, answer: str | list[str] | None) -> list[str]:
    if answer is None or answer == "":
        chosen: list[str] = []
    elif isinstance(answer, str):
        chosen = [answer]
    else:
        chosen = list(answer)
    for option in chosen:
        if option not in field.options:
            raise ValueError(
                f"field {field.id!r}: {option!r} is not one of its options {list(field.options)}"
            )
    if field.type is FieldType.DROPDOWN and not field.multiple and len(chosen) > 1:
        raise ValueError(f"field {field.id!r}: takes one option, got {chosen}")
    return chosen


def _render_answer(field: FormField, answer: str | list[str] | None) -> str:
    if field.type is FieldType.DROPDOWN:
        chosen = _selection(field, answer)
        return ", ".join(chosen) if chosen else NO_SELECTION
    if field.type is FieldType.CHECKBOXES:
        ticked = set(_selection(field, answer))
        return "\n".join(
            f"- [{'X' if option in ticked else ' '}] {option}" for option in field.options
        )
    if answer is not None and not isinstance(answer, str):
        raise ValueError(f"field {field.id!r}: expected text, got {type(answer).__name__}")
    text = _js_trim((answer or "").replace("\r\n", "\n"))
    if not text:
        return NO_RESPONSE
    return f"```{field.render}\n{text}\n```" if field.render else text


def render_body(template: FormTemplate, answers: Mapping[str, str | list[str] | None]) -> str:
    """The issue body GitHub writes when ``template`` is submitted with these answers.

    ``answers`` maps field ids to text (inputs, textareas), an option or a list of options
    (dropdowns), or the list of ticked option labels (checkboxes); a missing or ``None`` answer
    is empty. Raises ``ValueError`` for an unknown field id or an option the field does not have.
    """
    known = {field.id for field in template.fields}
    unknown = sorted(set(answers) - known)
    if unknown:
        raise ValueError(f"form {template.name!r} has no field {', '.join(map(repr, unknown))}")
    return "\n\n".join(
        f"### {field.label}\n\n{_render_answer(field, answers.get(field.id))}"
        for field in template.fields
    )


# --------------------------------------------------------------------------------------------
# Identifying the form of an issue


def identify_form(
    templates: Mapping[str, FormTemplate], labels: Iterable[str], body: str | None
) -> FormTemplate | None:
    """Which form an issue was filed with, from its labels or else its body.

    First, the forms all of whose labels are on the issue (compared without regard to case, as
    GitHub does), the one with the most labels winning. Else the form the most of whose field
    labels are ``###`` headings of the body, if they are at least half of its fields. Else
    ``None``. Ties go to the form with the most heading matches, then to the first name.
    """
    on_issue = {label.casefold() for label in labels}
    headings = {text for _, text in _headings(_lines(body)[0])} if body else set()
    candidates = [templates[name] for name in sorted(templates)]

    def matches(template: FormTemplate) -> int:
        return sum(1 for field in template.fields if field.label in headings)

    by_label = [
        t for t in candidates if t.labels and {label.casefold() for label in t.labels} <= on_issue
    ]
    if by_label:
        return max(by_label, key=lambda t: (len({x.casefold() for x in t.labels}), matches(t)))
    by_body = [
        t for t in candidates if t.fields and matches(t) > 0 and 2 * matches(t) >= len(t.fields)
    ]
    if by_body:
        return max(by_body, key=lambda t: (matches(t), matches(t) / len(t.fields)))
    return None
