"""The on-call rota from PagerDuty's REST API v2: `GET /oncalls` for the policy's schedules.

Plain HTTPS with `urllib` (as notify/transports.py does), not the `pagerduty` package: one
read-only GET with offset pagination needs no client library, and a library would be one more
dependency to pin and audit for a few lines of code; here every header, query parameter and
error message is in sight, so none can carry the key.

The request, as PagerDuty's published API description has it (PagerDuty/api-schema,
`reference/REST/openapiv3.json`, operation `listOnCalls`; developer-docs "Pagination" and
"REST API Rate Limits"):

    GET {api_url}/oncalls?schedule_ids[]=P1&schedule_ids[]=P2&since=..&until=..
        &time_zone=UTC&include[]=users&limit=100&offset=0
    Authorization: Token token=<key>
    Accept: application/vnd.pagerduty+json;version=2

answered `{"oncalls": [...], "limit", "offset", "more", "total"}`. An on-call has `user`
(with `include[]=users` the whole user: `id`, `name`, `email`, `summary`), `schedule` (`id`;
null for a direct user target), `escalation_policy`, `escalation_level`, `start` and `end`
(null: always on call). An on-call overlapping [since, until) is listed; the same shift comes
once per escalation policy using the schedule, so shifts are de-duplicated. `limit` is at
most 100, `offset + limit` at most 10000, and on-calls go at most 90 days ahead. A 429 carries
`ratelimit-reset` (seconds; `Retry-After` is honoured too).

The key is read from the environment variable the policy names, sent only in the header, and
never appears in an error: each error names the variable instead.
"""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from dutydesk.errors import ConfigurationError, DutydeskError
from dutydesk.policy.schema import PagerDutyRota, Policy
from dutydesk.time.shifts import Level, Person, Shift, Shifts

TIMEOUT = 10.0  # seconds, each request
PAGE = 100  # PagerDuty's largest page
MAX_RECORDS = 10_000  # offset + limit may not pass this
RATE_LIMIT_RETRIES = 2
MAX_RETRY_AFTER = 30.0  # seconds: a longer wait is left for the next run
ACCEPT = "application/vnd.pagerduty+json;version=2"

Sleep = Callable[[float], None]


class PagerDutyError(DutydeskError):
    """PagerDuty could not be read; the message names the key's variable, never the key."""

    exit_code = 1


def token_for(rota: PagerDutyRota, environ: Mapping[str, str]) -> str:
    """The REST API key from the environment; a ConfigurationError naming the variable."""
    token = environ.get(rota.token_env, "").strip()
    if not token:
        raise ConfigurationError(
            f"the rota comes from PagerDuty (rota.pagerduty), but ${rota.token_env} is not set: "
            "set it to a read-only PagerDuty REST API key"
        )
    return token


def with_pagerduty_rota(
    policy: Policy,
    environ: Mapping[str, str],
    since: datetime,
    until: datetime,
    *,
    timeout: float = TIMEOUT,
    sleep: Sleep = time.sleep,
) -> Policy:
    """The policy with its PagerDuty shifts for [since, until) (a list-form rota: as it is).

    Raises ConfigurationError without the key, PagerDutyError when PagerDuty cannot be read."""
    rota = policy.pagerduty
    if rota is None:
        return policy
    token = token_for(rota, environ)
    shifts = read_shifts(rota, token, since, until, timeout=timeout, sleep=sleep)
    return replace(policy, shifts=shifts, shifts_problem="")


def without_pagerduty_rota(policy: Policy, problem: str) -> Policy:
    """The policy with the reason its PagerDuty rota could not be read: every question about
    who is on call then raises RotaUnavailable with it (never a guess of "nobody")."""
    return replace(policy, shifts=None, shifts_problem=problem)


def read_shifts(
    rota: PagerDutyRota,
    token: str,
    since: datetime,
    until: datetime,
    *,
    timeout: float = TIMEOUT,
    sleep: Sleep = time.sleep,
) -> Shifts:
    """Every shift of the rota's schedules overlapping [since, until)."""
    since, until = since.astimezone(UTC), until.astimezone(UTC)
    client = _Client(rota, token, timeout, sleep)
    oncalls = [o for page in client.pages(since, until) for o in page]
    return Shifts(since, until, shifts_from(oncalls, rota), rota.levels)


def shifts_from(oncalls: Iterable[Any], rota: PagerDutyRota) -> tuple[Shift, ...]:
    """The shifts of the rota's schedules in `/oncalls` entries, each once, in start order."""
    levels = {rota.primary_schedule: Level.PRIMARY}
    if rota.secondary_schedule is not None:
        levels[rota.secondary_schedule] = Level.SECONDARY
    found: dict[tuple[Level, str, datetime | None, datetime | None], Shift] = {}
    for oncall in oncalls:
        shift = _shift(oncall, levels, rota)
        if shift is not None:
            found.setdefault((shift.level, shift.person.id, shift.start, shift.end), shift)
    early = datetime.min.replace(tzinfo=UTC)
    return tuple(sorted(found.values(), key=lambda s: (s.start or early, s.level, s.person.id)))


def _shift(oncall: Any, levels: Mapping[str, Level], rota: PagerDutyRota) -> Shift | None:
    if not isinstance(oncall, dict):
        raise _unreadable(rota, "an on-call that is not an object")
    schedule = oncall.get("schedule")
    level = levels.get(schedule.get("id", "")) if isinstance(schedule, dict) else None
    if level is None:
        return None  # another schedule's, or a direct user target
    user = oncall.get("user")
    if not isinstance(user, dict) or not isinstance(user.get("id"), str):
        raise _unreadable(rota, "an on-call with no user")
    name = _printable(user.get("name") or user.get("summary") or user["id"])
    login = rota.login_for(user["id"], str(user.get("email") or ""))
    person = Person(name=name, login=login, id=user["id"])
    return Shift(level, person, _moment(oncall, "start", rota), _moment(oncall, "end", rota))


def _printable(value: object) -> str:
    """A name from PagerDuty as one line of printable text (shown in terminals and comments)."""
    text = "".join(ch if ch.isprintable() else " " for ch in str(value))
    return " ".join(text.split())[:100] or "(no name)"


def _moment(oncall: dict[str, Any], key: str, rota: PagerDutyRota) -> datetime | None:
    value = oncall.get(key)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise _unreadable(
            rota, f"an on-call {key} that is not a time ({str(value)[:40]!r})"
        ) from None
    if moment.tzinfo is None:
        raise _unreadable(rota, f"an on-call {key} with no UTC offset")
    return moment.astimezone(UTC)


def _unreadable(rota: PagerDutyRota, what: str) -> PagerDutyError:
    return PagerDutyError(f"{_doing(rota)}: PagerDuty answered {what}")


def _doing(rota: PagerDutyRota) -> str:
    return f"reading the on-call rota from PagerDuty (the key in ${rota.token_env})"


class _Client:
    """`GET /oncalls`, page by page, with a 429 waited out a few times."""

    def __init__(self, rota: PagerDutyRota, token: str, timeout: float, sleep: Sleep) -> None:
        self.rota, self.timeout, self.sleep = rota, timeout, sleep
        self._headers = {
            "Authorization": f"Token token={token}",
            "Accept": ACCEPT,
            "Content-Type": "application/json",
            "User-Agent": "dutydesk",
        }

    def pages(self, since: datetime, until: datetime) -> Iterator[list[Any]]:
        offset = 0
        while True:
            if offset + PAGE > MAX_RECORDS:
                raise PagerDutyError(
                    f"{_doing(self.rota)}: more than {MAX_RECORDS} on-calls; PagerDuty lists "
                    "no more than that"
                )
            body = self._get(self._url(since, until, offset))
            oncalls = body.get("oncalls")
            if not isinstance(oncalls, list):
                raise _unreadable(self.rota, "JSON with no `oncalls` list")
            yield oncalls
            if body.get("more") is not True or not oncalls:
                return
            offset += len(oncalls)

    def _url(self, since: datetime, until: datetime, offset: int) -> str:
        rota = self.rota
        schedules = [rota.primary_schedule]
        if rota.secondary_schedule is not None:
            schedules.append(rota.secondary_schedule)
        query = [
            *(("schedule_ids[]", s) for s in schedules),
            ("since", _iso(since)),
            ("until", _iso(until)),
            ("time_zone", "UTC"),
            ("include[]", "users"),
            ("limit", str(PAGE)),
            ("offset", str(offset)),
        ]
        return f"{rota.api_url}/oncalls?{urllib.parse.urlencode(query)}"

    def _get(self, url: str) -> dict[str, Any]:
        for attempt in range(RATE_LIMIT_RETRIES + 1):
            request = urllib.request.Request(url, headers=self._headers, method="GET")
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return self._json(response.read())
            except urllib.error.HTTPError as exc:
                wait = _retry_after(exc.headers)
                if exc.code == 429 and attempt < RATE_LIMIT_RETRIES and wait is not None:
                    self.sleep(wait)
                    continue
                raise self._refused(exc.code, exc) from None
            except (TimeoutError, urllib.error.URLError, http.client.HTTPException, OSError) as exc:
                raise self._unreached(exc) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _json(self, raw: bytes) -> dict[str, Any]:
        try:
            body = json.loads(raw)
        except ValueError:
            raise _unreadable(self.rota, "something that is not JSON") from None
        if not isinstance(body, dict):
            raise _unreadable(self.rota, "JSON that is not an object")
        return body

    def _refused(self, status: int, exc: urllib.error.HTTPError) -> PagerDutyError:
        why = {
            401: f"the key in ${self.rota.token_env} was refused: is it a valid REST API key?",
            403: f"the key in ${self.rota.token_env} may not read on-calls (403)",
            404: "404: is rota.pagerduty.api_url right?",
            429: "it kept answering 429 (rate limited); the next run tries again",
        }.get(status)
        if why is None and status >= 500:
            why = f"it answered {status} (a PagerDuty server error); the next run tries again"
        if why is None:
            why = f"it answered {status}{_error_message(exc)}"
        return PagerDutyError(f"{_doing(self.rota)}: {why}")

    def _unreached(self, exc: BaseException) -> PagerDutyError:
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        if isinstance(reason, TimeoutError):
            why = f"no answer within {self.timeout:g} s; the next run tries again"
        else:
            why = f"PagerDuty could not be reached ({type(reason).__name__})"
        return PagerDutyError(f"{_doing(self.rota)}: {why}")


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _retry_after(headers: Any) -> float | None:
    """Seconds to wait before trying a 429 again: `Retry-After`, else PagerDuty's
    `ratelimit-reset`, else 1; None when that is longer than is worth waiting."""
    value = headers.get("Retry-After") or headers.get("ratelimit-reset") or "1"
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if 0 <= seconds <= MAX_RETRY_AFTER else None


def _error_message(exc: urllib.error.HTTPError) -> str:
    """`: <PagerDuty's error message>`, when its body has one (short, one line)."""
    try:
        body = json.loads(exc.read() or b"{}")
    except (ValueError, OSError):
        return ""
    error = body.get("error") if isinstance(body, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    if not isinstance(message, str):
        return ""
    return ": " + " ".join(message.split())[:200]
