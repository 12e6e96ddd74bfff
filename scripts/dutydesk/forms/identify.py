"""Which form an issue was filed with, from its labels or else its body's headings."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from dutydesk.forms.model import FormTemplate
from dutydesk.forms.sections import headings, lines_of


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
    found = (
        {text for _, text, fenced in headings(lines_of(body)[0]) if not fenced} if body else set()
    )
    candidates = [templates[name] for name in sorted(templates)]

    def matches(template: FormTemplate) -> int:
        return sum(1 for field in template.fields if field.label in found)

    by_label = [t for t in candidates if t.labels and _folded(t.labels) <= on_issue]
    if by_label:
        return max(by_label, key=lambda t: (len(_folded(t.labels)), matches(t)))
    by_body = [
        t for t in candidates if t.fields and matches(t) > 0 and 2 * matches(t) >= len(t.fields)
    ]
    if by_body:
        return max(by_body, key=lambda t: (matches(t), matches(t) / len(t.fields)))
    return None


def _folded(labels: Iterable[str]) -> set[str]:
    return {label.casefold() for label in labels}
