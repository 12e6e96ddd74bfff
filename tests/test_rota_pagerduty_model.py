"""The PagerDuty rota's pure parts: the `rota.pagerduty` policy, on-call shifts with exact times
(who is on call, handovers, gaps; UK clock changes; a window at a shift boundary), and what
the policy answers from the shifts read."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from desk import LONDON, london, utc
from dutydesk.errors import PolicyError
from dutydesk.policy import Policy, parse_policy
from dutydesk.time.shifts import (
    Gap,
    Handover,
    Level,
    Person,
    RotaUnavailable,
    Shift,
    Shifts,
    gaps,
    handovers,
    on_call,
)

P, S = Level.PRIMARY, Level.SECONDARY
ANN = Person("Ann Example", "ann-gh", "PANN001")
BEN = Person("Ben Example", "ben-gh", "PBEN002")
CAT = Person("Cat Unmapped", None, "PCAT003")
BOTH = (P, S)


def shift(level: Level, who: Person, start: str | None, end: str | None) -> Shift:
    """A shift between London wall-clock times ("2026-11-23 09:00"), None for open-ended."""
    return Shift(
        level,
        who,
        london(start) if start is not None else None,
        london(end) if end is not None else None,
    )


def pd_policy(**pagerduty: Any) -> Policy:
    settings = {"primary_schedule": "PPRIMRY", "secondary_schedule": "PSECOND", **pagerduty}
    return parse_policy({"rota": {"pagerduty": settings}})


# -- the policy ------------------------------------------------------------------------------


def test_the_mapping_form_with_its_defaults() -> None:
    rota = parse_policy({"rota": {"pagerduty": {"primary_schedule": "PABC123"}}}).pagerduty
    assert rota is not None
    assert (rota.primary_schedule, rota.secondary_schedule) == ("PABC123", None)
    assert (rota.token_env, rota.api_url) == ("PD_API_TOKEN", "https://api.pagerduty.com")
    assert rota.look_ahead == timedelta(days=14)
    assert rota.levels == (P,)


def test_users_map_by_id_or_by_email_in_any_case() -> None:
    rota = pd_policy(users={"PANN001": "ann-gh", "Ben@Example.org": "@ben-gh"}).pagerduty
    assert rota is not None
    assert rota.login_for("PANN001", "") == "ann-gh"
    assert rota.login_for("PBEN002", "ben@EXAMPLE.org") == "ben-gh"
    assert rota.login_for("PCAT003", "cat@example.org") is None


def test_the_list_form_is_unchanged_beside_it() -> None:
    policy = parse_policy({"rota": [{"from": "2026-11-02", "primary": "a", "secondary": "b"}]})
    assert policy.pagerduty is None
    assert [e.primary for e in policy.rota] == ["a"]


@pytest.mark.parametrize(
    ("rota", "key", "allowed"),
    [
        pytest.param("PABC123", "rota", "a list of {from", id="a string"),
        pytest.param({"opsgenie": {}}, "rota.opsgenie", "allowed keys: pagerduty", id="other"),
        pytest.param({"pagerduty": None}, "rota.pagerduty", "primary_schedule: ID", id="empty"),
        pytest.param(
            {"pagerduty": {}}, "rota.pagerduty.primary_schedule", "schedule ID", id="none"
        ),
        pytest.param(
            {"pagerduty": {"primary_schedule": "not an id"}},
            "rota.pagerduty.primary_schedule",
            "PABC123",
            id="not an id",
        ),
        pytest.param(
            {"pagerduty": {"primary_schedule": "PA1", "secondary_schedule": "PA1"}},
            "rota.pagerduty.secondary_schedule",
            "other than primary_schedule",
            id="the same schedule twice",
        ),
        pytest.param(
            {"pagerduty": {"primary_schedule": "PA1", "token_env": "lower"}},
            "rota.pagerduty.token_env",
            "NAME of the environment variable",
            id="token_env not a name",
        ),
        pytest.param(
            {"pagerduty": {"primary_schedule": "PA1", "api_url": "http://pd.example.org"}},
            "rota.pagerduty.api_url",
            "https URL",
            id="plain http elsewhere",
        ),
        pytest.param(
            {"pagerduty": {"primary_schedule": "PA1", "users": ["ann"]}},
            "rota.pagerduty.users",
            "a mapping of PagerDuty user",
            id="users a list",
        ),
        pytest.param(
            {"pagerduty": {"primary_schedule": "PA1", "users": {"PANN001": "not a login"}}},
            "rota.pagerduty.users.PANN001",
            "GitHub login",
            id="a bad login",
        ),
        pytest.param(
            {"pagerduty": {"primary_schedule": "PA1", "look_ahead": "91 days"}},
            "rota.pagerduty.look_ahead",
            "90 days",
            id="look_ahead past PagerDuty's limit",
        ),
        pytest.param(
            {"pagerduty": {"primary_schedule": "PA1", "look_ahead": "2 business days"}},
            "rota.pagerduty.look_ahead",
            "clocks",
            id="look_ahead on the office clock",
        ),
        pytest.param(
            {"pagerduty": {"primary_schedule": "PA1", "schedule": "PA2"}},
            "rota.pagerduty.schedule",
            "allowed keys: primary_schedule",
            id="an unknown key",
        ),
    ],
)
def test_a_bad_pagerduty_rota_names_its_key(rota: Any, key: str, allowed: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy({"rota": rota})
    assert caught.value.key == key
    assert allowed in str(caught.value)


def test_a_key_pasted_into_token_env_is_not_repeated() -> None:
    secret = "u+SECRETkeyPASTEDbyMISTAKE"
    with pytest.raises(PolicyError) as caught:
        parse_policy({"rota": {"pagerduty": {"primary_schedule": "PA1", "token_env": secret}}})
    assert secret not in str(caught.value)


def test_loopback_http_is_allowed_for_tests() -> None:
    policy = pd_policy(api_url="http://127.0.0.1:8080/")
    assert policy.pagerduty is not None and policy.pagerduty.api_url == "http://127.0.0.1:8080"


# -- who is on call, handovers and gaps ------------------------------------------------------

WEEK = (
    shift(P, ANN, "2026-11-23 09:00", "2026-11-24 09:00"),
    shift(P, BEN, "2026-11-24 09:00", "2026-11-25 09:00"),
    shift(S, BEN, "2026-11-23 09:00", "2026-11-24 09:00"),
    shift(S, CAT, "2026-11-24 12:00", "2026-11-25 09:00"),  # no secondary 09:00-12:00 on 24th
)


@pytest.mark.parametrize(
    ("moment", "level", "expected"),
    [
        pytest.param("2026-11-23 09:00", P, (ANN,), id="a shift holds from its start"),
        pytest.param("2026-11-24 08:59", P, (ANN,), id="the last minute of a shift"),
        pytest.param("2026-11-24 09:00", P, (BEN,), id="at a boundary the next shift holds"),
        pytest.param("2026-11-24 10:00", S, (), id="in a gap nobody"),
        pytest.param("2026-11-23 08:00", P, (), id="before the first shift nobody"),
    ],
)
def test_who_is_on_call(moment: str, level: Level, expected: tuple[Person, ...]) -> None:
    assert on_call(WEEK, level, london(moment)) == expected


def test_overlapping_shifts_name_both_people_once_each() -> None:
    overlap = (
        shift(P, ANN, "2026-11-23 09:00", "2026-11-23 18:00"),
        shift(P, BEN, "2026-11-23 17:00", "2026-11-24 09:00"),
        shift(P, ANN, "2026-11-23 09:00", "2026-11-23 18:00"),  # a second escalation policy
    )
    assert on_call(overlap, P, london("2026-11-23 17:30")) == (ANN, BEN)


def test_a_permanent_on_call_holds_always() -> None:
    always = (Shift(P, ANN, None, None),)
    assert on_call(always, P, london("2030-01-01 03:00")) == (ANN,)
    assert gaps(always, (P,), london("2026-11-23 00:00"), london("2026-12-23 00:00")) == []


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        pytest.param(
            "2026-11-23 18:00",
            "2026-11-24 18:00",
            [
                Handover(london("2026-11-24 09:00"), P, (ANN,), (BEN,)),
            ],
            id="a handover inside the window (the secondary's is through a gap)",
        ),
        pytest.param(
            "2026-11-24 09:00",
            "2026-11-24 18:00",
            [],
            id="a window starting exactly at a handover has none",
        ),
        pytest.param(
            "2026-11-23 09:00",
            "2026-11-24 09:00",
            [],
            id="a window ending exactly at a handover has none",
        ),
    ],
)
def test_handovers(start: str, end: str, expected: list[Handover]) -> None:
    assert handovers(WEEK, BOTH, london(start), london(end)) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        pytest.param(
            "2026-11-23 18:00",
            "2026-11-24 18:00",
            [Gap(S, london("2026-11-24 09:00"), london("2026-11-24 12:00"))],
            id="a gap in the secondary",
        ),
        pytest.param("2026-11-23 18:00", "2026-11-24 09:00", [], id="ends as the gap begins"),
        pytest.param("2026-11-24 12:00", "2026-11-24 20:00", [], id="starts as the gap ends"),
        pytest.param(
            "2026-11-24 10:00",
            "2026-11-24 11:00",
            [Gap(S, london("2026-11-24 10:00"), london("2026-11-24 11:00"))],
            id="wholly inside a gap",
        ),
        pytest.param(
            "2026-11-25 08:00",
            "2026-11-25 10:00",
            [
                Gap(P, london("2026-11-25 09:00"), london("2026-11-25 10:00")),
                Gap(S, london("2026-11-25 09:00"), london("2026-11-25 10:00")),
            ],
            id="the shifts run out: both levels, primary first",
        ),
    ],
)
def test_gaps(start: str, end: str, expected: list[Gap]) -> None:
    assert gaps(WEEK, BOTH, london(start), london(end)) == expected


def test_gaps_are_in_utc_and_only_for_the_levels_asked() -> None:
    found = gaps(WEEK, (P,), london("2026-11-25 08:00"), london("2026-11-25 10:00"))
    assert found == [Gap(P, utc("2026-11-25 09:00"), utc("2026-11-25 10:00"))]
    assert found[0].start.tzinfo is UTC


# -- the UK clock changes ----------------------------------------------------------------------

SPRING = (  # clocks go forward at 01:00 GMT on Sunday 29 March 2026: the night is 23 hours
    shift(P, ANN, "2026-03-28 09:00", "2026-03-29 09:00"),
    shift(P, BEN, "2026-03-29 09:00", "2026-03-30 09:00"),
)
AUTUMN = (  # clocks go back at 01:00 GMT on Sunday 25 October 2026: the night is 25 hours
    shift(P, ANN, "2026-10-24 09:00", "2026-10-25 09:00"),
    shift(P, BEN, "2026-10-25 09:00", "2026-10-26 09:00"),
)


@pytest.mark.parametrize(
    ("shifts", "hours"),
    [pytest.param(SPRING, 23, id="spring forward"), pytest.param(AUTUMN, 25, id="fall back")],
)
def test_a_shift_across_a_clock_change_leaves_no_gap(shifts: tuple[Shift, ...], hours: int) -> None:
    first = shifts[0]
    assert first.start is not None and first.end is not None
    assert first.end - first.start == timedelta(hours=hours)
    start, end = first.start, first.end + timedelta(days=1)
    assert gaps(shifts, (P,), start, end) == []
    (handover,) = handovers(shifts, (P,), start, end)
    assert handover.at == shifts[1].start
    assert handover.at.astimezone(LONDON).hour == 9
    assert (handover.before, handover.after) == ((ANN,), (BEN,))


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        pytest.param(datetime(2026, 3, 29, 0, 59, tzinfo=UTC), ANN, id="the last GMT minute"),
        pytest.param(datetime(2026, 3, 29, 1, 0, tzinfo=UTC), ANN, id="the first BST minute"),
        pytest.param(datetime(2026, 3, 29, 7, 59, tzinfo=UTC), ANN, id="08:59 BST"),
        pytest.param(datetime(2026, 3, 29, 8, 0, tzinfo=UTC), BEN, id="09:00 BST is 08:00 UTC"),
    ],
)
def test_the_spring_handover_is_at_nine_local(moment: datetime, expected: Person) -> None:
    assert on_call(SPRING, P, moment) == (expected,)


def test_the_repeated_autumn_hour_is_covered_once() -> None:
    """01:00-02:00 BST and 01:00-02:00 GMT are two hours of the same shift."""
    for moment in (utc("2026-10-25 00:30"), utc("2026-10-25 01:30")):
        assert on_call(AUTUMN, P, moment) == (ANN,)
    assert gaps(AUTUMN, (P,), utc("2026-10-25 00:00"), utc("2026-10-25 02:00")) == []


def test_a_naive_daily_rota_across_the_autumn_change_has_an_hour_gap() -> None:
    """Shifts written as 24 hours from 09:00 BST end at 08:00 GMT: an hour with nobody."""
    start = london("2026-10-24 09:00")
    naive = (
        Shift(P, ANN, start, start + timedelta(hours=24)),
        shift(P, BEN, "2026-10-25 09:00", None),
    )
    assert gaps(naive, (P,), start, london("2026-10-25 12:00")) == [
        Gap(P, london("2026-10-25 08:00"), london("2026-10-25 09:00"))
    ]


# -- what the policy answers from the shifts read ---------------------------------------------


def read(policy: Policy, shifts: tuple[Shift, ...], since: str, until: str) -> Policy:
    found = Shifts(
        london(since), london(until), shifts, policy.pagerduty.levels if policy.pagerduty else BOTH
    )
    return replace(policy, shifts=found)


def test_rota_at_answers_from_the_shifts() -> None:
    policy = read(pd_policy(), WEEK, "2026-11-23 00:00", "2026-11-26 00:00")
    entry = policy.rota_at(london("2026-11-24 13:00"))
    assert entry is not None
    assert (entry.primary, entry.secondary) == ("ben-gh", "Cat Unmapped")
    assert entry.logins == ("ben-gh",)
    assert entry.unmapped == ("Cat Unmapped",)
    assert str(entry.start) == "2026-11-24"


def test_one_person_at_both_levels_is_one_login() -> None:
    policy = read(pd_policy(), WEEK, "2026-11-23 00:00", "2026-11-26 00:00")
    entry = policy.rota_at(london("2026-11-24 08:00"))
    assert entry is not None and entry.logins == ("ann-gh", "ben-gh")
    both = (shift(P, ANN, "2026-11-23 09:00", None), shift(S, ANN, "2026-11-23 09:00", None))
    entry = read(pd_policy(), both, "2026-11-23 00:00", "2026-11-26 00:00").rota_at(
        london("2026-11-24 08:00")
    )
    assert entry is not None and entry.logins == ("ann-gh",)


def test_nobody_at_either_level_is_no_entry() -> None:
    policy = read(pd_policy(), WEEK, "2026-11-20 00:00", "2026-11-26 00:00")
    assert policy.rota_at(london("2026-11-22 12:00")) is None


@pytest.mark.parametrize(
    ("policy", "moment", "says"),
    [
        pytest.param(pd_policy(), "2026-11-24 12:00", "was not read", id="never read"),
        pytest.param(
            replace(pd_policy(), shifts_problem="PagerDuty answered 503"),
            "2026-11-24 12:00",
            "answered 503",
            id="read and failed",
        ),
        pytest.param(
            read(pd_policy(), WEEK, "2026-11-23 00:00", "2026-11-24 00:00"),
            "2026-11-24 12:00",
            "Tue 24 Nov 2026 12:00 GMT was not read from PagerDuty",
            id="beyond the span read",
        ),
    ],
)
def test_an_unread_rota_is_never_nobody(policy: Policy, moment: str, says: str) -> None:
    with pytest.raises(RotaUnavailable, match=says):
        policy.rota_at(london(moment))


def test_cover_gaps_count_only_on_call_hours() -> None:
    """Default hours: on call 16:00-22:00 on a weekday evening; 22:00-07:00 has no cover."""
    policy = read(pd_policy(), WEEK, "2026-11-23 00:00", "2026-11-26 00:00")
    # the secondary gap 09:00-12:00 on the 24th is in support hours (09:00-16:00)
    assert policy.cover_gaps(london("2026-11-23 16:00"), london("2026-11-24 22:00")) == []
    # after the shifts end, 09:00 on the 25th: only the evening's on-call hours are gaps
    found = policy.cover_gaps(london("2026-11-25 07:00"), london("2026-11-26 00:00"))
    assert found == [
        Gap(P, london("2026-11-25 16:00"), london("2026-11-25 22:00")),
        Gap(S, london("2026-11-25 16:00"), london("2026-11-25 22:00")),
    ]


def test_a_list_rota_has_no_cover_gaps_to_read() -> None:
    assert parse_policy({}).cover_gaps(london("2026-11-23 16:00"), london("2026-11-24 22:00")) == []
