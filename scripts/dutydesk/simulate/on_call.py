"""A scenario's on-call shifts, for a policy whose rota comes from PagerDuty.

`simulate` never reads PagerDuty, so a scenario run with such a policy says who PagerDuty has on
call, as PagerDuty would answer it:

```yaml
on_call:
  - {level: primary, who: alice-oncall, from: 2026-11-23T09:00:00+00:00, until: 2026-11-30T09:00:00+00:00}
  - {level: secondary, who: bob-oncall, from: 2026-11-23T09:00:00+00:00, until: 2026-11-30T09:00:00+00:00}
```

`who` is a GitHub login (as `rota.pagerduty.users` would map it). The shifts stand for what a
run reads: the whole span of the scenario, from a day before its first step to 89 days after
its end, with nobody on call outside the shifts given, at the policy's levels (a secondary
shift with no `secondary_schedule` is an error). A real run reads from its own moment to 89
days ahead only, so a window further ahead than that from a step is read here and not there.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from dutydesk.errors import ScenarioError
from dutydesk.policy import Policy
from dutydesk.simulate.steps import when
from dutydesk.time.shifts import Level, Person, Shift, Shifts

SHIFT_KEYS = ("level", "who", "from", "until")


def parse_on_call(value: Any, source: str) -> tuple[Shift, ...]:
    """The scenario's `on_call` list (empty when it has none)."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ScenarioError(f"{source}: on_call must be a list of {{level, who, from, until}}")
    return tuple(_shift(item, f"{source}: on_call[{n}]") for n, item in enumerate(value))


def _shift(item: Any, where: str) -> Shift:
    if not isinstance(item, dict) or set(item) != set(SHIFT_KEYS):
        raise ScenarioError(f"{where}: a shift is a mapping with " + ", ".join(SHIFT_KEYS))
    try:
        level = Level(str(item["level"]))
    except ValueError:
        raise ScenarioError(f"{where}: level must be primary or secondary") from None
    who = item["who"]
    if not isinstance(who, str) or not who.strip():
        raise ScenarioError(f"{where}: who must be a GitHub login")
    start, end = when(item["from"], f"{where}: from"), when(item["until"], f"{where}: until")
    if end <= start:
        raise ScenarioError(f"{where}: until must be after from")
    return Shift(level, Person(who.strip(), who.strip()), start, end)


def with_on_call(
    policy: Policy, shifts: tuple[Shift, ...], start: datetime, end: datetime, source: str
) -> Policy:
    """The policy with the scenario's shifts as what PagerDuty answered for the whole run."""
    if policy.pagerduty is None:
        if shifts:
            raise ScenarioError(
                f"{source}: on_call is for a policy whose rota comes from PagerDuty; this "
                "policy's rota is the list under rota:"
            )
        return policy
    if not shifts:
        raise ScenarioError(
            f"{source}: the policy's rota comes from PagerDuty, which simulate never reads; "
            "say who is on call in the scenario's on_call: (a list of {level, who, from, until})"
        )
    levels = policy.pagerduty.levels
    extra = [s for s in shifts if s.level not in levels]
    if extra:
        raise ScenarioError(
            f"{source}: on_call has a {extra[0].level} shift, but the policy's rota has no "
            "secondary_schedule"
        )
    read = Shifts(start - timedelta(days=1), end + timedelta(days=89), shifts, levels)
    return replace(policy, shifts=read)


__all__ = ["parse_on_call", "with_on_call"]
