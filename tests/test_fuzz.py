"""Arbitrary input to the loaders: a clear dutydesk error or a result, never a crash."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dutydesk.errors import EventError, PolicyError, ScenarioError
from dutydesk.io.events import target_of
from dutydesk.policy import TOP_KEYS, parse_policy
from dutydesk.simulate import load_scenario, parse_scenario

# The policy's own top-level keys, and nested keys, so that examples reach deep validation.
POLICY_KEYS = [
    *TOP_KEYS,
    *("P1", "P3", "support", "on_call", "working_days", "response", "update_every"),
    *("approvers", "notice", "from", "primary", "secondary", "folder", "review_period"),
    *("name", "color"),
]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**6),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.sampled_from(
        [
            "20 minutes",
            "2 office hours",
            "1 business day",
            "09:00-16:00",
            "24:00-01:00",
            "Europe/London",
            "Mars/Base",
            "2026-11-23",
            "alice",
            "org/team",
            "P1",
            "6 months",
            "scotland",
            "#zzzzzz",
        ]
    ),
)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.one_of(st.sampled_from(POLICY_KEYS), st.text(max_size=8)), children, max_size=4
        ),
    ),
    max_leaves=20,
)
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.dictionaries(st.sampled_from(POLICY_KEYS), VALUES, max_size=5))
def test_any_policy_mapping_loads_or_names_its_problem(data: dict[str, Any]) -> None:
    try:
        parse_policy(data, "fuzz.yaml")
    except PolicyError as exc:
        assert str(exc).startswith("fuzz.yaml: ")


STEP_KEYS = [
    "at",
    "by",
    "open",
    "comment",
    "edit",
    "assign",
    "label",
    "close",
    "reopen",
    "issue",
    "body",
    "fields",
    "users",
    "add",
    "remove",
    "title",
]
STEP_VALUES = st.one_of(
    SCALARS,
    st.sampled_from(["2026-11-23T10:00:00+00:00", "incident", "out-of-hours-change"]),
    st.dictionaries(st.sampled_from(STEP_KEYS), SCALARS, max_size=4),
)


@FUZZ
@given(
    st.dictionaries(
        st.sampled_from(["description", "policy", "sweep_every", "until", "steps", "people", "x"]),
        st.one_of(
            VALUES,
            st.lists(
                st.dictionaries(st.sampled_from(STEP_KEYS), STEP_VALUES, max_size=5), max_size=4
            ),
        ),
        max_size=5,
    )
)
def test_any_scenario_mapping_loads_or_names_its_problem(data: dict[str, Any]) -> None:
    try:
        parse_scenario(data, "fuzz-scenario")
    except ScenarioError as exc:
        assert str(exc).startswith("fuzz-scenario")


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=300))
def test_any_scenario_text_loads_or_names_its_problem(tmp_path: Path, text: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    with contextlib.suppress(ScenarioError):
        load_scenario(path)


@FUZZ
@given(st.sampled_from(["issues", "issue_comment", "push"]), VALUES)
def test_any_event_payload_names_an_issue_or_explains(name: str, payload: Any) -> None:
    try:
        target = target_of(name, payload)
    except EventError:
        return
    assert target.number is None or (isinstance(target.number, int) and target.number > 0)


def test_the_shipped_policy_round_trips_through_yaml() -> None:
    root = Path(__file__).resolve().parent.parent
    data = yaml.safe_load((root / "policy.yaml").read_text(encoding="utf-8"))
    assert parse_policy(data).priorities["P1"].name == "Critical"
