"""From plain policy data (what YAML gives) to a `Policy`: pure, no file reading.

One function per section; each reads its keys in a fixed order, so that of two problems the
same one is always reported first, and refuses keys it does not know.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dutydesk.people import is_login
from dutydesk.policy.defaults import (
    DEFAULT_LABELS,
    DEFAULT_PRIORITIES,
    MAX_WAIT,
    PRIORITY_COLOURS,
    REGIONS,
    RUNBOOK_INCLUDE,
    RUNBOOK_SECTIONS,
    WEEKDAYS,
)
from dutydesk.policy.merge import deep_merge
from dutydesk.policy.notifications import parse_notifications
from dutydesk.policy.reader import Reader
from dutydesk.policy.rota import ROTA_SHAPES, parse_rota_mapping
from dutydesk.policy.schema import (
    PRIORITY_IDS,
    ChangesPolicy,
    IncidentsPolicy,
    LabelSpec,
    PagerDutyRota,
    Policy,
    Priority,
    RotaEntry,
    RunbooksPolicy,
)
from dutydesk.policy.site import parse_site
from dutydesk.time.calendar import DaySchedule
from dutydesk.time.durations import Clock, Duration

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
    "max_writes_per_run",
    "site",
    "notifications",
)
# The keys each section allows (labels allows its roles: see `_labels`).
HOURS_KEYS = ("workdays", "support", "on_call")
ON_CALL_KEYS = ("working_days", "other_days")
PRIORITY_KEYS = (
    "name",
    "example",
    "response",
    "update_every",
    "update_after",
    "escalate_to",
    "review_on_close",
)
INCIDENTS_KEYS = ("responders", "security_contacts", "wait_for_due", "punctual", "timers_every")
CHANGES_KEYS = ("notice", "approvers", "allow_emergency", "reminder_before", "max_window")
MAINTENANCE_KEYS = ("notice",)
ROTA_KEYS = ("from", "primary", "secondary")
RUNBOOKS_KEYS = (
    "folder",
    "review_period",
    "warning_days",
    "renotify_after_days",
    "max_pull_requests_per_run",
    "include",
    "sections",
)
LABEL_KEYS = ("name", "color", "description")


def parse_policy(data: Mapping[str, Any], source: str = "policy.yaml") -> Policy:
    """Validate plain policy data; the first problem raises a PolicyError naming its key."""
    top = Reader(source, data)
    top.done(TOP_KEYS)
    timezone = _timezone(top)
    region = _region(top)
    bot = top.text("bot", "github-actions[bot]")
    if not is_login(bot, app=True):
        raise top.fail("bot", bot, "the bot's GitHub login, such as github-actions[bot]")
    workdays, support, on_call = _hours(top.mapping("hours"))
    priorities = _priorities(top)
    incidents = _incidents(top.mapping("incidents"))
    changes = _changes(top.mapping("changes"), top.mapping("maintenance"))
    rota, pagerduty = _rota(top)
    runbooks = _runbooks(top.mapping("runbooks"))
    labels = _labels(top, priorities)
    max_writes = top.integer("max_writes_per_run", 300, minimum=1)
    site = parse_site(top.mapping("site"))
    notifications = parse_notifications(top.mapping("notifications"))
    return Policy(
        source=source,
        timezone=timezone,
        bank_holidays=region,
        workdays=workdays,
        support=support,
        on_call=on_call,
        bot=bot,
        priorities=priorities,
        incidents=incidents,
        changes=changes,
        rota=rota,
        runbooks=runbooks,
        labels=labels,
        max_writes_per_run=max_writes,
        pagerduty=pagerduty,
        site=site,
        notifications=notifications,
        raw=dict(data),
    )


def _timezone(top: Reader) -> ZoneInfo:
    name = top.text("timezone", "Europe/London")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise top.fail("timezone", name, "an IANA time zone such as Europe/London") from exc


def _region(top: Reader) -> str:
    region = top.text("bank_holidays", "england-and-wales")
    if region not in REGIONS:
        raise top.fail("bank_holidays", region, "one of " + ", ".join(REGIONS))
    return region


def _hours(hours: Reader) -> tuple[frozenset[int], DaySchedule, DaySchedule]:
    workdays = _workdays(hours)
    support = DaySchedule(working_days=hours.time_ranges("support", ["09:00-16:00"]), other_days=())
    if not support.working_days:
        raise hours.fail("support", [], "at least one range: office-hours targets count in it")
    on_call_reader = hours.mapping("on_call")
    on_call = DaySchedule(
        working_days=on_call_reader.time_ranges("working_days", ["07:00-09:00", "16:00-22:00"]),
        other_days=on_call_reader.time_ranges("other_days", ["07:00-22:00"]),
    )
    on_call_reader.done(ON_CALL_KEYS)
    hours.done(HOURS_KEYS)
    return workdays, support, on_call


def _workdays(hours: Reader) -> frozenset[int]:
    days = hours.get("workdays", ["Mon", "Tue", "Wed", "Thu", "Fri"])
    if not isinstance(days, list) or not days:
        raise hours.fail("workdays", days, "a list of days such as [Mon, Tue, Wed, Thu, Fri]")
    workdays = set()
    for day in days:
        number = _weekday(str(day))
        if number is None:
            raise hours.fail("workdays", day, "day names Mon, Tue, Wed, Thu, Fri, Sat, Sun")
        workdays.add(number)
    return frozenset(workdays)


def _weekday(text: str) -> int | None:
    """A day's number from its name or an abbreviation of at least three letters (`Mon`,
    `Tues`, `monday`), any case; anything else (`Monkey`) is None."""
    word = text.strip().lower()
    number = WEEKDAYS.get(word[:3])
    if number is None or not _DAY_NAMES[number].startswith(word):
        return None
    return number


_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _priorities(top: Reader) -> dict[str, Priority]:
    given = top.get("priorities", None)
    if given is None:
        given = {}
    if not isinstance(given, dict):
        raise top.fail("priorities", given, "a mapping with entries P1, P2, P3 and P4")
    for name in given:
        if name not in PRIORITY_IDS:
            raise top.fail(f"priorities.{name}", name, "priority ids P1, P2, P3 and P4")
    section = Reader(top.source, deep_merge(DEFAULT_PRIORITIES, given), "priorities")
    return {pid: _priority(section.mapping(pid), pid) for pid in PRIORITY_IDS}


def _longer_than_zero(entry: Reader, name: str) -> Duration | None:
    """An optional duration that, when given, is longer than zero (zero would silently turn
    what it times off; leave the key out for that)."""
    found = entry.optional_duration(name)
    if found is not None and found.amount <= timedelta(0) and found.days <= 0:
        raise entry.fail(name, entry.data[name], "a duration longer than zero, or no key at all")
    return found


def _priority(entry: Reader, pid: str) -> Priority:
    every = _longer_than_zero(entry, "update_every")
    after = _longer_than_zero(entry, "update_after")
    if every is not None and after is not None:
        raise entry.fail(
            "update_after",
            entry.data["update_after"],
            "either update_every or update_after, not both",
        )
    response = entry.duration("response", None)
    if response.amount <= timedelta(0) and response.days <= 0:
        raise entry.fail("response", str(response), "a response time longer than zero")
    priority = Priority(
        id=pid,
        name=entry.text("name", pid),
        example=entry.text("example", pid),
        response=response,
        update_every=every,
        update_after=after,
        escalate_to=entry.people("escalate_to"),
        review_on_close=entry.boolean("review_on_close", pid in ("P1", "P2")),
    )
    entry.done(PRIORITY_KEYS)
    return priority


def _incidents(inc: Reader) -> IncidentsPolicy:
    incidents = IncidentsPolicy(
        responders=inc.people("responders"),
        security_contacts=inc.people("security_contacts"),
        wait_for_due=inc.duration("wait_for_due", "30 minutes", (Clock.WALL,)),
        punctual=_punctual(inc),
        timers_every=inc.duration("timers_every", "10 minutes", (Clock.WALL,)).amount,
    )
    if not timedelta(minutes=5) <= incidents.timers_every <= timedelta(hours=1):
        raise inc.fail(
            "timers_every",
            str(incidents.timers_every),
            "5 minutes to 1 hour, as often as dutydesk-timers.yml's schedule runs",
        )
    if incidents.wait_for_due.amount > MAX_WAIT:
        raise inc.fail(
            "wait_for_due",
            str(incidents.wait_for_due),
            "at most 40 minutes: the waiting job in dutydesk-events.yml stops after 45",
        )
    inc.done(INCIDENTS_KEYS)
    return incidents


def _punctual(inc: Reader) -> tuple[str, ...]:
    """The priorities whose timers the timers workflow keeps on time ([] turns it off)."""
    found = inc.get("punctual", ["P1", "P2"])
    if not isinstance(found, list) or any(p not in PRIORITY_IDS for p in found):
        raise inc.fail("punctual", found, "a list of priorities, such as [P1, P2], or []")
    return tuple(dict.fromkeys(str(p) for p in found))


def _changes(ch: Reader, mt: Reader) -> ChangesPolicy:
    changes = ChangesPolicy(
        notice=ch.duration("notice", "48 hours"),
        approvers=ch.people("approvers"),
        allow_emergency=ch.boolean("allow_emergency", True),
        reminder_before=ch.duration("reminder_before", "24 hours", (Clock.WALL,)),
        maintenance_notice=mt.duration("notice", "5 business days"),
        max_window=ch.duration("max_window", "7 days", (Clock.WALL,)),
    )
    if changes.max_window.amount <= timedelta(0):
        raise ch.fail("max_window", ch.data["max_window"], "a duration longer than zero")
    ch.done(CHANGES_KEYS)
    mt.done(MAINTENANCE_KEYS)
    return changes


def _rota(top: Reader) -> tuple[tuple[RotaEntry, ...], PagerDutyRota | None]:
    """The list form (entries), or the mapping form (read from PagerDuty: rota.py)."""
    value = top.get("rota", [])
    if value is None:
        return (), None
    if isinstance(value, dict):
        return (), parse_rota_mapping(top.mapping("rota"))
    if not isinstance(value, list):
        raise top.fail("rota", value, ROTA_SHAPES)
    return _rota_entries(top, value), None


def _rota_entries(top: Reader, value: list[Any]) -> tuple[RotaEntry, ...]:
    entries = []
    for index, item in enumerate(value):
        name = f"rota[{index}]"
        if not isinstance(item, dict):
            raise top.fail(name, item, "a mapping with from, primary and secondary")
        entries.append(_rota_entry(Reader(top.source, item, name)))
    return tuple(entries)


def _rota_entry(reader: Reader) -> RotaEntry:
    start = reader.data.get("from")
    if isinstance(start, str):
        with contextlib.suppress(ValueError):
            start = date.fromisoformat(start)
    if isinstance(start, datetime) or not isinstance(start, date):
        raise reader.fail("from", start, "a date written YYYY-MM-DD")
    primary = reader.people("primary")
    secondary = reader.people("secondary")
    if len(primary) != 1:
        raise reader.fail("primary", reader.data.get("primary"), "exactly one GitHub login")
    if len(secondary) != 1:
        raise reader.fail("secondary", reader.data.get("secondary"), "exactly one GitHub login")
    reader.done(ROTA_KEYS)
    return RotaEntry(start=start, primary=primary[0], secondary=secondary[0])


def _runbooks(rb: Reader) -> RunbooksPolicy:
    runbooks = RunbooksPolicy(
        folder=rb.text("folder", "runbooks"),
        review_period=rb.text("review_period", "6 months"),
        warning_days=rb.integer("warning_days", 14),
        renotify_after_days=rb.integer("renotify_after_days", 30),
        max_pull_requests_per_run=rb.integer("max_pull_requests_per_run", 5, minimum=1),
        include=_globs(rb),
        sections=_texts(rb, "sections", RUNBOOK_SECTIONS, "a list of headings"),
    )
    rb.done(RUNBOOKS_KEYS)
    if Path(runbooks.folder).is_absolute() or ".." in Path(runbooks.folder).parts:
        raise rb.fail("folder", runbooks.folder, "a folder inside the repository, e.g. runbooks")
    if not re.fullmatch(
        r"\s*0*[1-9]\d*\s+(day|week|month|year)s?\s*", runbooks.review_period, re.I
    ):
        raise rb.fail("review_period", runbooks.review_period, "e.g. '6 months', '12 weeks'")
    return runbooks


def _texts(reader: Reader, name: str, default: tuple[str, ...], allowed: str) -> tuple[str, ...]:
    """A list of non-empty strings (one string is a list of one)."""
    value = reader.get(name, list(default))
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
        raise reader.fail(name, value, allowed)
    return tuple(item.strip() for item in items)


def _globs(rb: Reader) -> tuple[str, ...]:
    allowed = "a list of globs relative to runbooks.folder, e.g. ['**/*.md', '**/*.html.md.erb']"
    globs = _texts(rb, "include", RUNBOOK_INCLUDE, allowed)
    for glob in globs:
        if glob.startswith("/") or ".." in glob.split("/") or not glob:
            raise rb.fail("include", glob, allowed)
    if not globs:
        raise rb.fail("include", [], allowed)
    return globs


def label_roles(priorities: Mapping[str, Priority]) -> dict[str, tuple[str, str, str]]:
    """Every label role with its default (name, colour, description); a priority's label is
    described by the priority."""
    roles: dict[str, tuple[str, str, str]] = dict(DEFAULT_LABELS)
    for pid, prio in priorities.items():
        roles[pid] = (pid, PRIORITY_COLOURS[pid], f"{prio.name}: {prio.example}"[:100])
    return roles


def _labels(top: Reader, priorities: Mapping[str, Priority]) -> dict[str, LabelSpec]:
    section = top.mapping("labels")
    roles = label_roles(priorities)
    out = {role: _label(section, role, roles[role]) for role in roles}
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


def _label(section: Reader, role: str, default: tuple[str, str, str]) -> LabelSpec:
    name, colour, description = default
    given = section.get(role, None)
    if given is None:
        return LabelSpec(name, colour, description)
    if isinstance(given, str):
        given = {"name": given}
    if not isinstance(given, dict):
        raise section.fail(role, given, "a label name, or {name, color, description}")
    entry = Reader(section.source, given, section.key(role))
    spec = LabelSpec(
        name=entry.text("name", name),
        color=entry.text("color", colour).removeprefix("#"),
        description=entry.text("description", description),
    )
    if not re.fullmatch(r"[0-9a-fA-F]{6}", spec.color):
        raise entry.fail("color", spec.color, "six hex digits such as d73a4a")
    entry.done(LABEL_KEYS)
    return spec
