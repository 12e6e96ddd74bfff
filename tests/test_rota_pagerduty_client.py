"""io/pagerduty.py against a real HTTP server on 127.0.0.1 standing in for `GET /oncalls`.

What was checked of PagerDuty's REST API v2 (December 2026), and where:

* PagerDuty/api-schema `reference/REST/openapiv3.json`, operation `listOnCalls` ("List all
  of the on-calls"): `GET /oncalls` with `time_zone`, `limit`, `offset`, `total`, `include[]`
  (`escalation_policies`, `users`, `schedules`), `user_ids[]`, `escalation_policy_ids[]`,
  `schedule_ids[]`, `since`, `until`, `earliest`; the `Accept` header
  `application/vnd.pagerduty+json;version=2` is the versioning header; the key goes in
  `Authorization: Token token=<API_KEY>` (its `api_key` security scheme); the server is
  `https://api.pagerduty.com`. `since`/`until`: an on-call overlapping the range is
  included, shifts go at most 90 days ahead, and `until` may not be before `since`. The
  answer: `{"oncalls": [Oncall], "limit", "offset", "more", "total"}`; an `Oncall` has
  `escalation_policy`, `user` (a `user_reference`: `id`, `summary`, ...), `schedule` (a
  schedule reference), `escalation_level`, `start` and `end`, which are null for a
  permanent on-call ("the user does not go off-call").
* PagerDuty/developer-docs `docs/REST-API/09-Pagination.md`: classic pagination, `limit` at
  most 100 (default 25), `more` says whether there are more, `offset + limit` may not pass
  10000; `total` is null unless asked for.
* `docs/REST-API/04-Rate-Limits.md`: a 429 carries `ratelimit-limit`, `ratelimit-remaining`
  and `ratelimit-reset` (seconds to wait) and a body `{"error": {"message": "Rate Limit
  Exceeded", "code": 2020}}`; the headers may be missing.

The stub (tests/pagerduty_server.py) answers 400 to any request that breaks that shape, so
every test here also asserts that `problems` is empty.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from desk import london
from dutydesk.errors import ConfigurationError
from dutydesk.io.pagerduty import PagerDutyError, read_shifts, token_for, with_pagerduty_rota
from dutydesk.policy import Policy, parse_policy
from dutydesk.time.shifts import Level, Person, Shift
from pagerduty_server import (
    ACCEPT,
    ALICE,
    BOB,
    CAROL,
    DEV,
    KEY,
    PRIMARY,
    SECONDARY,
    OnCall,
    PagerDutyStub,
    request_problems,
    rotation,
)

SINCE, UNTIL = london("2026-11-23 00:00"), london("2026-11-30 00:00")
FIRST = london("2026-11-22 09:00")
USERS = {"alice@example.org": "alice-gh", "PBOB002": "bob-gh", "Carol@Example.org": "carol-gh"}


def policy_for(stub: PagerDutyStub, **more: object) -> Policy:
    settings = {
        "primary_schedule": PRIMARY,
        "secondary_schedule": SECONDARY,
        "api_url": stub.url,
        "users": USERS,
        **more,
    }
    return parse_policy({"rota": {"pagerduty": settings}})


def week(turns: int = 9) -> list[OnCall]:
    """A daily rota handing over at 09:00 (GMT), the primary schedule used by two escalation
    policies (so PagerDuty lists each of its shifts twice)."""
    return [
        *rotation(PRIMARY, [ALICE, BOB, CAROL], FIRST, turns, policies=[("PEP1", 1), ("PEP2", 1)]),
        *rotation(SECONDARY, [BOB, CAROL, DEV], FIRST, turns, policies=[("PEP1", 2)]),
    ]


@pytest.fixture
def stub() -> Iterator[PagerDutyStub]:
    with PagerDutyStub(oncalls=week(), today=london("2026-11-22 00:00")) as server:
        yield server


def read(stub: PagerDutyStub, **kw: object) -> list[Shift]:
    rota = policy_for(stub).pagerduty
    assert rota is not None
    sleeps: list[float] = []
    found = read_shifts(rota, KEY, SINCE, UNTIL, sleep=sleeps.append, **kw)  # type: ignore[arg-type]
    assert stub.problems == []
    return list(found.shifts)


def test_the_request_has_the_published_shape(stub: PagerDutyStub) -> None:
    read(stub)
    first = stub.received[0]
    assert first.path == "/oncalls"
    assert first.headers["Authorization"] == f"Token token={KEY}"
    assert first.headers["Accept"] == ACCEPT
    assert first.query["schedule_ids[]"] == [PRIMARY, SECONDARY]
    assert first.query["since"] == ["2026-11-23T00:00:00Z"]
    assert first.query["until"] == ["2026-11-30T00:00:00Z"]
    assert first.query["time_zone"] == ["UTC"]
    assert first.query["include[]"] == ["users"]
    assert (first.query["limit"], first.query["offset"]) == (["100"], ["0"])


def test_every_page_is_read_and_each_shift_kept_once(stub: PagerDutyStub) -> None:
    stub.oncalls = week(turns=60)  # 60 days x (2 + 1) rows = 180 rows: two pages
    rota = policy_for(stub).pagerduty
    assert rota is not None
    found = read_shifts(rota, KEY, FIRST, FIRST + timedelta(days=60)).shifts
    assert [r.query["offset"] for r in stub.received] == [["0"], ["100"]]
    assert len(found) == 120  # the primary's doubled rows de-duplicated
    assert stub.problems == []


def test_users_are_mapped_by_email_or_id_and_the_unmapped_kept_by_name(
    stub: PagerDutyStub,
) -> None:
    shifts = read(stub)
    monday = [s for s in shifts if s.start == london("2026-11-23 09:00")]
    assert {(s.level, s.person) for s in monday} == {
        (Level.PRIMARY, Person("Bob Example", "bob-gh", "PBOB002")),
        (Level.SECONDARY, Person("Carol Example", "carol-gh", "PCAROL3")),
    }
    tuesday = {s.level: s.person for s in shifts if s.start == london("2026-11-24 09:00")}
    assert tuesday[Level.SECONDARY] == Person("Dev Unmapped", None, "PDEV004")
    assert tuesday[Level.PRIMARY].login == "carol-gh"  # by email, in another case


def test_the_shift_overlapping_since_is_kept_whole(stub: PagerDutyStub) -> None:
    shifts = read(stub)
    assert shifts[0].start == FIRST < SINCE


def test_a_permanent_on_call_has_no_start_or_end(stub: PagerDutyStub) -> None:
    stub.oncalls = [OnCall(ALICE, PRIMARY, None, None), OnCall(BOB, None, None, None)]
    shifts = read(stub)
    assert shifts == [
        Shift(Level.PRIMARY, Person("Alice Example", "alice-gh", "PALICE1"), None, None)
    ]


def test_a_429_is_waited_out_by_ratelimit_reset_or_retry_after(stub: PagerDutyStub) -> None:
    stub.planned = ["429", "429"]
    stub.retry_after = "2"
    rota = policy_for(stub).pagerduty
    assert rota is not None
    waited: list[float] = []
    found = read_shifts(rota, KEY, SINCE, UNTIL, sleep=waited.append)
    assert waited == [2.0, 2.0]
    assert found.shifts
    assert len(stub.received) == 3


def test_the_names_the_service_uses_for_its_answer_shape_are_read(stub: PagerDutyStub) -> None:
    """The rows come back as PagerDuty renders them in UTC (`...Z`)."""
    shifts = read(stub)
    assert all(s.start is not None and s.start.utcoffset() == timedelta(0) for s in shifts)


@pytest.mark.parametrize(
    ("planned", "says"),
    [
        pytest.param(["429", "429", "429"], "kept answering 429", id="rate limited throughout"),
        pytest.param(["500"], "answered 500 (a PagerDuty server error)", id="500"),
        pytest.param(["503"], "answered 503", id="503"),
        pytest.param(["dropped"], "could not be reached (RemoteDisconnected)", id="dropped"),
        pytest.param(["timeout"], "no answer within 0.3 s", id="timeout"),
        pytest.param(["badjson"], "not JSON", id="bad JSON"),
    ],
)
def test_a_fault_is_a_clear_error_naming_the_variable_not_the_key(
    stub: PagerDutyStub, planned: list[str], says: str
) -> None:
    stub.planned = list(planned)
    rota = policy_for(stub).pagerduty
    assert rota is not None
    with pytest.raises(PagerDutyError) as caught:
        read_shifts(rota, KEY, SINCE, UNTIL, timeout=0.3, sleep=lambda _: None)
    message = str(caught.value)
    assert says in message
    assert "$PD_API_TOKEN" in message
    assert KEY not in message and KEY not in repr(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_a_wrong_key_is_401_and_never_shown(stub: PagerDutyStub) -> None:
    rota = policy_for(stub, token_env="OPS_PD_KEY").pagerduty
    assert rota is not None
    wrong = "u+WRONGkeyWRONGkeyWRONG"
    with pytest.raises(PagerDutyError) as caught:
        read_shifts(rota, wrong, SINCE, UNTIL)
    assert "the key in $OPS_PD_KEY was refused" in str(caught.value)
    assert wrong not in str(caught.value)


def test_a_refused_request_says_what_pagerduty_said(stub: PagerDutyStub) -> None:
    rota = policy_for(stub).pagerduty
    assert rota is not None
    with pytest.raises(PagerDutyError, match="answered 400: Invalid Input Provided"):
        read_shifts(rota, KEY, SINCE, SINCE + timedelta(days=120))


def test_with_pagerduty_rota_takes_the_key_from_the_environment(stub: PagerDutyStub) -> None:
    policy = with_pagerduty_rota(policy_for(stub), {"PD_API_TOKEN": KEY}, SINCE, UNTIL)
    assert policy.shifts is not None and policy.shifts.since == SINCE
    entry = policy.rota_at(london("2026-11-23 20:00"))
    assert entry is not None and entry.logins == ("bob-gh", "carol-gh")


def test_without_the_key_it_says_which_variable_to_set(stub: PagerDutyStub) -> None:
    rota = policy_for(stub).pagerduty
    assert rota is not None
    with pytest.raises(ConfigurationError, match=r"\$PD_API_TOKEN is not set"):
        token_for(rota, {"PD_API_TOKEN": "  "})
    assert stub.received == []


def test_a_list_rota_reads_nothing(stub: PagerDutyStub) -> None:
    policy = parse_policy({})
    assert with_pagerduty_rota(policy, {}, SINCE, UNTIL) is policy
    assert stub.received == []


@pytest.mark.parametrize(
    ("path", "query", "headers", "problem"),
    [
        ("/oncall", {}, {}, "unknown path /oncall"),
        ("/oncalls", {}, {"Accept": "application/json"}, "Accept is 'application/json'"),
        ("/oncalls", {"schedule_ids": ["P1"]}, {}, "unknown parameter schedule_ids"),
        ("/oncalls", {"include[]": ["user"]}, {}, "include[] 'user' is not one of"),
        ("/oncalls", {"since": ["2026-11-23T00:00:00"]}, {}, "with an offset"),
        ("/oncalls", {"limit": ["500"]}, {}, "limit 500 is not 1 to 100"),
        ("/oncalls", {"offset": ["9950"], "limit": ["100"]}, {}, "may not pass 10000"),
    ],
    ids=["path", "accept", "no brackets", "include", "no offset", "limit", "offset"],
)
def test_the_stub_refuses_what_pagerduty_refuses(
    path: str, query: dict[str, list[str]], headers: dict[str, str], problem: str
) -> None:
    good = {"since": ["2026-11-23T00:00:00Z"], "until": ["2026-11-24T00:00:00Z"]}
    found = request_problems(path, {**good, **query}, {"Accept": ACCEPT, **headers}, None)
    assert any(problem in p for p in found), found
