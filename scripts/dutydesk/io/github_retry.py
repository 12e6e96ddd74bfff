"""Which writes PyGithub's transport may repeat: a POST only when GitHub said it did nothing."""

from __future__ import annotations

from typing import Any

from github import GithubRetry

__all__ = ["IDEMPOTENT", "REPEATABLE", "WriteRetry"]

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
