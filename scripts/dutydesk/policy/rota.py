"""`rota: {pagerduty: ...}`: the rota read from PagerDuty instead of listed in the policy.

    rota:
      pagerduty:
        primary_schedule: PABC123        # the schedule whose on-call is primary
        secondary_schedule: PDEF456      # optional: the secondary's schedule
        token_env: PD_API_TOKEN          # the variable holding a read-only REST API key
        users: {alice@example.org: alice-gh, PXYZ789: bob-gh}   # PagerDuty user -> login
        look_ahead: 14 days              # how far ahead `dutydesk validate` checks cover
        api_url: https://api.pagerduty.com

Pure: the key itself is read from the environment only by io/pagerduty.py.
"""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

from dutydesk.people import is_login
from dutydesk.policy.reader import LOOPBACK, NotShown, Reader
from dutydesk.policy.schema import PagerDutyRota
from dutydesk.time.durations import Clock

PAGERDUTY_KEYS = (
    "primary_schedule",
    "secondary_schedule",
    "token_env",
    "api_url",
    "users",
    "look_ahead",
)
PAGERDUTY_API_URL = "https://api.pagerduty.com"
ROTA_SHAPES = (
    "a list of {from: YYYY-MM-DD, primary: login, secondary: login}, or "
    "{pagerduty: {primary_schedule: ID, secondary_schedule: ID, token_env: PD_API_TOKEN}}"
)
_SCHEDULE_ID = re.compile(r"[A-Z0-9]{2,20}")
_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")
#: PagerDuty answers on-calls at most this far ahead.
MAX_LOOK_AHEAD = timedelta(days=90)


def parse_rota_mapping(rota: Reader) -> PagerDutyRota:
    """The mapping form of `rota`: only `pagerduty` is allowed in it."""
    rota.done(("pagerduty",))
    if not isinstance(rota.data.get("pagerduty"), dict):
        raise rota.fail("pagerduty", rota.data.get("pagerduty"), ROTA_SHAPES)
    pd = rota.mapping("pagerduty")
    secondary = pd.get("secondary_schedule", None)
    found = PagerDutyRota(
        primary_schedule=_schedule(pd, "primary_schedule"),
        secondary_schedule=None if secondary is None else _schedule(pd, "secondary_schedule"),
        token_env=_env_name(pd),
        api_url=_api_url(pd),
        users=_users(pd),
        look_ahead=_look_ahead(pd),
    )
    if found.secondary_schedule == found.primary_schedule:
        raise pd.fail(
            "secondary_schedule", secondary, "a schedule other than primary_schedule, or no key"
        )
    pd.done(PAGERDUTY_KEYS)
    return found


def _schedule(pd: Reader, name: str) -> str:
    value = pd.get(name, None)
    if not isinstance(value, str) or not _SCHEDULE_ID.fullmatch(value.strip()):
        raise pd.fail(name, value, "a PagerDuty schedule ID such as PABC123 (from its web address)")
    return value.strip()


def _env_name(pd: Reader) -> str:
    name = pd.get("token_env", "PD_API_TOKEN")
    if not isinstance(name, str) or not _ENV_NAME.fullmatch(name):
        raise pd.fail(
            "token_env",
            NotShown(),
            "the NAME of the environment variable holding the REST API key, such as "
            "PD_API_TOKEN (never the key itself)",
        )
    return name


def _api_url(pd: Reader) -> str:
    url = pd.text("api_url", PAGERDUTY_API_URL).rstrip("/")
    parts = urlsplit(url)
    loopback = parts.scheme == "http" and parts.hostname in LOOPBACK
    if not parts.netloc or (parts.scheme != "https" and not loopback):
        raise pd.fail(
            "api_url", url, f"an https URL such as {PAGERDUTY_API_URL} (http only on 127.0.0.1)"
        )
    return url


def _users(pd: Reader) -> dict[str, str]:
    given = pd.get("users", None) or {}
    if not isinstance(given, dict):
        raise pd.fail("users", given, "a mapping of PagerDuty user (email or ID) -> GitHub login")
    users: dict[str, str] = {}
    for who, login in given.items():
        key = f"users.{who}"
        if not isinstance(who, str) or not who.strip():
            raise pd.fail(key, who, "a PagerDuty user's email or ID")
        if not isinstance(login, str) or not is_login(login.strip().removeprefix("@")):
            raise pd.fail(key, login, "the person's GitHub login, such as alice")
        name = who.strip()
        users[name.lower() if "@" in name else name] = login.strip().removeprefix("@")
    return users


def _look_ahead(pd: Reader) -> timedelta:
    found = pd.duration("look_ahead", "14 days", (Clock.WALL,)).amount
    if not timedelta(hours=1) <= found <= MAX_LOOK_AHEAD:
        raise pd.fail(
            "look_ahead", pd.data.get("look_ahead"), "1 hour to 90 days (PagerDuty's limit)"
        )
    return found
