"""Tests for dutydesk.time.times: scheduled times read strictly, clock changes refused."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dutydesk.time.times import TimeParseError, accepted_forms, parse_time

LONDON = ZoneInfo("Europe/London")
ZONES = [LONDON, ZoneInfo("America/New_York"), ZoneInfo("Australia/Lord_Howe"), ZoneInfo("UTC")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "2026-11-24 22:00", "2026-11-24T22:00:00+00:00", id="a winter local time is GMT"
        ),
        pytest.param(
            "2026-07-24 22:00", "2026-07-24T21:00:00+00:00", id="a summer local time is BST"
        ),
        pytest.param("2026-11-24 22:00:30", "2026-11-24T22:00:30+00:00", id="seconds may be given"),
        pytest.param(
            "  2026-11-24 22:00\n", "2026-11-24T22:00:00+00:00", id="spaces around are ignored"
        ),
        pytest.param(
            "`2026-11-24 22:00`",
            "2026-11-24T22:00:00+00:00",
            id="backticks pasted from the form are ignored",
        ),
        pytest.param("2026-11-24T22:00Z", "2026-11-24T22:00:00+00:00", id="ISO with Z is UTC"),
        pytest.param(
            "2026-11-24T22:00+01:00", "2026-11-24T21:00:00+00:00", id="ISO with an offset is exact"
        ),
        pytest.param(
            "2026-11-24T22:00:00.5-05:00",
            "2026-11-25T03:00:00+00:00",
            id="fractions of a second are dropped",
        ),
        pytest.param(
            "2026-11-24 22:00+0530", "2026-11-24T16:30:00+00:00", id="an offset without a colon"
        ),
        pytest.param(
            "2026-03-29T01:30+00:00",
            "2026-03-29T01:30:00+00:00",
            id="a time in the spring gap is fine with an offset",
        ),
        pytest.param(
            "2026-10-25T01:30+01:00",
            "2026-10-25T00:30:00+00:00",
            id="the first autumn 01:30 with its offset",
        ),
        pytest.param(
            "2026-10-25T01:30+00:00",
            "2026-10-25T01:30:00+00:00",
            id="the second autumn 01:30 with its offset",
        ),
        pytest.param(
            "2026-03-29 00:59",
            "2026-03-29T00:59:00+00:00",
            id="the minute before the spring gap exists",
        ),
        pytest.param(
            "2026-03-29 02:00", "2026-03-29T01:00:00+00:00", id="the end of the spring gap exists"
        ),
        pytest.param(
            "2026-10-25 00:59",
            "2026-10-24T23:59:00+00:00",
            id="the minute before the autumn repeat is BST",
        ),
        pytest.param(
            "2026-10-25 02:00",
            "2026-10-25T02:00:00+00:00",
            id="the end of the autumn repeat is GMT",
        ),
    ],
)
def test_accepted_times(text: str, expected: str) -> None:
    result = parse_time(text, LONDON)
    assert result.tzinfo is UTC
    assert result.isoformat() == expected


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        pytest.param("", ["no time is given"], id="empty text says no time is given"),
        pytest.param(None, ["no time is given"], id="a missing answer says no time is given"),
        pytest.param(
            "next tuesday",
            ["'next tuesday' is not a time", "YYYY-MM-DD HH:MM"],
            id="words are not a time",
        ),
        pytest.param("2026-11-24", ["has a date but no time"], id="a date alone needs a time"),
        pytest.param(
            "24/11/2026 22:00", ["year first"], id="a day-first date is refused with a hint"
        ),
        pytest.param(
            "2026-11-24 9:30", ["two digits"], id="a one-digit hour is refused with a hint"
        ),
        pytest.param(
            "2026-11-24 22:00 GMT",
            ["zone name such as 'GMT'"],
            id="a zone name is refused with a hint",
        ),
        pytest.param(
            "2026-11-24T22:00",
            ["has no offset", "2026-11-24 22:00"],
            id="ISO without an offset names both fixes",
        ),
        pytest.param(
            "2026-02-30 10:00", ["2026-02-30 is not a date"], id="a date not in the calendar"
        ),
        pytest.param(
            "2026-11-24 24:00",
            ["not a time of day", "00:00 on the next day"],
            id="24:00 is refused",
        ),
        pytest.param("2026-11-24 12:60", ["12:60 is not a time of day"], id="minute 60 is refused"),
        pytest.param(
            "2026-11-24T22:00+24:00", ["not a UTC offset"], id="an offset of 24 hours is refused"
        ),
        pytest.param("0026-11-24 22:00", ["0026 is not a year"], id="a mistyped year is refused"),
        pytest.param(
            "2026-03-29 01:30",
            [
                "does not exist in Europe/London",
                "forward from 01:00 straight to 02:00",
                "2026-03-29T01:30+00:00",
            ],
            id="the spring-forward gap does not exist",
        ),
        pytest.param(
            "2026-03-29 01:00",
            ["does not exist"],
            id="the first minute of the spring gap does not exist",
        ),
        pytest.param(
            "2026-10-25 01:30",
            [
                "happens twice in Europe/London",
                "2026-10-25T01:30+01:00 for the first time (BST)",
                "2026-10-25T01:30+00:00 for the second (GMT)",
            ],
            id="the autumn hour is ambiguous and both offsets are offered",
        ),
        pytest.param(
            "2026-10-25 01:00",
            ["happens twice"],
            id="the first minute of the autumn repeat is ambiguous",
        ),
    ],
)
def test_refused_times(text: str | None, fragments: list[str]) -> None:
    with pytest.raises(TimeParseError) as caught:
        parse_time(text, LONDON)
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message
    assert isinstance(caught.value, ValueError)


def test_every_refusal_says_what_is_accepted() -> None:
    for text in ("nope", "2026-11-24", "2026-02-30 10:00", "2026-11-24 24:00"):
        with pytest.raises(TimeParseError, match="ISO 8601 with an offset"):
            parse_time(text, LONDON)


@pytest.mark.parametrize(
    ("zone", "text", "problem"),
    [
        pytest.param(
            "America/New_York", "2026-03-08 02:30", "does not exist", id="New York's spring gap"
        ),
        pytest.param(
            "America/New_York", "2026-11-01 01:30", "happens twice", id="New York's autumn repeat"
        ),
        pytest.param(
            "Australia/Lord_Howe", "2026-10-04 02:15", "does not exist", id="a half-hour spring gap"
        ),
        pytest.param(
            "Australia/Lord_Howe",
            "2026-04-05 01:45",
            "happens twice",
            id="a half-hour autumn repeat",
        ),
    ],
)
def test_clock_changes_in_other_zones(zone: str, text: str, problem: str) -> None:
    with pytest.raises(TimeParseError, match=problem):
        parse_time(text, ZoneInfo(zone))


def test_accepted_forms_names_the_zone() -> None:
    assert "Europe/London time" in accepted_forms(LONDON)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=40), st.sampled_from(ZONES))
def test_arbitrary_text_raises_only_time_parse_errors(text: str, zone: ZoneInfo) -> None:
    try:
        result = parse_time(text, zone)
    except TimeParseError:
        return
    assert result.tzinfo is UTC


TIMEISH = st.from_regex(
    r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)?\Z"
)


@settings(max_examples=400, deadline=None)
@given(TIMEISH, st.sampled_from(ZONES))
def test_nearly_valid_text_raises_only_time_parse_errors(text: str, zone: ZoneInfo) -> None:
    with contextlib.suppress(TimeParseError):
        parse_time(text, zone)


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(min_value=datetime(2000, 1, 2), max_value=datetime(2999, 12, 30)),
    st.sampled_from(ZONES),
)
def test_a_local_reading_is_read_back_as_the_same_moment_unless_it_repeats(
    naive: datetime, zone: ZoneInfo
) -> None:
    moment = naive.replace(second=0, microsecond=0, tzinfo=UTC)
    text = moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    try:
        assert parse_time(text, zone) == moment
    except TimeParseError as exc:
        assert "happens twice" in str(exc)
        # and it is then one of the two moments the offsets name
        earlier, later = moment - timedelta(hours=3), moment + timedelta(hours=3)
        assert earlier.astimezone(zone).utcoffset() != later.astimezone(zone).utcoffset()


@settings(max_examples=200, deadline=None)
@given(st.datetimes(min_value=datetime(2000, 1, 2), max_value=datetime(2999, 12, 30)))
def test_an_iso_time_with_its_offset_is_read_exactly(naive: datetime) -> None:
    moment = naive.replace(microsecond=0, tzinfo=UTC).astimezone(LONDON)
    # Compare instants: Python never calls a time in the repeated autumn hour equal to a
    # time in another zone (PEP 495), even the same instant.
    assert parse_time(moment.isoformat(), LONDON).timestamp() == moment.timestamp()
