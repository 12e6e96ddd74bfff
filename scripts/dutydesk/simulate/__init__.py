"""`dutydesk simulate`: the real rules against the in-memory repository over a timeline.

`scenario` and `steps` read a scenario file; `run` plays it through the jobs the CLI runs
(`dutydesk.jobs`).
"""

from dutydesk.simulate.run import Entry, Simulation, simulate
from dutydesk.simulate.scenario import (
    MAX_SWEEPS,
    SCENARIO_KEYS,
    Scenario,
    load_scenario,
    parse_scenario,
)
from dutydesk.simulate.steps import STEP_VERBS, VERB_KEYS, Step

__all__ = [
    "MAX_SWEEPS",
    "SCENARIO_KEYS",
    "STEP_VERBS",
    "VERB_KEYS",
    "Entry",
    "Scenario",
    "Simulation",
    "Step",
    "load_scenario",
    "parse_scenario",
    "simulate",
]
