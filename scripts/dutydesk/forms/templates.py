"""Loading issue-form templates (``.github/ISSUE_TEMPLATE/*.yml``) into `FormTemplate`s."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from dutydesk.forms.model import FieldType, FormError, FormField, FormTemplate, js_trim
from dutydesk.yaml_load import load_with

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
        data = load_with(text)
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
        if title_prefix is None:
            title_prefix = ""
        elif not isinstance(title_prefix, str):  # GitHub's schema allows any string, "" too
            raise self.error("title", f"expected text, found {_kind(title_prefix)}")
        fields = self.fields(data.get("body"))
        return FormTemplate(
            name=self.path.stem,
            title=title,
            labels=self.labels(data.get("labels")),
            title_prefix=title_prefix,
            fields=fields,
        )

    def fields(self, body: object) -> tuple[FormField, ...]:
        """The answerable fields of ``body``, refusing an id or a label used twice."""
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
        return tuple(fields)

    def labels(self, value: object) -> tuple[str, ...]:
        if value is None:
            return ()
        if isinstance(value, str):  # GitHub also takes a comma-separated string
            return tuple(part.strip() for part in value.split(",") if part.strip())
        if not isinstance(value, list):
            raise self.error("labels", f"expected a list of label names, found {_kind(value)}")
        return tuple(self.text(label, f"labels[{i}]") for i, label in enumerate(value))

    def field(self, item: object, where: str) -> FormField | None:
        """One body element as a field; ``None`` for a markdown block."""
        item = self.mapping(item, where)
        field_type = self.field_type(item.get("type"), f"{where}.type")
        attributes = self.mapping(item.get("attributes"), f"{where}.attributes")
        if field_type is FieldType.MARKDOWN:
            self.text(attributes.get("value"), f"{where}.attributes.value")
            return None
        label = self.text(attributes.get("label"), f"{where}.attributes.label")
        field_id = self.field_id(item.get("id"), label, f"{where}.id")
        required = self.required(item.get("validations"), f"{where}.validations")
        options, multiple, render = self.answers(field_type, attributes, f"{where}.attributes")
        return FormField(
            id=field_id,
            type=field_type,
            label=label,
            options=options,
            required=required,
            multiple=multiple,
            render=render,
        )

    def field_type(self, value: object, key: str) -> FieldType:
        if not isinstance(value, str) or value not in {t.value for t in FieldType}:
            allowed = ", ".join(t.value for t in FieldType)
            raise self.error(key, f"expected one of {allowed}, found {_kind(value)}")
        return FieldType(value)

    def field_id(self, value: object, label: str, key: str) -> str:
        """The field's ``id:``, or else its label made into a key."""
        if value is None:
            made = _slug(label)
            if not made:
                raise self.error(key, f"needed: the label {label!r} makes no key")
            return made
        if not isinstance(value, str) or not _ID_PATTERN.fullmatch(value):
            raise self.error(key, f"expected letters, digits, - and _ only, found {_kind(value)}")
        return value

    def required(self, validations: object, key: str) -> bool:
        if validations is None:
            return False
        return self.flag(self.mapping(validations, key).get("required"), f"{key}.required")

    def answers(
        self, field_type: FieldType, attributes: dict[str, Any], where: str
    ) -> tuple[tuple[str, ...], bool, str]:
        """(options, multiple, render) of a field of this type."""
        if field_type is FieldType.DROPDOWN:
            options = self.options(attributes.get("options"), f"{where}.options")
            return options, self.flag(attributes.get("multiple"), f"{where}.multiple"), ""
        if field_type is FieldType.CHECKBOXES:
            return self.checkbox_labels(attributes.get("options"), f"{where}.options"), False, ""
        if field_type is FieldType.TEXTAREA and attributes.get("render") is not None:
            return (), False, self.text(attributes.get("render"), f"{where}.render")
        return (), False, ""

    def options(self, value: object, key: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not value:
            raise self.error(key, f"expected a non-empty list of options, found {_kind(value)}")
        options = tuple(self.text(option, f"{key}[{i}]") for i, option in enumerate(value))
        if len(set(options)) != len(options):
            raise self.error(key, "an option is listed twice")
        return options

    def checkbox_labels(self, value: object, key: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not value:
            raise self.error(key, f"expected a non-empty list, found {_kind(value)}")
        return tuple(
            self.text(self.mapping(o, f"{key}[{i}]").get("label"), f"{key}[{i}].label")
            for i, o in enumerate(value)
        )


def _slug(label: str) -> str:
    """The reference parser's ``formatKey``: the key of a field that has no id."""
    key = re.sub(r"[^a-z0-9]", "_", js_trim(label).lower())
    return re.sub(r"_+", "_", key.strip("_"))
