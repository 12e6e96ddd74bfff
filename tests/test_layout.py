"""The package's map is true: every rule module says which rule ids it emits and which policy
keys it reads, every rule id has a module, and the README's policy reference names, for each
key, modules that do read it."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import dutydesk
from dutydesk.policy.keys import POLICY_KEYS, readers
from dutydesk.rules.ids import Rule

ROOT = Path(__file__).resolve().parent.parent
RULE_ID = re.compile(r"\b[a-z_]+\.[a-z_]+\b")


def _modules(prefix: str = "dutydesk.") -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for info in pkgutil.walk_packages(dutydesk.__path__, "dutydesk."):
        if info.name == "dutydesk.__main__" or not info.name.startswith(prefix):
            continue
        found[info.name.removeprefix("dutydesk.")] = importlib.import_module(info.name).__doc__
    return found


def _emits(doc: str | None) -> set[str]:
    line = next((x for x in (doc or "").splitlines() if x.startswith("Emits:")), "")
    return {m for m in RULE_ID.findall(line) if m in {r.value for r in Rule}}


RULE_MODULES = {
    name: doc
    for name, doc in _modules("dutydesk.rules.").items()
    if not name.endswith((".ids", "rules")) and name != "rules.ids"
}


@pytest.mark.parametrize("module", sorted(RULE_MODULES))
def test_every_rule_module_says_what_it_emits(module: str) -> None:
    assert any(line.startswith("Emits:") for line in (RULE_MODULES[module] or "").splitlines())


def test_every_rule_id_is_emitted_by_a_module_that_says_so() -> None:
    emitted = set().union(*(_emits(doc) for doc in RULE_MODULES.values()))
    assert {r.value for r in Rule} - emitted == set()


def test_every_reads_line_names_real_policy_keys() -> None:
    _, unknown = readers(_modules())
    assert unknown == {}


def _readme_read_by() -> dict[str, set[str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("| Key | Meaning | Default | Read by |", 1)[1].split("\n\n", 1)[0]
    out: dict[str, set[str]] = {}
    for row in table.splitlines()[2:]:
        cells = [c.strip() for c in row.strip("|").split("|")]
        key = cells[0].split("`")[1]
        out[key] = set(re.findall(r"`([a-z_/]+\.py)`", cells[-1]))
    return out


def test_the_policy_reference_has_every_key() -> None:
    listed = _readme_read_by()
    for key in POLICY_KEYS:
        short = (
            "priorities.P1"
            if key.startswith("priorities.")
            else "labels.<role>"
            if key.startswith("labels.")
            else key
        )
        assert short in listed, key


def test_the_policy_reference_names_modules_that_read_the_key() -> None:
    found, _ = readers(_modules())
    for key, named in _readme_read_by().items():
        for path in named:
            module = path.removesuffix(".py").replace("/", ".")
            assert (ROOT / "scripts" / "dutydesk" / path).is_file(), path
            if not module.startswith("rules."):
                continue  # the calendar and markers have no Reads: line; they hold the key
            section = {"priorities.P1": "priorities.", "labels.<role>": "labels."}.get(key)
            keys = [k for k in POLICY_KEYS if k == key or (section and k.startswith(section))]
            assert any(module in found[k] for k in keys), (key, path)
