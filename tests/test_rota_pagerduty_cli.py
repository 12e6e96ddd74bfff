"""`dutydesk rota` and `dutydesk validate` with a PagerDuty rota, against the stand-in for
PagerDuty's `/oncalls` on 127.0.0.1 (tests/pagerduty_server.py), and the jobs' reading of it
(`rota_for_jobs`): PagerDuty down never becomes "nobody is on call"."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from desk import london
from dutydesk.cli.main import cli
from dutydesk.cli.rota import JOB_SPAN_AHEAD, rota_for_jobs
from dutydesk.policy import load_policy, parse_policy
from dutydesk.time.shifts import RotaUnavailable
from pagerduty_server import (
    ALICE,
    BOB,
    CAROL,
    DEV,
    KEY,
    PRIMARY,
    SECONDARY,
    PagerDutyStub,
    rotation,
)

ROOT = Path(__file__).resolve().parents[1]
FIRST = london("2026-11-22 09:00")
USERS = {"alice@example.org": "alice-gh", "PBOB002": "bob-gh"}
NOW = "2026-11-23T20:00:00Z"


def oncalls(secondary_turns: int = 9) -> list[Any]:
    """Primary: Alice, Bob, Carol a day each from Sunday 22 November 09:00 GMT for nine days;
    secondary: Bob, Carol, Dev (who has no login) for `secondary_turns` days."""
    return [
        *rotation(PRIMARY, [ALICE, BOB, CAROL], FIRST, 9),
        *rotation(SECONDARY, [BOB, CAROL, DEV], FIRST, secondary_turns),
    ]


@pytest.fixture
def stub() -> Iterator[PagerDutyStub]:
    with PagerDutyStub(oncalls=oncalls()) as server:
        yield server


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(ROOT)
    for name in ("PD_API_TOKEN", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)
    return CliRunner()


def pagerduty(stub: PagerDutyStub, **more: Any) -> dict[str, Any]:
    return {
        "pagerduty": {
            "primary_schedule": PRIMARY,
            "secondary_schedule": SECONDARY,
            "api_url": stub.url,
            "users": USERS,
            **more,
        }
    }


def team(tmp_path: Path, rota: Any) -> Path:
    """The shipped policy and runbooks in a folder, with `rota` instead of the list."""
    data = yaml.safe_load((ROOT / "policy.yaml").read_text(encoding="utf-8"))
    data["rota"] = rota
    policy = tmp_path / "policy.yaml"
    policy.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    shutil.copytree(ROOT / "runbooks", tmp_path / "runbooks")
    return policy


def rota_cli(
    runner: CliRunner, policy: Path, *args: str, key: str | None = KEY, at: str = NOW
) -> Any:
    env = {"PD_API_TOKEN": key} if key is not None else {}
    return runner.invoke(cli, ["rota", "--policy", str(policy), "--at", at, *args], env=env)


# -- dutydesk rota ---------------------------------------------------------------------------


def test_rota_says_who_pagerduty_has_on_call(
    runner: CliRunner, stub: PagerDutyStub, tmp_path: Path
) -> None:
    result = rota_cli(runner, team(tmp_path, pagerduty(stub)))
    assert result.exit_code == 0, result.output
    assert result.output == (
        "At Mon 23 Nov 2026 20:00 GMT (on-call hours), from PagerDuty:\n"
        "  primary:   bob-gh (Bob Example), until Tue 24 Nov 2026 09:00 GMT\n"
        "  secondary: Carol Example (no GitHub login in rota.pagerduty.users), "
        "until Tue 24 Nov 2026 09:00 GMT\n"
    )
    (request,) = stub.received
    assert request.query["since"] == ["2026-11-23T20:00:00Z"]
    assert stub.problems == []


def test_rota_until_lists_the_handovers_and_gaps(
    runner: CliRunner, stub: PagerDutyStub, tmp_path: Path
) -> None:
    stub.oncalls = oncalls(secondary_turns=3)  # the secondary ends Wednesday 25th 09:00
    result = rota_cli(runner, team(tmp_path, pagerduty(stub)), "--until", "2026-11-26T12:00:00Z")
    assert result.exit_code == 0, result.output
    assert result.output.split("\n", 3)[3] == (
        "From Mon 23 Nov 2026 20:00 GMT to Thu 26 Nov 2026 12:00 GMT:\n"
        "  Handovers:\n"
        "    Tue 24 Nov 2026 09:00 GMT  primary: bob-gh -> Carol Example\n"
        "    Tue 24 Nov 2026 09:00 GMT  secondary: Carol Example -> Dev Unmapped\n"
        "    Wed 25 Nov 2026 09:00 GMT  primary: Carol Example -> alice-gh\n"
        "    Thu 26 Nov 2026 09:00 GMT  primary: alice-gh -> bob-gh\n"
        "  Gaps in cover (in on-call hours):\n"
        "    no secondary from Wed 25 Nov 2026 16:00 GMT to Wed 25 Nov 2026 22:00 GMT\n"
        "    no secondary from Thu 26 Nov 2026 07:00 GMT to Thu 26 Nov 2026 09:00 GMT\n"
    )
    assert stub.received[0].query["until"] == ["2026-11-26T12:00:00Z"]


def test_rota_without_the_key_names_the_variable(
    runner: CliRunner, stub: PagerDutyStub, tmp_path: Path
) -> None:
    result = rota_cli(runner, team(tmp_path, pagerduty(stub, token_env="OPS_PD")), key=None)
    assert result.exit_code == 2
    assert "$OPS_PD is not set" in result.output
    assert stub.received == []


@pytest.mark.parametrize("fault", ["500", "dropped", "badjson"])
def test_rota_when_pagerduty_fails_says_so_without_the_key(
    runner: CliRunner, stub: PagerDutyStub, tmp_path: Path, fault: str
) -> None:
    stub.planned = [fault]
    result = rota_cli(runner, team(tmp_path, pagerduty(stub)))
    assert result.exit_code == 1
    assert "reading the on-call rota from PagerDuty (the key in $PD_API_TOKEN)" in result.output
    assert KEY not in result.output
    assert "nobody" not in result.output


@pytest.mark.parametrize(
    "until", ["2026-11-23T19:00:00Z", "2027-03-01T00:00:00Z"], ids=["before --at", "too far"]
)
def test_a_bad_until_is_a_usage_error(runner: CliRunner, tmp_path: Path, until: str) -> None:
    result = runner.invoke(cli, ["rota", "--at", NOW, "--until", until])
    assert result.exit_code == 2
    assert "--until" in result.output


def test_the_list_rota_with_until_lists_its_handovers(runner: CliRunner) -> None:
    plain = runner.invoke(cli, ["rota", "--at", NOW])
    result = runner.invoke(cli, ["rota", "--at", NOW, "--until", "2026-12-10T00:00:00Z"])
    assert result.exit_code == 0, result.output
    assert result.output == plain.output + (
        "Handover on 2026-11-30: primary bob-oncall, secondary carol-oncall\n"
        "Handover on 2026-12-07: primary carol-oncall, secondary alice-oncall\n"
    )


# -- dutydesk validate -----------------------------------------------------------------------


def validate(runner: CliRunner, policy: Path, key: str | None = KEY, now: str = NOW) -> Any:
    env = {"PD_API_TOKEN": key} if key is not None else {}
    return runner.invoke(cli, ["validate", "--policy", str(policy), "--now", now], env=env)


def test_validate_reports_gaps_in_cover_over_the_look_ahead(
    runner: CliRunner, stub: PagerDutyStub, tmp_path: Path
) -> None:
    stub.oncalls = oncalls(secondary_turns=3)
    policy = team(tmp_path, pagerduty(stub, look_ahead="3 days"))
    result = validate(runner, policy)
    assert result.exit_code == 1
    assert result.output.splitlines()[:2] == [
        f"{policy}: rota: PagerDuty has no secondary on call from Wed 25 Nov 2026 16:00 GMT to "
        "Wed 25 Nov 2026 22:00 GMT, in on-call hours: add cover to the schedule",
        f"{policy}: rota: PagerDuty has no secondary on call from Thu 26 Nov 2026 07:00 GMT to "
        "Thu 26 Nov 2026 09:00 GMT, in on-call hours: add cover to the schedule",
    ]
    assert "3 problem(s) found" in result.output  # and Thursday 16:00-20:00
    assert stub.received[0].query["until"] == ["2026-11-26T20:00:00Z"]
    assert stub.problems == []


def test_validate_passes_with_full_cover(
    runner: CliRunner, stub: PagerDutyStub, tmp_path: Path
) -> None:
    result = validate(runner, team(tmp_path, pagerduty(stub, look_ahead="5 days")))
    assert result.exit_code == 0, result.output
    assert "policy, forms, rota and runbooks are valid" in result.output


def test_validate_without_the_key_says_it_skipped_the_check(
    runner: CliRunner, stub: PagerDutyStub, tmp_path: Path
) -> None:
    policy = team(tmp_path, pagerduty(stub))
    result = validate(runner, policy, key=None)
    assert result.exit_code == 0, result.output
    assert (
        f"{policy}: warning: rota: $PD_API_TOKEN is not set, so gaps in PagerDuty's cover "
        "were not checked"
    ) in result.output
    assert stub.received == []


def test_validate_when_pagerduty_fails_warns_without_the_key(
    runner: CliRunner, stub: PagerDutyStub, tmp_path: Path
) -> None:
    stub.planned = ["503"]
    result = validate(runner, team(tmp_path, pagerduty(stub)))
    assert result.exit_code == 0, result.output
    assert "warning: rota: gaps in cover were not checked: reading the on-call rota" in (
        result.output
    )
    assert KEY not in result.output


# -- the jobs --------------------------------------------------------------------------------


def test_the_jobs_read_the_rota_once_for_their_span(stub: PagerDutyStub, tmp_path: Path) -> None:
    now = london("2026-11-23 20:00")
    policy = rota_for_jobs(load_policy(team(tmp_path, pagerduty(stub))), now, {"PD_API_TOKEN": KEY})
    assert policy.shifts is not None
    assert (policy.shifts.since, policy.shifts.until) == (
        now - timedelta(days=1),
        now + JOB_SPAN_AHEAD,
    )
    assert len(stub.received) == 1
    entry = policy.rota_at(now)
    assert entry is not None and entry.logins == ("bob-gh",)


def test_the_jobs_go_on_without_pagerduty_and_never_guess(
    stub: PagerDutyStub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    stub.planned = ["500"]
    policy = load_policy(team(tmp_path, pagerduty(stub)))
    read = rota_for_jobs(policy, london("2026-11-23 20:00"), {"PD_API_TOKEN": KEY})
    captured = capsys.readouterr()
    assert captured.out.startswith("::warning::reading the on-call rota from PagerDuty")
    assert "warning: reading the on-call rota from PagerDuty (the key in $PD_API_TOKEN)" in (
        captured.err
    )
    assert "Incidents are handled without it" in captured.err
    with pytest.raises(RotaUnavailable, match="answered 500"):
        read.rota_at(london("2026-11-23 20:00"))
    assert KEY not in captured.err + captured.out


def test_the_jobs_warn_when_the_key_is_missing(
    tmp_path: Path, stub: PagerDutyStub, capsys: pytest.CaptureFixture[str]
) -> None:
    read = rota_for_jobs(
        load_policy(team(tmp_path, pagerduty(stub))), london("2026-11-23 20:00"), {}
    )
    captured = capsys.readouterr()
    assert "warning: the rota comes from PagerDuty (rota.pagerduty), but $PD_API_TOKEN" in (
        captured.err
    )
    assert "change requests that need the rota wait for the next run" in captured.err
    assert read.shifts is None and "$PD_API_TOKEN is not set" in read.shifts_problem


def test_the_jobs_leave_a_list_rota_alone() -> None:
    policy = parse_policy({})
    assert rota_for_jobs(policy, london("2026-11-23 20:00"), {}) is policy


def test_the_jobs_find_the_key_in_the_services_secrets_bundle(
    stub: PagerDutyStub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PD_API_TOKEN", raising=False)
    monkeypatch.setenv("DUTYDESK_SERVICE_SECRETS", f"OTHER=x\nPD_API_TOKEN={KEY}\n")
    policy = load_policy(team(tmp_path, pagerduty(stub)))
    read = rota_for_jobs(policy, london("2026-11-23 20:00"))
    assert read.shifts is not None
    assert stub.received[0].headers["Authorization"] == f"Token token={KEY}"


def test_the_example_policy_is_a_valid_pagerduty_rota() -> None:
    policy = load_policy(ROOT / "examples" / "policies" / "rota-pagerduty.yaml")
    assert policy.pagerduty is not None
    assert policy.pagerduty.login_for("PXYZ789", "") == "carol-oncall"


def test_rota_shows_handovers_across_the_spring_clock_change_in_local_time(
    runner: CliRunner, stub: PagerDutyStub, tmp_path: Path
) -> None:
    """PagerDuty hands over at 09:00 UTC daily: 09:00 GMT before the change, 10:00 BST after."""
    first = london("2026-03-28 09:00")
    stub.oncalls = [
        *rotation(PRIMARY, [ALICE, BOB], first, 3),
        *rotation(SECONDARY, [BOB, ALICE], first, 3),
    ]
    policy = team(tmp_path, pagerduty(stub))
    result = rota_cli(runner, policy, "--until", "2026-03-30T12:00:00Z", at="2026-03-28T12:00:00Z")
    assert result.exit_code == 0, result.output
    assert "    Sun 29 Mar 2026 10:00 BST  primary: alice-gh -> bob-gh\n" in result.output
    assert "    Mon 30 Mar 2026 10:00 BST  primary: bob-gh -> alice-gh\n" in result.output
    assert "No gaps in cover in on-call hours." in result.output


def test_validate_says_when_the_services_secrets_bundle_cannot_be_read(
    runner: CliRunner, stub: PagerDutyStub, tmp_path: Path
) -> None:
    """The key was put in DUTYDESK_SERVICE_SECRETS, on a line that is not NAME=value: say that,
    by line number, rather than only that the variable is not set."""
    policy = team(tmp_path, pagerduty(stub))
    env = {"DUTYDESK_SERVICE_SECRETS": f"PD_API_TOKEN {KEY}"}
    result = runner.invoke(cli, ["validate", "--policy", str(policy), "--now", NOW], env=env)
    assert "DUTYDESK_SERVICE_SECRETS: line 1 is not NAME=value" in result.output
    assert KEY not in result.output
