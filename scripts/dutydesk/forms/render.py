"""Writing the issue body GitHub writes when a form is submitted (simulate and tests)."""

from __future__ import annotations

from collections.abc import Mapping

from dutydesk.forms.model import (
    NO_RESPONSE,
    NO_SELECTION,
    FieldType,
    FormField,
    FormTemplate,
    js_trim,
)


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
    return _render_text(field, answer)


def _render_text(field: FormField, answer: str | list[str] | None) -> str:
    if answer is not None and not isinstance(answer, str):
        raise ValueError(f"field {field.id!r}: expected text, got {type(answer).__name__}")
    text = js_trim((answer or "").replace("\r\n", "\n"))
    if not text:
        return NO_RESPONSE
    return f"```{field.render}\n{text}\n```" if field.render else text
