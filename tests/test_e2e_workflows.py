"""The workflows, run as GitHub runs them, against a local GitHub held to GitHub's contract.

Each test builds a repository on the local server (`e2e.server`), takes a real webhook payload
from `@octokit/webhooks-examples` with the issue the server holds, and runs a workflow file's
`run:` steps with their `env:` (`e2e.workflow`), with `GITHUB_API_URL` pointing at the server.
The assertions are on the repository afterwards; then the same run again must write nothing.
The `github` fixture fails the test for any request GitHub's published REST description or
GraphQL schema would reject.

The workflows use the real clock (they pass no `--now`), so the repository's times are set
relative to it.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from dutydesk.forms import load_templates, render_body
from dutydesk.markers import marker_key
from dutydesk.policy import load_policy
from e2e.fixtures import ROOT, checkout, comment_event, dutydesk, github, issues_event, run
from e2e.server import GitHubServer
from e2e.workflow import Run, evaluate, interpolate

__all__ = ["checkout", "github"]  # fixtures, imported for pytest

FORMS = load_templates(ROOT / ".github" / "ISSUE_TEMPLATE")
POLICY = load_policy(ROOT / "policy.yaml")
BOT = POLICY.bot
LONDON = ZoneInfo(POLICY.timezone.key)
P1 = "P1 Critical – Complete outage or ongoing unauthorised access"
PRIORITY_P4 = (
    "P4 Minor – Component failure that does not immediately impact a service "
    "or an unsuccessful DoS attempt"
)
EVENTS = "dutydesk-events.yml"
SWEEP = "dutydesk-sweep.yml"
RUNBOOKS = "dutydesk-runbooks.yml"
REUSABLE_EVENTS = "reusable-events.yml"
WAITER = ("wait-for-due",)


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def incident_body(priority: str = P1, **answers: object) -> str:
    values = {
        "priority": priority,
        "service": "Payments API (production)",
        "description": "Card payments fail with HTTP 502 since 09:55.",
        **answers,
    }
    return render_body(FORMS["incident"], values)  # type: ignore[arg-type]


def change_body(start: datetime, end: datetime) -> str:
    def local(moment: datetime) -> str:
        return moment.astimezone(LONDON).strftime("%Y-%m-%d %H:%M")

    return render_body(
        FORMS["out-of-hours-change"],
        {
            "service": "Payments API",
            "change-details": "Upgrade the payments database from PostgreSQL 14 to 16.",
            "scheduled-start": local(start),
            "scheduled-end": local(end),
            "impact": "Card payments unavailable for up to 30 minutes.",
            "rollback": "Restore the snapshot taken before the upgrade (20 minutes).",
            "checks": [],
        },
    )


def people(server: GitHubServer) -> None:
    """The team: responders with write access, the on-call rota, approvers in a team."""
    state = server.state
    for login in ("alice", "bob", "carol", "rita", "alice-oncall", "bob-oncall", "carol-oncall"):
        state.add_collaborator(login, "push")
    state.add_team("example-org/platform-team", ["dana", "erin"])
    state.add_team("example-org/incident-managers", ["ivan"])
    state.add_team("example-org/payments-team", ["priya"])
    for role in ("incident", "change_request"):
        spec = POLICY.labels[role]
        state.create_label(spec.name, spec.color, spec.description)


def keys(server: GitHubServer, number: int) -> dict[str, str]:
    """The bot's marked comments on an issue, by key (only comments the bot wrote)."""
    return {
        key: c.body
        for c in server.state.bot_comments(number)
        if (key := marker_key(c.body)) is not None
    }


def assert_ok(result: Run) -> None:
    assert result.ok, result.describe()


def again_writes_nothing(
    github: GitHubServer, checkout: Path, tmp_path: Path, *args: object, **kwargs: object
) -> Run:
    mark = github.mark()
    result = run(github, checkout, *args, tmp=tmp_path / "again", **kwargs)  # type: ignore[arg-type]
    assert_ok(result)
    assert github.writes_since(mark) == [], result.describe()
    return result


# -- the expression evaluator the runner uses ------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("github.token", "t"),
        ("inputs.dry-run && 'true' || 'false'", "false"),
        ("inputs.flag && 'true' || 'false'", "true"),
        ("!github.event.issue.pull_request", True),
        ("needs.reconcile.outputs.due-soon == 'true'", True),
        ("needs.reconcile.outputs.due-soon == 'TRUE'", True),
        ("steps.reconcile.outputs.missing", None),
    ],
    ids=lambda v: str(v),
)
def test_expressions_evaluate_as_github_does(expression: str, expected: object) -> None:
    context = {
        "github": {"token": "t", "event": {"issue": {"number": 1}}},
        "inputs": {"dry-run": False, "flag": True},
        "needs": {"reconcile": {"outputs": {"due-soon": "true"}}},
        "steps": {},
    }
    assert evaluate(expression, context) == expected


def test_every_expression_in_the_workflows_can_be_evaluated() -> None:
    context = {
        "github": {"token": "t", "event": {"issue": {"number": 1}}, "ref": "refs/heads/main"},
        "inputs": {"dry-run": False, "app-client-id": "", "command": "sweep"},
        "needs": {"reconcile": {"outputs": {"due-soon": "false"}}},
        "steps": {"reconcile": {"outputs": {"due-soon": "false"}}},
        "secrets": {},
        "vars": {},
    }
    files = [*sorted((ROOT / ".github" / "workflows").glob("*.yml")), ROOT / "action.yml"]
    for path in files:
        text = path.read_text(encoding="utf-8")
        yaml.safe_load(text)
        for line in text.splitlines():
            if "${{" in line and not line.lstrip().startswith("#"):
                interpolate(line, context)  # raises on anything it cannot read


# -- incidents -------------------------------------------------------------------------------


def test_an_incident_opened_is_labelled_and_gets_a_status_card(
    github: GitHubServer, checkout: Path, tmp_path: Path
) -> None:
    people(github)
    issue = github.state.open_issue(
        "alice", "[Incident] Payments API down", incident_body(), labels=["incident"]
    )
    event = issues_event(github, issue.number, "opened", "alice")

    result = run(github, checkout, EVENTS, "issues", event, tmp_path / "first", skip=WAITER)

    assert_ok(result)
    assert result.jobs["reconcile"].outputs["due-soon"] == "true"  # the 20-minute response
    assert result.jobs["wait-for-due"].wanted  # (waiting is tested on its own below)
    assert "P1" in issue.labels
    status = keys(github, issue.number)
    assert set(status) == {"incident.status"}
    assert "P1 Critical" in status["incident.status"]
    assert all(c.author == "github-actions[bot]" for c in github.state.bot_comments(issue.number))
    assert github.counts().graphql_points >= 1
    again_writes_nothing(github, checkout, tmp_path, EVENTS, "issues", event, skip=WAITER)


def test_an_ack_edits_the_status_card_and_stops_the_escalation(
    github: GitHubServer, checkout: Path, tmp_path: Path
) -> None:
    people(github)
    issue = github.state.open_issue(
        "alice", "[Incident] Payments API down", incident_body(), labels=["incident"]
    )
    opened = issues_event(github, issue.number, "opened", "alice")
    assert_ok(run(github, checkout, EVENTS, "issues", opened, tmp_path / "opened", skip=WAITER))
    card = next(c for c in github.state.bot_comments(issue.number))
    before = card.body

    ack = github.state.comment("bob", issue.number, "/ack")
    event = comment_event(github, ack.id)
    result = run(github, checkout, EVENTS, "issue_comment", event, tmp_path / "ack", skip=WAITER)

    assert_ok(result)
    assert set(keys(github, issue.number)) == {"incident.status"}  # no escalation, no refusal
    assert [c.id for c in github.state.bot_comments(issue.number)] == [card.id]
    assert card.body != before  # edited in place, never pinging anyone
    acknowledged = r"\*\*Acknowledged\*\* \|[^\n]* by @\u200b?bob \(/ack\)"
    assert re.search(acknowledged, card.body), card.body
    assert POLICY.label("sla_missed") not in issue.labels
    assert result.jobs["reconcile"].outputs["due-soon"] == "false"  # the next update is an hour off
    assert not result.jobs["wait-for-due"].wanted
    again_writes_nothing(github, checkout, tmp_path, EVENTS, "issue_comment", event)


def test_a_comment_on_a_pull_request_runs_nothing(
    github: GitHubServer, checkout: Path, tmp_path: Path
) -> None:
    people(github)
    issue = github.state.open_issue("alice", "Bump a dependency", "Please review.")
    comment = github.state.comment("bob", issue.number, "/ack")
    event = comment_event(github, comment.id)
    event["issue"]["pull_request"] = {"url": f"{github.url}/repos/example-org/ops/pulls/1"}

    result = run(github, checkout, EVENTS, "issue_comment", event, tmp_path)

    assert not result.jobs["reconcile"].wanted and not result.jobs["wait-for-due"].wanted
    assert github.log == []


def test_the_wait_for_due_job_escalates_on_time(
    github: GitHubServer, checkout: Path, tmp_path: Path
) -> None:
    """A P1 whose 20-minute response falls due seconds after the event: the reconcile job says
    so, and the waiting job sleeps until then and escalates (no policy change needed)."""
    people(github)
    due = now() + timedelta(seconds=8)
    opened_at = due - POLICY.priorities["P1"].response.amount
    issue = github.state.open_issue(
        "alice", "[Incident] Payments API down", incident_body(), ["incident"], at=opened_at
    )
    event = issues_event(github, issue.number, "opened", "alice")

    result = run(github, checkout, EVENTS, "issues", event, tmp_path / "run")

    assert_ok(result)
    assert result.jobs["reconcile"].outputs["due-soon"] == "true"
    assert result.jobs["wait-for-due"].ran
    assert "waiting" in result.jobs["wait-for-due"].output()
    escalations = [
        c
        for c in github.state.bot_comments(issue.number)
        if (marker_key(c.body) or "").startswith("incident.escalation")
    ]
    assert len(escalations) == 1
    assert escalations[0].created_at >= due  # by the waiter, at the due time, not before
    assert "@example-org/incident-managers" in escalations[0].body
    assert POLICY.label("sla_missed") in issue.labels


# -- change requests -------------------------------------------------------------------------


def change_window() -> tuple[datetime, datetime]:
    """18:00-20:00 London time, four days ahead: out of support hours, inside on-call hours,
    with more than 48 hours' notice whatever the day."""
    day = (now().astimezone(LONDON) + timedelta(days=4)).date()
    start = datetime(day.year, day.month, day.day, 18, 0, tzinfo=LONDON)
    return start.astimezone(UTC), (start + timedelta(hours=2)).astimezone(UTC)


def test_a_change_request_approved_by_a_listed_approver(
    github: GitHubServer, checkout: Path, tmp_path: Path
) -> None:
    people(github)
    start, end = change_window()
    issue = github.state.open_issue(
        "rita",
        "[Change] Upgrade the payments database",
        change_body(start, end),
        ["change-request"],
    )
    opened = issues_event(github, issue.number, "opened", "rita")
    assert_ok(run(github, checkout, EVENTS, "issues", opened, tmp_path / "opened", skip=WAITER))
    assert POLICY.label("approved") not in issue.labels

    approve = github.state.comment("dana", issue.number, "/approve")  # in example-org/platform-team
    event = comment_event(github, approve.id)
    result = run(
        github, checkout, EVENTS, "issue_comment", event, tmp_path / "approve", skip=WAITER
    )

    assert_ok(result)
    rota = POLICY.rota_at(start)
    assert rota is not None
    assert POLICY.label("approved") in issue.labels
    assert issue.assignees == [rota.primary, rota.secondary]
    approvals = [
        body
        for key, body in keys(github, issue.number).items()
        if key.startswith("change.approval")
    ]
    assert len(approvals) == 1
    assert "Approved" in approvals[0] and "@dana" in approvals[0]
    again_writes_nothing(github, checkout, tmp_path, EVENTS, "issue_comment", event, skip=WAITER)


def test_with_githubs_own_token_a_team_approver_is_told_why_nothing_happened(
    github: GitHubServer, checkout: Path, tmp_path: Path
) -> None:
    """`GITHUB_TOKEN` cannot read organisation teams: GitHub answers 403 to the team listing,
    and an /approve from a team member is neither accepted nor refused, with the reason."""
    people(github)
    github.state.teams_readable = False
    start, end = change_window()
    issue = github.state.open_issue(
        "rita",
        "[Change] Upgrade the payments database",
        change_body(start, end),
        ["change-request"],
    )
    approve = github.state.comment("dana", issue.number, "/approve")
    event = comment_event(github, approve.id)

    result = run(github, checkout, EVENTS, "issue_comment", event, tmp_path, skip=WAITER)

    assert_ok(result)
    assert POLICY.label("approved") not in issue.labels and issue.assignees == []
    replies = [b for b in keys(github, issue.number).values() if "cannot read" in b]
    assert len(replies) == 1 and "@dana" in replies[0]
    assert any("teams/platform-team/members" in r.path for r in github.refusals)


# -- the sweep -------------------------------------------------------------------------------


def test_the_sweep_escalates_an_unacknowledged_p1_and_heals_what_events_missed(
    github: GitHubServer, checkout: Path, tmp_path: Path
) -> None:
    people(github)
    state = github.state
    late = state.open_issue(
        "alice",
        "[Incident] Payments API down",
        incident_body(),
        ["incident"],
        at=now() - timedelta(minutes=35),
    )
    start, end = change_window()
    change = state.open_issue(
        "rita",
        "[Change] Upgrade",
        change_body(start, end),
        ["change-request"],
        at=now() - timedelta(minutes=50),
    )
    closed = state.open_issue(
        "carol",
        "[Incident] Old",
        incident_body(),
        ["incident", "P1"],
        at=now() - timedelta(days=30),
        state="closed",
    )
    other = state.open_issue("bob", "A question", "Not an operations item.", at=now())
    schedule = {"schedule": "17 * * * *"}
    mark = github.mark()

    result = run(github, checkout, SWEEP, "schedule", schedule, tmp_path / "sweep")

    assert_ok(result)
    assert "P1" in late.labels and POLICY.label("sla_missed") in late.labels
    found = keys(github, late.number)
    escalation = [b for k, b in found.items() if k.startswith("incident.escalation")]
    assert len(escalation) == 1 and "@example-org/incident-managers" in escalation[0]
    assert "incident.status" in found
    assert state.bot_comments(closed.number) == [] and state.bot_comments(other.number) == []
    assert change.state == "open"
    assert "#1" in result.jobs["sweep"].summary()  # the job summary lists the items
    sweep = github.counts(since=mark)
    assert sweep.reads <= 1 + 3, sweep.by_operation  # ceil(N/100) + 3 for N open items

    again_writes_nothing(github, checkout, tmp_path, SWEEP, "schedule", schedule)


def test_a_second_sweep_at_the_same_moment_writes_nothing(
    github: GitHubServer, checkout: Path
) -> None:
    people(github)
    moment = now()
    github.state.open_issue(
        "alice",
        "[Incident] Slow search",
        incident_body(PRIORITY_P4),
        ["incident"],
        at=moment - timedelta(minutes=10),
    )
    first = dutydesk(github, checkout, "sweep", "--now", moment.isoformat())
    assert first.returncode == 0, first.stdout + first.stderr
    assert github.writes > 0
    mark = github.mark()

    second = dutydesk(github, checkout, "sweep", "--now", moment.isoformat())

    assert second.returncode == 0, second.stdout + second.stderr
    assert github.writes_since(mark) == []
    assert github.counts(since=mark).reads <= 1 + 3


def test_a_sweep_run_by_hand_as_a_dry_run_writes_nothing(
    github: GitHubServer, checkout: Path, tmp_path: Path
) -> None:
    people(github)
    github.state.open_issue(
        "alice", "[Incident] Down", incident_body(), ["incident"], at=now() - timedelta(hours=1)
    )
    dispatch = {"inputs": {"dry-run": True}, "ref": "refs/heads/main"}
    result = run(
        github, checkout, SWEEP, "workflow_dispatch", dispatch, tmp_path, inputs={"dry-run": True}
    )
    assert_ok(result)
    assert github.writes == 0
    assert "would: #1 incident.escalation" in result.jobs["sweep"].output()


# -- runbooks --------------------------------------------------------------------------------


def set_front_matter(path: Path, key: str, value: str) -> None:
    text = path.read_text(encoding="utf-8")
    updated, count = re.subn(rf"(?m)^{key}:.*$", f"{key}: {value}", text, count=1)
    assert count == 1, f"{path} has no {key}:"
    path.write_text(updated, encoding="utf-8")


def test_the_runbook_renewal_opens_one_review_pull_request(
    github: GitHubServer, checkout: Path, tmp_path: Path
) -> None:
    people(github)
    state = github.state
    today = now().astimezone(LONDON).date()
    folder = checkout / "runbooks"
    set_front_matter(
        folder / "payments-api.md", "expires", (today - timedelta(days=10)).isoformat()
    )
    set_front_matter(folder / "status-page.md", "expires", "'2099-01-01'")
    set_front_matter(folder / "notifications.md", "last_reviewed_on", f'"{today.isoformat()}"')
    files = {
        f"runbooks/{p.name}": p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.md"))
    }
    base = state.commit(files, "Add the runbooks", "alice", at=now() - timedelta(days=40))
    schedule = {"schedule": "41 8 * * 1-5"}

    result = run(github, checkout, RUNBOOKS, "schedule", schedule, tmp_path / "renew")

    assert_ok(result)
    pulls = state.pulls()
    assert len(pulls) == 1
    pull = pulls[0]
    assert pull.pull is not None and pull.state == "open"
    assert pull.pull.head.startswith("dutydesk/runbook-review/") and pull.pull.base == "main"
    assert pull.pull.base_sha == base
    old = state.file_at("main", "runbooks/payments-api.md")
    new = state.file_at(pull.pull.head, "runbooks/payments-api.md")
    assert old is not None and new is not None
    changed = [(a, b) for a, b in zip(old.splitlines(), new.splitlines(), strict=True) if a != b]
    assert len(changed) == 1 and changed[0][0].startswith("expires:")
    for path in files:  # nothing else on the branch changed
        if path != "runbooks/payments-api.md":
            assert state.file_at(pull.pull.head, path) == files[path]
    assert POLICY.label("runbook_review") in pull.labels
    assert pull.pull.team_reviewers == ["example-org/payments-team"]
    assert pull.author == BOT
    again_writes_nothing(github, checkout, tmp_path, RUNBOOKS, "schedule", schedule)


# -- commands a team runs by hand ------------------------------------------------------------


def test_labels_sync_creates_the_missing_label_and_fixes_the_wrong_one(
    github: GitHubServer, checkout: Path
) -> None:
    state = github.state
    for role, spec in POLICY.labels.items():
        if role == "sla_missed":
            continue
        color = "000000" if role == "P1" else spec.color
        state.create_label(spec.name, color, spec.description)
    mark = github.mark()

    done = dutydesk(github, checkout, "labels", "sync")

    assert done.returncode == 0, done.stdout + done.stderr
    for spec in POLICY.labels.values():
        found = state.label(spec.name)
        assert found is not None and found.color == spec.color.lower()
        assert found.description == spec.description
    assert sorted(e.operation for e in github.writes_since(mark)) == [
        "issues/create-label",
        "issues/update-label",
    ]
    mark = github.mark()
    again = dutydesk(github, checkout, "labels", "sync")
    assert again.returncode == 0 and github.writes_since(mark) == []


def test_the_incident_register_is_read_without_writing(
    github: GitHubServer, checkout: Path
) -> None:
    people(github)
    opened = now() - timedelta(days=2)
    issue = github.state.open_issue(
        "alice", "[Incident] Payments API down", incident_body(), ["incident", "P1"], at=opened
    )
    github.state.comment("bob", issue.number, "/ack", at=opened + timedelta(minutes=5))
    github.state.set_state("bob", issue.number, "closed", at=opened + timedelta(hours=3))
    github.state.open_issue("bob", "A question", "Not an incident.", at=opened)

    done = dutydesk(github, checkout, "report", "--format", "json")

    assert done.returncode == 0, done.stdout + done.stderr
    rows = json.loads(done.stdout)
    assert [(r["number"], r["priority"], r["acknowledged_by"]) for r in rows] == [
        (issue.number, "P1", "bob")
    ]
    assert rows[0]["resolved"] is not None
    assert github.writes == 0
    assert [e.operation for e in github.log if e.operation.startswith("graphql")] == [
        "graphql IssuesSince"
    ]


# -- outsiders and the bot's own writes ------------------------------------------------------


@pytest.mark.parametrize(
    ("association", "waits"),
    [
        ("OWNER", True),
        ("MEMBER", True),
        ("COLLABORATOR", True),
        ("CONTRIBUTOR", False),
        ("FIRST_TIME_CONTRIBUTOR", False),
        ("FIRST_TIMER", False),
        ("NONE", False),
    ],
)
def test_a_comment_from_someone_without_write_access_starts_no_waiting_job(
    github: GitHubServer, checkout: Path, tmp_path: Path, association: str, waits: bool
) -> None:
    people(github)
    issue = github.state.open_issue(
        "alice", "[Incident] Payments API down", incident_body(), labels=["incident"]
    )
    comment = github.state.comment("olivia", issue.number, "Any news? Our shop is down too.")
    event = comment_event(github, comment.id)
    event["comment"]["author_association"] = association

    result = run(github, checkout, EVENTS, "issue_comment", event, tmp_path, skip=WAITER)

    assert_ok(result)
    assert result.jobs["reconcile"].outputs["due-soon"] == "true"
    assert result.jobs["wait-for-due"].wanted is waits


def test_an_event_a_bot_account_sent_runs_nothing(
    github: GitHubServer, checkout: Path, tmp_path: Path
) -> None:
    people(github)
    issue = github.state.open_issue(
        "alice", "[Incident] Payments API down", incident_body(), labels=["incident"]
    )
    event = issues_event(github, issue.number, "labeled", "alice")
    event["sender"] = {**event["sender"], "login": "dutydesk-ops[bot]", "type": "Bot"}

    result = run(github, checkout, EVENTS, "issues", event, tmp_path)

    assert not result.jobs["reconcile"].wanted and not result.jobs["wait-for-due"].wanted
    assert github.log == []


def test_an_incident_a_bot_account_opened_is_reconciled(
    github: GitHubServer, checkout: Path, tmp_path: Path
) -> None:
    people(github)
    issue = github.state.open_issue(
        "alice", "[Incident] Payments API down", incident_body(), labels=["incident"]
    )
    event = issues_event(github, issue.number, "opened", "alice")
    event["sender"] = {**event["sender"], "login": "monitoring[bot]", "type": "Bot"}

    result = run(github, checkout, EVENTS, "issues", event, tmp_path, skip=WAITER)

    assert_ok(result)
    assert "P1" in issue.labels


@pytest.mark.parametrize(
    ("association", "group"),
    [
        ("OWNER", "dutydesk-wait-7"),
        ("MEMBER", "dutydesk-wait-7"),
        ("COLLABORATOR", "dutydesk-wait-7"),
        ("CONTRIBUTOR", "dutydesk-wait-outsiders"),
        ("FIRST_TIME_CONTRIBUTOR", "dutydesk-wait-outsiders"),
        ("FIRST_TIMER", "dutydesk-wait-outsiders"),
        ("NONE", "dutydesk-wait-outsiders"),
    ],
)
def test_issues_filed_by_outsiders_share_one_waiting_job(association: str, group: str) -> None:
    """GitHub runs one job per concurrency group and, with cancel-in-progress, a newer one
    replaces the running one: all outsiders' issues together keep at most one waiter."""
    workflow = yaml.safe_load((ROOT / ".github/workflows" / REUSABLE_EVENTS).read_text())
    waiter = workflow["jobs"]["wait-for-due"]
    context = {"github": {"event": {"issue": {"number": 7, "author_association": association}}}}
    assert interpolate(waiter["concurrency"]["group"], context) == group
    assert waiter["concurrency"]["cancel-in-progress"] is True
    assert waiter["timeout-minutes"] <= 45


def test_a_first_sweep_over_a_busy_repository_converges_within_its_write_budget(
    github: GitHubServer, checkout: Path
) -> None:
    """Each run applies whole items within --max-writes (exit 3 while writes are left); the
    next runs do the rest exactly once, and a run with nothing left writes nothing."""
    people(github)
    moment = now()
    numbers = [
        github.state.open_issue(
            "alice",
            f"[Incident] Slow {n}",
            incident_body(PRIORITY_P4),
            ["incident"],
            at=moment - timedelta(minutes=10),
        ).number
        for n in range(5)
    ]
    runs = []
    for _ in range(6):
        mark = github.mark()
        result = dutydesk(
            github, checkout, "sweep", "--now", moment.isoformat(), "--max-writes", "3"
        )
        runs.append((result.returncode, len(github.writes_since(mark))))
        if result.returncode == 0:
            break
        assert result.returncode == 3, result.stdout + result.stderr
        assert "left for the next run" in result.stderr
    assert [code for code, _ in runs] == [3, 3, 3, 3, 0]  # 10 writes, 3 a run, whole items
    assert [count for _, count in runs] == [2, 2, 2, 2, 2]  # an item (label, card) fits once
    mark = github.mark()
    last = dutydesk(github, checkout, "sweep", "--now", moment.isoformat(), "--max-writes", "3")
    assert last.returncode == 0 and github.writes_since(mark) == []
    for number in numbers:
        found = [c for c in github.state.bot_comments(number)]
        assert len(found) == 1, [c.body[:60] for c in found]  # one status card, never two
        assert "P4" in github.state.issues[number].labels
