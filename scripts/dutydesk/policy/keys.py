"""Every policy.yaml key with the `Policy` attribute that holds its value, and who reads each
key, from the rule modules' `Reads:` lines.

`POLICY_KEYS` gives the policy reference its key and attribute columns; `readers` fills in
the module column from the modules' docstrings (passed in: this module imports no rules).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from dutydesk.policy.defaults import DEFAULT_LABELS
from dutydesk.policy.notifications import TRANSPORT_KEYS
from dutydesk.policy.parsing import (
    CHANGES_KEYS,
    INCIDENTS_KEYS,
    ON_CALL_KEYS,
    PRIORITY_KEYS,
    RUNBOOKS_KEYS,
    TOP_KEYS,
)
from dutydesk.policy.rota import PAGERDUTY_KEYS
from dutydesk.policy.site import SITE_KEYS

POLICY_KEYS: Mapping[str, str] = {
    "timezone": "timezone",
    "bank_holidays": "bank_holidays",
    "bot": "bot",
    "hours.workdays": "workdays",
    "hours.support": "support",
    **{f"hours.on_call.{k}": f"on_call.{k}" for k in ON_CALL_KEYS},
    **{f"priorities.<P>.{k}": f"priorities.<P>.{k}" for k in PRIORITY_KEYS},
    **{f"incidents.{k}": f"incidents.{k}" for k in INCIDENTS_KEYS},
    **{f"changes.{k}": f"changes.{k}" for k in CHANGES_KEYS},
    "maintenance.notice": "changes.maintenance_notice",
    "rota": "rota",
    **{f"rota.pagerduty.{k}": f"pagerduty.{k}" for k in PAGERDUTY_KEYS},
    **{f"runbooks.{k}": f"runbooks.{k}" for k in RUNBOOKS_KEYS},
    **{f"labels.{role}": f"labels.{role}" for role in DEFAULT_LABELS},
    "labels.<P>": "labels.<P>",
    "max_writes_per_run": "max_writes_per_run",
    **{f"site.{k}": f"site.{k}" for k in SITE_KEYS if k != "impact"},
    "site.impact.<P>": "site.impact.<P>",
    **{
        f"notifications.channels.<name>.{t}.{k}": f"notifications.channels.<name>.{k}"
        for t, keys in TRANSPORT_KEYS.items()
        for k in keys
    },
    "notifications.routes": "notifications.routes",
    "notifications.max_age": "notifications.max_age",
}
"""policy.yaml key (``priorities.<P>.response``) -> the `Policy` attribute that holds it
(``workdays``, ``support``, ``on_call`` and ``bank_holidays`` also make ``Policy.calendar``;
``labels.<role>`` is read with ``Policy.label(role)``)."""

_HEADER = re.compile(r"[A-Z][a-z]+:")


def reads(docstring: str | None) -> tuple[str, ...]:
    """The entries of a docstring's `Reads:` line, which may run on over the lines after it
    (up to a blank line or another `Header:`). ``the calendar (workdays, support)`` gives
    ``workdays`` and ``support``."""
    entries = (part.split("(")[-1].strip(" )") for part in _reads_line(docstring).split(","))
    return tuple(entry for entry in entries if entry)


def _reads_line(docstring: str | None) -> str:
    """The text after `Reads:`, its continuation lines joined on."""
    lines = [line.strip() for line in (docstring or "").splitlines()]
    start = next((i for i, line in enumerate(lines) if line.startswith("Reads:")), None)
    if start is None:
        return ""
    text = [lines[start].removeprefix("Reads:")]
    for more in lines[start + 1 :]:
        if not more or _HEADER.match(more):
            break
        text.append(more)
    return " ".join(text)


def readers(
    docstrings: Mapping[str, str | None],
) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """Which modules read each policy key, from ``{module name: docstring}``.

    A `Reads:` entry names a key, by its policy.yaml spelling or its `Policy` attribute, or
    a section (``changes``, ``on_call``) meaning every key in it. Returns (every key of
    POLICY_KEYS -> the modules reading it; module -> entries that name no key: typos, or
    keys that are gone).
    """
    found: dict[str, list[str]] = {key: [] for key in POLICY_KEYS}
    unknown: dict[str, tuple[str, ...]] = {}
    for module, doc in sorted(docstrings.items()):
        strays = []
        for entry in reads(doc):
            hits = [key for key, attribute in POLICY_KEYS.items() if _names(entry, key, attribute)]
            for key in hits:
                found[key].append(module)
            if not hits:
                strays.append(entry)
        if strays:
            unknown[module] = tuple(strays)
    return {key: tuple(modules) for key, modules in found.items()}, unknown


def _names(entry: str, key: str, attribute: str) -> bool:
    """Does `entry` name `key`? A top-level section name means the policy.yaml section
    (``changes`` is not ``changes.maintenance_notice``, which is ``maintenance.notice``)."""
    if entry == key or key.startswith(f"{entry}."):
        return True
    return entry not in TOP_KEYS and (entry == attribute or attribute.startswith(f"{entry}."))
