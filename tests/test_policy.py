"""policy.yaml loads into typed configuration; every bad value names file, key and value."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from dutydesk.errors import PolicyError
from dutydesk.policy import deep_merge, load_policy, parse_policy, readers
from dutydesk.time.durations import Clock

ROOT = Path(__file__).resolve().parent.parent


def test_the_shipped_policy_encodes_the_seed_documents() -> None:
    policy = load_policy(ROOT / "policy.yaml")
    assert str(policy.timezone) == "Europe/London"
    assert policy.bank_holidays == "england-and-wales"
    p1, p3, p4 = policy.priorities["P1"], policy.priorities["P3"], policy.priorities["P4"]
    assert (p1.response.clock, p1.response.amount) == (Clock.WALL, timedelta(minutes=20))
    assert p1.update_every is not None and p1.update_every.amount == timedelta(hours=1)
    assert policy.priorities["P2"].response.amount == timedelta(minutes=60)
    assert (p3.response.clock, p3.response.amount) == (Clock.OFFICE, timedelta(hours=2))
    assert p3.update_after is not None and p3.update_after.days == 2
    assert (p4.response.clock, p4.response.days) == (Clock.BUSINESS_DAYS, 1)
    assert p4.update_after is not None and p4.update_after.days == 5
    assert policy.changes.notice.amount == timedelta(hours=48)
    assert policy.changes.maintenance_notice.days == 5
    assert policy.calendar.support_day_length() == timedelta(hours=7)
    assert policy.label("approved") == "approved"


def test_an_empty_policy_gives_the_defaults() -> None:
    policy = parse_policy({})
    assert policy.bot == "github-actions[bot]"
    assert list(policy.priorities) == ["P1", "P2", "P3", "P4"]
    assert policy.runbooks.max_pull_requests_per_run == 5


def test_a_team_overrides_one_priority_key_and_keeps_the_rest() -> None:
    policy = parse_policy({"priorities": {"P2": {"response": "30 minutes"}}})
    assert policy.priorities["P2"].response.amount == timedelta(minutes=30)
    assert policy.priorities["P2"].name == "Major"


def test_rota_at_picks_the_entry_in_force() -> None:
    policy = parse_policy(
        {
            "rota": [
                {"from": "2026-11-02", "primary": "alice", "secondary": "bob"},
                {"from": date(2026, 11, 9), "primary": "bob", "secondary": "carol"},
            ]
        }
    )
    entry = policy.rota_at(datetime(2026, 11, 10, 12, tzinfo=UTC))
    assert entry is not None and (entry.primary, entry.secondary) == ("bob", "carol")
    assert policy.rota_at(datetime(2026, 11, 1, tzinfo=UTC)) is None


BAD = [
    ({"colour": "blue"}, "colour", "unknown key"),
    ({"timezone": "Mars/Olympus"}, "timezone", "IANA"),
    ({"bank_holidays": "wales"}, "bank_holidays", "england-and-wales"),
    ({"priorities": {"P5": {"response": "1 hour"}}}, "priorities.P5", "P1, P2, P3 and P4"),
    ({"priorities": {"P1": {"response": "soon"}}}, "priorities.P1.response", "20 minutes"),
    ({"priorities": {"P1": {"respond": "1 hour"}}}, "priorities.P1.respond", "unknown key"),
    ({"priorities": "P1"}, "priorities", "mapping"),
    ({"hours": {"support": ["16:00-09:00"]}}, "hours.support", "HH:MM-HH:MM"),
    ({"hours": {"support": ["09:00-12:00", "11:00-16:00"]}}, "hours.support", "do not overlap"),
    ({"hours": {"workdays": ["Funday"]}}, "hours.workdays", "Mon"),
    ({"changes": {"approvers": "not a login!"}}, "changes.approvers", "GitHub login"),
    ({"changes": {"approvers": ["a--b"]}}, "changes.approvers", "GitHub login"),
    ({"incidents": {"responders": ["alice-"]}}, "incidents.responders", "GitHub login"),
    ({"incidents": {"security_contacts": ["org-/team"]}}, "incidents.security_contacts", "slug"),
    ({"changes": {"allow_emergency": "yes"}}, "changes.allow_emergency", "true or false"),
    ({"changes": {"reminder_before": "1 business day"}}, "changes.reminder_before", "wall"),
    ({"rota": [{"from": "soon", "primary": "a", "secondary": "b"}]}, "rota[0].from", "YYYY-MM-DD"),
    ({"rota": [{"from": "2026-01-01", "primary": "a"}]}, "rota[0].secondary", "exactly one"),
    (
        {"runbooks": {"max_pull_requests_per_run": 0}},
        "runbooks.max_pull_requests_per_run",
        "at least 1",
    ),
    ({"runbooks": {"review_period": "soon"}}, "runbooks.review_period", "6 months"),
    ({"labels": {"approved": {"color": "green"}}}, "labels.approved.color", "hex"),
    ({"hours": {"support": []}}, "hours.support", "at least one range"),
    ({"incidents": {"wait_for_due": "2 hours"}}, "incidents.wait_for_due", "at most 40 minutes"),
    (
        {"priorities": {"P1": {"response": "0 minutes"}}},
        "priorities.P1.response",
        "longer than zero",
    ),
    ({"labels": {"P1": "P2"}}, "labels.P2", "no other label uses"),
    ({"labels": {"incident": "x" * 51}}, "labels.incident", "at most 50"),
    ({"runbooks": {"folder": "../elsewhere"}}, "runbooks.folder", "inside the repository"),
    (
        {"priorities": {"P1": {"update_every": "0 minutes"}}},
        "priorities.P1.update_every",
        "longer than zero",
    ),
    (
        {"priorities": {"P3": {"update_after": "0 business days", "update_every": None}}},
        "priorities.P3.update_after",
        "longer than zero",
    ),
    ({"runbooks": {"review_period": "0 months"}}, "runbooks.review_period", "6 months"),
    ({"hours": {"workdays": ["Monkey"]}}, "hours.workdays", "Mon"),
    ({"hours": {"workdays": ["Mo"]}}, "hours.workdays", "Mon"),
    ({"bot": "not a login!"}, "bot", "github-actions[bot]"),
]


@pytest.mark.parametrize(
    ("data", "key", "allowed"), BAD, ids=[f"{key} is rejected" for _, key, _ in BAD]
)
def test_a_bad_policy_names_the_key_the_value_and_what_is_allowed(
    data: dict[str, object], key: str, allowed: str
) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(data, "team/policy.yaml")
    message = str(caught.value)
    assert caught.value.key == key
    assert message.startswith(f"team/policy.yaml: {key}: found ")
    assert allowed in message


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("timezone: Europe/London\nhours: [unclosed\n", encoding="utf-8")
    with pytest.raises(PolicyError, match=r"policy.yaml: line \d+"):
        load_policy(path)


def test_a_missing_file_is_a_policy_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot be read"):
        load_policy(tmp_path / "absent.yaml")


def test_scenario_overrides_merge_deeply() -> None:
    merged = deep_merge(
        {"changes": {"notice": "48 hours", "approvers": ["a"]}}, {"changes": {"approvers": ["b"]}}
    )
    assert merged == {"changes": {"notice": "48 hours", "approvers": ["b"]}}


def test_a_key_written_twice_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("timezone: Europe/London\ntimezone: Europe/Paris\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="'timezone' is written twice"):
        load_policy(path)


def test_an_unreadable_policy_names_the_file_once(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert str(caught.value).count(str(path)) == 1


def test_people_are_logins_apps_or_teams_with_an_optional_at() -> None:
    policy = parse_policy(
        {
            "changes": {"approvers": ["@alice", "a-b", "org/ops.team", "renovate[bot]"]},
            "incidents": {"responders": "@org/responders"},
        }
    )
    assert policy.changes.approvers == ("alice", "a-b", "org/ops.team", "renovate[bot]")
    assert policy.incidents.responders == ("org/responders",)


def test_every_policy_key_is_a_key_the_parser_reads() -> None:
    from dutydesk.policy import POLICY_KEYS, TOP_KEYS

    assert {key.split(".")[0] for key in POLICY_KEYS} == set(TOP_KEYS)
    found, unknown = readers(
        {
            "a": "Escalation.\n\nEmits: x\nReads: priorities.<P>.response, rota, labels.sla_missed",
            "b": "Hours.\n\nReads: the calendar (workdays, on_call),\n  changes, no.such.key\n",
        }
    )
    assert found["priorities.<P>.response"] == ("a",)
    assert found["hours.on_call.other_days"] == ("b",)
    assert found["changes.notice"] == ("b",)
    assert found["maintenance.notice"] == ()
    assert unknown == {"b": ("no.such.key",)}


@pytest.mark.parametrize("day", ["Mon", "mon", "Monday", "MONDAY", "Tues", "Thurs", "wed"])
def test_a_workday_is_a_day_name_or_an_abbreviation_of_it(day: str) -> None:
    policy = parse_policy({"hours": {"workdays": [day]}}, "policy.yaml")
    assert len(policy.workdays) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "rota:\n  - {from: 2026-02-30, primary: a, secondary: b}\n",
            "line 2: invalid YAML: 2026-02-30 is not a real date",
        ),
        ("timezone: 2026-01-01\n", "timezone: found 2026-01-01; a non-empty string"),
    ],
    ids=["a date the calendar lacks", "a date shown as written"],
)
def test_a_date_is_shown_as_written_and_an_impossible_one_is_an_error(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert expected in str(caught.value)
