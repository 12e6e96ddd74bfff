"""Reads that do not wait for PyGithub: the plain answers, straight off `requests`.

PyGithub and what it brings (cryptography, PyNaCl, PyJWT, a hundred modules of its own) take
about a third of a second to import, longer than a steady sweep spends on all its own work
between two pages. Most reads are answered 200 at the first try, and for those PyGithub adds
nothing but the import: so each read is first sent here, on a `requests` session, to the very
URL PyGithub would use (``scheme://host:port/path``, with its ``token`` header), and an answer
of 200 with JSON is taken as it is, GraphQL errors and all (PyGithub hands those back too).

Anything else (another status, a page that is not JSON, a timeout, a dropped connection)
is not handled here at all: `Missed` is raised, and from then on every read of the run goes
through PyGithub's transport, whose retries, waits for rate limits and error messages stay
what they were. So a fault costs at most one request more a run, and is seen and reported
exactly as before; a steady sweep (no writes, no faults) never imports PyGithub. A miss is
never silent about being a miss: the caller repeats the request on the full transport.

Requests made here are only reads: GraphQL queries (which GitHub answers without changing
anything) and REST GETs. Writes always go through PyGithub.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests

__all__ = ["Missed", "QuickReads", "origin_of"]

USER_AGENT = "PyGithub/Python"  # as PyGithub's own reads, so that GitHub sees one client


class Missed(Exception):
    """The quick read did not get a plain answer: repeat it on PyGithub's transport."""


def origin_of(base_url: str) -> tuple[str, str]:
    """(``scheme://host:port``, path prefix) as PyGithub's requester sends them: the port is
    always written (443 for https), and the path of the base URL prefixes every REST path."""
    parts = urlsplit(base_url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme}://{parts.hostname}:{port}", parts.path.rstrip("/")


def graphql_path(prefix: str) -> str:
    """GitHub's GraphQL endpoint beside a REST base path, as PyGithub derives it:
    ``/api/v3`` (GitHub Enterprise Server) gives ``/api/graphql``; none gives ``/graphql``."""
    return prefix.removesuffix("/v3") + "/graphql"


class QuickReads:
    """200 answers to reads, or `Missed` (and, once missed, always `Missed`)."""

    def __init__(self, base_url: str, token: str, timeout: float) -> None:
        self.origin, self.prefix = origin_of(base_url)
        self.timeout = timeout
        self.missed = False
        self._headers = {"Authorization": f"token {token}", "User-Agent": USER_AGENT}
        self._local = threading.local()  # a session a thread: the listing has its own

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            session.headers.update(self._headers)
        return session

    def _send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        if self.missed:
            raise Missed(path)
        try:
            response = self._session().request(
                method, self.origin + path, timeout=self.timeout, allow_redirects=False, **kwargs
            )
        except requests.RequestException:
            self.missed = True
            raise Missed(path) from None
        if response.status_code != 200:
            self.missed = True
            raise Missed(path)
        return response

    def _json(self, response: requests.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            self.missed = True
            raise Missed(response.url) from None

    def graphql(self, query: str, variables: Mapping[str, Any]) -> dict[str, Any]:
        """GitHub's answer to a query (a dict, perhaps with `errors`)."""
        path = graphql_path(self.prefix)
        answer = self._json(self._send("POST", path, json={"query": query, "variables": variables}))
        if not isinstance(answer, dict):
            self.missed = True
            raise Missed(path)
        return answer

    def get(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        """The JSON of GET `path` (under the base URL's prefix)."""
        return self._json(self._send("GET", self.prefix + path, params=params))

    def get_list(self, path: str, params: Mapping[str, str]) -> list[Any]:
        """Every item of a paginated REST listing, following GitHub's `Link: rel="next"`
        (whose URL is read, as PyGithub reads it, for its path and query only)."""
        response = self._send("GET", self.prefix + path, params=params)
        items: list[Any] = []
        while True:
            page = self._json(response)
            if not isinstance(page, list):
                self.missed = True
                raise Missed(path)
            items += page
            following = response.links.get("next", {}).get("url")
            if not following:
                return items
            parts = urlsplit(following)
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            response = self._send("GET", target)
