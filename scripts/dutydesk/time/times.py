"""Scheduled times as people type them into a form, read strictly.

Two forms are accepted:

* ``YYYY-MM-DD HH:MM`` (seconds optional): a local time in the policy's timezone;
* ISO 8601 with an offset: ``2026-11-24T22:00+00:00``, ``2026-11-24T22:00Z``,
  ``2026-11-24 22:00:00+01:00``.

A local time that does not exist (skipped when the clocks go forward) or that happens twice
(repeated when they go back) is refused, with the offsets that would make it exact. Anything
else is refused with a message that says what is wrong and what is accepted. Parsing raises
nothing but :class:`TimeParseError`. Results are aware datetimes in UTC, because Python compares
two datetimes that share a ``ZoneInfo`` by their wall-clock reading, which is wrong across a
clock change.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

__all__ = ["TimeParseError", "accepted_forms", "parse_time"]

_SHOWN_LIMIT = 60
_EXAMPLE_DAY = "2026-11-24"
_FIRST_YEAR, _LAST_YEAR = 2000, 2999

_TIME = re.compile(
    r"""
    (?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})
    (?P<sep>[T ])
    (?P<hour>[0-9]{2}):(?P<minute>[0-9]{2})
    (?::(?P<second>[0-9]{2})(?:[.,][0-9]{1,6})?)?
    (?:\ ?(?P<offset>[Zz]|[+-][0-9]{2}(?::?[0-9]{2})?))?
    """,
    re.VERBOSE | re.ASCII,
)
_DATE_ONLY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_DAY_FIRST = re.compile(r"[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{2,4}\b.*", re.ASCII)
_SHORT_HOUR = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]:[0-9]{2}\b.*", re.ASCII)
_ZONE_WORD = re.compile(
    r"(?P<time>[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2})?)\s*"
    r"\(?(?P<zone>[A-Za-z]{2,5})\)?",
    re.ASCII,
)


class TimeParseError(ValueError):
    """A scheduled time that cannot be used; the message says why and what is accepted."""


def accepted_forms(tz: ZoneInfo) -> str:
    """The sentence every error ends with: what dutydesk reads."""
    return (
        f"write YYYY-MM-DD HH:MM in {tz.key} time (for example {_EXAMPLE_DAY} 22:00), "
        f"or ISO 8601 with an offset (for example {_EXAMPLE_DAY}T22:00+00:00)"
    )


def parse_time(text: str | None, tz: ZoneInfo) -> datetime:
    """Read a scheduled time; the result is an aware datetime in UTC.

    Raises :class:`TimeParseError`, and nothing else, for anything that is not exactly one
    moment.
    """
    if not isinstance(text, str) or not text.strip():
        raise TimeParseError(f"no time is given: {accepted_forms(tz)}")
    cleaned = text.strip().strip("`").strip()
    shown = _shown(cleaned)
    match = _TIME.fullmatch(cleaned)
    if match is None:
        raise TimeParseError(f"{shown} is not a time dutydesk can read: {_hint(cleaned, tz)}")
    fields = {k: int(v) for k, v in match.groupdict().items() if k not in ("sep", "offset") and v}
    naive = _naive(fields, shown, tz)
    offset_text = match.group("offset")
    if offset_text is not None:
        return _with_offset(naive, offset_text, shown, tz)
    if match.group("sep") == "T":
        raise TimeParseError(
            f"{shown} has no offset: ISO 8601 times need one (for example "
            f"{cleaned}+00:00); to mean {tz.key} time, write it as "
            f"{cleaned.replace('T', ' ', 1)}"
        )
    return _local(naive, shown, tz)


def _shown(text: str) -> str:
    if len(text) > _SHOWN_LIMIT:
        text = text[: _SHOWN_LIMIT - 3] + "..."
    return repr(text)


def _hint(text: str, tz: ZoneInfo) -> str:
    """What is wrong with text that matches no accepted form, as far as can be told."""
    if _DATE_ONLY.fullmatch(text):
        return f"it has a date but no time; {accepted_forms(tz)}"
    if _DAY_FIRST.fullmatch(text):
        return f"the date must come year first; {accepted_forms(tz)}"
    if _SHORT_HOUR.fullmatch(text):
        return f"the hour needs two digits (09:30, not 9:30); {accepted_forms(tz)}"
    zone = _ZONE_WORD.fullmatch(text)
    if zone is not None:
        return (
            f"a zone name such as {zone.group('zone')!r} is not read; give the time alone "
            f"to mean {tz.key} time, or an offset such as +00:00; {accepted_forms(tz)}"
        )
    return accepted_forms(tz)


def _naive(fields: dict[str, int], shown: str, tz: ZoneInfo) -> datetime:
    year, month, day = fields["year"], fields["month"], fields["day"]
    hour, minute, second = fields["hour"], fields["minute"], fields.get("second", 0)
    if not _FIRST_YEAR <= year <= _LAST_YEAR:
        raise TimeParseError(
            f"{shown}: {year:04d} is not a year a change can be planned for "
            f"({_FIRST_YEAR}-{_LAST_YEAR}); {accepted_forms(tz)}"
        )
    if hour > 23 or minute > 59 or second > 59:
        hint = " (use 00:00 on the next day)" if (hour, minute, second) == (24, 0, 0) else ""
        raise TimeParseError(
            f"{shown}: {hour:02d}:{minute:02d} is not a time of day{hint}; {accepted_forms(tz)}"
        )
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError:
        raise TimeParseError(
            f"{shown}: {year:04d}-{month:02d}-{day:02d} is not a date in the calendar; "
            f"{accepted_forms(tz)}"
        ) from None


def _with_offset(naive: datetime, text: str, shown: str, tz: ZoneInfo) -> datetime:
    if text in ("Z", "z"):
        offset = timedelta(0)
    else:
        digits = text[1:].replace(":", "")
        if len(digits) not in (2, 4):
            raise TimeParseError(
                f"{shown}: the offset {text!r} is not ±HH:MM; {accepted_forms(tz)}"
            )
        hours, minutes = int(digits[:2]), int(digits[2:] or "0")
        if hours > 23 or minutes > 59:
            raise TimeParseError(
                f"{shown}: the offset {text!r} is not a UTC offset; {accepted_forms(tz)}"
            )
        offset = timedelta(hours=hours, minutes=minutes)
        if text[0] == "-":
            offset = -offset
    try:
        return naive.replace(tzinfo=timezone(offset)).astimezone(UTC)
    except (OverflowError, ValueError):
        raise TimeParseError(f"{shown} is out of range; {accepted_forms(tz)}") from None


def _local(naive: datetime, shown: str, tz: ZoneInfo) -> datetime:
    """A local time in ``tz``, refused if the clocks skip it or repeat it."""
    try:
        first = naive.replace(tzinfo=tz, fold=0)
        second = naive.replace(tzinfo=tz, fold=1)
        before, after = first.utcoffset(), second.utcoffset()
        result = first.astimezone(UTC)
        exists = result.astimezone(tz).replace(tzinfo=None) == naive
    except (OverflowError, ValueError):
        raise TimeParseError(f"{shown} is out of range; {accepted_forms(tz)}") from None
    if before is None or after is None or before == after:
        return result
    skipped_from, skipped_to = _transition(naive, before, after, tz)
    day = naive.strftime("%a %d %b %Y")
    if not exists:
        raise TimeParseError(
            f"{shown} does not exist in {tz.key}: on {day} the clocks go forward from "
            f"{skipped_from:%H:%M} straight to {skipped_to:%H:%M}. Choose a time outside "
            f"{skipped_from:%H:%M}-{skipped_to:%H:%M}, or give the offset, for example "
            f"{naive:%Y-%m-%dT%H:%M}{_format_offset(before)}"
        )
    raise TimeParseError(
        f"{shown} happens twice in {tz.key}: on {day} the clocks go back from "
        f"{skipped_from:%H:%M} to {skipped_to:%H:%M}, so {skipped_to:%H:%M}-{skipped_from:%H:%M} "
        f"comes round twice. Give the offset: {naive:%Y-%m-%dT%H:%M}{_format_offset(before)} "
        f"for the first time ({first.tzname()}), {naive:%Y-%m-%dT%H:%M}"
        f"{_format_offset(after)} for the second ({second.tzname()})"
    )


def _transition(
    naive: datetime, before: timedelta, after: timedelta, tz: ZoneInfo
) -> tuple[datetime, datetime]:
    """The local readings just before and just after the clock change around ``naive``.

    The change happens at a UTC instant between ``naive - max`` and ``naive - min`` of the two
    offsets; a binary search over seconds finds the first instant with the later offset.
    """
    low = (naive - max(before, after)).replace(tzinfo=UTC) - timedelta(seconds=1)
    high = (naive - min(before, after)).replace(tzinfo=UTC) + timedelta(seconds=1)
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) // 2
        middle = middle.replace(microsecond=0)
        if middle.astimezone(tz).utcoffset() == after:
            high = middle
        else:
            low = middle
    change = high.replace(tzinfo=None)
    return change + before, change + after


def _format_offset(offset: timedelta) -> str:
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
