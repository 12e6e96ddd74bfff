"""The quick reads (dutydesk/io/github_quick.py): a plain 200 is taken as it is; anything
else is a miss, after which every read of the run goes through PyGithub's transport, which
repeats the request and reports what it meets exactly as before."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
import responses

from dutydesk.errors import GitHubError
from dutydesk.io.github import connect
from dutydesk.io.github_quick import Missed, QuickReads, graphql_path, origin_of
from dutydesk.registry import HANDLED, handlers

API = "https://api.github.com"
HOST = "https://api.github.com:443"  # PyGithub writes the port; the quick reads do too
GRAPHQL = f"{HOST}/graphql"


@pytest.fixture
def github() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.mark.parametrize(
    ("base", "origin", "prefix", "graphql"),
    [
        ("https://api.github.com", "https://api.github.com:443", "", "/graphql"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080", "", "/graphql"),
        ("https://ghe.example/api/v3", "https://ghe.example:443", "/api/v3", "/api/graphql"),
    ],
)
def test_requests_go_where_pygithub_sends_them(
    base: str, origin: str, prefix: str, graphql: str
) -> None:
    assert origin_of(base) == (origin, prefix)
    assert graphql_path(prefix) == graphql


def test_a_graphql_answer_of_200_is_taken_with_its_errors(github: responses.RequestsMock) -> None:
    answer = {"data": None, "errors": [{"type": "NOT_FOUND", "message": "no such issue"}]}
    github.post(GRAPHQL, json=answer)
    quick = QuickReads(API, "t0ken", 15)
    assert quick.graphql("query { x }", {"a": 1}) == answer
    sent = github.calls[0].request
    assert sent.headers["Authorization"] == "token t0ken"
    assert sent.headers["User-Agent"]
    assert not quick.missed


@pytest.mark.parametrize(
    "reply",
    [
        {"status": 502, "body": "<html>Bad gateway</html>"},
        {"status": 403, "json": {"message": "You have exceeded a secondary rate limit."}},
        {"status": 200, "body": "not json"},
        {"status": 200, "json": ["not", "an", "object"]},
        {"body": requests.ConnectionError("reset")},
        {"body": requests.Timeout("slow")},
    ],
)
def test_anything_but_a_plain_answer_is_a_miss_and_every_later_read_misses_too(
    github: responses.RequestsMock, reply: dict[str, object]
) -> None:
    github.post(GRAPHQL, **reply)  # type: ignore[arg-type]
    quick = QuickReads(API, "t0ken", 15)
    with pytest.raises(Missed):
        quick.graphql("query { x }", {})
    assert quick.missed
    with pytest.raises(Missed):
        quick.get("/repos/o/r/actions/workflows/w.yml")
    assert len(github.calls) == 1  # the later read was not even sent


def test_a_listing_follows_githubs_next_links(github: responses.RequestsMock) -> None:
    first = f"{HOST}/repos/o/r/collaborators"
    github.get(
        first,
        json=[{"login": "Alice"}],
        headers={"Link": f'<{API}/repositories/1/collaborators?page=2>; rel="next"'},
    )
    github.get(f"{HOST}/repositories/1/collaborators", json=[{"login": "bob"}])
    quick = QuickReads(API, "t0ken", 15)
    found = quick.get_list("/repos/o/r/collaborators", {"permission": "push", "per_page": "100"})
    assert found == [{"login": "Alice"}, {"login": "bob"}]
    assert "permission=push" in github.calls[0].request.url
    assert github.calls[1].request.url.endswith("/repositories/1/collaborators?page=2")


def test_a_missed_read_is_repeated_by_pygithub_and_reported_as_before(
    github: responses.RequestsMock,
) -> None:
    """A refusal of the writers' listing: the quick read misses, PyGithub's transport asks
    again and reads it as a refusal (unknown writers), as it always did."""
    github.get(f"{HOST}/repos/octo-org/ops/collaborators", status=403, json={"message": "no"})
    github.get(f"{HOST}/orgs/octo-org/teams/ops/members", json=[{"login": "Dana"}])
    repo = connect("t0ken", "octo-org/ops", API)
    access = repo.access(["octo-org/ops"])
    assert access.writers is None
    assert access.teams == {"octo-org/ops": frozenset({"dana"})}
    sent = [(c.request.method, c.request.url.split("?")[0]) for c in github.calls]
    assert sent == [
        ("GET", f"{HOST}/repos/octo-org/ops/collaborators"),  # quick: a miss
        ("GET", f"{HOST}/repos/octo-org/ops/collaborators"),  # PyGithub: a refusal
        ("GET", f"{HOST}/orgs/octo-org/teams/ops/members"),  # PyGithub from then on
    ]


def test_a_server_failure_that_outlasts_pygithubs_retries_still_stops_the_run(
    github: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    import urllib3

    monkeypatch.setattr(urllib3.Retry, "sleep", lambda self, response=None: None)
    github.post(GRAPHQL, status=502, body="<html>Bad gateway</html>")
    repo = connect("t0ken", "octo-org/ops", API)
    with pytest.raises(GitHubError) as caught:
        repo.get_issue(7)
    assert "502" in str(caught.value) and "t0ken" not in str(caught.value)
    assert len(github.calls) == 1 + 6  # the quick try, then PyGithub's first try and 5 retries


def test_the_forms_the_sweep_lists_are_the_handlers_forms() -> None:
    assert tuple(handlers()) == HANDLED


def test_an_account_without_a_login_in_a_quick_listing_is_left_out(
    github: responses.RequestsMock,
) -> None:
    github.get(
        f"{HOST}/repos/octo-org/ops/collaborators",
        json=[{"login": "Alice"}, {"id": 7}, "not an account", {"login": None}],
    )
    repo = connect("t0ken", "octo-org/ops", API)
    assert repo.access([]).writers == frozenset({"alice"})
