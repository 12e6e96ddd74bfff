"""YAML read on libyaml's parser where PyYAML's wheel has it, with PyYAML's own messages.

libyaml parses about ten times faster than PyYAML's pure-Python parser; the constructors, and
so the data, are the same Python code either way. Their messages for a broken file differ
("did not find expected ','" against "expected ',' or ']', but got '<stream end>'"), so a text
that libyaml refuses is read again with the pure-Python loader, whose error is the one raised:
a broken file reads exactly as before, and only broken files pay for the second reading.
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["load_with"]


_FAST: dict[type[yaml.SafeLoader], type[Any] | None] = {}


def _fast(loader: type[yaml.SafeLoader]) -> type[Any] | None:
    """`loader` (a SafeLoader subclass: its constructors and resolvers) on libyaml's parser."""
    if loader not in _FAST:
        _FAST[loader] = _twin(loader)
    return _FAST[loader]


def _twin(loader: type[yaml.SafeLoader]) -> type[Any] | None:
    parser = getattr(getattr(yaml, "cyaml", None), "CParser", None)  # with libyaml only
    if parser is None:
        return None

    def __init__(self: Any, stream: str) -> None:  # as yaml.CSafeLoader starts
        parser.__init__(self, stream)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)

    return type(f"Fast{loader.__name__}", (parser, loader), {"__init__": __init__})


def load_with(text: str, loader: type[yaml.SafeLoader] = yaml.SafeLoader) -> Any:
    """`yaml.load(text, Loader=loader)`, parsed by libyaml when it can."""
    fast = _fast(loader)
    if fast is not None:
        try:
            return yaml.load(text, Loader=fast)
        except yaml.YAMLError:
            pass  # read again below, for PyYAML's own message
    return yaml.load(text, Loader=loader)
