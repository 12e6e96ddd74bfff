"""Tests for dutydesk.time.durations: reading durations from policy text and writing them back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dutydesk.time.durations import (
    Clock,
    Duration,
    DurationError,
    format_timedelta,
    parse_duration,
)

minutes = timedelta(minutes=1)
hours = timedelta(hours=1)


def wall(td: timedelta) -> Duration:
    return Duration(Clock.WALL, td)


def office(td: timedelta) -> Duration:
    return Duration(Clock.OFFICE, td)


def business(n: int) -> Duration:
    return Duration(Clock.BUSINESS_DAYS, timedelta(0), n)


PARSED = [
    pytest.param("20 minutes", wall(20 * minutes), id="20 minutes is wall-clock time"),
    pytest.param("1 minute", wall(minutes), id="a singular minute is accepted"),
    pytest.param("45 mins", wall(45 * minutes), id="mins is short for minutes"),
    pytest.param("1 min", wall(minutes), id="min is short for minute"),
    pytest.param("1 hour", wall(hours), id="1 hour is wall-clock time"),
    pytest.param("4 hours", wall(4 * hours), id="plural hours are accepted"),
    pytest.param("2 hrs", wall(2 * hours), id="hrs is short for hours"),
    pytest.param("1 hr", wall(hours), id="hr is short for hour"),
    pytest.param("48 hours", wall(48 * hours), id="48 hours stays wall-clock"),
    pytest.param("3 days", wall(timedelta(days=3)), id="days are wall-clock days"),
    pytest.param("1 day", wall(timedelta(days=1)), id="a singular day is accepted"),
    pytest.param("2 weeks", wall(timedelta(weeks=2)), id="weeks are wall-clock weeks"),
    pytest.param("1 week", wall(timedelta(weeks=1)), id="a singular week is accepted"),
    pytest.param(
        "1 hour 30 minutes", wall(90 * minutes), id="hours and minutes combine into one duration"
    ),
    pytest.param("1 hour and 30 minutes", wall(90 * minutes), id="parts may be joined with and"),
    pytest.param("1 hour, 30 minutes", wall(90 * minutes), id="parts may be joined with a comma"),
    pytest.param("30 minutes 1 hour", wall(90 * minutes), id="parts may come in any order"),
    pytest.param("20min", wall(20 * minutes), id="the space before the unit may be left out"),
    pytest.param("  20 Minutes  ", wall(20 * minutes), id="case and surrounding space are ignored"),
    pytest.param("0 minutes", wall(timedelta(0)), id="zero is a duration"),
    pytest.param("2 office hours", office(2 * hours), id="office hours count support time only"),
    pytest.param("1 office hour", office(hours), id="a singular office hour is accepted"),
    pytest.param("30 office minutes", office(30 * minutes), id="office minutes are office time"),
    pytest.param("2 support hours", office(2 * hours), id="support hours mean office hours"),
    pytest.param("2 business hours", office(2 * hours), id="business hours mean office hours"),
    pytest.param("2 working hours", office(2 * hours), id="working hours mean office hours"),
    pytest.param("2 OFFICE HOURS", office(2 * hours), id="office hours ignore case"),
    pytest.param(
        "1 office hour 30 minutes",
        office(90 * minutes),
        id="one office part makes the whole duration office time",
    ),
    pytest.param(
        "1 office hour 30 office minutes",
        office(90 * minutes),
        id="office may be repeated on every part",
    ),
    pytest.param("1 business day", business(1), id="1 business day counts whole support days"),
    pytest.param("5 business days", business(5), id="plural business days are accepted"),
    pytest.param("2 working days", business(2), id="working days mean business days"),
    pytest.param("1 Working Day", business(1), id="working day ignores case"),
]


@pytest.mark.parametrize(("text", "expected"), PARSED)
def test_parse_duration_reads_policy_text(text: str, expected: Duration) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(("text", "expected"), PARSED)
def test_a_parsed_duration_reads_back_from_its_own_text(text: str, expected: Duration) -> None:
    assert parse_duration(str(parse_duration(text))) == expected


@pytest.mark.parametrize(
    ("duration", "text"),
    [
        pytest.param(wall(20 * minutes), "20 minutes", id="minutes read as minutes"),
        pytest.param(wall(minutes), "1 minute", id="one minute is singular"),
        pytest.param(wall(hours), "1 hour", id="one hour is singular"),
        pytest.param(wall(48 * hours), "48 hours", id="two days are written as 48 hours"),
        pytest.param(wall(24 * hours), "24 hours", id="one day is written as 24 hours"),
        pytest.param(wall(timedelta(days=3)), "3 days", id="three whole days are written as days"),
        pytest.param(wall(timedelta(weeks=1)), "1 week", id="seven days are written as a week"),
        pytest.param(wall(timedelta(days=14)), "2 weeks", id="whole weeks are written as weeks"),
        pytest.param(wall(90 * minutes), "1 hour 30 minutes", id="90 minutes are split up"),
        pytest.param(
            wall(timedelta(days=3, minutes=5)), "72 hours 5 minutes", id="part days stay in hours"
        ),
        pytest.param(wall(timedelta(0)), "0 minutes", id="zero is written as 0 minutes"),
        pytest.param(wall(timedelta(seconds=45)), "45 seconds", id="seconds are shown"),
        pytest.param(office(2 * hours), "2 office hours", id="office hours say office"),
        pytest.param(office(hours), "1 office hour", id="one office hour is singular"),
        pytest.param(office(90 * minutes), "1 office hour 30 minutes", id="office is said once"),
        pytest.param(office(30 * minutes), "30 office minutes", id="office minutes say office"),
        pytest.param(
            office(timedelta(days=2)), "48 office hours", id="office time is never in days"
        ),
        pytest.param(business(1), "1 business day", id="one business day is singular"),
        pytest.param(business(5), "5 business days", id="business days are plural"),
    ],
)
def test_str_gives_human_text(duration: Duration, text: str) -> None:
    assert str(duration) == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "3 fortnights",
            "'3 fortnights' is not a duration: write a whole number and a unit, for example "
            "'20 minutes', '2 hours', '2 office hours' or '1 business day'",
            id="an unknown unit is refused with examples",
        ),
        pytest.param("", "an empty value is not a duration", id="empty text is refused"),
        pytest.param("   ", "an empty value is not a duration", id="blank text is refused"),
        pytest.param("hours", "is not a duration", id="a unit without a number is refused"),
        pytest.param("20", "is not a duration", id="a number without a unit is refused"),
        pytest.param("1.5 hours", "whole numbers only", id="a decimal amount is refused"),
        pytest.param("1. hours", "whole numbers only", id="a trailing decimal point is refused"),
        pytest.param("-3 hours", "cannot be negative", id="a negative amount is refused"),
        pytest.param("3 months", "months and years are calendar periods", id="months are refused"),
        pytest.param("1 year", "months and years are calendar periods", id="years are refused"),
        pytest.param("2 yrs", "months and years are calendar periods", id="yrs are refused"),
        pytest.param("1 hour 2 hours", "same unit twice", id="a repeated unit is refused"),
        pytest.param(
            "1 hour 2 office hours", "same unit twice", id="a unit repeated as office is refused"
        ),
        pytest.param(
            "1 business day 2 hours",
            "business days cannot be combined",
            id="business days mixed with hours are refused",
        ),
        pytest.param(
            "1 business day 1 working day",
            "same unit twice",
            id="business days given twice are refused",
        ),
        pytest.param("2 office days", "is not a duration", id="office days are refused"),
        pytest.param("1 business week", "is not a duration", id="business weeks are refused"),
        pytest.param(
            "1 office hour 2 days",
            "is not a duration",
            id="office hours mixed with days are refused",
        ),
        pytest.param("2 office", "is not a duration", id="office without a unit is refused"),
        pytest.param("1 hour and", "is not a duration", id="a dangling and is refused"),
        pytest.param("and 1 hour", "is not a duration", id="a leading and is refused"),
        pytest.param("2h", "is not a duration", id="single-letter units are refused"),
        pytest.param("٣ hours", "is not a duration", id="non-ASCII digits are refused"),
        pytest.param("9999 days", "is too long", id="more than ten years is refused"),
        pytest.param("5000 business days", "is too long", id="too many business days are refused"),
        pytest.param("9" * 5000 + " days", "is too long", id="an enormous number is refused"),
        pytest.param(
            "99999999 weeks", "is too long", id="an amount too big for a timedelta is refused"
        ),
    ],
)
def test_parse_duration_refuses_bad_text_clearly(text: str, message: str) -> None:
    with pytest.raises(DurationError) as raised:
        parse_duration(text)
    assert message in str(raised.value)


def test_error_messages_quote_long_text_briefly() -> None:
    with pytest.raises(DurationError) as raised:
        parse_duration("x" * 10_000)
    assert len(str(raised.value)) < 300


def test_duration_error_is_a_value_error() -> None:
    assert issubclass(DurationError, ValueError)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(
            lambda: Duration(Clock.WALL, timedelta(minutes=-1)),
            "negative",
            id="a negative amount cannot be built",
        ),
        pytest.param(
            lambda: Duration(Clock.BUSINESS_DAYS, timedelta(0), -1),
            "negative",
            id="negative business days cannot be built",
        ),
        pytest.param(
            lambda: Duration(Clock.BUSINESS_DAYS, timedelta(hours=1), 1),
            "counts days",
            id="business days cannot carry an amount",
        ),
        pytest.param(
            lambda: Duration(Clock.OFFICE, timedelta(hours=1), 1),
            "not days",
            id="office time cannot carry days",
        ),
    ],
)
def test_inconsistent_durations_cannot_be_built(make: object, message: str) -> None:
    assert callable(make)
    with pytest.raises(DurationError, match=message):
        make()


def test_convenience_constructors_build_each_clock() -> None:
    assert Duration.wall(hours) == wall(hours)
    assert Duration.office(hours) == office(hours)
    assert Duration.business_days(3) == business(3)


@pytest.mark.parametrize(
    ("td", "text"),
    [
        pytest.param(timedelta(hours=2, minutes=5), "2 hours 5 minutes", id="hours and minutes"),
        pytest.param(timedelta(days=3, hours=4), "3 days 4 hours", id="days and hours"),
        pytest.param(timedelta(seconds=45), "45 seconds", id="seconds alone"),
        pytest.param(timedelta(minutes=2, seconds=5), "2 minutes 5 seconds", id="short spans"),
        pytest.param(
            timedelta(hours=1, seconds=5), "1 hour", id="seconds are dropped from an hour or more"
        ),
        pytest.param(timedelta(days=1), "1 day", id="one day is singular"),
        pytest.param(timedelta(days=2, minutes=1), "2 days 1 minute", id="zero units are skipped"),
        pytest.param(timedelta(0), "0 seconds", id="zero reads as 0 seconds"),
        pytest.param(timedelta(microseconds=300), "0 seconds", id="microseconds are dropped"),
        pytest.param(timedelta(minutes=-90), "-1 hour 30 minutes", id="negative spans get a minus"),
    ],
)
def test_format_timedelta_reads_like_a_person_wrote_it(td: timedelta, text: str) -> None:
    assert format_timedelta(td) == text


@given(st.text())
def test_any_text_is_a_duration_or_a_duration_error(text: str) -> None:
    try:
        result = parse_duration(text)
    except DurationError:
        return
    assert isinstance(result, Duration)


_WORDS = [
    "1", "20", "0", "1.5", "-", "and", ",", "office", "support", "business", "working",
    "minute", "minutes", "min", "hours", "hr", "day", "days", "week", "months", "year",
    "99999999999", "fortnight", "9" * 20,
]  # fmt: skip


@given(st.lists(st.sampled_from(_WORDS), max_size=8).map(" ".join))
def test_nearly_valid_text_is_a_duration_that_reads_back_or_an_error(text: str) -> None:
    try:
        result = parse_duration(text)
    except DurationError:
        return
    assert parse_duration(str(result)) == result


@given(
    st.sampled_from(list(Clock)),
    st.integers(min_value=0, max_value=10_000),
    st.integers(min_value=0, max_value=59),
)
def test_every_parsable_duration_text_round_trips(clock: Clock, h: int, m: int) -> None:
    if clock is Clock.BUSINESS_DAYS:
        duration = business(h % 3000)
    else:
        duration = Duration(clock, timedelta(hours=h, minutes=m))
    assert parse_duration(str(duration)) == duration
