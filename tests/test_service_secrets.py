"""The services' secrets as one bundle for the reusable workflows (service_secrets.py)."""

from __future__ import annotations

import pytest

from dutydesk.errors import ConfigurationError
from dutydesk.service_secrets import BUNDLE, environment, mask_commands, parse

HOOK = "https://hooks.slack.com/services/T000/B000/secretToken"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", {}),
        (f"OPS_SLACK_WEBHOOK={HOOK}\n", {"OPS_SLACK_WEBHOOK": HOOK}),
        ("# a comment\n\n  PD_ROUTING_KEY = abc=def  \r\n", {"PD_ROUTING_KEY": "abc=def"}),
        ("SMTP_PASSWORD=\n", {"SMTP_PASSWORD": ""}),
        ("A=1\nb_2=two\n", {"A": "1", "b_2": "two"}),
    ],
)
def test_a_bundle_is_lines_of_name_equals_value(text: str, expected: dict[str, str]) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("OPS_SLACK_WEBHOOK secretToken", "line 1 is not NAME=value"),
        ("A=1\n2BAD=secretToken", "line 2 is not NAME=value"),
        ("export A=secretToken", "line 1 is not NAME=value"),
        ("A=1\nA=secretToken", "A is given twice (line 2)"),
    ],
)
def test_a_bad_line_is_named_by_its_number_never_by_what_it_holds(text: str, says: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        parse(text)
    assert says in str(caught.value) and "secretToken" not in str(caught.value)


def test_a_variable_set_directly_wins_over_the_bundle_unless_it_is_empty() -> None:
    environ = {BUNDLE: "A=from-bundle\nB=from-bundle\nC=from-bundle", "A": "direct", "B": " "}
    merged = environment(environ)
    assert merged["A"] == "direct" and merged["B"] == "from-bundle"
    assert merged["C"] == "from-bundle" and BUNDLE not in merged


def test_each_value_is_masked_on_its_own_once() -> None:
    environ = {BUNDLE: f"A={HOOK}\nB={HOOK}\nC=\nD=key"}
    assert mask_commands(environ) == [f"::add-mask::{HOOK}", "::add-mask::key"]
    assert mask_commands({}) == []


def test_a_mask_is_escaped_as_the_runner_reads_workflow_commands() -> None:
    """The runner turns %25, %0D and %0A in a command's data back into %, CR and LF (the
    Actions toolkit's escapeData), so a URL-encoded value is masked as it is, not decoded."""
    environ = {BUNDLE: "HOOK=https://example.org/a%25b%0Ac"}
    assert mask_commands(environ) == ["::add-mask::https://example.org/a%2525b%250Ac"]
