"""The bot's identity is checked, not assumed: a GitHub App's token writes as `<app-slug>[bot]`
(not `github-actions[bot]`), and a bot that does not recognise its own comments posts them again
on every run; App-token writes start new workflow runs, so it would never stop. The first
comment GitHub records under another login stops the run, naming both logins and the key."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import responses

from dutydesk.engine import Decision
from dutydesk.errors import BotIdentityError, GitHubError
from dutydesk.forms import load_templates
from dutydesk.io.github import connect
from dutydesk.io.memory import MemoryRepository
from dutydesk.jobs import Job, sweep
from dutydesk.policy import load_policy
from dutydesk.registry import handlers

ROOT = Path(__file__).resolve().parent.parent
FORMS = load_templates(ROOT / ".github" / "ISSUE_TEMPLATE")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
API = "https://api.github.com"
REPO = "https://api.github.com:443/repos/octo-org/ops"
P1 = "### Priority\n\nP1 Critical – Complete outage or ongoing unauthorised access\n\n### Service\n\nPayments"


def _repo(writes_as: str) -> MemoryRepository:
    repo = MemoryRepository(writers=["alice"], now=NOW, writes_as=writes_as)
    repo.open_issue("alice", "Payments down", P1, labels=["incident"])
    repo.open_issue("alice", "Search slow", P1, labels=["incident"])
    return repo


def _job(repo: MemoryRepository) -> Job:
    policy = load_policy(ROOT / "policy.yaml")
    return Job(repo, policy, FORMS, handlers())


def test_a_comment_written_as_another_login_stops_the_run_before_anything_else() -> None:
    repo = _repo("dutydesk-ops[bot]")
    with pytest.raises(BotIdentityError) as raised:
        list(sweep([1, 2], lambda n: _job(repo).check(n, NOW), isolated=True))
    message = str(raised.value)
    assert "'dutydesk-ops[bot]'" in message and "'github-actions[bot]'" in message
    assert "set `bot: dutydesk-ops[bot]`" in message
    assert [len(repo.get_issue(n).comments) for n in (1, 2)] == [1, 0]


def test_the_policys_own_bot_posts_on() -> None:
    repo = _repo("github-actions[bot]")
    turns = list(sweep([1, 2], lambda n: _job(repo).check(n, NOW), isolated=True))
    assert all(t.failure is None for t in turns)
    assert all(repo.get_issue(n).comments for n in (1, 2))
    again = [_job(repo).check(n, NOW) for n in (1, 2)]
    assert all(d.actions == () for d in again)


def test_an_ordinary_failure_of_one_item_does_not_stop_the_sweep() -> None:
    def check(number: int) -> Decision:
        if number == 1:
            raise GitHubError("commenting on #1: GitHub answered 422")
        return Decision()

    turns = list(sweep([1, 2], check, isolated=True))
    assert [t.failure is not None for t in turns] == [True, False]


@pytest.fixture
def github() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock() as mock:
        yield mock


@pytest.mark.parametrize("login", ["github-actions[bot]", "dutydesk-ops[bot]"])
def test_the_adapter_returns_the_author_github_recorded(
    github: responses.RequestsMock, login: str
) -> None:
    fixtures = ROOT / "tests" / "fixtures" / "github"
    made = copy.deepcopy(json.loads((fixtures / "comments.json").read_text())[1])
    made["user"]["login"] = login
    github.post(f"{REPO}/issues/1/comments", json=made, status=201)
    repo = connect("t0ken", "octo-org/ops", API)
    assert repo.create_comment(1, "<!-- dutydesk:k -->\nhello") == login
