"""Tests for dutydesk.views.rota: who is on call, what is wrong with the rota, how it prints."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from desk import ROTA, london
from dutydesk.policy import parse_policy
from dutydesk.views.rota import ProblemKind, format_rota, next_handover, on_call, rota_problems


def rota(*entries: tuple[str, str, str]) -> list[dict[str, Any]]:
    return [{"from": d, "primary": p, "secondary": s} for d, p, s in entries]


WEEKLY = rota(
    ("2026-11-02", "alice", "bob"),
    ("2026-11-09", "bob", "carol"),
    ("2026-11-16", "carol", "alice"),
)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        pytest.param(
            london("2026-11-22 23:59"),
            ("2026-11-16", "carol-oncall"),
            id="the last minute of an entry's week",
        ),
        pytest.param(
            london("2026-11-23 00:00"),
            ("2026-11-23", "alice-oncall"),
            id="a new entry starts at local midnight",
        ),
        pytest.param(
            london("2026-12-25 12:00"), ("2026-11-30", "bob-oncall"), id="the last entry runs on"
        ),
        pytest.param(
            datetime.fromisoformat("2026-11-23T00:30+01:00"),
            ("2026-11-16", "carol-oncall"),
            id="the date is the local date",
        ),
    ],
)
def test_on_call(moment: datetime, expected: tuple[str, str]) -> None:
    policy = parse_policy({"rota": ROTA})
    entry = on_call(policy, moment)
    assert entry is not None
    assert (str(entry.start), entry.primary) == expected


def test_nobody_is_on_call_before_the_rota_starts() -> None:
    assert on_call(parse_policy({"rota": ROTA}), london("2026-11-15 12:00")) is None
    assert on_call(parse_policy({}), london("2026-11-15 12:00")) is None


def test_next_handover() -> None:
    policy = parse_policy({"rota": ROTA})
    handover = next_handover(policy, london("2026-11-24 12:00"))
    assert handover is not None
    assert (handover.on, handover.entry.primary) == (date(2026, 11, 30), "bob-oncall")
    assert next_handover(policy, london("2026-12-01 12:00")) is None


@pytest.mark.parametrize(
    ("entries", "today", "expected"),
    [
        pytest.param(WEEKLY, date(2026, 11, 20), [], id="a weekly rota in order has no problems"),
        pytest.param(WEEKLY, date(2026, 10, 1), [], id="a rota starting after today is fine"),
        pytest.param([], date(2026, 11, 20), [], id="no rota has no rota problems"),
        pytest.param(
            rota(("2026-11-09", "bob", "carol"), ("2026-11-02", "alice", "bob")),
            None,
            [
                (
                    ProblemKind.OUT_OF_ORDER,
                    "rota[1] (from 2026-11-02) is listed after rota[0] (from 2026-11-09), which starts later",
                )
            ],
            id="entries out of date order",
        ),
        pytest.param(
            rota(("2026-11-02", "alice", "bob"), ("2026-11-02", "carol", "dave")),
            None,
            [(ProblemKind.OVERLAP, "rota[0] and rota[1] both start on 2026-11-02: they overlap")],
            id="two entries on the same date overlap",
        ),
        pytest.param(
            rota(("2026-11-02", "alice", "Alice")),
            None,
            [
                (
                    ProblemKind.SAME_PERSON,
                    "rota[0] (from 2026-11-02): alice is both primary and secondary",
                )
            ],
            id="one person primary and secondary",
        ),
        pytest.param(
            rota(
                ("2026-11-02", "alice", "bob"),
                ("2026-11-09", "bob", "carol"),
                ("2026-11-16", "carol", "alice"),
                ("2026-11-30", "alice", "bob"),
            ),
            None,
            [
                (
                    ProblemKind.GAP,
                    "rota[2] (from 2026-11-16) lasts 14 days, until 2026-11-30, where the rota otherwise hands over every 7 days",
                )
            ],
            id="a missing week is a gap",
        ),
        pytest.param(
            WEEKLY,
            date(2026, 11, 23),
            [
                (
                    ProblemKind.RAN_OUT,
                    "the rota runs out: rota[2] (from 2026-11-16) was due to hand over on 2026-11-23",
                )
            ],
            id="a rota that has run out",
        ),
        pytest.param(
            rota(("2026-11-02", "alice", "bob"), ("2026-11-16", "bob", "carol")),
            date(2027, 1, 1),
            [],
            id="two entries are too few to know the usual turn",
        ),
    ],
)
def test_rota_problems(
    entries: list[dict[str, Any]], today: date | None, expected: list[tuple[ProblemKind, str]]
) -> None:
    problems = rota_problems(parse_policy({"rota": entries}), today)
    assert [p.kind for p in problems] == [kind for kind, _ in expected]
    for problem, (_, fragment) in zip(problems, expected, strict=True):
        assert fragment in problem.message


@pytest.mark.parametrize(
    ("moment", "fragments"),
    [
        pytest.param(
            "2026-11-24 22:30",
            [
                "At Tue 24 Nov 2026 22:30 GMT (no cover",
                "primary:   alice-oncall",
                "secondary: bob-oncall",
                "Next handover on 2026-11-30",
            ],
            id="at night nobody covers but the rota still names the pair",
        ),
        pytest.param(
            "2026-11-24 18:00",
            ["(on-call hours)", "primary:   alice-oncall"],
            id="in the evening the pair is on call",
        ),
        pytest.param(
            "2026-11-24 10:00",
            ["(support hours)"],
            id="in the day it is support hours",
        ),
        pytest.param(
            "2026-11-01 10:00",
            ["nobody: the rota starts on 2026-11-16", "Next handover on 2026-11-16"],
            id="before the rota starts",
        ),
    ],
)
def test_format_rota(moment: str, fragments: list[str]) -> None:
    policy = parse_policy({"rota": ROTA})
    text = format_rota(on_call(policy, london(moment)), london(moment), policy)
    for fragment in fragments:
        assert fragment in text


def test_format_rota_without_a_rota() -> None:
    policy = parse_policy({})
    text = format_rota(None, london("2026-11-24 18:00"), policy)
    assert "the rota in policy.yaml is empty" in text
    assert "Next handover" not in text


def test_outside_cover_the_rota_names_who_is_on_when_cover_resumes() -> None:
    from pathlib import Path

    from dutydesk.policy import load_policy
    from dutydesk.views.rota import format_rota, on_call

    policy = load_policy(Path(__file__).resolve().parent.parent / "policy.yaml")
    at = datetime(2026, 11, 28, 23, 30, tzinfo=UTC)
    text = format_rota(on_call(policy, at), at, policy)
    assert "no cover" in text
    assert "on call when cover resumes, Sun 29 Nov 2026 07:00 GMT" in text


def test_a_moment_past_the_end_of_the_rota_warns_that_it_has_run_out() -> None:
    from pathlib import Path

    from dutydesk.policy import load_policy
    from dutydesk.views.rota import format_rota, on_call

    policy = load_policy(Path(__file__).resolve().parent.parent / "policy.yaml")
    at = datetime(2027, 9, 1, 19, 0, tzinfo=UTC)
    assert "Warning: the rota runs out" in format_rota(on_call(policy, at), at, policy)
