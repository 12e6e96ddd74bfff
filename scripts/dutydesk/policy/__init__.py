"""policy.yaml: loaded once into frozen, typed configuration.

Every problem names the file, the key, the value found and what is allowed, and stops the
run before anything is applied.
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from dutydesk.errors import PolicyError
from dutydesk.time.calendar import BankHolidays, BusinessCalendar, DaySchedule, TimeRange
from dutydesk.time.durations import Clock, Duration, DurationError, parse_duration

PRIORITY_IDS = ("P1", "P2", "P3", "P4")
MAX_WAIT = timedelta(minutes=40)
WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
REGIONS = ("england-and-wales", "scotland", "northern-ireland", "none")
_LOGIN = re.compile(r"^@?[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$")
_TEAM = re.compile(r"^@?[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class Priority:
    id: str
    name: str
    example: str
    response: Duration
    update_every: Duration | None
    update_after: Duration | None
    escalate_to: tuple[str, ...]
    review_on_close: bool

    @property
    def label(self) -> str:
        return self.id


@dataclass(frozen=True)
class IncidentsPolicy:
    responders: tuple[str, ...]
    security_contacts: tuple[str, ...]
    wait_for_due: Duration  # the event job stays to fire an escalation due within this


@dataclass(frozen=True)
class ChangesPolicy:
    notice: Duration
    approvers: tuple[str, ...]
    allow_emergency: bool
    reminder_before: Duration
    maintenance_notice: Duration


@dataclass(frozen=True)
class RotaEntry:
    start: date
    primary: str
    secondary: str


@dataclass(frozen=True)
class RunbooksPolicy:
    folder: str
    review_period: str
    warning_days: int
    renotify_after_days: int
    max_pull_requests_per_run: int


@dataclass(frozen=True)
class LabelSpec:
    name: str
    color: str
    description: str


DEFAULT_LABELS: dict[str, tuple[str, str, str]] = {
    # role: (name, colour, description)
    "incident": ("incident", "d73a4a", "An incident, filed from the incident form"),
    "change_request": ("change-request", "0e8a16", "An out-of-hours change request"),
    "planned_maintenance": ("planned-maintenance", "1d76db", "Planned downtime notice"),
    "needs_triage": ("needs-triage", "fbca04", "Priority missing or unknown"),
    "needs_info": ("needs-info", "fbca04", "The request needs fixing before it can go on"),
    "sla_missed": ("sla-missed", "b60205", "Response time target missed"),
    "security": ("security", "5319e7", "Data or security breach"),
    "insufficient_notice": ("insufficient-notice", "e99695", "Less notice than the policy asks"),
    "in_hours": ("in-hours", "c2e0c6", "Window lies within support hours"),
    "approved": ("approved", "0e8a16", "Approved by a listed approver"),
    "rejected": ("rejected", "b60205", "Rejected by an approver"),
    "runbook_review": ("runbook-review", "c5def5", "A runbook's review date has passed"),
}
PRIORITY_COLOURS = {"P1": "b60205", "P2": "d93f0b", "P3": "fbca04", "P4": "c5def5"}


@dataclass(frozen=True)
class Policy:
    source: str
    timezone: ZoneInfo
    bank_holidays: str
    workdays: frozenset[int]
    support: DaySchedule
    on_call: DaySchedule
    bot: str
    priorities: Mapping[str, Priority]
    incidents: IncidentsPolicy
    changes: ChangesPolicy
    rota: tuple[RotaEntry, ...]
    runbooks: RunbooksPolicy
    labels: Mapping[str, LabelSpec]
    raw: Mapping[str, Any] = field(repr=False, compare=False, default_factory=dict)

    @cached_property
    def calendar(self) -> BusinessCalendar:
        return BusinessCalendar(
            tz=self.timezone,
            workdays=self.workdays,
            support=self.support,
            on_call=self.on_call,
            holidays=BankHolidays.uk(self.bank_holidays),
        )

    def label(self, role: str) -> str:
        return self.labels[role].name

    def priority_labels(self) -> tuple[str, ...]:
        return tuple(p.label for p in self.priorities.values())

    def rota_at(self, moment: datetime) -> RotaEntry | None:
        """The rota entry in force at a moment (the last whose `from` date has come)."""
        day = moment.astimezone(self.timezone).date()
        current: RotaEntry | None = None
        for entry in sorted(self.rota, key=lambda e: e.start):
            if entry.start <= day:
                current = entry
        return current

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.timezone)


# -- loading -----------------------------------------------------------------------------


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML where a key written twice in one mapping is an error, not a silent overwrite."""


def _unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"the key {key!r} is written twice", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _unique_mapping,
)


def load_yaml(text: str) -> Any:
    """yaml.safe_load, but a key written twice in one mapping is an error."""
    return yaml.load(text, Loader=_UniqueKeyLoader)


def load_policy(
    path: Path, overrides: Mapping[str, Any] | None = None, overrides_from: str = ""
) -> Policy:
    """Read, merge (for scenarios) and validate a policy file.

    `overrides_from` names where the overrides came from (a scenario), for error messages.
    """
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError.at_file(source, f"cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise PolicyError.at_file(source, "is not UTF-8 text; save it as UTF-8") from None
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise PolicyError.at_file(source, f"{where}invalid YAML: {problem}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise PolicyError(source, "(top level)", type(data).__name__, "a mapping of keys")
    if overrides:
        data = deep_merge(data, overrides)
        if overrides_from:
            source = f"{source} with the policy: of {overrides_from}"
    return parse_policy(data, source)


def deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Mappings merge key by key; any other value in `over` replaces the base's."""
    out = copy.deepcopy(dict(base))
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


class _Reader:
    """Walks a mapping, remembering the dotted key, and fails with a precise PolicyError."""

    def __init__(self, source: str, data: Mapping[str, Any], path: str = "") -> None:
        self.source = source
        self.data = data
        self.path = path
        self.used: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def fail(self, name: str, found: object, allowed: str) -> PolicyError:
        return PolicyError(self.source, self.key(name), found, allowed)

    def get(self, name: str, default: Any) -> Any:
        self.used.add(name)
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
            self.used.add(name)
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
            if not isinstance(item, str) or not (_LOGIN.match(item) or _TEAM.match(item)):
                raise self.fail(name, item, "a GitHub login (alice) or an org/team slug")
            out.append(item.removeprefix("@"))
        return tuple(out)

    def mapping(self, name: str) -> _Reader:
        value = self.get(name, {})
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise self.fail(name, value, "a mapping of keys")
        return _Reader(self.source, value, self.key(name))

    def done(self, allowed: tuple[str, ...]) -> None:
        for name in self.data:
            if name not in allowed:
                raise self.fail(
                    str(name), self.data[name], "unknown key; allowed keys: " + ", ".join(allowed)
                )


def _ranges(reader: _Reader, name: str, default: list[str]) -> tuple[TimeRange, ...]:
    value = reader.get(name, default)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise reader.fail(name, value, "a list of time ranges such as '09:00-16:00'")
    out = []
    for item in value:
        try:
            out.append(TimeRange.parse(str(item)))
        except ValueError as exc:
            raise reader.fail(name, item, f"a time range 'HH:MM-HH:MM' ({exc})") from exc
    ordered = sorted(out, key=lambda r: r.start_seconds)
    for first, second in itertools.pairwise(ordered):
        if second.start_seconds < first.end_seconds:
            raise reader.fail(name, value, f"ranges that do not overlap ({first} and {second})")
    return tuple(ordered)


DEFAULT_PRIORITIES: dict[str, dict[str, Any]] = {
    "P1": {
        "name": "Critical",
        "example": "Complete outage, or ongoing unauthorised access",
        "response": "20 minutes",
        "update_every": "1 hour",
        "review_on_close": True,
    },
    "P2": {
        "name": "Major",
        "example": "Substantial degradation of service",
        "response": "60 minutes",
        "update_every": "2 hours",
        "review_on_close": True,
    },
    "P3": {
        "name": "Significant",
        "example": "Users experiencing intermittent or degraded service due to platform issue",
        "response": "2 office hours",
        "update_after": "2 business days",
        "review_on_close": False,
    },
    "P4": {
        "name": "Minor",
        "example": (
            "Component failure that does not immediately impact a service, "
            "or an unsuccessful DoS attempt"
        ),
        "response": "1 business day",
        "update_after": "5 business days",
        "review_on_close": False,
    },
}

TOP_KEYS = (
    "timezone",
    "bank_holidays",
    "bot",
    "hours",
    "priorities",
    "incidents",
    "changes",
    "maintenance",
    "rota",
    "runbooks",
    "labels",
)


def parse_policy(data: Mapping[str, Any], source: str = "policy.yaml") -> Policy:
    top = _Reader(source, data)
    top.done(TOP_KEYS)

    tz_name = top.text("timezone", "Europe/London")
    try:
        timezone = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise top.fail("timezone", tz_name, "an IANA time zone such as Europe/London") from exc

    region = top.text("bank_holidays", "england-and-wales")
    if region not in REGIONS:
        raise top.fail("bank_holidays", region, "one of " + ", ".join(REGIONS))
    bot = top.text("bot", "github-actions[bot]")

    hours = top.mapping("hours")
    days = hours.get("workdays", ["Mon", "Tue", "Wed", "Thu", "Fri"])
    if not isinstance(days, list) or not days:
        raise hours.fail("workdays", days, "a list of days such as [Mon, Tue, Wed, Thu, Fri]")
    workdays = set()
    for day in days:
        number = WEEKDAYS.get(str(day).strip().lower()[:3])
        if number is None:
            raise hours.fail("workdays", day, "day names Mon, Tue, Wed, Thu, Fri, Sat, Sun")
        workdays.add(number)
    support = DaySchedule(working_days=_ranges(hours, "support", ["09:00-16:00"]), other_days=())
    if not support.working_days:
        raise hours.fail("support", [], "at least one range: office-hours targets count in it")
    on_call_reader = hours.mapping("on_call")
    on_call = DaySchedule(
        working_days=_ranges(on_call_reader, "working_days", ["07:00-09:00", "16:00-22:00"]),
        other_days=_ranges(on_call_reader, "other_days", ["07:00-22:00"]),
    )
    on_call_reader.done(("working_days", "other_days"))
    hours.done(("workdays", "support", "on_call"))

    priorities = _priorities(top)

    inc = top.mapping("incidents")
    incidents = IncidentsPolicy(
        responders=inc.people("responders"),
        security_contacts=inc.people("security_contacts"),
        wait_for_due=inc.duration("wait_for_due", "30 minutes", (Clock.WALL,)),
    )
    if incidents.wait_for_due.amount > MAX_WAIT:
        raise inc.fail(
            "wait_for_due",
            str(incidents.wait_for_due),
            "at most 40 minutes: the waiting job in dutydesk-events.yml stops after 45",
        )
    inc.done(("responders", "security_contacts", "wait_for_due"))

    ch = top.mapping("changes")
    mt = top.mapping("maintenance")
    changes = ChangesPolicy(
        notice=ch.duration("notice", "48 hours"),
        approvers=ch.people("approvers"),
        allow_emergency=ch.boolean("allow_emergency", True),
        reminder_before=ch.duration("reminder_before", "24 hours", (Clock.WALL,)),
        maintenance_notice=mt.duration("notice", "5 business days"),
    )
    ch.done(("notice", "approvers", "allow_emergency", "reminder_before"))
    mt.done(("notice",))

    rota = _rota(top)

    rb = top.mapping("runbooks")
    runbooks = RunbooksPolicy(
        folder=rb.text("folder", "runbooks"),
        review_period=rb.text("review_period", "6 months"),
        warning_days=rb.integer("warning_days", 14),
        renotify_after_days=rb.integer("renotify_after_days", 30),
        max_pull_requests_per_run=rb.integer("max_pull_requests_per_run", 5, minimum=1),
    )
    rb.done(
        (
            "folder",
            "review_period",
            "warning_days",
            "renotify_after_days",
            "max_pull_requests_per_run",
        )
    )
    if Path(runbooks.folder).is_absolute() or ".." in Path(runbooks.folder).parts:
        raise rb.fail("folder", runbooks.folder, "a folder inside the repository, e.g. runbooks")
    if not re.fullmatch(r"\s*\d+\s+(day|week|month|year)s?\s*", runbooks.review_period, re.I):
        raise rb.fail("review_period", runbooks.review_period, "e.g. '6 months', '12 weeks'")

    labels = _labels(top, priorities)

    return Policy(
        source=source,
        timezone=timezone,
        bank_holidays=region,
        workdays=frozenset(workdays),
        support=support,
        on_call=on_call,
        bot=bot,
        priorities=priorities,
        incidents=incidents,
        changes=changes,
        rota=rota,
        runbooks=runbooks,
        labels=labels,
        raw=dict(data),
    )


def _priorities(top: _Reader) -> dict[str, Priority]:
    given = top.get("priorities", None)
    if given is None:
        given = {}
    if not isinstance(given, dict):
        raise top.fail("priorities", given, "a mapping with entries P1, P2, P3 and P4")
    for name in given:
        if name not in PRIORITY_IDS:
            raise top.fail(f"priorities.{name}", name, "priority ids P1, P2, P3 and P4")
    merged = deep_merge(DEFAULT_PRIORITIES, given)
    section = _Reader(top.source, merged, "priorities")
    out: dict[str, Priority] = {}
    for pid in PRIORITY_IDS:
        entry = section.mapping(pid)
        every = entry.optional_duration("update_every")
        after = entry.optional_duration("update_after")
        if every is not None and after is not None:
            raise entry.fail(
                "update_after",
                entry.data["update_after"],
                "either update_every or update_after, not both",
            )
        response = entry.duration("response", None)
        if response.amount <= timedelta(0) and response.days <= 0:
            raise entry.fail("response", str(response), "a response time longer than zero")
        out[pid] = Priority(
            id=pid,
            name=entry.text("name", pid),
            example=entry.text("example", pid),
            response=response,
            update_every=every,
            update_after=after,
            escalate_to=entry.people("escalate_to"),
            review_on_close=entry.boolean("review_on_close", pid in ("P1", "P2")),
        )
        entry.done(
            (
                "name",
                "example",
                "response",
                "update_every",
                "update_after",
                "escalate_to",
                "review_on_close",
            )
        )
    return out


def _rota(top: _Reader) -> tuple[RotaEntry, ...]:
    value = top.get("rota", [])
    if value is None:
        return ()
    if not isinstance(value, list):
        raise top.fail(
            "rota", value, "a list of {from: YYYY-MM-DD, primary: login, secondary: login}"
        )
    entries = []
    for index, item in enumerate(value):
        name = f"rota[{index}]"
        if not isinstance(item, dict):
            raise top.fail(name, item, "a mapping with from, primary and secondary")
        reader = _Reader(top.source, item, name)
        start = item.get("from")
        if isinstance(start, str):
            with contextlib.suppress(ValueError):
                start = date.fromisoformat(start)
        if isinstance(start, datetime) or not isinstance(start, date):
            raise reader.fail("from", start, "a date written YYYY-MM-DD")
        reader.used.add("from")
        primary = reader.people("primary")
        secondary = reader.people("secondary")
        if len(primary) != 1:
            raise reader.fail("primary", item.get("primary"), "exactly one GitHub login")
        if len(secondary) != 1:
            raise reader.fail("secondary", item.get("secondary"), "exactly one GitHub login")
        reader.done(("from", "primary", "secondary"))
        entries.append(RotaEntry(start=start, primary=primary[0], secondary=secondary[0]))
    return tuple(entries)


def _labels(top: _Reader, priorities: Mapping[str, Priority]) -> dict[str, LabelSpec]:
    section = top.mapping("labels")
    out: dict[str, LabelSpec] = {}
    roles: dict[str, tuple[str, str, str]] = dict(DEFAULT_LABELS)
    for pid, prio in priorities.items():
        roles[pid] = (pid, PRIORITY_COLOURS[pid], f"{prio.name}: {prio.example}"[:100])
    for role, (name, colour, description) in roles.items():
        given = section.get(role, None)
        if given is None:
            out[role] = LabelSpec(name, colour, description)
            continue
        if isinstance(given, str):
            given = {"name": given}
        if not isinstance(given, dict):
            raise section.fail(role, given, "a label name, or {name, color, description}")
        entry = _Reader(top.source, given, section.key(role))
        spec = LabelSpec(
            name=entry.text("name", name),
            color=entry.text("color", colour).removeprefix("#"),
            description=entry.text("description", description),
        )
        if not re.fullmatch(r"[0-9a-fA-F]{6}", spec.color):
            raise entry.fail("color", spec.color, "six hex digits such as d73a4a")
        entry.done(("name", "color", "description"))
        out[role] = spec
    section.done(tuple(roles))
    names: dict[str, str] = {}
    for role, spec in out.items():
        if len(spec.name) > 50:
            raise section.fail(role, spec.name, "a label name of at most 50 characters")
        other = names.get(spec.name.lower())
        if other is not None:
            raise section.fail(role, spec.name, f"a name no other label uses ({other} has it)")
        names[spec.name.lower()] = role
    return out
