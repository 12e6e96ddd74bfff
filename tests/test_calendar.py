"""Tests for dutydesk.time.calendar: support and on-call hours, bank holidays, clock changes.

Moments are written as ISO text. Text without an offset is London local time; text
with an offset pins one side of a clock change. Results are compared as ISO text with
their offset, so a result that reads right on the wall but is the wrong instant fails.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dutydesk.time.calendar import (
    UK_REGIONS,
    BankHolidays,
    BusinessCalendar,
    Cover,
    DaySchedule,
    TimeRange,
)
from dutydesk.time.durations import Duration, parse_duration

LONDON = ZoneInfo("Europe/London")
CALENDAR = BusinessCalendar.default_uk()


def at(text: str) -> datetime:
    """A moment: ISO text, read as London local time unless it has an offset."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=LONDON)


def iso(moment: datetime) -> str:
    """A result as text, checking it is in London time."""
    assert moment.tzinfo is LONDON
    return moment.isoformat(timespec="minutes")


def calendar_for(region: str) -> BusinessCalendar:
    default = BusinessCalendar.default_uk()
    return BusinessCalendar(
        default.tz, default.workdays, default.support, default.on_call, BankHolidays.uk(region)
    )


# --- adding durations ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        pytest.param(
            "2026-03-06 15:30", "2 office hours", "2026-03-09T10:30+00:00",
            id="a P3 filed Friday 15:30 is due Monday 10:30",
        ),
        pytest.param(
            "2026-05-22 15:30", "2 office hours", "2026-05-26T10:30+01:00",
            id="a P3 filed Friday 15:30 before a bank holiday Monday is due Tuesday 10:30",
        ),
        pytest.param(
            "2026-04-02 15:00", "2 office hours", "2026-04-07T10:00+01:00",
            id="a P3 filed the Thursday before Easter is due Tuesday after Easter Monday",
        ),
        pytest.param(
            "2026-03-07 11:00", "2 office hours", "2026-03-09T11:00+00:00",
            id="a P3 filed on Saturday starts counting Monday 09:00",
        ),
        pytest.param(
            "2026-03-04 08:00", "2 office hours", "2026-03-04T11:00+00:00",
            id="a P3 filed at 08:00 on a weekday starts counting at 09:00",
        ),
        pytest.param(
            "2026-03-04 16:00", "2 office hours", "2026-03-05T11:00+00:00",
            id="a P3 filed at 16:00 exactly starts counting the next morning",
        ),
        pytest.param(
            "2026-03-04 15:00", "1 office hour", "2026-03-04T16:00+00:00",
            id="office time that runs out at 16:00 ends that day",
        ),
        pytest.param(
            "2026-03-04 23:30", "20 office minutes", "2026-03-05T09:20+00:00",
            id="office time filed late at night starts counting the next morning",
        ),
        pytest.param(
            "2026-03-27 15:00", "2 office hours", "2026-03-30T10:00+01:00",
            id="office time over the spring clock change counts local support hours",
        ),
        pytest.param(
            "2026-10-23 15:00", "2 office hours", "2026-10-26T10:00+00:00",
            id="office time over the autumn clock change counts local support hours",
        ),
        pytest.param(
            "2026-03-04 10:00", "15 office hours", "2026-03-06T11:00+00:00",
            id="office time longer than a day spans several days",
        ),
        pytest.param(
            "2026-12-24 12:00", "1 business day", "2026-12-29T12:00+00:00",
            id="1 business day from Christmas Eve noon skips Christmas and substitute Boxing Day",
        ),
        pytest.param(
            "2026-03-04 10:00", "1 business day", "2026-03-05T10:00+00:00",
            id="1 business day from Wednesday 10:00 is Thursday 10:00",
        ),
        pytest.param(
            "2026-03-02 10:00", "5 business days", "2026-03-09T10:00+00:00",
            id="5 business days from Monday 10:00 is next Monday 10:00",
        ),
        pytest.param(
            "2026-04-01 10:00", "5 business days", "2026-04-10T10:00+01:00",
            id="5 business days over Easter skip Good Friday and Easter Monday",
        ),
        pytest.param(
            "2026-03-07 12:00", "1 business day", "2026-03-09T16:00+00:00",
            id="1 business day from Saturday is the end of Monday's support",
        ),
        pytest.param(
            "2026-03-29T00:50+00:00", "20 minutes", "2026-03-29T02:10+01:00",
            id="20 wall-clock minutes across the spring change jump from 00:50 GMT to 02:10 BST",
        ),
        pytest.param(
            "2026-10-25T01:30+01:00", "1 hour", "2026-10-25T01:30+00:00",
            id="1 wall-clock hour from 01:30 BST on the autumn change is 01:30 GMT",
        ),
        pytest.param(
            "2026-10-24 10:00", "24 hours", "2026-10-25T09:00+00:00",
            id="24 wall-clock hours from 10:00 BST across the autumn change is 09:00 GMT",
        ),
        pytest.param(
            "2026-03-28 12:00", "48 hours", "2026-03-30T13:00+01:00",
            id="48 wall-clock hours across the spring change read 49 hours on the clock",
        ),
        pytest.param(
            "2026-10-24 12:00", "48 hours", "2026-10-26T11:00+00:00",
            id="48 wall-clock hours across the autumn change read 47 hours on the clock",
        ),
        pytest.param(
            "2026-03-06 15:30", "20 minutes", "2026-03-06T15:50+00:00",
            id="wall-clock minutes ignore support hours",
        ),
        pytest.param(
            "2026-03-06T15:30:00+00:00", "0 office minutes", "2026-03-06T15:30+00:00",
            id="zero office time leaves the start unchanged",
        ),
        pytest.param(
            "2026-03-07 12:00", "0 business days", "2026-03-07T12:00+00:00",
            id="zero business days leave the start unchanged even at a weekend",
        ),
        pytest.param(
            "2026-03-06T10:30:00-05:00", "2 office hours", "2026-03-09T10:30+00:00",
            id="a start in another timezone is counted in London hours",
        ),
    ],
)  # fmt: skip
def test_add_counts_each_clock(start: str, duration: str, expected: str) -> None:
    assert iso(CALENDAR.add(at(start), parse_duration(duration))) == expected


def test_add_wall_keeps_the_instant_and_reports_london_time() -> None:
    start = at("2026-10-25T00:30:00+00:00")
    result = CALENDAR.add_wall(start, timedelta(hours=1))
    assert result - start == timedelta(hours=1)
    assert iso(result) == "2026-10-25T01:30+00:00"


def test_add_business_days_is_support_day_length_of_office_time() -> None:
    start = at("2026-04-02 11:00")
    assert CALENDAR.add_business_days(start, 3) == CALENDAR.add_office(start, timedelta(hours=21))


def test_add_office_over_most_of_a_year_is_exact() -> None:
    # 2026 has 261 weekdays, 8 of them bank holidays; from Monday 5 January there are
    # 252 working days, so the 250th ends on Tuesday 29 December.
    start = at("2026-01-05 09:00")
    result = CALENDAR.add_office(start, timedelta(hours=7 * 250))
    assert CALENDAR.office_time_between(start, result) == timedelta(hours=7 * 250)
    assert iso(result) == "2026-12-29T16:00+00:00"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(
            lambda: CALENDAR.add_office(at("2026-03-04 10:00"), timedelta(hours=-1)),
            "negative office time",
            id="negative office time is refused",
        ),
        pytest.param(
            lambda: CALENDAR.add_business_days(at("2026-03-04 10:00"), -1),
            "negative number of business days",
            id="negative business days are refused",
        ),
        pytest.param(
            lambda: CALENDAR.add(datetime(2026, 3, 4, 10), Duration.wall(timedelta(hours=1))),
            "has no timezone",
            id="a naive start is refused",
        ),
        pytest.param(
            lambda: CALENDAR.cover_at(datetime(2026, 3, 4, 10)),
            "has no timezone",
            id="a naive moment is refused for cover",
        ),
        pytest.param(
            lambda: CALENDAR.periods(at("2026-03-04 10:00"), datetime(2026, 3, 5), Cover.NONE),
            "has no timezone",
            id="a naive end is refused for periods",
        ),
    ],
)
def test_bad_arguments_raise_value_error(call: object, message: str) -> None:
    assert callable(call)
    with pytest.raises(ValueError, match=message):
        call()


def test_a_calendar_without_support_hours_cannot_count_office_time() -> None:
    no_support = BusinessCalendar(
        LONDON, frozenset(range(5)), DaySchedule(()), DaySchedule(()), BankHolidays({})
    )
    with pytest.raises(ValueError, match="no support hours"):
        no_support.add_office(at("2026-03-04 10:00"), timedelta(hours=1))
    with pytest.raises(ValueError, match="no support"):
        no_support.add_business_days(at("2026-03-04 10:00"), 1)


def test_round_the_clock_support_makes_office_time_wall_clock_time() -> None:
    always = BusinessCalendar(
        LONDON,
        frozenset(range(7)),
        DaySchedule.parse(["00:00-24:00"], ["00:00-24:00"]),
        DaySchedule(()),
        BankHolidays({}),
    )
    start = at("2026-10-24 10:00")
    result = always.add_office(start, timedelta(hours=24))
    assert result == CALENDAR.add_wall(start, timedelta(hours=24))
    assert always.support_day_length() == timedelta(hours=24)
    assert always.next_change(start) is None


# --- cover ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "cover"),
    [
        pytest.param("2026-03-04 06:59", Cover.NONE, id="a weekday at 06:59 has no cover"),
        pytest.param("2026-03-04 07:00", Cover.ON_CALL, id="a weekday at 07:00 is on-call"),
        pytest.param("2026-03-04 08:59", Cover.ON_CALL, id="a weekday at 08:59 is on-call"),
        pytest.param("2026-03-04 09:00", Cover.SUPPORT, id="a weekday at 09:00 is support"),
        pytest.param("2026-03-04 15:59", Cover.SUPPORT, id="a weekday at 15:59 is support"),
        pytest.param("2026-03-04 16:00", Cover.ON_CALL, id="a weekday at 16:00 is on-call"),
        pytest.param("2026-03-04 21:59", Cover.ON_CALL, id="a weekday at 21:59 is on-call"),
        pytest.param("2026-03-04 22:00", Cover.NONE, id="a weekday at 22:00 has no cover"),
        pytest.param("2026-03-04 23:30", Cover.NONE, id="a weekday at 23:30 has no cover"),
        pytest.param("2026-03-04 00:00", Cover.NONE, id="midnight has no cover"),
        pytest.param("2026-03-07 06:59", Cover.NONE, id="a Saturday at 06:59 has no cover"),
        pytest.param("2026-03-07 09:00", Cover.ON_CALL, id="a Saturday at 09:00 is on-call"),
        pytest.param("2026-03-07 12:00", Cover.ON_CALL, id="a Saturday at noon is on-call"),
        pytest.param("2026-03-08 21:59", Cover.ON_CALL, id="a Sunday at 21:59 is on-call"),
        pytest.param("2026-03-08 22:00", Cover.NONE, id="a Sunday at 22:00 has no cover"),
        pytest.param("2026-04-03 10:00", Cover.ON_CALL, id="Good Friday at 10:00 is on-call"),
        pytest.param("2026-04-06 10:00", Cover.ON_CALL, id="Easter Monday at 10:00 is on-call"),
        pytest.param("2026-12-25 10:00", Cover.ON_CALL, id="Christmas Day at 10:00 is on-call"),
        pytest.param(
            "2026-12-28 10:00", Cover.ON_CALL, id="the substitute Boxing Day at 10:00 is on-call"
        ),
        pytest.param("2026-12-29 10:00", Cover.SUPPORT, id="29 December 2026 at 10:00 is support"),
        pytest.param(
            "2026-03-29T00:30:00+00:00",
            Cover.NONE,
            id="the spring change night at 00:30 GMT has no cover",
        ),
        pytest.param(
            "2026-03-29T06:59:00+01:00",
            Cover.NONE,
            id="the spring change day at 06:59 BST has no cover",
        ),
        pytest.param(
            "2026-03-29T07:00:00+01:00",
            Cover.ON_CALL,
            id="the spring change day at 07:00 BST is on-call",
        ),
        pytest.param(
            "2026-03-29T06:00:00+00:00",
            Cover.ON_CALL,
            id="the spring change day at 06:00 UTC is 07:00 BST so on-call",
        ),
        pytest.param(
            "2026-03-29T21:30:00+00:00",
            Cover.NONE,
            id="the spring change day at 21:30 UTC is 22:30 BST so no cover",
        ),
        pytest.param(
            "2026-10-25T01:30:00+01:00",
            Cover.NONE,
            id="the autumn change night at 01:30 BST has no cover",
        ),
        pytest.param(
            "2026-10-25T01:30:00+00:00",
            Cover.NONE,
            id="the autumn change night at 01:30 GMT has no cover",
        ),
        pytest.param(
            "2026-10-25T06:30:00+00:00",
            Cover.NONE,
            id="the autumn change day at 06:30 UTC is 06:30 GMT so no cover",
        ),
        pytest.param(
            "2026-10-25T07:00:00+00:00",
            Cover.ON_CALL,
            id="the autumn change day at 07:00 GMT is on-call",
        ),
        pytest.param(
            "2026-10-25T21:30:00+00:00",
            Cover.ON_CALL,
            id="the autumn change day at 21:30 UTC is 21:30 GMT so on-call",
        ),
        pytest.param(
            "2026-10-24T21:30:00+00:00",
            Cover.NONE,
            id="the day before the autumn change at 21:30 UTC is 22:30 BST so no cover",
        ),
        pytest.param(
            "2026-10-26T08:30:00+00:00",
            Cover.ON_CALL,
            id="the Monday after the change at 08:30 GMT is on-call",
        ),
        pytest.param(
            "2026-10-23T08:30:00+00:00",
            Cover.SUPPORT,
            id="the Friday before the change at 08:30 UTC is 09:30 BST so support",
        ),
    ],
)  # fmt: skip
def test_cover_at_follows_local_hours(moment: str, cover: Cover) -> None:
    assert CALENDAR.cover_at(at(moment)) is cover


def test_in_support_hours_is_cover_support() -> None:
    assert CALENDAR.in_support_hours(at("2026-03-04 10:00"))
    assert not CALENDAR.in_support_hours(at("2026-03-04 16:00"))


@pytest.mark.parametrize(
    ("region", "moment", "cover"),
    [
        pytest.param(
            "scotland", "2026-04-06 10:00", Cover.SUPPORT,
            id="Easter Monday is a working day in Scotland",
        ),
        pytest.param(
            "scotland", "2026-01-02 10:00", Cover.ON_CALL,
            id="2 January is a bank holiday in Scotland",
        ),
        pytest.param(
            "scotland", "2026-11-30 10:00", Cover.ON_CALL,
            id="St Andrew's Day is a bank holiday in Scotland",
        ),
        pytest.param(
            "england-and-wales", "2026-01-02 10:00", Cover.SUPPORT,
            id="2 January is a working day in England and Wales",
        ),
        pytest.param(
            "northern-ireland", "2026-03-17 10:00", Cover.ON_CALL,
            id="St Patrick's Day is a bank holiday in Northern Ireland",
        ),
        pytest.param(
            "northern-ireland", "2026-07-13 10:00", Cover.ON_CALL,
            id="the substitute Battle of the Boyne day is a bank holiday in Northern Ireland",
        ),
        pytest.param(
            "none", "2026-12-25 10:00", Cover.SUPPORT,
            id="with no region Christmas Day is a working day",
        ),
    ],
)  # fmt: skip
def test_regions_have_their_own_bank_holidays(region: str, moment: str, cover: Cover) -> None:
    assert calendar_for(region).cover_at(at(moment)) is cover


def test_scotland_counts_office_time_through_easter_monday() -> None:
    due = calendar_for("scotland").add(at("2026-04-02 15:00"), parse_duration("2 office hours"))
    assert iso(due) == "2026-04-06T10:00+01:00"


# --- periods and measuring ------------------------------------------------------------


def _periods(start: str, end: str, cover: Cover) -> list[tuple[str, str]]:
    return [(iso(a), iso(b)) for a, b in CALENDAR.periods(at(start), at(end), cover)]


@pytest.mark.parametrize(
    ("start", "end", "cover", "expected"),
    [
        pytest.param(
            "2026-03-04 20:00", "2026-03-04 23:30", Cover.NONE,
            [("2026-03-04T22:00+00:00", "2026-03-04T23:30+00:00")],
            id="a 20:00-23:30 change window is uncovered from 22:00",
        ),
        pytest.param(
            "2026-03-04 20:00", "2026-03-04 23:30", Cover.ON_CALL,
            [("2026-03-04T20:00+00:00", "2026-03-04T22:00+00:00")],
            id="a 20:00-23:30 change window is on-call until 22:00",
        ),
        pytest.param(
            "2026-03-04 20:00", "2026-03-04 23:30", Cover.SUPPORT, [],
            id="a 20:00-23:30 change window has no support",
        ),
        pytest.param(
            "2026-03-04 21:00", "2026-03-05 08:00", Cover.NONE,
            [("2026-03-04T22:00+00:00", "2026-03-05T07:00+00:00")],
            id="an overnight window is uncovered in one stretch across midnight",
        ),
        pytest.param(
            "2026-03-04 21:00", "2026-03-05 08:00", Cover.ON_CALL,
            [
                ("2026-03-04T21:00+00:00", "2026-03-04T22:00+00:00"),
                ("2026-03-05T07:00+00:00", "2026-03-05T08:00+00:00"),
            ],
            id="an overnight window is on-call at both ends",
        ),
        pytest.param(
            "2026-03-06 08:00", "2026-03-09 10:00", Cover.ON_CALL,
            [
                ("2026-03-06T08:00+00:00", "2026-03-06T09:00+00:00"),
                ("2026-03-06T16:00+00:00", "2026-03-06T22:00+00:00"),
                ("2026-03-07T07:00+00:00", "2026-03-07T22:00+00:00"),
                ("2026-03-08T07:00+00:00", "2026-03-08T22:00+00:00"),
                ("2026-03-09T07:00+00:00", "2026-03-09T09:00+00:00"),
            ],
            id="a weekend is on-call from 07:00 to 22:00 each day",
        ),
        pytest.param(
            "2026-03-28 20:00", "2026-03-29 08:00", Cover.NONE,
            [("2026-03-28T22:00+00:00", "2026-03-29T07:00+01:00")],
            id="the spring change night is uncovered from 22:00 GMT to 07:00 BST",
        ),
        pytest.param(
            "2026-03-04 23:30", "2026-03-04 20:00", Cover.NONE, [],
            id="a window that ends before it starts has no periods",
        ),
    ],
)  # fmt: skip
def test_periods_are_maximal_stretches_of_one_cover(
    start: str, end: str, cover: Cover, expected: list[tuple[str, str]]
) -> None:
    assert _periods(start, end, cover) == expected


def test_the_spring_change_night_is_an_hour_shorter() -> None:
    [(start, end)] = CALENDAR.periods(at("2026-03-28 20:00"), at("2026-03-29 08:00"), Cover.NONE)
    assert end - start == timedelta(hours=9)  # 22:00 to 07:00 on the clock, 8 hours real
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=8)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        pytest.param(
            "2026-03-04 10:00", "2026-03-04 12:00", timedelta(hours=2),
            id="two hours inside support hours count in full",
        ),
        pytest.param(
            "2026-03-06 15:30", "2026-03-09 10:30", timedelta(hours=2),
            id="Friday 15:30 to Monday 10:30 is two office hours",
        ),
        pytest.param(
            "2026-04-02 15:00", "2026-04-07 10:00", timedelta(hours=2),
            id="Thursday before Easter to Tuesday after is two office hours",
        ),
        pytest.param(
            "2026-03-02 00:00", "2026-03-09 00:00", timedelta(hours=35),
            id="a whole normal week has 35 office hours",
        ),
        pytest.param(
            "2026-05-25 00:00", "2026-06-01 00:00", timedelta(hours=28),
            id="a week with a bank holiday has 28 office hours",
        ),
        pytest.param(
            "2026-03-04 18:00", "2026-03-05 08:00", timedelta(0),
            id="a night has no office time",
        ),
        pytest.param(
            "2026-03-04 12:00", "2026-03-04 10:00", timedelta(0),
            id="an end before the start gives zero",
        ),
        pytest.param(
            "2026-03-04 12:00", "2026-03-04 12:00", timedelta(0),
            id="an empty span gives zero",
        ),
    ],
)  # fmt: skip
def test_office_time_between_counts_support_hours(
    start: str, end: str, expected: timedelta
) -> None:
    assert CALENDAR.office_time_between(at(start), at(end)) == expected


@settings(max_examples=60, deadline=None)
@given(
    st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31)),
    st.integers(min_value=0, max_value=7 * 60 * 30),
)
def test_office_time_between_a_start_and_its_due_time_is_what_was_added(
    naive: datetime, minutes: int
) -> None:
    start = naive.replace(tzinfo=UTC)
    due = CALENDAR.add_office(start, timedelta(minutes=minutes))
    assert CALENDAR.office_time_between(start, due) == timedelta(minutes=minutes)
    assert due.astimezone(UTC) >= start


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        pytest.param("2026-03-04 10:00", "2026-03-04T16:00+00:00", id="support ends at 16:00"),
        pytest.param("2026-03-04 16:00", "2026-03-04T22:00+00:00", id="on-call ends at 22:00"),
        pytest.param(
            "2026-03-04 22:30", "2026-03-05T07:00+00:00", id="a night ends at 07:00 next day"
        ),
        pytest.param(
            "2026-03-06 21:00", "2026-03-06T22:00+00:00", id="Friday on-call ends at 22:00"
        ),
        pytest.param(
            "2026-03-07 08:00", "2026-03-07T22:00+00:00", id="Saturday on-call runs to 22:00"
        ),
        pytest.param(
            "2026-03-28 23:00",
            "2026-03-29T07:00+01:00",
            id="the spring change night ends at 07:00 BST",
        ),
    ],
)  # fmt: skip
def test_next_change_finds_the_next_boundary(moment: str, expected: str) -> None:
    found = CALENDAR.next_change(at(moment))
    assert found is not None
    assert iso(found) == expected


# --- calendar setup -------------------------------------------------------------------


def test_support_day_length_is_seven_hours_by_default() -> None:
    assert CALENDAR.support_day_length() == timedelta(hours=7)


def test_support_day_length_counts_overlapping_ranges_once() -> None:
    overlapping = BusinessCalendar(
        LONDON,
        frozenset(range(5)),
        DaySchedule.parse(["09:00-12:00", "11:00-13:00", "14:00-16:00"]),
        DaySchedule(()),
        BankHolidays({}),
    )
    assert overlapping.support_day_length() == timedelta(hours=6)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        pytest.param(date(2026, 3, 4), True, id="a Wednesday is a working day"),
        pytest.param(date(2026, 3, 7), False, id="a Saturday is not a working day"),
        pytest.param(date(2026, 4, 3), False, id="Good Friday is not a working day"),
        pytest.param(
            date(2026, 12, 28), False, id="the substitute Boxing Day is not a working day"
        ),
        pytest.param(date(2031, 12, 25), False, id="a Christmas years ahead is known"),
        pytest.param(date(1999, 12, 27), False, id="a substitute day years back is known"),
    ],
)
def test_is_working_day(day: date, working: bool) -> None:
    assert CALENDAR.is_working_day(day) is working


def test_workdays_must_be_weekday_numbers() -> None:
    with pytest.raises(ValueError, match="weekday numbers"):
        BusinessCalendar(LONDON, frozenset({7}), DaySchedule(()), DaySchedule(()), BankHolidays({}))


def test_a_custom_working_week_is_respected() -> None:
    sunday_to_thursday = BusinessCalendar(
        LONDON,
        frozenset({6, 0, 1, 2, 3}),
        DaySchedule.parse(["09:00-16:00"]),
        DaySchedule(()),
        BankHolidays({}),
    )
    assert sunday_to_thursday.in_support_hours(at("2026-03-08 10:00"))
    assert not sunday_to_thursday.in_support_hours(at("2026-03-06 10:00"))


# --- bank holidays --------------------------------------------------------------------


def test_england_and_wales_2026_bank_holidays_include_weekend_days_and_substitutes() -> None:
    found = BankHolidays.uk("england-and-wales").for_year(2026)
    assert list(found) == [
        date(2026, 1, 1),
        date(2026, 4, 3),
        date(2026, 4, 6),
        date(2026, 5, 4),
        date(2026, 5, 25),
        date(2026, 8, 31),
        date(2026, 12, 25),
        date(2026, 12, 26),
        date(2026, 12, 28),
    ]
    assert found[date(2026, 12, 28)] == "Boxing Day (observed)"


@pytest.mark.parametrize(
    ("region", "day", "name"),
    [
        pytest.param("england-and-wales", date(2026, 4, 3), "Good Friday", id="Good Friday"),
        pytest.param("england-and-wales", date(2026, 4, 6), "Easter Monday", id="Easter Monday"),
        pytest.param("scotland", date(2026, 4, 6), None, id="no Easter Monday in Scotland"),
        pytest.param("scotland", date(2026, 1, 2), "New Year Holiday", id="2 January in Scotland"),
        pytest.param("england-and-wales", date(2026, 1, 2), None, id="no 2 January in England"),
        pytest.param("none", date(2026, 12, 25), None, id="no holidays with region none"),
    ],
)
def test_bank_holiday_names(region: str, day: date, name: str | None) -> None:
    holidays = BankHolidays.uk(region)
    assert holidays.name(day) == name
    assert holidays.is_holiday(day) is (name is not None)
    assert (day in holidays) is (name is not None)


def test_uk_regions_are_the_documented_four() -> None:
    assert set(UK_REGIONS) == {"england-and-wales", "scotland", "northern-ireland", "none"}


def test_an_unknown_region_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="'wales' is not a UK region: use one of"):
        BankHolidays.uk("wales")


def test_years_load_on_demand_once_each() -> None:
    loaded: list[int] = []

    def loader(year: int) -> dict[date, str]:
        loaded.append(year)
        return {date(year, 12, 25): "Christmas Day"}

    holidays = BankHolidays({}, loader=loader)
    assert holidays.is_holiday(date(2040, 12, 25))
    assert not holidays.is_holiday(date(2040, 12, 24))
    assert holidays.name(date(2041, 12, 25)) == "Christmas Day"
    assert loaded == [2040, 2041]


def test_uk_can_load_years_up_front() -> None:
    holidays = BankHolidays.uk("england-and-wales", years=range(2026, 2028))
    assert holidays.name(date(2027, 12, 27)) == "Christmas Day (observed)"


def test_extra_closure_days_are_holidays_too() -> None:
    base = BankHolidays.uk("england-and-wales")
    closed = base.with_dates({date(2026, 12, 24): "Office closed"})
    assert closed.name(date(2026, 12, 24)) == "Office closed"
    assert closed.is_holiday(date(2026, 12, 25))
    assert not base.is_holiday(date(2026, 12, 24))
    assert date(2026, 12, 24) in closed.for_year(2026)


# --- time ranges ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "end", "shown"),
    [
        pytest.param("09:00-16:00", time(9), time(16), "09:00-16:00", id="a plain range"),
        pytest.param("09:00–16:00", time(9), time(16), "09:00-16:00", id="an en dash is accepted"),
        pytest.param("9:00 - 16:00", time(9), time(16), "09:00-16:00", id="spaces and one digit"),
        pytest.param(" 07:00-09:00 ", time(7), time(9), "07:00-09:00", id="outer spaces ignored"),
        pytest.param("16:00-24:00", time(16), time(0), "16:00-24:00", id="24:00 is end of day"),
        pytest.param("00:00-24:00", time(0), time(0), "00:00-24:00", id="the whole day"),
        pytest.param("08:30-08:45", time(8, 30), time(8, 45), "08:30-08:45", id="minutes count"),
    ],
)
def test_time_range_parse(text: str, start: time, end: time, shown: str) -> None:
    parsed = TimeRange.parse(text)
    assert (parsed.start, parsed.end) == (start, end)
    assert str(parsed) == shown
    assert TimeRange.parse(str(parsed)) == parsed


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("16:00-09:00", "ends before it starts", id="an end before the start"),
        pytest.param("09:00-09:00", "ends before it starts", id="an empty range"),
        pytest.param("22:00-07:00", "split a range that crosses midnight", id="an overnight range"),
        pytest.param("24:00-24:00", "24:00 is not a time", id="24:00 as a start"),
        pytest.param("25:00-26:00", "25:00 is not a time", id="an hour past 23"),
        pytest.param("09:60-10:00", "9:60 is not a time", id="a minute past 59"),
        pytest.param("09:00-24:30", "24:30 is not a time", id="past 24:00"),
        pytest.param("nine to five", "write two 24-hour times", id="words"),
        pytest.param("", "write two 24-hour times", id="empty text"),
        pytest.param("09:00", "write two 24-hour times", id="a single time"),
        pytest.param("09:00-12:00-16:00", "write two 24-hour times", id="three times"),
        pytest.param("9-16", "write two 24-hour times", id="hours without minutes"),
    ],
)
def test_time_range_parse_refuses_bad_text(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TimeRange.parse(text)


def test_time_range_refuses_an_end_before_its_start_when_built_directly() -> None:
    with pytest.raises(ValueError, match="end must be after the start"):
        TimeRange(time(16), time(9))


def test_time_range_length_is_nominal() -> None:
    assert TimeRange.parse("09:00-16:00").length == timedelta(hours=7)
    assert TimeRange.parse("22:00-24:00").length == timedelta(hours=2)
