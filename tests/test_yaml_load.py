"""YAML on libyaml's parser (dutydesk/yaml_load.py): the same data as PyYAML's pure-Python
parser gives, and for a broken file the same message."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dutydesk.policy import load_yaml
from dutydesk.rules.runbooks.frontmatter import FrontMatterLoader
from dutydesk.yaml_load import _fast, load_with

ROOT = Path(__file__).resolve().parent.parent
TEXTS = sorted(
    [
        ROOT / "policy.yaml",
        *ROOT.glob(".github/ISSUE_TEMPLATE/*.yml"),
        *ROOT.glob("examples/**/*.yaml"),
        *ROOT.glob(".github/workflows/*.yml"),
    ]
)


def test_the_wheel_has_libyaml_so_the_fast_parser_is_the_one_used() -> None:
    assert yaml.__with_libyaml__
    fast = _fast(yaml.SafeLoader)
    assert fast is not None and issubclass(fast, yaml.cyaml.CParser)


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_yaml_file_here_reads_the_same_on_both_parsers(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert load_with(text) == yaml.load(text, Loader=yaml.SafeLoader)
    assert load_with(text, FrontMatterLoader) == yaml.load(text, Loader=FrontMatterLoader)


@pytest.mark.parametrize(
    "text",
    ["a: [1, 2\n", "a: b: c\n", "- a\nb: c\n", "a: 'unclosed\n", "\t- tab\n"],
)
def test_a_broken_text_fails_with_pyyamls_own_message(text: str) -> None:
    with pytest.raises(yaml.YAMLError) as pure:
        yaml.load(text, Loader=yaml.SafeLoader)
    with pytest.raises(yaml.YAMLError) as ours:
        load_with(text)
    assert str(ours.value) == str(pure.value)


def test_a_key_written_twice_is_still_refused_on_its_line() -> None:
    with pytest.raises(yaml.constructor.ConstructorError) as caught:
        load_yaml("a: 1\nb: 2\na: 3\n")
    assert "the key 'a' is written twice" in str(caught.value)
    assert caught.value.problem_mark is not None and caught.value.problem_mark.line == 2


def test_front_matter_dates_stay_text_on_the_fast_parser() -> None:
    assert load_with("review_by: 2026-02-30\n", FrontMatterLoader) == {"review_by": "2026-02-30"}
