"""What an issue form is, as far as dutydesk needs it: its fields, their types and options."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

NO_RESPONSE = "_No response_"
"""What GitHub writes for an empty input or textarea."""
NO_SELECTION = "None"
"""What GitHub writes for a dropdown with nothing selected."""

# JavaScript's String.prototype.trim() whitespace (WhiteSpace and LineTerminator), which is not
# quite Python's: it has U+FEFF, and lacks U+001C-U+001F and U+0085.
JS_WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)


def js_trim(text: str) -> str:
    """JavaScript's ``String.prototype.trim``, as the reference parser trims."""
    return text.strip(JS_WHITESPACE)


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
