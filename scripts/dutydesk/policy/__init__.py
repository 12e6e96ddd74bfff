"""policy.yaml: loaded once into frozen, typed configuration.

Every problem names the file, the key, the value found and what is allowed, and stops the
run before anything is applied.

- `schema`: the frozen dataclasses (`Policy`, `Priority`, ...);
- `parsing`: `parse_policy`, plain data to a `Policy`, one function per section (pure);
- `reader`: the typed value readers those functions share; `defaults`: what an empty file means;
- `loading`: `load_policy` and `load_yaml`, the only file reading; `merge`: `deep_merge`;
- `keys`: every key with the attribute holding it (`POLICY_KEYS`), and who reads it.
"""

from __future__ import annotations

from dutydesk.policy.defaults import (
    DEFAULT_LABELS,
    DEFAULT_PRIORITIES,
    MAX_WAIT,
    PRIORITY_COLOURS,
    REGIONS,
    WEEKDAYS,
)
from dutydesk.policy.keys import POLICY_KEYS, readers
from dutydesk.policy.loading import load_policy, load_yaml
from dutydesk.policy.merge import deep_merge
from dutydesk.policy.parsing import TOP_KEYS, parse_policy
from dutydesk.policy.schema import (
    PRIORITY_IDS,
    ChangesPolicy,
    IncidentsPolicy,
    LabelSpec,
    Policy,
    Priority,
    RotaEntry,
    RunbooksPolicy,
)

__all__ = [
    "DEFAULT_LABELS",
    "DEFAULT_PRIORITIES",
    "MAX_WAIT",
    "POLICY_KEYS",
    "PRIORITY_COLOURS",
    "PRIORITY_IDS",
    "REGIONS",
    "TOP_KEYS",
    "WEEKDAYS",
    "ChangesPolicy",
    "IncidentsPolicy",
    "LabelSpec",
    "Policy",
    "Priority",
    "RotaEntry",
    "RunbooksPolicy",
    "deep_merge",
    "load_policy",
    "load_yaml",
    "parse_policy",
    "readers",
]
