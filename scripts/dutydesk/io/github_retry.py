"""Which writes PyGithub's transport may repeat (a POST only when GitHub said it did nothing),
and how GitHub's failures read in dutydesk's errors (never with the request, whose headers
hold the token)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from github import GithubException, GithubRetry
from requests.exceptions import RequestException

from dutydesk.errors import GitHubError

__all__ = [
    "IDEMPOTENT",
    "REPEATABLE",
    "WriteRetry",
    "message_of",
    "transport_problem",
    "unknown_unless_failure",
]

# Methods safe to repeat after an answer that may have come after the change was made.
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})


# Adding labels or assignees (POST) twice has the effect of adding them once.
REPEATABLE = IDEMPOTENT | {"POST"}


class WriteRetry(GithubRetry):
    """GithubRetry that repeats a POST only when GitHub said it did nothing: a secondary rate
    limit (403 or 429 with Retry-After, answered before anything is done). After a 5xx, a
    timeout or a dropped connection GitHub may have made the comment, and a second POST would
    post it twice: those are not repeated here (see `create_comment`)."""

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if method.upper() not in IDEMPOTENT and status_code not in (403, 429):
            return False
        return bool(super().is_retry(method, status_code, has_retry_after))

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: Any = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> Any:
        unsafe = (method or "").upper() not in IDEMPOTENT
        if error is not None and unsafe and self._is_read_error(error):
            raise error  # sent, and perhaps done: not repeated
        return super().increment(method, url, response, error, _pool, _stacktrace)


def message_of(exc: GithubException) -> str:
    """GitHub's message for an error, or what its answer was when it had none (an HTML page)."""
    data = exc.data
    message = data.get("message") if isinstance(data, Mapping) else data
    return str(message) if message else "(no message: GitHub's error page)"


def transport_problem(exc: RequestException) -> str:
    """What went wrong on the wire, without the request (whose headers hold the token)."""
    reason = exc.args[0] if exc.args else None
    text = str(getattr(reason, "reason", reason) or type(exc).__name__)
    return f"GitHub could not be reached or kept failing ({type(exc).__name__}: {text[:200]})"


def unknown_unless_failure(what: str, exc: GithubException) -> frozenset[str] | None:
    """None (unknown) for a refusal; a server failure is raised instead."""
    if exc.status is not None and exc.status >= 500:
        raise GitHubError(f"{what}: GitHub answered {exc.status}") from None
    return None
