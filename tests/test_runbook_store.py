"""The GitHub runbook store against mocked GitHub REST responses: what it reads and what it sends.

Payloads are GitHub's own examples (tests/fixtures/runbooks/github), renamed to our repository.
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import responses
from github import Auth, Github
from responses import matchers

from dutydesk.errors import GitHubError
from dutydesk.io.apply import apply_plan
from dutydesk.io.github import GitHubRepository
from dutydesk.io.runbook_store import (
    GitHubRunbookStore,
    load_runbooks,
    page_files,
    read_codeowners,
    text_to_commit,
    validate_folder,
)
from dutydesk.policy import parse_policy
from dutydesk.rules.runbooks import (
    BRANCH_PREFIX,
    PullState,
    Reason,
    parse_runbook,
    plan_renewals,
    renewed_text,
    review_verdicts,
)

FIXTURES = Path(__file__).parent / "fixtures" / "runbooks" / "github"
HOST = "https://api.github.com:443"  # PyGithub writes the port into request URLs
REPO = f"{HOST}/repos/example-org/ops"
TODAY = date(2026, 11, 25)
BRANCH = "dutydesk/runbook-review/runbooks-payments-api"
BASE_SHA = "7638417db6d59f3c431d3e1f261cc637155684cd"
BLOB_SHA = "3d21ec53a331a6f037a91c368710b99387d012c1"
TEXT = (
    "---\ncategory: runbooks\nexpires: 2026-11-02  # renewed by review\n"
    "owner: [alice-oncall, example-org/payments-team]\n---\n# Payments API Runbook\n"
)


def _renamed(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _renamed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_renamed(v) for v in value]
    if isinstance(value, str):
        return value.replace("octocat/Hello-World", "example-org/ops").replace(
            "octocat/hello-world", "example-org/ops"
        )
    return value


def fixture(name: str) -> Any:
    return _renamed(json.loads((FIXTURES / name).read_text(encoding="utf-8")))


def pull_payload(
    number: int,
    ref: str,
    state: str = "open",
    merged_at: str | None = None,
    closed_at: str | None = None,
    fork: bool = False,
) -> dict[str, Any]:
    pull = copy.deepcopy(fixture("pulls-list.json")[0])
    pull.update(number=number, state=state, merged_at=merged_at, closed_at=closed_at)
    pull["url"] = f"https://api.github.com/repos/example-org/ops/pulls/{number}"
    pull["html_url"] = f"https://github.com/example-org/ops/pull/{number}"
    pull["head"]["ref"] = ref
    pull["base"]["ref"] = "main"
    if fork:
        pull["head"]["repo"]["full_name"] = "someone/ops-fork"
    return pull


def created_pull(number: int = 42) -> dict[str, Any]:
    pull = fixture("pull-create.json")
    pull.update(number=number)
    pull["url"] = f"https://api.github.com/repos/example-org/ops/pulls/{number}"
    pull["html_url"] = f"https://github.com/example-org/ops/pull/{number}"
    pull["issue_url"] = f"https://api.github.com/repos/example-org/ops/issues/{number}"
    pull["head"]["ref"] = BRANCH
    pull["base"]["ref"] = "main"
    pull["base"]["repo"]["owner"]["login"] = "example-org"
    return pull


def content_payload(text: str) -> dict[str, Any]:
    payload = fixture("content-file.json")
    payload.update(
        name="payments-api.md",
        path="runbooks/payments-api.md",
        sha=BLOB_SHA,
        size=len(text.encode()),
        content=base64.encodebytes(text.encode()).decode(),
    )
    return payload


@pytest.fixture
def github() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def store() -> GitHubRunbookStore:
    client = Github(
        auth=Auth.Token("t0ken"),
        seconds_between_requests=0,
        seconds_between_writes=0,
        retry=None,
        lazy=True,
    )
    return GitHubRunbookStore(client.get_repo("example-org/ops"))


def sent(mock: responses.RequestsMock) -> list[tuple[str, str]]:
    return [(c.request.method or "", c.request.url or "") for c in mock.calls]


def body(mock: responses.RequestsMock, index: int) -> Any:
    raw = mock.calls[index].request.body
    return json.loads(raw) if raw else None


def mock_opening(mock: responses.RequestsMock, remote: str, ref_exists: bool = False) -> None:
    mock.get(
        f"{REPO}/contents/runbooks/payments-api.md",
        json=content_payload(remote),
        match=[matchers.query_param_matcher({"ref": BASE_SHA})],
    )
    if ref_exists:
        mock.post(
            f"{REPO}/git/refs",
            status=422,
            json={
                "message": "Reference already exists",
                "documentation_url": "https://docs.github.com/rest/git/refs#create-a-reference",
                "status": "422",
            },
        )
        mock.patch(f"{REPO}/git/refs/heads/{BRANCH}", json=fixture("git-ref.json"))
    else:
        mock.post(f"{REPO}/git/refs", json=fixture("git-ref.json"), status=201)
    mock.put(f"{REPO}/contents/runbooks/payments-api.md", json=fixture("file-commit.json"))
    mock.post(f"{REPO}/pulls", json=created_pull(), status=201)


def open_one(store: GitHubRunbookStore, old: str = TEXT, new: str | None = None) -> Any:
    return store.open_pull_request(
        branch=BRANCH,
        base="main",
        base_sha=BASE_SHA,
        path="runbooks/payments-api.md",
        old_text=old,
        new_text=new if new is not None else old.replace("2026-11-02", "2027-05-25"),
        message="Review runbook runbooks/payments-api.md: expires 2027-05-25",
        title="Review runbook: Payments API (review was due 2026-11-02)",
        body="Read it end to end.\n",
        reviewers=("alice-oncall", "example-org/payments-team"),
        labels=("runbook-review",),
    )


# -- opening a pull request --------------------------------------------------------------


def test_a_review_pull_request_takes_six_requests_and_sends_one_file(
    github: responses.RequestsMock, store: GitHubRunbookStore
) -> None:
    mock_opening(github, TEXT)
    github.post(
        f"{REPO}/pulls/42/requested_reviewers", json=fixture("requested-reviewers.json"), status=201
    )
    github.post(f"{REPO}/issues/42/labels", json=fixture("labels.json"))

    opened = open_one(store)

    assert (opened.number, opened.url, opened.warnings) == (
        42,
        "https://github.com/example-org/ops/pull/42",
        (),
    )
    assert sent(github) == [
        ("GET", f"{REPO}/contents/runbooks/payments-api.md?ref={BASE_SHA}"),
        ("POST", f"{REPO}/git/refs"),
        ("PUT", f"{REPO}/contents/runbooks/payments-api.md"),
        ("POST", f"{REPO}/pulls"),
        ("POST", f"{REPO}/pulls/42/requested_reviewers"),
        ("POST", f"{REPO}/issues/42/labels"),
    ]
    assert body(github, 1) == {"ref": f"refs/heads/{BRANCH}", "sha": BASE_SHA}
    put = body(github, 2)
    assert put == {
        "message": "Review runbook runbooks/payments-api.md: expires 2027-05-25",
        "content": put["content"],
        "sha": BLOB_SHA,
        "branch": BRANCH,
    }
    assert base64.b64decode(put["content"]).decode() == TEXT.replace("2026-11-02", "2027-05-25")
    assert body(github, 3) == {
        "base": "main",
        "head": BRANCH,
        "title": "Review runbook: Payments API (review was due 2026-11-02)",
        "body": "Read it end to end.\n",
    }
    assert body(github, 4) == {"reviewers": ["alice-oncall"], "team_reviewers": ["payments-team"]}
    assert body(github, 5) == {"labels": ["runbook-review"]}
    assert all(c.request.headers["Authorization"] == "token t0ken" for c in github.calls)


def test_a_branch_left_from_a_closed_review_is_reset_to_the_default_branch_head(
    github: responses.RequestsMock, store: GitHubRunbookStore
) -> None:
    mock_opening(github, TEXT, ref_exists=True)
    github.post(f"{REPO}/pulls/42/requested_reviewers", json=fixture("requested-reviewers.json"))
    github.post(f"{REPO}/issues/42/labels", json=fixture("labels.json"))

    open_one(store)

    assert len(github.calls) == 7
    assert sent(github)[2] == ("PATCH", f"{REPO}/git/refs/heads/{BRANCH}")
    assert body(github, 2) == {"sha": BASE_SHA, "force": True}


def test_a_crlf_runbook_is_committed_with_its_crlf_bytes(
    github: responses.RequestsMock, store: GitHubRunbookStore
) -> None:
    crlf = TEXT.replace("\n", "\r\n")
    mock_opening(github, crlf)
    github.post(f"{REPO}/pulls/42/requested_reviewers", json=fixture("requested-reviewers.json"))
    github.post(f"{REPO}/issues/42/labels", json=fixture("labels.json"))

    open_one(store, old=crlf)

    committed = base64.b64decode(body(github, 2)["content"])
    assert committed == crlf.replace("2026-11-02", "2027-05-25").encode()


def test_a_checkout_that_turned_lf_into_crlf_commits_the_repository_s_lf(
    github: responses.RequestsMock, store: GitHubRunbookStore
) -> None:
    mock_opening(github, TEXT)  # the repository has LF
    github.post(f"{REPO}/pulls/42/requested_reviewers", json=fixture("requested-reviewers.json"))
    github.post(f"{REPO}/issues/42/labels", json=fixture("labels.json"))

    open_one(store, old=TEXT.replace("\n", "\r\n"))

    committed = base64.b64decode(body(github, 2)["content"])
    assert committed == TEXT.replace("2026-11-02", "2027-05-25").encode()


def test_a_file_that_changed_since_the_checkout_is_not_overwritten(
    github: responses.RequestsMock, store: GitHubRunbookStore
) -> None:
    github.get(
        f"{REPO}/contents/runbooks/payments-api.md", json=content_payload(TEXT + "New line.\n")
    )
    with pytest.raises(GitHubError, match="differs from the file read here"):
        open_one(store)
    assert [method for method, _ in sent(github)] == ["GET"]  # nothing written


def test_a_review_request_github_refuses_is_a_warning_and_the_label_still_goes_on(
    github: responses.RequestsMock, store: GitHubRunbookStore
) -> None:
    mock_opening(github, TEXT)
    github.post(
        f"{REPO}/pulls/42/requested_reviewers",
        status=422,
        json={
            "message": "Reviews may only be requested from collaborators. One or more of the "
            "users or teams you specified is not a collaborator of the example-org/ops "
            "repository.",
            "documentation_url": "https://docs.github.com/rest/pulls/review-requests",
            "status": "422",
        },
    )
    github.post(f"{REPO}/issues/42/labels", json=fixture("labels.json"))

    opened = open_one(store)

    assert opened.number == 42
    [warning] = opened.warnings
    assert warning.startswith("could not request reviews from alice-oncall, example-org/payments")
    assert "422: Reviews may only be requested from collaborators" in warning


def test_a_team_of_another_organisation_is_not_requested(
    github: responses.RequestsMock, store: GitHubRunbookStore
) -> None:
    mock_opening(github, TEXT)
    github.post(f"{REPO}/issues/42/labels", json=fixture("labels.json"))

    opened = store.open_pull_request(
        branch=BRANCH,
        base="main",
        base_sha=BASE_SHA,
        path="runbooks/payments-api.md",
        old_text=TEXT,
        new_text=TEXT,
        message="m",
        title="t",
        body="b",
        reviewers=("other-org/sre",),
        labels=("runbook-review",),
    )
    assert opened.warnings == (
        "teams outside this repository's organisation cannot review: other-org/sre",
    )
    assert "requested_reviewers" not in " ".join(url for _, url in sent(github))


def test_a_refused_pull_request_is_an_error_that_says_what_github_said(
    github: responses.RequestsMock, store: GitHubRunbookStore
) -> None:
    github.get(f"{REPO}/contents/runbooks/payments-api.md", json=content_payload(TEXT))
    github.post(f"{REPO}/git/refs", json=fixture("git-ref.json"), status=201)
    github.put(f"{REPO}/contents/runbooks/payments-api.md", json=fixture("file-commit.json"))
    github.post(
        f"{REPO}/pulls",
        status=403,
        json={
            "message": "GitHub Actions is not permitted to create or approve pull requests.",
            "documentation_url": "https://docs.github.com/rest/pulls/pulls#create-a-pull-request",
            "status": "403",
        },
    )
    with pytest.raises(GitHubError) as caught:
        open_one(store)
    assert str(caught.value) == (
        "opening the pull request for runbooks/payments-api.md: GitHub answered 403: "
        "GitHub Actions is not permitted to create or approve pull requests."
    )


# -- reading -----------------------------------------------------------------------------


def test_the_default_branch_head_takes_two_reads(
    github: responses.RequestsMock, store: GitHubRunbookStore
) -> None:
    repository = fixture("repository.json")
    repository["default_branch"] = "main"
    branch = fixture("branch.json")
    branch["name"] = "main"
    branch["commit"]["sha"] = BASE_SHA
    github.get(REPO, json=repository)
    github.get(f"{REPO}/branches/main", json=branch)
    assert store.default_branch_head() == ("main", BASE_SHA)
    assert sent(github) == [("GET", REPO), ("GET", f"{REPO}/branches/main")]


def test_pull_requests_are_listed_once_100_a_page_and_only_ours_count(
    github: responses.RequestsMock, store: GitHubRunbookStore
) -> None:
    first = [
        pull_payload(9, BRANCH, "closed", None, "2026-11-01T10:00:00Z"),
        pull_payload(8, "feature/new-dashboard"),
        pull_payload(7, f"{BRANCH}-old", "closed", "2026-05-01T10:00:00Z", "2026-05-01T10:00:00Z"),
    ]
    second = [
        pull_payload(5, BRANCH, "closed", None, "2026-05-01T10:00:00Z"),
        pull_payload(4, BRANCH_PREFIX + "runbooks-notifications", fork=True),
    ]
    page2 = (  # GitHub writes no port in Link headers
        "https://api.github.com/repos/example-org/ops/pulls"
        "?state=all&sort=created&direction=desc&per_page=100&page=2"
    )
    github.get(
        f"{REPO}/pulls",
        json=first,
        headers={"Link": f'<{page2}>; rel="next", <{page2}>; rel="last"'},
        match=[
            matchers.query_param_matcher(
                {"state": "all", "sort": "created", "direction": "desc", "per_page": "100"}
            )
        ],
    )
    github.get(
        f"{REPO}/pulls",
        json=second,
        match=[
            matchers.query_param_matcher(
                {
                    "state": "all",
                    "sort": "created",
                    "direction": "desc",
                    "per_page": "100",
                    "page": "2",
                }
            )
        ],
    )

    prs = store.pulls_for_prefix(BRANCH_PREFIX)

    assert set(prs) == {BRANCH, f"{BRANCH}-old"}  # not another branch, not a fork's
    assert prs[BRANCH].number == 9  # the last one closed decides
    assert prs[BRANCH].state is PullState.CLOSED and not prs[BRANCH].merged
    assert prs[BRANCH].closed_at == datetime(2026, 11, 1, 10, tzinfo=UTC)
    assert prs[f"{BRANCH}-old"].merged
    assert len(github.calls) == 2


def test_commits_since_the_last_review_are_read_for_the_file(
    github: responses.RequestsMock, store: GitHubRunbookStore
) -> None:
    commits = fixture("commits-list.json")
    commits[0]["commit"]["message"] = "Update the on-call number\n\nAlice moved teams."
    commits[0]["commit"]["author"]["date"] = "2026-09-03T10:00:00Z"
    github.get(
        f"{REPO}/commits",
        json=commits,
        match=[
            matchers.query_param_matcher(
                {
                    "path": "runbooks/payments-api.md",
                    "since": "2026-05-02T00:00:00Z",
                    "per_page": "100",
                }
            )
        ],
    )
    [commit] = store.commits_touching("runbooks/payments-api.md", date(2026, 5, 2))
    assert commit.sha == "6dcb09b5b57875f334f61aebed695e2e4193db5e"
    assert commit.author == "octocat"
    assert commit.subject == "Update the on-call number"
    assert commit.date == datetime(2026, 9, 3, 10, tzinfo=UTC)


# -- idempotency against GitHub's answers ------------------------------------------------

PULLS_QUERY = {"state": "all", "sort": "created", "direction": "desc", "per_page": "100"}


@pytest.mark.parametrize(
    ("pulls", "planned", "reason"),
    [
        pytest.param([], 1, Reason.PLANNED, id="none-yet-opens-one"),
        pytest.param([pull_payload(12, BRANCH)], 0, Reason.OPEN, id="an-open-one-means-none"),
        pytest.param(
            [pull_payload(12, BRANCH, "closed", None, "2026-11-15T16:00:00Z")],
            0,
            Reason.CLOSED_RECENTLY,
            id="closed-unmerged-10-days-ago-means-none",
        ),
        pytest.param(
            [pull_payload(12, BRANCH, "closed", None, "2026-10-20T16:00:00Z")],
            1,
            Reason.PLANNED,
            id="closed-unmerged-36-days-ago-opens-a-new-one",
        ),
        pytest.param(
            [
                pull_payload(14, BRANCH),
                pull_payload(12, BRANCH, "closed", None, "2026-10-20T16:00:00Z"),
            ],
            0,
            Reason.OPEN,
            id="an-open-one-beside-an-old-closed-one-means-none",
        ),
    ],
)
def test_what_github_lists_decides_whether_a_pull_request_is_opened(
    github: responses.RequestsMock,
    store: GitHubRunbookStore,
    pulls: list[dict[str, Any]],
    planned: int,
    reason: Reason,
) -> None:
    github.get(f"{REPO}/pulls", json=pulls, match=[matchers.query_param_matcher(PULLS_QUERY)])
    runbook = parse_runbook("runbooks/payments-api.md", TEXT)
    prs = store.pulls_for_prefix(BRANCH_PREFIX)
    policy = parse_policy({})
    assert len(plan_renewals([runbook], prs, TODAY, policy, {})) == planned
    assert [v.reason for v in review_verdicts([runbook], prs, TODAY, policy)] == [reason]


def test_a_whole_run_counts_its_requests(
    github: responses.RequestsMock, store: GitHubRunbookStore
) -> None:
    """Per run: 2 reads of the default branch and 1 list of pull requests; per pull request:
    1 list of commits and 6 requests to open it."""
    policy = parse_policy({})
    runbook = parse_runbook("runbooks/payments-api.md", TEXT)
    repository = fixture("repository.json")
    repository["default_branch"] = "main"
    branch = fixture("branch.json")
    branch["commit"]["sha"] = BASE_SHA
    github.get(f"{REPO}/pulls", json=[], match=[matchers.query_param_matcher(PULLS_QUERY)])
    github.get(f"{REPO}/commits", json=fixture("commits-list.json"))
    github.get(REPO, json=repository)
    github.get(f"{REPO}/branches/main", json=branch)
    mock_opening(github, TEXT)
    github.post(f"{REPO}/pulls/42/requested_reviewers", json=fixture("requested-reviewers.json"))
    github.post(f"{REPO}/issues/42/labels", json=fixture("labels.json"))

    prs = store.pulls_for_prefix(BRANCH_PREFIX)
    commits = {runbook.path: store.commits_touching(runbook.path, date(2026, 5, 2))}
    actions = plan_renewals([runbook], prs, TODAY, policy, commits)
    [outcome] = apply_plan(None, actions, dry_run=False, store=store)

    assert outcome.opened is not None and outcome.opened.number == 42
    assert len(github.calls) == 1 + 1 + 2 + 6
    pr_body = body(github, 7)["body"]
    assert "- 6dcb09b 2011-04-14 Fix all the bugs (octocat)" in pr_body
    put = body(github, 6)
    assert base64.b64decode(put["content"]).decode() == renewed_text(runbook, TODAY, policy)


def test_the_store_shares_the_adapter_s_client() -> None:
    client = Github(auth=Auth.Token("t0ken"), lazy=True)
    adapter = GitHubRepository(client, "example-org/ops")
    assert GitHubRunbookStore.from_adapter(adapter).repo is adapter.repo


@pytest.mark.parametrize(
    ("remote", "old", "new", "committed"),
    [
        pytest.param("a\nb\n", "a\nb\n", "a\nc\n", "a\nc\n", id="same-text"),
        pytest.param("a\r\nb\r\n", "a\r\nb\r\n", "a\r\nc\r\n", "a\r\nc\r\n", id="crlf-both"),
        pytest.param("a\nb\n", "a\r\nb\r\n", "a\r\nc\r\n", "a\nc\n", id="crlf-checkout-of-lf"),
    ],
)
def test_the_text_committed_matches_the_repository_s_line_endings(
    remote: str, old: str, new: str, committed: str
) -> None:
    assert text_to_commit("x.md", remote, old, new) == committed


# -- the pages on disk -------------------------------------------------------------------


def test_codeowners_is_read_from_the_first_place_github_looks(tmp_path: Path) -> None:
    assert read_codeowners(tmp_path) is None
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "CODEOWNERS").write_text("* @from-docs\n")
    (tmp_path / "CODEOWNERS").write_text("* @from-the-root\n")
    first = read_codeowners(tmp_path)
    assert first is not None and first.source == "CODEOWNERS"
    assert first.owners_for("a.md") == ("from-the-root",)
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "CODEOWNERS").write_bytes(b"* @caf\xe9\n")  # not UTF-8
    unreadable = read_codeowners(tmp_path)
    assert unreadable is not None and unreadable.source == ".github/CODEOWNERS"
    assert unreadable.owners_for("a.md") is None  # GitHub cannot read it either


def test_every_tech_docs_extension_is_read_in_nested_folders(tmp_path: Path) -> None:
    names = [
        "a.md",
        "b.html.md",
        "c/d.html.md.erb",
        "c/e/f.md.erb",
        "g.markdown",
        "README.md",
        "c/TEMPLATE.html.md.erb",
        "notes.txt",
        "h.html.erb",
    ]
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("# page\n")
    found = [f.relative_to(tmp_path).as_posix() for f in page_files(tmp_path)]
    assert found == ["a.md", "b.html.md", "c/d.html.md.erb", "c/e/f.md.erb", "g.markdown"]
    assert [f.name for f in page_files(tmp_path, ["c/**/*.erb", "*.md", "a.md"])] == [
        "a.md",
        "b.html.md",
        "d.html.md.erb",
        "f.md.erb",
    ]


def test_pages_get_their_reviewers_from_the_repositorys_codeowners(tmp_path: Path) -> None:
    folder = tmp_path / "docs" / "source"
    folder.mkdir(parents=True)
    (tmp_path / "CODEOWNERS").write_text("/docs/source/ @example-org/docs-team\n")
    (folder / "a.html.md.erb").write_text(
        "---\nlast_reviewed_on: 2026-01-01\nreview_in: 1 year\n---\n# A\n"
    )
    [page] = load_runbooks(folder, "docs/source")
    assert (page.path, page.owner) == ("docs/source/a.html.md.erb", ("example-org/docs-team",))
    [elsewhere] = load_runbooks(folder, "other/source")  # not where the repository has it
    assert elsewhere.owner == () and elsewhere.findings


def test_validate_folder_names_a_folder_with_no_pages(tmp_path: Path) -> None:
    policy = parse_policy({"runbooks": {"include": ["**/*.html.md.erb"]}})
    (tmp_path / "a.md").write_text("# A\n")
    assert validate_folder(tmp_path, policy) == [
        (str(tmp_path), "no pages match runbooks.include (**/*.html.md.erb)")
    ]
