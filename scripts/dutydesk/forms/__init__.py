"""GitHub issue forms: load the templates, parse rendered issue bodies, render bodies.

`templates` loads them, `sections` finds each answer in a body, `parse` reads the answers,
`render` writes a body, `identify` tells which form an issue was filed with; `model` holds
the types.

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
   swallow the rest of the form; nor can a fence one answer leaves open that a fence in a later
   answer seems to close: a label whose only heading is inside such "code", in its place in the
   template's order, starts its section (the reference gets these right too, as it ignores
   fences).
4. When a label's heading occurs more than once, the occurrence that fits the template's order
   between the sections around it starts the section (else the first); the other occurrences are
   text of the section they are in. The reference keeps the last one, losing the first answer.
5. Checkbox sections count only lines that are checkbox items (``- [x] label``, any bullet,
   ``x`` in either case); the reference files any other line, even a blank one, as unselected.
   An item inside an HTML comment (``<!-- - [x] ... -->``, which GitHub shows as nothing, and
   an unclosed one runs to the end of the answer as in HTML) is not an item; the reference
   counts it. An option whose label spans several lines (``label: |``) is matched whole
   against the template's options, item line and the lines after it; the reference keeps only
   the first line.
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

from dutydesk.forms.identify import identify_form
from dutydesk.forms.model import (
    NO_RESPONSE,
    NO_SELECTION,
    FieldType,
    FormError,
    FormField,
    FormTemplate,
)
from dutydesk.forms.parse import parse_body
from dutydesk.forms.render import render_body
from dutydesk.forms.templates import load_template, load_templates

__all__ = [
    "NO_RESPONSE",
    "NO_SELECTION",
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
