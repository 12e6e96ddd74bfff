"""Reading typed values out of plain policy data, failing with a PolicyError that names the
file, the dotted key, the value found and what is allowed."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from dutydesk.errors import PolicyError
from dutydesk.people import is_person_or_team
from dutydesk.time.calendar import TimeRange
from dutydesk.time.durations import Clock, Duration, DurationError, parse_duration

#: Hosts where plain http may carry a secret (a test's local stand-in, never the network).
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class NotShown:
    """A value an error does not repeat: a `*_env` key that is no variable name may be the
    secret itself, pasted in by mistake."""

    def __repr__(self) -> str:
        return "a value that is not a variable name (not shown: it may be the secret itself)"


class Reader:
    """Walks a mapping, remembering the dotted key, and fails with a precise PolicyError."""

    def __init__(self, source: str, data: Mapping[str, Any], path: str = "") -> None:
        self.source = source
        self.data = data
        self.path = path

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def fail(self, name: str, found: object, allowed: str) -> PolicyError:
        return PolicyError(self.source, self.key(name), found, allowed)

    def get(self, name: str, default: Any) -> Any:
        return self.data.get(name, default)

    def text(self, name: str, default: str) -> str:
        value = self.get(name, default)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(name, value, "a non-empty string")
        return value.strip()

    def boolean(self, name: str, default: bool) -> bool:
        value = self.get(name, default)
        if not isinstance(value, bool):
            raise self.fail(name, value, "true or false")
        return value

    def integer(self, name: str, default: int, minimum: int = 0) -> int:
        value = self.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.fail(name, value, f"a whole number, at least {minimum}")
        return value

    def duration(self, name: str, default: str | None, clocks: tuple[Clock, ...] = ()) -> Duration:
        value = self.get(name, default)
        if value is None:
            raise self.fail(name, value, "a duration such as '20 minutes' or '1 business day'")
        try:
            parsed = parse_duration(str(value))
        except DurationError as exc:
            raise self.fail(name, value, str(exc)) from exc
        if clocks and parsed.clock not in clocks:
            raise self.fail(name, value, "one of these clocks: " + ", ".join(map(str, clocks)))
        return parsed

    def optional_duration(self, name: str) -> Duration | None:
        if self.data.get(name) is None:
            return None
        return self.duration(name, None)

    def people(self, name: str, default: list[str] | None = None) -> tuple[str, ...]:
        value = self.get(name, default if default is not None else [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise self.fail(name, value, "a list of GitHub logins or org/team slugs")
        out = []
        for item in value:
            if not isinstance(item, str) or not is_person_or_team(item, app=True):
                raise self.fail(name, item, "a GitHub login (alice) or an org/team slug")
            out.append(item.removeprefix("@"))
        return tuple(out)

    def time_ranges(self, name: str, default: list[str]) -> tuple[TimeRange, ...]:
        """Ranges such as '09:00-16:00', in order, refusing two that overlap."""
        value = self.get(name, default)
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise self.fail(name, value, "a list of time ranges such as '09:00-16:00'")
        out = []
        for item in value:
            try:
                out.append(TimeRange.parse(str(item)))
            except ValueError as exc:
                raise self.fail(name, item, f"a time range 'HH:MM-HH:MM' ({exc})") from exc
        ordered = sorted(out, key=lambda r: r.start_seconds)
        for first, second in itertools.pairwise(ordered):
            if second.start_seconds < first.end_seconds:
                raise self.fail(name, value, f"ranges that do not overlap ({first} and {second})")
        return tuple(ordered)

    def mapping(self, name: str) -> Reader:
        value = self.get(name, {})
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise self.fail(name, value, "a mapping of keys")
        return Reader(self.source, value, self.key(name))

    def done(self, allowed: tuple[str, ...]) -> None:
        """Refuse any key not in `allowed`."""
        for name in self.data:
            if name not in allowed:
                raise self.fail(
                    str(name), self.data[name], "unknown key; allowed keys: " + ", ".join(allowed)
                )
