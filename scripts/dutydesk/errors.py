"""One error hierarchy; the CLI maps it to exit codes."""

from __future__ import annotations

from datetime import date, datetime


class DutydeskError(Exception):
    """Base for every error dutydesk raises on purpose. Exit code 2 unless a subclass says."""

    exit_code = 2
    stops_the_run = False  # True: a sweep stops at once instead of going on to the next item


def _as_written(value: object) -> str:
    """A value as policy.yaml writes it: a YAML date or time as `2026-11-23`, not Python's
    `datetime.date(2026, 11, 23)`; anything else quoted as Python shows it."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    return repr(value)


class PolicyError(DutydeskError):
    """policy.yaml is missing, unreadable or breaks a rule; names the file and key."""

    def __init__(self, source: str, key: str, found: object, allowed: str) -> None:
        self.source = source
        self.key = key
        self.found = found
        self.allowed = allowed
        super().__init__(f"{source}: {key}: found {_as_written(found)}; {allowed}")

    @classmethod
    def at_file(cls, source: str, problem: str) -> PolicyError:
        """The file as a whole is the problem (unreadable, not YAML)."""
        error = cls(source, "(file)", None, problem)
        error.args = (f"{source}: {problem}",)
        return error

    def __str__(self) -> str:
        return str(self.args[0])


class ScenarioError(DutydeskError):
    """A simulation scenario is malformed; names the step and the problem."""


class EventError(DutydeskError):
    """A GitHub event payload cannot be read."""


class GitHubError(DutydeskError):
    """GitHub answered with an error, or could not be reached."""

    exit_code = 1


class ConfigurationError(DutydeskError):
    """The environment is missing something dutydesk needs (a token, a repository name)."""


class BotIdentityError(ConfigurationError):
    """The bot's comments are written by a login other than the policy's `bot`: dutydesk would
    not recognise its own comments and would post them again on every run (and, with a GitHub
    App token, start a new run with each). Stops the run before anything else is posted."""

    stops_the_run = True

    def __init__(self, wrote_as: str, bot: str) -> None:
        super().__init__(
            f"the bot's comments are written by {wrote_as!r}, but policy.yaml's `bot:` is "
            f"{bot!r}: set `bot: {wrote_as}` in policy.yaml (a GitHub App's token writes as "
            "<app-slug>[bot]); nothing more was posted"
        )
