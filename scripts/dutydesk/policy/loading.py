"""Reading policy.yaml: the file, YAML that refuses a key written twice, scenario overrides.

What the file says is validated by the pure `parse_policy`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from dutydesk.errors import PolicyError
from dutydesk.policy.merge import deep_merge
from dutydesk.policy.parsing import parse_policy
from dutydesk.policy.schema import Policy
from dutydesk.yaml_load import load_with


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML where a key written twice in one mapping is an error, not a silent overwrite."""


def _unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"the key {key!r} is written twice", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _unique_mapping,
)


def _checked_timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    """A YAML date or time, or an error naming the line for one the calendar lacks
    (`2026-02-30`), where PyYAML would raise a bare ValueError."""
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError as exc:
        raise yaml.constructor.ConstructorError(
            None, None, f"{node.value} is not a real date or time ({exc})", node.start_mark
        ) from None


_UniqueKeyLoader.add_constructor("tag:yaml.org,2002:timestamp", _checked_timestamp)


def load_yaml(text: str) -> Any:
    """yaml.safe_load, but a key written twice in one mapping is an error."""
    return load_with(text, _UniqueKeyLoader)


def load_policy(
    path: Path, overrides: Mapping[str, Any] | None = None, overrides_from: str = ""
) -> Policy:
    """Read, merge (for scenarios) and validate a policy file.

    `overrides_from` names where the overrides came from (a scenario), for error messages.
    """
    source = str(path)
    data = _read(path, source)
    if overrides:
        data = deep_merge(data, overrides)
        if overrides_from:
            source = f"{source} with the policy: of {overrides_from}"
    return parse_policy(data, source)


def _read(path: Path, source: str) -> dict[str, Any]:
    """The file's top-level mapping (an empty file is an empty one)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError.at_file(source, f"cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise PolicyError.at_file(source, "is not UTF-8 text; save it as UTF-8") from None
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise PolicyError.at_file(source, f"{where}invalid YAML: {problem}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise PolicyError(source, "(top level)", type(data).__name__, "a mapping of keys")
    return data
