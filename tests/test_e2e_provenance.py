"""Who did what, as GitHub records it, end to end: the workflows against the local GitHub.

On github.com anyone with write access can edit or delete anyone's comment, and an issue's
author or a writer can delete revisions from its body's edit history. The local GitHub does the
same (a person's own token over REST, `GitHubServer.token_for`; deletions from the edit
history and of comments as state-level steps, which GitHub does in its web UI) and records
each edit as a `UserContentEdit` with its editor and time, each deleted comment as a
`CommentDeletedEvent` and each title change as a `RenamedTitleEvent`. The adapter reads them
(`dutydesk.io.github_snapshot`), and the rules must not be fooled:

* attack 1: a requester with write access edits an approver's question into `/approve` (or
  `/approve emergency x`): nothing is approved;
* attack 2: a requester edits a second approver's `/reject` into plain text: the rejection
  stands; and when they delete it, once the bot has recorded it;
* attack 3: the approver approves new times; the requester reverts to the old ones and deletes
  the revision that was approved: the approval does not count for the old times;
* attack 4: a writer who is not a responder edits a responder's "looking into it" into `/ack`
  after the escalation: not acknowledged;
* attack 6: someone who is not a responder assigns the incident to themselves: not
  acknowledged;
* attack 7: with a GitHub App token and `bot:` left at `github-actions[bot]`, the first comment
  stops the run, naming both logins;
* attack 5: a responder's sidebar relabel re-prioritises and the bot keeps their label;
  anyone else's is put back with one reply;

and the reverse cases: an approver's own edit into `/approve` approves, from the edit; a
responder's own edit into `/ack` acknowledges, from the edit; a responder's assignment
acknowledges.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import requests

from dutydesk.io.github import connect
from dutydesk.model import EventKind
from e2e.fixtures import checkout, comment_event, github, issues_event, run
from e2e.server import TOKEN, GitHubServer
from e2e.state import CommentRec, IssueRec, RepoState
from test_e2e_workflows import (
    EVENTS,
    POLICY,
    SWEEP,
    WAITER,
    assert_ok,
    change_body,
    change_window,
    incident_body,
    keys,
    now,
    people,
)

__all__ = ["checkout", "github"]  # fixtures, imported for pytest

APPROVED = POLICY.label("approved")
REJECTED = POLICY.label("rejected")
SLA_MISSED = POLICY.label("sla_missed")


def ago(minutes: float) -> datetime:
    return now() - timedelta(minutes=minutes)


def edit_as(github: GitHubServer, login: str, comment: CommentRec, body: str) -> int:
    """PATCH the comment with `login`'s own token, as the web UI or `gh api` would."""
    answer = requests.patch(
        f"{github.url}/repos/{github.state.owner}/{github.state.name}/issues/comments/{comment.id}",
        json={"body": body},
        headers={"Authorization": f"token {github.token_for(login)}", "User-Agent": "e2e"},
        timeout=10,
    )
    return answer.status_code


def edited_event(github: GitHubServer, comment: CommentRec, by: str) -> dict[str, object]:
    event = comment_event(github, comment.id, action="edited")
    assert github.rest is not None
    event["sender"] = github.rest.user(by)
    return event


def react(github: GitHubServer, checkout: Path, tmp: Path, event: dict[str, object]) -> None:
    """Run the events workflow for an `issue_comment` event (the waiting job skipped)."""
    assert_ok(run(github, checkout, EVENTS, "issue_comment", event, tmp, skip=WAITER))


def react_issue(
    github: GitHubServer, checkout: Path, tmp: Path, number: int, action: str, by: str
) -> None:
    event = issues_event(github, number, action, by)
    assert_ok(run(github, checkout, EVENTS, "issues", event, tmp, skip=WAITER))


def sweep(github: GitHubServer, checkout: Path, tmp: Path) -> None:
    assert_ok(run(github, checkout, SWEEP, "schedule", {"schedule": "17 * * * *"}, tmp))


def approvals(github: GitHubServer, number: int) -> list[str]:
    return [b for k, b in keys(github, number).items() if k.startswith("change.approval")]


def change_request(github: GitHubServer, opened: datetime) -> IssueRec:
    people(github)
    start, end = change_window()
    return github.state.open_issue(
        "rita",
        "[Change] Upgrade the payments database",
        change_body(start, end),
        ["change-request"],
        at=opened,
    )


def only_responder(checkout: Path, login: str) -> None:
    policy = checkout / "policy.yaml"
    text = policy.read_text(encoding="utf-8")
    assert "  responders: []" in text
    policy.write_text(text.replace("  responders: []", f"  responders: [{login}]"), "utf-8")


def status_card(github: GitHubServer, number: int) -> str:
    return keys(github, number)["incident.status"]


def acknowledged_by(card: str) -> str | None:
    found = re.search(r"\| \*\*Acknowledged\*\* \|[^\n]* by @\u200b?([\w-]+) \(", card)
    return found.group(1) if found else None


# -- the local GitHub refuses what github.com refuses ------------------------------------------


def test_writers_may_edit_anyone_s_comment_and_outsiders_may_not(github: GitHubServer) -> None:
    people(github)
    issue = github.state.open_issue("rita", "[Change] x", "body")
    question = github.state.comment("dana", issue.number, "Is the snapshot tested?")

    assert edit_as(github, "olivia", question, "/approve") == 403  # no access: refused
    assert question.body == "Is the snapshot tested?" and question.edits == []
    assert edit_as(github, "rita", question, "/approve") == 200  # a writer: allowed
    assert [(e.editor, e.body) for e in question.edits] == [
        ("dana", "Is the snapshot tested?"),  # the creation entry
        ("rita", "/approve"),
    ]
    with pytest.raises(PermissionError):
        github.state.delete_comment("olivia", question.id)
    with pytest.raises(PermissionError):
        github.state.delete_body_revision("olivia", issue.number, 1)
    github.state.delete_comment("rita", question.id)
    assert question.id not in github.state.comments
    assert [(e.kind, e.actor, e.subject) for e in issue.events][-1:] == [
        ("comment_deleted", "rita", "dana")
    ]


def test_the_snapshot_says_who_did_what_as_the_local_github_recorded_it(
    github: GitHubServer,
) -> None:
    """Read through the adapter: comment versions with their editors (a deleted one a gap),
    body revisions with a deleted one in place, a title change, a comment deletion, and label
    and assignment events with their actors (the bot spelt with `[bot]`)."""
    people(github)
    state = github.state
    moment = now()

    def ago(minutes: float) -> datetime:  # one moment, so that the times compare exactly
        return moment - timedelta(minutes=minutes)

    issue = state.open_issue("rita", "[Change] Upgrade", "T1", ["change-request"], at=ago(60))
    state.add_labels(state.bot, issue.number, ["needs-triage"], at=ago(59))
    state.assign("carol", issue.number, ["carol"], at=ago(58))
    question = state.comment("dana", issue.number, "Is the snapshot tested?", at=ago(57))
    state.edit_comment(question.id, "Is the snapshot tested? (typo)", at=ago(56), editor="dana")
    state.edit_comment(question.id, "/approve", at=ago(55), editor="rita")
    state.delete_comment_revision("rita", question.id, 2, at=ago(54))
    state.edit_body("rita", issue.number, "T2", at=ago(53))
    state.edit_body("rita", issue.number, "T1", at=ago(52))
    state.delete_body_revision("rita", issue.number, 2, at=ago(51))
    state.rename("rita", issue.number, "[Change] Upgrade the database", at=ago(50))
    doomed = state.comment("erin", issue.number, "/reject not tested", at=ago(49))
    state.delete_comment("rita", doomed.id, at=ago(48))

    snapshot = connect(TOKEN, f"{state.owner}/{state.name}", github.url).get_issue(issue.number)

    [comment] = snapshot.comments
    assert [(r.at, r.editor, r.body) for r in comment.revisions] == [
        (ago(57), "dana", "Is the snapshot tested?"),
        (ago(56), "dana", None),  # deleted from the comment's history: a gap, in place
        (ago(55), "rita", "/approve"),
    ]
    assert [(r.at, r.author, r.body) for r in snapshot.revisions] == [
        (ago(60), "rita", "T1"),
        (ago(53), "rita", None),  # the T2 revision, deleted: a gap, never filled with T1
        (ago(52), "rita", "T1"),
    ]
    assert [(e.kind, e.actor, e.label or e.assignee or e.subject) for e in snapshot.events] == [
        (EventKind.LABELED, "rita", "change-request"),
        (EventKind.LABELED, "github-actions[bot]", "needs-triage"),
        (EventKind.ASSIGNED, "carol", "carol"),
        (EventKind.RENAMED, "rita", None),
        (EventKind.COMMENT_DELETED, "rita", "erin"),
    ]
    renamed = snapshot.events[3]
    assert (renamed.before, renamed.after) == ("[Change] Upgrade", "[Change] Upgrade the database")


# -- change requests: attack 1 and its reverse -----------------------------------------------


@pytest.mark.parametrize("forged", ["/approve", "/approve emergency x"])
def test_a_requester_who_edits_an_approvers_question_into_approve_approves_nothing(
    github: GitHubServer, checkout: Path, tmp_path: Path, forged: str
) -> None:
    issue = change_request(github, ago(60))
    question = github.state.comment("dana", issue.number, "Is the snapshot tested?", at=ago(50))
    react(github, checkout, tmp_path / "question", comment_event(github, question.id))

    assert edit_as(github, "rita", question, forged) == 200
    react(github, checkout, tmp_path / "forged", edited_event(github, question, "rita"))
    sweep(github, checkout, tmp_path / "sweep")

    assert APPROVED not in issue.labels and issue.assignees == []
    assert approvals(github, issue.number) == []


def test_an_approvers_own_edit_into_approve_approves_from_the_edit(
    github: GitHubServer, checkout: Path, tmp_path: Path
) -> None:
    """The approver asked a question, the requester then edited the request, and the approver
    edited the question into /approve: it approves the request as edited (were it dated from
    the question, the edit would have withdrawn it)."""
    issue = change_request(github, ago(60))
    question = github.state.comment("dana", issue.number, "Is the snapshot tested?", at=ago(50))
    start, end = change_window()
    answered = change_body(start, end).replace(
        "Restore the snapshot", "Restore the tested snapshot"
    )
    github.state.edit_body("rita", issue.number, answered, at=ago(40))

    assert edit_as(github, "dana", question, "/approve") == 200
    react(github, checkout, tmp_path / "approve", edited_event(github, question, "dana"))

    assert APPROVED in issue.labels
    assert (
        len(approvals(github, issue.number)) == 1 and "@dana" in approvals(github, issue.number)[0]
    )


# -- attack 2: a rejection survives an edit (and a deletion) ----------------------------------


def approved_then_rejected(
    github: GitHubServer, checkout: Path, tmp: Path
) -> tuple[IssueRec, CommentRec]:
    issue = change_request(github, ago(60))
    approve = github.state.comment("dana", issue.number, "/approve", at=ago(50))
    react(github, checkout, tmp / "approve", comment_event(github, approve.id))
    assert APPROVED in issue.labels
    reject = github.state.comment("erin", issue.number, "/reject not tested", at=ago(40))
    react(github, checkout, tmp / "reject", comment_event(github, reject.id))
    assert APPROVED not in issue.labels and REJECTED in issue.labels
    return issue, reject


def test_a_requester_who_edits_a_rejection_into_plain_text_leaves_it_standing(
    github: GitHubServer, checkout: Path, tmp_path: Path
) -> None:
    issue, reject = approved_then_rejected(github, checkout, tmp_path)

    assert edit_as(github, "rita", reject, "Looks fine now.") == 200
    react(github, checkout, tmp_path / "edited", edited_event(github, reject, "rita"))
    sweep(github, checkout, tmp_path / "sweep")

    assert APPROVED not in issue.labels and REJECTED in issue.labels


def test_a_requester_who_deletes_a_rejection_leaves_it_standing(
    github: GitHubServer, checkout: Path, tmp_path: Path
) -> None:
    """The bot recorded the rejection (its rejection comment and the label): deleting the
    `/reject` comment afterwards does not bring the approval back."""
    issue, reject = approved_then_rejected(github, checkout, tmp_path)

    github.state.delete_comment("rita", reject.id, at=ago(30))
    react_issue(github, checkout, tmp_path / "deleted", issue.number, "edited", "rita")
    sweep(github, checkout, tmp_path / "sweep")

    assert APPROVED not in issue.labels and REJECTED in issue.labels


# -- attack 3: a deleted body revision --------------------------------------------------------


def test_an_approval_of_new_times_does_not_count_for_the_old_ones_once_they_are_deleted(
    github: GitHubServer, checkout: Path, tmp_path: Path
) -> None:
    """Approve T2; the requester reverts to T1 and deletes the T2 revision from the body's
    history: what was approved is not known any more, so the approval does not count for T1."""
    issue = change_request(github, ago(60))
    t1 = issue.body
    start, end = change_window()
    t2 = change_body(start + timedelta(hours=1), end + timedelta(hours=1))
    github.state.edit_body("rita", issue.number, t2, at=ago(55))
    approve = github.state.comment("dana", issue.number, "/approve", at=ago(50))
    react(github, checkout, tmp_path / "approve", comment_event(github, approve.id))
    assert APPROVED in issue.labels

    github.state.edit_body("rita", issue.number, t1, at=ago(20))
    github.state.delete_body_revision("rita", issue.number, 2, at=ago(19))  # 2: the T2 text
    assert [e.deleted_at is not None for e in issue.edits] == [False, True, False]
    react_issue(github, checkout, tmp_path / "reverted", issue.number, "edited", "rita")

    assert APPROVED not in issue.labels


# -- incidents: attack 4, attack 6 and their reverses -----------------------------------------


def escalated_incident(
    github: GitHubServer, checkout: Path, tmp: Path
) -> tuple[IssueRec, CommentRec]:
    """A P1 opened 35 minutes ago (response due at 20), a responder's "looking into it" at
    10, and the sweep has escalated it."""
    people(github)
    only_responder(checkout, "bob")
    issue = github.state.open_issue(
        "alice", "[Incident] Payments API down", incident_body(), ["incident"], at=ago(35)
    )
    looking = github.state.comment("bob", issue.number, "looking into it", at=ago(25))
    sweep(github, checkout, tmp / "sweep")
    assert SLA_MISSED in issue.labels
    assert acknowledged_by(status_card(github, issue.number)) is None
    return issue, looking


def test_a_writer_who_is_not_a_responder_edits_a_comment_into_ack_acknowledges_nothing(
    github: GitHubServer, checkout: Path, tmp_path: Path
) -> None:
    issue, looking = escalated_incident(github, checkout, tmp_path)

    assert edit_as(github, "carol", looking, "/ack") == 200  # carol: a writer, not a responder
    react(github, checkout, tmp_path / "forged", edited_event(github, looking, "carol"))

    card = status_card(github, issue.number)
    assert "| **Acknowledged** | not yet" in card, card
    assert "within the" not in card and SLA_MISSED in issue.labels


def test_a_responders_own_edit_into_ack_acknowledges_from_the_edit(
    github: GitHubServer, checkout: Path, tmp_path: Path
) -> None:
    issue, looking = escalated_incident(github, checkout, tmp_path)

    assert edit_as(github, "bob", looking, "/ack") == 200
    react(github, checkout, tmp_path / "ack", edited_event(github, looking, "bob"))

    card = status_card(github, issue.number)
    assert acknowledged_by(card) == "bob", card
    assert "outside the 20 minutes target" in card  # from the edit, not from the comment


@pytest.mark.parametrize(("by", "acknowledges"), [("carol", False), ("bob", True)])
def test_an_assignment_acknowledges_only_when_a_responder_made_it(
    github: GitHubServer, checkout: Path, tmp_path: Path, by: str, acknowledges: bool
) -> None:
    people(github)
    only_responder(checkout, "bob")
    issue = github.state.open_issue(
        "alice", "[Incident] Payments API down", incident_body(), ["incident"], at=ago(5)
    )
    github.state.assign(by, issue.number, [by])  # assigns themselves from the sidebar

    react_issue(github, checkout, tmp_path, issue.number, "assigned", by)

    card = status_card(github, issue.number)
    assert (acknowledged_by(card) == by) is acknowledges, card
    assert ("| **Acknowledged** | not yet" in card) is not acknowledges


# -- attack 7: the bot's identity -------------------------------------------------------------


def test_an_app_token_with_the_default_bot_login_stops_after_its_first_comment(
    checkout: Path, tmp_path: Path
) -> None:
    """The token writes as `dutydesk-ops[bot]` (a GitHub App), the policy still says
    `github-actions[bot]`: the first comment stops the run, which names both logins and the
    key to set, and nothing more is posted (a run that did not stop would loop)."""
    server = GitHubServer(RepoState(bot="dutydesk-ops[bot]")).start()
    try:
        people(server)
        issue = server.state.open_issue(
            "alice", "[Incident] Payments API down", incident_body(), ["incident"]
        )
        event = issues_event(server, issue.number, "opened", "alice")
        result = run(server, checkout, EVENTS, "issues", event, tmp_path, skip=WAITER)
    finally:
        server.stop()

    assert not result.ok
    output = result.jobs["reconcile"].output()
    assert "dutydesk-ops[bot]" in output and "github-actions[bot]" in output, output
    assert "bot: dutydesk-ops[bot]" in output
    assert [c.author for c in server.state.comments_on(issue.number)] == ["dutydesk-ops[bot]"]
    assert server.problems() == []


# -- attack 5: labels drive priority ----------------------------------------------------------

P3_OPTION = (
    "P3 Significant – Users experiencing intermittent or degraded service due to platform issue"
)


def p3_incident(github: GitHubServer, checkout: Path, tmp: Path) -> IssueRec:
    people(github)
    issue = github.state.open_issue(
        "alice", "[Incident] Search is slow", incident_body(P3_OPTION), ["incident"], at=ago(30)
    )
    react_issue(github, checkout, tmp / "opened", issue.number, "opened", "alice")
    assert "P3" in issue.labels
    return issue


def swap(github: GitHubServer, issue: IssueRec, by: str, old: str, new: str) -> None:
    """A sidebar swap, as GitHub records it: one unlabel and one label at the same second."""
    moment = ago(10)
    github.state.add_labels(by, issue.number, [new], at=moment)
    github.state.remove_label(by, issue.number, old, at=moment)


def test_a_responders_relabel_reprioritises_and_the_bot_keeps_their_label(
    github: GitHubServer, checkout: Path, tmp_path: Path
) -> None:
    issue = p3_incident(github, checkout, tmp_path)
    swap(github, issue, "bob", "P3", "P1")

    react_issue(github, checkout, tmp_path / "labeled", issue.number, "labeled", "bob")

    assert "P1" in issue.labels and "P3" not in issue.labels
    assert "P1 Critical" in status_card(github, issue.number)
    assert not [k for k in keys(github, issue.number) if k.startswith("incident.refused")]


def test_someone_elses_relabel_is_put_back_with_one_reply(
    github: GitHubServer, checkout: Path, tmp_path: Path
) -> None:
    only_responder(checkout, "bob")
    issue = p3_incident(github, checkout, tmp_path)
    swap(github, issue, "carol", "P3", "P1")

    react_issue(github, checkout, tmp_path / "labeled", issue.number, "labeled", "carol")

    assert "P3" in issue.labels and "P1" not in issue.labels
    replies = [b for k, b in keys(github, issue.number).items() if k.startswith("incident.refused")]
    assert len(replies) == 1 and "@carol" in replies[0] and "(bob)" in replies[0]
    assert "P3 Significant" in status_card(github, issue.number)
