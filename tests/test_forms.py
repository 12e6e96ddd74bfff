"""Tests for dutydesk.forms: issue-form templates, parsing and rendering issue bodies."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dutydesk.forms import (
    FieldType,
    FormError,
    FormField,
    FormTemplate,
    identify_form,
    load_template,
    load_templates,
    parse_body,
    render_body,
)

REPO = Path(__file__).resolve().parents[1]
TEMPLATES = REPO / ".github" / "ISSUE_TEMPLATE"
FIXTURES = REPO / "tests" / "fixtures" / "issue-parser"
UPSTREAM = FIXTURES / "upstream"
GENERATED = FIXTURES / "generated"
CASES = json.loads((GENERATED / "cases.json").read_text(encoding="utf-8"))["cases"]

PRIORITIES = (
    "P1 Critical – Complete outage or ongoing unauthorised access",
    "P2 Major – Substantial degradation of service",
    "P3 Significant – Users experiencing intermittent or degraded service due to platform issue",
    "P4 Minor – Component failure that does not immediately impact a service "
    "or an unsuccessful DoS attempt",
)
NOTHING_TICKED: dict[str, list[str]] = {"selected": [], "unselected": []}


def empty_answer(field: FormField) -> Any:
    if field.type is FieldType.DROPDOWN:
        return []
    if field.type is FieldType.CHECKBOXES:
        return {"selected": [], "unselected": []}
    return None


def with_every_field(template: FormTemplate, reference: dict[str, Any]) -> dict[str, Any]:
    """The reference output with the keys it leaves out filled in as parse_body fills them."""
    assert set(reference) <= {field.id for field in template.fields}
    return {field.id: reference.get(field.id, empty_answer(field)) for field in template.fields}


def read_body(path: Path) -> str:
    # newline="" keeps CRLF line endings as they are in the file.
    with path.open(encoding="utf-8", newline="") as handle:
        return handle.read()


@pytest.fixture(scope="module")
def forms() -> dict[str, FormTemplate]:
    return load_templates(TEMPLATES)


def make_template(
    *fields: FormField, name: str = "test", labels: tuple[str, ...] = ()
) -> FormTemplate:
    return FormTemplate(
        name=name, title=name.title(), labels=labels, title_prefix="", fields=tuple(fields)
    )


NOTES = FormField("notes", FieldType.TEXTAREA, "Notes")
SERVICE = FormField("service", FieldType.INPUT, "Service")
COLOUR = FormField("colour", FieldType.DROPDOWN, "Colour", options=("red", "green", "blue"))
CHECKS = FormField("checks", FieldType.CHECKBOXES, "Checks", options=("One", "Two"))
SIMPLE = make_template(SERVICE, NOTES, COLOUR, CHECKS)


# --------------------------------------------------------------------------------------------
# The reference parser's own fixtures and outputs recorded from it


UPSTREAM_CASES = sorted(path.name for path in UPSTREAM.iterdir() if path.is_dir())


def test_reference_version_is_recorded() -> None:
    reference = json.loads((FIXTURES / "reference.json").read_text(encoding="utf-8"))
    assert reference == {"package": "@github/issue-parser", "version": "2.0.0", "license": "MIT"}
    assert "MIT License" in (UPSTREAM / "LICENSE").read_text(encoding="utf-8")
    assert len(UPSTREAM_CASES) == 7


@pytest.mark.parametrize("case", UPSTREAM_CASES)
def test_parse_matches_reference_fixture(case: str) -> None:
    folder = UPSTREAM / case
    template = load_template(folder / "template.yml")
    expected_file = folder / "parsed-issue.json"
    if not expected_file.exists():
        expected_file = folder / "parsed-issue-template.json"
    expected = json.loads(expected_file.read_text(encoding="utf-8"))

    parsed = parse_body(template, read_body(folder / "issue.md"))

    assert parsed == with_every_field(template, expected)


@pytest.mark.parametrize(
    "case", [c for c in UPSTREAM_CASES if (UPSTREAM / c / "parsed-template.json").exists()]
)
def test_load_template_matches_reference_parse_template(case: str) -> None:
    expected = json.loads((UPSTREAM / case / "parsed-template.json").read_text(encoding="utf-8"))

    template = load_template(UPSTREAM / case / "template.yml")

    assert [field.id for field in template.fields] == list(expected)
    for field in template.fields:
        reference = expected[field.id]
        assert field.label == reference["label"]
        assert field.type == reference["type"]
        assert field.required == reference["required"]
        assert field.multiple == reference.get("multiple", False)
        options = [o["label"] if isinstance(o, dict) else o for o in reference.get("options", [])]
        assert list(field.options) == options


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_parse_matches_recorded_reference_output(case: dict[str, Any]) -> None:
    template = load_template(REPO / case["template"])
    folder = GENERATED / case["name"]
    reference = json.loads((folder / "parsed-issue.json").read_text(encoding="utf-8"))
    expected = with_every_field(template, reference)
    deviations = case.get("deviations", {})
    for field_id, deviation in deviations.items():
        # A listed deviation must really differ from the reference.
        assert expected[field_id] != deviation["expected"], field_id
        expected[field_id] = deviation["expected"]

    parsed = parse_body(template, read_body(folder / "issue.md"))

    assert parsed == expected


def test_crlf_fixture_really_has_crlf() -> None:
    assert "\r\n" in read_body(GENERATED / "incident-crlf" / "issue.md")


# --------------------------------------------------------------------------------------------
# Parsing: tables of bodies


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(None, {}, id="none-body"),
        pytest.param("", {}, id="empty-body"),
        pytest.param("   \n\n\t", {}, id="blank-body"),
        pytest.param("Just some text, no form at all.", {}, id="no-headings"),
        pytest.param(
            "### Service\n\nweb\n\n### Notes\n\nline 1\nline 2\n\n### Colour\n\nblue\n\n"
            "### Checks\n\n- [X] One\n- [ ] Two",
            {
                "service": "web",
                "notes": "line 1\nline 2",
                "colour": ["blue"],
                "checks": {"selected": ["One"], "unselected": ["Two"]},
            },
            id="as-rendered",
        ),
        pytest.param(
            "### Service\r\n\r\nweb\r\n\r\n### Notes\r\n\r\nline 1\r\nline 2\r\n\r\n"
            "### Checks\r\n\r\n- [x] One\r\n- [x] Two\r\n",
            {
                "service": "web",
                "notes": "line 1\nline 2",
                "checks": {"selected": ["One", "Two"], "unselected": []},
            },
            id="crlf",
        ),
        pytest.param(
            "### Service\r\rweb\r",
            {"service": "web"},
            id="stray-carriage-returns",
        ),
        pytest.param(
            "### Checks\n\n- [X] One\n- [x] Two",
            {"checks": {"selected": ["One", "Two"], "unselected": []}},
            id="upper-and-lower-x",
        ),
        pytest.param(
            "### Checks\n\n* [x] One\n-  [ ]  Two\n\nI ticked one later.",
            {"checks": {"selected": ["One"], "unselected": ["Two"]}},
            id="checkbox-other-bullets-and-text",
        ),
        pytest.param(
            "### Checks\n\n_No response_",
            {"checks": NOTHING_TICKED},
            id="checkboxes-no-response",
        ),
        pytest.param("### Colour\n\nNone", {"colour": []}, id="dropdown-none"),
        pytest.param("### Colour\n\n_No response_", {"colour": []}, id="dropdown-no-response"),
        pytest.param("### Service\n\n_No response_", {"service": None}, id="input-no-response"),
        pytest.param("### Service\n\nNONE", {"service": None}, id="input-none-any-case"),
        pytest.param("### Service\n\n### Notes\n\nhello", {"notes": "hello"}, id="empty-section"),
        pytest.param(
            "### Notes\n\nfirst\n\n### Timeline\n\n- 09:00 alert\n\n### Service\n\nweb",
            {"notes": "first\n\n### Timeline\n\n- 09:00 alert", "service": "web"},
            id="user-heading-stays-in-answer",
        ),
        pytest.param(
            "### Notes\n\nsee\n#### Details\nmore\n## Aside\n### Serviced\n\n### Service\n\nweb",
            {"notes": "see\n#### Details\nmore\n## Aside\n### Serviced", "service": "web"},
            id="other-heading-levels-and-near-labels",
        ),
        pytest.param(
            "### Notes\n\n```\n### Service\n\nnot this\n```\n\n### Service\n\nweb",
            {"notes": "```\n### Service\n\nnot this\n```", "service": "web"},
            id="label-inside-backtick-fence",
        ),
        pytest.param(
            "### Notes\n\n~~~~ text\n### Service\n~~~\nstill code\n~~~~\n\n### Colour\n\nred",
            {"notes": "~~~~ text\n### Service\n~~~\nstill code\n~~~~", "colour": ["red"]},
            id="label-inside-tilde-fence",
        ),
        pytest.param(
            "### Notes\n\n```\n### Service\n```",
            {"notes": "```\n### Service\n```"},
            id="label-inside-fence-and-nowhere-else",
        ),
        pytest.param(
            "### Notes\n\n```\nunclosed fence\n\n### Service\n\nweb",
            {"notes": "```\nunclosed fence", "service": "web"},
            id="unclosed-fence-does-not-swallow-the-form",
        ),
        pytest.param(
            "### Notes\n\n1. one\n2. two\n   - nested\n\n- [x] a list item, not a checkbox field",
            {"notes": "1. one\n2. two\n   - nested\n\n- [x] a list item, not a checkbox field"},
            id="lists-in-textarea",
        ),
        pytest.param(
            "### Checks\n\n- [ ] One\n- [ ] Two\n\n### Colour\n\ngreen\n\n### Service\n\nweb",
            {
                "checks": {"selected": [], "unselected": ["One", "Two"]},
                "colour": ["green"],
                "service": "web",
            },
            id="sections-out-of-order",
        ),
        pytest.param(
            "Intro text\n\n### Service\n\nweb", {"service": "web"}, id="text-before-first-section"
        ),
        pytest.param(
            "###Service\n\n  web  \n\n   ### Notes   \n\n\u00a0hi\ufeff",
            {"service": "web", "notes": "hi"},
            id="loose-headings-and-js-whitespace",
        ),
        pytest.param("    ### Service\n\nweb", {}, id="indented-code-is-not-a-heading"),
        pytest.param(
            "### Service\n\nweb\n\n### Notes\n\nI pasted:\n\n### Service\n\nold",
            {"service": "web", "notes": "I pasted:\n\n### Service\n\nold"},
            id="label-pasted-after-its-section",
        ),
        pytest.param(
            "### Service\n\nweb\n\n### Notes\n\nI pasted:\n\n### Checks\n\n- [x] One\n\n"
            "### Colour\n\nblue\n\n### Checks\n\n- [ ] One\n- [X] Two",
            {
                "service": "web",
                "notes": "I pasted:\n\n### Checks\n\n- [x] One",
                "colour": ["blue"],
                "checks": {"selected": ["Two"], "unselected": ["One"]},
            },
            id="label-pasted-before-its-section",
        ),
        pytest.param("### Colour\n\nred, blue", {"colour": ["red", "blue"]}, id="dropdown-two"),
        pytest.param(
            "### Colour\n\npurple,red", {"colour": ["purple", "red"]}, id="dropdown-unknown-text"
        ),
    ],
)
def test_parse_body(body: str | None, expected: dict[str, Any]) -> None:
    full = {field.id: empty_answer(field) for field in SIMPLE.fields} | expected

    assert parse_body(SIMPLE, body) == full


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(PRIORITIES[0], [PRIORITIES[0]], id="option-with-comma"),
        pytest.param(PRIORITIES[3], [PRIORITIES[3]], id="another-option-with-comma"),
        pytest.param(
            f"{PRIORITIES[0]}, {PRIORITIES[1]}",
            [PRIORITIES[0], PRIORITIES[1]],
            id="two-with-commas",
        ),
        pytest.param(
            f"{PRIORITIES[1]}, other, {PRIORITIES[0]}",
            [PRIORITIES[1], "other", PRIORITIES[0]],
            id="known-and-unknown",
        ),
        pytest.param("a, b,c", ["a", "b", "c"], id="no-known-option"),
    ],
)
def test_dropdown_keeps_options_with_commas_whole(value: str, expected: list[str]) -> None:
    field = FormField("priority", FieldType.DROPDOWN, "Priority", options=PRIORITIES, multiple=True)
    template = make_template(field)

    assert parse_body(template, f"### Priority\n\n{value}") == {"priority": expected}


def test_parse_real_incident(forms: dict[str, FormTemplate]) -> None:
    body = (
        f"### Priority\n\n{PRIORITIES[0]}\n\n### Affected service\n\nPayments\n\n"
        "### What is happening?\n\nEverything is down.\n\n### When did it start?\n\n_No response_\n\n"
        "### Security\n\n- [ ] This involves a data or security breach\n"
        "- [X] There is ongoing unauthorised access\n\n### Links\n\n_No response_"
    )

    assert parse_body(forms["incident"], body) == {
        "priority": [PRIORITIES[0]],
        "service": "Payments",
        "description": "Everything is down.",
        "started-at": None,
        "security": {
            "selected": ["There is ongoing unauthorised access"],
            "unselected": ["This involves a data or security breach"],
        },
        "links": None,
    }


def test_parse_strips_the_fence_github_adds_for_render() -> None:
    logs = FormField("logs", FieldType.TEXTAREA, "Logs", render="shell")
    template = make_template(logs, SERVICE)

    parsed = parse_body(template, "### Logs\n\n```shell\n$ make\nerror\n```\n\n### Service\n\nweb")

    assert parsed == {"logs": "$ make\nerror", "service": "web"}


def test_parse_body_is_fast_on_hostile_input() -> None:
    # Quadratic behaviour here would take minutes; GitHub bodies are at most 65,536 characters.
    hostile = "### " + " " * 30_000 + "x\n" + "```a\n" * 5_000 + ", " * 10_000
    template = make_template(SERVICE, NOTES, COLOUR)

    parse_body(template, "### Colour\n\n" + hostile)
    parse_body(template, hostile)


# --------------------------------------------------------------------------------------------
# Rendering


def test_render_body_exact_output() -> None:
    body = render_body(SIMPLE, {"service": "web", "colour": "red", "checks": ["Two"]})

    assert body == (
        "### Service\n\nweb\n\n### Notes\n\n_No response_\n\n### Colour\n\nred\n\n"
        "### Checks\n\n- [ ] One\n- [X] Two"
    )


@pytest.mark.parametrize(
    ("answers", "section"),
    [
        pytest.param({}, "### Colour\n\nNone", id="dropdown-empty"),
        pytest.param({"colour": []}, "### Colour\n\nNone", id="dropdown-empty-list"),
        pytest.param({"colour": ["blue"]}, "### Colour\n\nblue", id="dropdown-list"),
        pytest.param({"notes": None}, "### Notes\n\n_No response_", id="textarea-none"),
        pytest.param({"notes": "  \n "}, "### Notes\n\n_No response_", id="textarea-blank"),
        pytest.param({"notes": "a\r\nb\n"}, "### Notes\n\na\nb", id="textarea-crlf"),
        pytest.param({}, "### Checks\n\n- [ ] One\n- [ ] Two", id="checkboxes-empty"),
        pytest.param(
            {"checks": ["Two", "One"]}, "### Checks\n\n- [X] One\n- [X] Two", id="all-ticked"
        ),
    ],
)
def test_render_body_sections(answers: dict[str, Any], section: str) -> None:
    assert section in render_body(SIMPLE, answers)


def test_render_multiple_dropdown_and_render_textarea() -> None:
    sounds = FormField(
        "sounds", FieldType.DROPDOWN, "Sounds", options=("do", "re", "mi"), multiple=True
    )
    code = FormField("code", FieldType.TEXTAREA, "Code", render="js")
    template = make_template(sounds, code)

    assert render_body(template, {"sounds": ["re", "mi"], "code": "x()"}) == (
        "### Sounds\n\nre, mi\n\n### Code\n\n```js\nx()\n```"
    )
    assert render_body(template, {}) == "### Sounds\n\nNone\n\n### Code\n\n_No response_"


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        pytest.param({"servcie": "web"}, "'servcie'", id="unknown-field"),
        pytest.param(
            {"colour": "purple"}, "'purple' is not one of its options", id="unknown-option"
        ),
        pytest.param({"checks": ["Three"]}, "'Three'", id="unknown-checkbox"),
        pytest.param({"colour": ["red", "blue"]}, "takes one option", id="two-for-single"),
        pytest.param({"notes": ["a", "b"]}, "expected text", id="list-for-textarea"),
    ],
)
def test_render_body_rejects_what_github_cannot_produce(
    answers: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        render_body(SIMPLE, answers)


# --------------------------------------------------------------------------------------------
# Round trip: parse_body(render_body(t, answers)) gives the answers back

_LINE_ALPHABET = st.characters(
    codec="utf-8",
    exclude_categories=("Cs", "Cc", "Zl", "Zp"),
    exclude_characters="`~\r\n\x85",
)
_TRICKY_LINES = st.sampled_from(
    [
        "",
        "### Not a label",
        "#### Service",
        "- [x] looks like a checkbox",
        "- [ ] another",
        "1. a list",
        "   - nested",
        "None",
        "_No response_",
        "a, b, c",
        "\u00a0indented with nbsp",
    ]
)


def _text(template: FormTemplate, multiline: bool) -> st.SearchStrategy[str]:
    line = st.one_of(st.text(_LINE_ALPHABET, max_size=40), _TRICKY_LINES)
    lines = st.lists(line, min_size=1, max_size=6 if multiline else 1)
    labels = {field.label for field in template.fields}

    def is_heading_of_a_label(text: str) -> bool:
        for part in text.split("\n"):
            stripped = part.lstrip(" ")
            indent = len(part) - len(stripped)
            if indent <= 3 and stripped.startswith("###") and stripped[3:].strip() in labels:
                return True
        return False

    return lines.map("\n".join).filter(lambda text: not is_heading_of_a_label(text))


def _answers(template: FormTemplate) -> st.SearchStrategy[dict[str, Any]]:
    parts: dict[str, st.SearchStrategy[Any]] = {}
    for field in template.fields:
        if field.type is FieldType.DROPDOWN:
            if field.multiple:
                parts[field.id] = st.lists(st.sampled_from(field.options), unique=True)
            else:
                parts[field.id] = st.one_of(st.none(), st.sampled_from(field.options))
        elif field.type is FieldType.CHECKBOXES:
            parts[field.id] = st.lists(st.sampled_from(field.options), unique=True)
        else:
            text = _text(template, multiline=field.type is FieldType.TEXTAREA)
            parts[field.id] = st.one_of(st.none(), text)
    return st.fixed_dictionaries(parts)


def _expected(template: FormTemplate, answers: dict[str, Any]) -> dict[str, Any]:
    # JavaScript's trim() whitespace, written out independently of dutydesk.forms.
    whitespace = (
        "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
        "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
    )
    expected: dict[str, Any] = {}
    for field in template.fields:
        answer = answers.get(field.id)
        if field.type is FieldType.DROPDOWN:
            expected[field.id] = (
                [] if answer is None else [answer] if isinstance(answer, str) else answer
            )
        elif field.type is FieldType.CHECKBOXES:
            ticked = answer or []
            expected[field.id] = {
                "selected": [o for o in field.options if o in ticked],
                "unselected": [o for o in field.options if o not in ticked],
            }
        else:
            text = (answer or "").strip(whitespace)
            empty = text.lower() in ("", "none", "_no response_")
            expected[field.id] = None if empty else text
    return expected


ROUND_TRIP_TEMPLATES = {
    "incident": TEMPLATES / "incident.yml",
    "out-of-hours-change": TEMPLATES / "out-of-hours-change.yml",
    "planned-maintenance": TEMPLATES / "planned-maintenance.yml",
    "upstream-example": UPSTREAM / "example" / "template.yml",
}


@pytest.mark.parametrize("path", ROUND_TRIP_TEMPLATES.values(), ids=ROUND_TRIP_TEMPLATES.keys())
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(data=st.data())
def test_round_trip(path: Path, data: st.DataObject) -> None:
    template = load_template(path)
    answers = data.draw(_answers(template))

    body = render_body(template, answers)

    assert parse_body(template, body) == _expected(template, answers)
    assert parse_body(template, body.replace("\n", "\r\n")) == _expected(template, answers)


@settings(max_examples=300, deadline=None)
@given(
    body=st.one_of(
        st.text(),
        st.lists(
            st.one_of(
                st.text(max_size=20),
                st.sampled_from(
                    [
                        "### Service",
                        "### Notes",
                        "### Colour",
                        "### Checks",
                        "```",
                        "~~~",
                        "- [x] One",
                        "- [ ] Two",
                        "None",
                        "_No response_",
                        ", ,",
                        "",
                    ]
                ),
            )
        ).map("\n".join),
    )
)
def test_parse_body_never_raises(body: str) -> None:
    parsed = parse_body(SIMPLE, body)

    assert set(parsed) == {"service", "notes", "colour", "checks"}


# --------------------------------------------------------------------------------------------
# Loading templates


def test_load_templates_reads_the_real_forms(forms: dict[str, FormTemplate]) -> None:
    assert sorted(forms) == ["incident", "out-of-hours-change", "planned-maintenance"]
    incident = forms["incident"]
    assert (incident.name, incident.title, incident.labels, incident.title_prefix) == (
        "incident",
        "Incident",
        ("incident",),
        "[Incident] ",
    )
    change = forms["out-of-hours-change"]
    assert (change.title, change.labels, change.title_prefix) == (
        "Out-of-hours change request",
        ("change-request",),
        "[Change] ",
    )
    maintenance = forms["planned-maintenance"]
    assert (maintenance.title, maintenance.labels) == (
        "Planned maintenance (downtime notice)",
        ("planned-maintenance",),
    )


@pytest.mark.parametrize(
    ("form", "fields"),
    [
        pytest.param(
            "incident",
            [
                ("priority", FieldType.DROPDOWN, True),
                ("service", FieldType.INPUT, True),
                ("description", FieldType.TEXTAREA, True),
                ("started-at", FieldType.INPUT, False),
                ("security", FieldType.CHECKBOXES, False),
                ("links", FieldType.TEXTAREA, False),
            ],
            id="incident",
        ),
        pytest.param(
            "out-of-hours-change",
            [
                ("service", FieldType.INPUT, True),
                ("change-details", FieldType.TEXTAREA, True),
                ("scheduled-start", FieldType.INPUT, True),
                ("scheduled-end", FieldType.INPUT, True),
                ("impact", FieldType.TEXTAREA, True),
                ("rollback", FieldType.TEXTAREA, True),
                ("checks", FieldType.CHECKBOXES, False),
            ],
            id="out-of-hours-change",
        ),
        pytest.param(
            "planned-maintenance",
            [
                ("service", FieldType.INPUT, True),
                ("downtime-start", FieldType.INPUT, True),
                ("downtime-end", FieldType.INPUT, True),
                ("user-impact", FieldType.TEXTAREA, True),
                ("communication", FieldType.TEXTAREA, True),
            ],
            id="planned-maintenance",
        ),
    ],
)
def test_real_form_fields(
    forms: dict[str, FormTemplate], form: str, fields: list[tuple[str, FieldType, bool]]
) -> None:
    assert [(f.id, f.type, f.required) for f in forms[form].fields] == fields


def test_real_form_options(forms: dict[str, FormTemplate]) -> None:
    incident = forms["incident"]
    priority = incident.field("priority")
    assert priority is not None
    assert priority.options == PRIORITIES
    assert not priority.multiple
    security = incident.field("security")
    assert security is not None
    assert security.options == (
        "This involves a data or security breach",
        "There is ongoing unauthorised access",
    )
    checks = forms["out-of-hours-change"].field("checks")
    assert checks is not None
    assert checks.options == (
        "Stakeholders have been informed",
        "Backup and rollback procedures have been verified",
    )
    assert incident.field("no-such-field") is None


def test_incident_priority_table(forms: dict[str, FormTemplate]) -> None:
    text = (TEMPLATES / "incident.yml").read_text(encoding="utf-8")
    for phrase in (
        "20 minutes",
        "2 office hours",
        "1 business day",
        "1 hour",
        "2 hours",
        "Once after 2 business days",
        "Once after 5 business days",
        "also email the on-call contact",
        "YYYY-MM-DD HH:MM (UK local time)",
    ):
        assert phrase in text


@pytest.mark.skipif(
    importlib.util.find_spec("check_jsonschema") is None, reason="check-jsonschema not installed"
)
def test_templates_are_valid_issue_forms() -> None:
    forms = sorted(str(path) for path in TEMPLATES.glob("*.yml") if path.name != "config.yml")
    checks = [
        ["--builtin-schema", "vendor.github-issue-forms", *forms],
        ["--builtin-schema", "vendor.github-issue-config", str(TEMPLATES / "config.yml")],
    ]
    for args in checks:
        result = subprocess.run(
            [sys.executable, "-m", "check_jsonschema", *args],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr


MINIMAL_FIELD = "  - type: input\n    id: service\n    attributes:\n      label: Service\n"


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        pytest.param("name: [unclosed\nbody:", None, "not valid YAML", id="bad-yaml"),
        pytest.param("- just\n- a list\n", None, "top level", id="not-a-mapping"),
        pytest.param("", None, "top level", id="empty-file"),
        pytest.param("name: X\ndescription: d\n", "body", "missing", id="missing-body"),
        pytest.param("name: X\nbody: []\n", "body", "non-empty list", id="empty-body"),
        pytest.param("name: X\nbody: nope\n", "body", "non-empty list", id="body-not-list"),
        pytest.param("body:\n" + MINIMAL_FIELD, "name", "non-empty text", id="missing-name"),
        pytest.param(
            "name: X\nbody:\n  - type: input\n    id: a\n    attributes:\n      description: d\n",
            "body[0].attributes.label",
            "non-empty text",
            id="field-without-label",
        ),
        pytest.param(
            "name: X\nbody:\n  - type: input\n    id: a\n",
            "body[0].attributes",
            "mapping",
            id="field-without-attributes",
        ),
        pytest.param(
            "name: X\nbody:\n  - type: upload\n    attributes:\n      label: File\n",
            "body[0].type",
            "expected one of",
            id="unsupported-type",
        ),
        pytest.param(
            "name: X\nbody:\n  - type: dropdown\n    attributes:\n      label: Pick\n",
            "body[0].attributes.options",
            "non-empty list",
            id="dropdown-without-options",
        ),
        pytest.param(
            "name: X\nbody:\n  - type: dropdown\n    attributes:\n      label: Pick\n"
            "      options: [Yes, 'No']\n",
            "body[0].attributes.options[0]",
            "quote it",
            id="unquoted-yes-option",
        ),
        pytest.param(
            "name: X\nbody:\n  - type: checkboxes\n    attributes:\n      label: Tick\n"
            "      options:\n        - a\n",
            "body[0].attributes.options[0]",
            "mapping",
            id="checkbox-option-not-mapping",
        ),
        pytest.param(
            "name: X\nbody:\n" + MINIMAL_FIELD + MINIMAL_FIELD.replace("Service", "Other"),
            "body[1].id",
            "used twice",
            id="duplicate-id",
        ),
        pytest.param(
            "name: X\nbody:\n" + MINIMAL_FIELD + MINIMAL_FIELD.replace("id: service", "id: other"),
            "body[1].attributes.label",
            "used twice",
            id="duplicate-label",
        ),
        pytest.param(
            "name: X\nbody:\n  - type: input\n    id: has space\n    attributes:\n      label: L\n",
            "body[0].id",
            "letters, digits",
            id="bad-id",
        ),
        pytest.param(
            "name: X\nbody:\n" + MINIMAL_FIELD + "    validations:\n      required: maybe\n",
            "body[0].validations.required",
            "true or false",
            id="bad-required",
        ),
        pytest.param(
            "name: X\nlabels: 7\nbody:\n" + MINIMAL_FIELD,
            "labels",
            "list of label names",
            id="bad-labels",
        ),
    ],
)
def test_load_template_errors(tmp_path: Path, text: str, key: str | None, problem: str) -> None:
    path = tmp_path / "broken.yml"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(FormError) as caught:
        load_template(path)

    message = str(caught.value)
    assert str(path) in message
    assert problem in message
    if key is not None:
        assert f"key {key!r}" in message


def test_load_template_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FormError, match="cannot read"):
        load_template(tmp_path / "absent.yml")


def test_load_template_defaults_and_ids_from_labels(tmp_path: Path) -> None:
    path = tmp_path / "thing.yaml"
    path.write_text(
        "name: Thing\nlabels: 'a, b'\nbody:\n  - type: markdown\n    attributes:\n      value: hi\n"
        "  - type: input\n    attributes:\n      label: The Name of the Thing!\n",
        encoding="utf-8",
    )

    template = load_template(path)

    assert template == FormTemplate(
        name="thing",
        title="Thing",
        labels=("a", "b"),
        title_prefix="",
        fields=(FormField("the_name_of_the_thing", FieldType.INPUT, "The Name of the Thing!"),),
    )


def test_load_templates_skips_config_and_other_files(tmp_path: Path) -> None:
    (tmp_path / "config.yml").write_text("blank_issues_enabled: true\n", encoding="utf-8")
    (tmp_path / "bug.md").write_text("---\nname: Bug\n---\n", encoding="utf-8")
    (tmp_path / "a.yaml").write_text("name: A\nbody:\n" + MINIMAL_FIELD, encoding="utf-8")

    assert list(load_templates(tmp_path)) == ["a"]


def test_load_templates_errors(tmp_path: Path) -> None:
    with pytest.raises(FormError, match="not a folder"):
        load_templates(tmp_path / "absent")
    (tmp_path / "a.yaml").write_text("name: A\nbody:\n" + MINIMAL_FIELD, encoding="utf-8")
    (tmp_path / "a.yml").write_text("name: A\nbody:\n" + MINIMAL_FIELD, encoding="utf-8")
    with pytest.raises(FormError, match="already defines the form 'a'"):
        load_templates(tmp_path)


# --------------------------------------------------------------------------------------------
# Identifying the form of an issue


def _rendered(forms: dict[str, FormTemplate], name: str) -> str:
    return render_body(forms[name], {})


@pytest.mark.parametrize(
    ("labels", "body", "expected"),
    [
        pytest.param(["incident"], None, "incident", id="label"),
        pytest.param(["Incident", "P1"], None, "incident", id="label-any-case"),
        pytest.param(
            ["change-request"], "whatever", "out-of-hours-change", id="label-wins-over-body"
        ),
        pytest.param(["bug"], "incident-body", "incident", id="body-headings"),
        pytest.param([], "change-body", "out-of-hours-change", id="body-headings-no-labels"),
        pytest.param([], "maintenance-body", "planned-maintenance", id="body-maintenance"),
        pytest.param([], "### Service\n\nweb", None, id="too-few-headings"),
        pytest.param([], "```\n" + "{incident-body}" + "\n```", None, id="headings-in-code"),
        pytest.param(["bug"], "Plain text", None, id="nothing-matches"),
        pytest.param([], None, None, id="no-body"),
    ],
)
def test_identify_form(
    forms: dict[str, FormTemplate], labels: list[str], body: str | None, expected: str | None
) -> None:
    bodies = {
        "incident-body": _rendered(forms, "incident"),
        "change-body": _rendered(forms, "out-of-hours-change"),
        "maintenance-body": _rendered(forms, "planned-maintenance"),
    }
    if body is not None:
        body = bodies.get(body, body).replace("{incident-body}", bodies["incident-body"])

    found = identify_form(forms, labels, body)

    assert (found.name if found else None) == expected


def test_identify_form_most_specific_labels_win() -> None:
    general = make_template(SERVICE, name="general", labels=("ops",))
    specific = make_template(SERVICE, name="specific", labels=("ops", "security"))
    templates = {"general": general, "specific": specific}

    assert identify_form(templates, ["ops", "security"], None) is specific
    assert identify_form(templates, ["ops"], None) is general


def test_identify_form_by_body_needs_half_the_fields() -> None:
    four = make_template(SERVICE, NOTES, COLOUR, CHECKS, name="four")
    body = "### Service\n\nweb\n\n### Notes\n\nhi"

    assert identify_form({"four": four}, [], body) is four
    assert identify_form({"four": four}, [], "### Service\n\nweb") is None


@pytest.mark.parametrize(
    ("answer", "selected"),
    [
        (
            "- [x] This involves a data or security breach",
            ["This involves a data or security breach"],
        ),
        ("<!-- - [x] This involves a data or security breach -->", []),
        (
            "<!--\n- [x] This involves a data or security breach\n-->\n- [ ] There is ongoing unauthorised access",
            [],
        ),
        (
            "- [X] There is ongoing unauthorised access <!-- a note -->",
            ["There is ongoing unauthorised access"],
        ),
        ("<!-- never closed\n- [x] There is ongoing unauthorised access", []),
    ],
    ids=[
        "ticked",
        "inside a comment",
        "a comment across lines",
        "a comment after the label",
        "unclosed",
    ],
)
def test_a_ticked_box_inside_an_html_comment_ticks_nothing(
    answer: str, selected: list[str]
) -> None:
    """GitHub renders an HTML comment as nothing, so nobody sees a box ticked in one."""
    template = load_template(TEMPLATES / "incident.yml")
    body = f"### Security\n\n{answer}\n"
    assert parse_body(template, body)["security"]["selected"] == selected


def test_an_unclosed_fence_in_one_answer_does_not_swallow_the_answers_after_it() -> None:
    """GitHub writes each answer under its own heading: a fence left open in "Change details"
    that a code block in "Rollback plan" seems to close must not hide the headings between."""
    template = load_template(TEMPLATES / "out-of-hours-change.yml")
    answers = {
        "service": "Payments API",
        "change-details": "Run this:\n```sql\nALTER TABLE payments ADD COLUMN note text;",
        "scheduled-start": "2026-11-25 18:00",
        "scheduled-end": "2026-11-25 20:00",
        "impact": "Payments unavailable for up to 30 minutes.",
        "rollback": "```\nDROP COLUMN note;\n```",
        "checks": [],
    }
    parsed = parse_body(template, render_body(template, answers))
    assert parsed["scheduled-start"] == "2026-11-25 18:00"
    assert parsed["scheduled-end"] == "2026-11-25 20:00"
    assert parsed["impact"] == answers["impact"]
    assert parsed["rollback"] == answers["rollback"]
    assert parsed["change-details"] == answers["change-details"]


def test_a_heading_inside_a_closed_code_block_is_still_text() -> None:
    template = load_template(TEMPLATES / "out-of-hours-change.yml")
    answers = {
        "service": "Payments API",
        "change-details": "The runbook says:\n```\n### Impact\nnone\n```",
        "scheduled-start": "2026-11-25 18:00",
        "scheduled-end": "2026-11-25 20:00",
        "impact": "Payments unavailable for up to 30 minutes.",
        "rollback": "Restore the snapshot.",
        "checks": [],
    }
    parsed = parse_body(template, render_body(template, answers))
    assert parsed["change-details"] == answers["change-details"]
    assert parsed["impact"] == answers["impact"]


def test_a_checkbox_label_over_several_lines_is_read_whole() -> None:
    """`label: |` gives an option of several lines; GitHub writes its item and then the rest."""
    option = "I have told the service owner\nand the on-call engineer"
    boxes = FormField("checks", FieldType.CHECKBOXES, "Checks", options=(option, "Two"))
    template = make_template(SERVICE, boxes)
    body = render_body(template, {"service": "web", "checks": [option]})
    assert parse_body(template, body)["checks"] == {"selected": [option], "unselected": ["Two"]}
    # A first line alone (someone edited the rest away) is that line, not the option.
    cut = body.replace("\nand the on-call engineer", "")
    assert parse_body(template, cut)["checks"]["selected"] == ["I have told the service owner"]


@pytest.mark.parametrize("title", ['""', "''", '"[Incident] "'])
def test_a_form_title_may_be_any_text_github_accepts(tmp_path: Path, title: str) -> None:
    path = tmp_path / "form.yml"
    path.write_text(f"name: Form\ndescription: A form\ntitle: {title}\nbody:\n" + MINIMAL_FIELD)
    assert load_template(path).title_prefix == yaml.safe_load(f"t: {title}")["t"]
