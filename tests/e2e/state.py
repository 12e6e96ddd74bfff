"""A repository in memory, as GitHub holds it: the state the test server serves and changes.

People act through the methods here (open an issue, comment, edit, commit a file); the bot acts
through the server's REST endpoints, which call the same methods with the token's login.
Times are aware UTC datetimes; `clock` gives the time of anything done without an explicit one.

What github.com allows is allowed, and nothing more (else `PermissionError`, which the REST
side answers 403): an issue's author or anyone with write access may edit its body or title
and delete revisions from its body's edit history; a comment's author or anyone with write
access may edit or delete it and delete revisions from its edit history. Each comment or body
edit is a `UserContentEdit` (`EditRec`) with its editor and time, the first one also recording
the text as created; a deleted revision keeps its time and editor, not its text; a deleted
comment leaves a `comment_deleted` event naming its author, a title change a `renamed` one.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass
class Account:
    login: str
    id: int
    kind: str  # "User", "Bot" or "Organization"

    @property
    def graphql_login(self) -> str:
        """GraphQL spells a bot's login without REST's `[bot]` suffix."""
        return self.login.removesuffix("[bot]") if self.kind == "Bot" else self.login


@dataclass
class LabelDef:
    id: int
    name: str
    color: str
    description: str | None
    created_at: datetime


@dataclass
class EditRec:
    at: datetime
    editor: str
    body: str  # GraphQL's UserContentEdit.diff: the whole text as of this edit
    deleted_at: datetime | None = None  # deleted from the edit history: GitHub keeps no text
    deleted_by: str | None = None


@dataclass
class CommentRec:
    id: int
    issue: int
    author: str
    body: str
    created_at: datetime
    updated_at: datetime
    edits: list[EditRec] = field(default_factory=list)  # oldest first; [0] is the creation


@dataclass
class EventRec:
    id: int
    kind: str  # labeled, unlabeled, assigned, unassigned, closed, reopened, renamed, ...
    actor: str
    at: datetime
    label: str | None = None
    assignee: str | None = None
    before: str | None = None  # renamed: the previous title
    after: str | None = None  # renamed: the new title
    subject: str | None = None  # comment_deleted: the deleted comment's author


@dataclass
class PullRec:
    head: str
    base: str
    head_sha: str
    base_sha: str
    merged_at: datetime | None = None
    reviewers: list[str] = field(default_factory=list)
    team_reviewers: list[str] = field(default_factory=list)


@dataclass
class IssueRec:
    number: int
    id: int
    title: str
    body: str
    author: str
    created_at: datetime
    updated_at: datetime
    state: str = "open"
    closed_at: datetime | None = None
    state_reason: str | None = None
    labels: list[str] = field(default_factory=list)
    assignees: list[str] = field(default_factory=list)
    comments: list[int] = field(default_factory=list)
    events: list[EventRec] = field(default_factory=list)
    edits: list[EditRec] = field(default_factory=list)  # oldest first; [0] is the creation
    pull: PullRec | None = None


@dataclass
class TeamRec:
    id: int
    org: str
    slug: str
    name: str
    members: list[str]
    permission: str | None  # the team's access to this repository, None: none


@dataclass
class CommitRec:
    sha: str
    parents: tuple[str, ...]
    files: dict[str, str]  # the whole tree: path -> text
    message: str
    author: str
    at: datetime


class RepoState:
    def __init__(
        self,
        owner: str = "example-org",
        name: str = "ops",
        bot: str = "github-actions[bot]",
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.owner = owner
        self.name = name
        self.bot = bot
        self.clock = clock
        self.id = 700_000_001
        self.created_at = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        self.default_branch = "main"
        self.accounts: dict[str, Account] = {}
        self.collaborators: dict[str, str] = {}  # login (lower) -> permission
        self.teams: dict[str, TeamRec] = {}  # "org/slug" (lower) -> team
        self.teams_readable = True  # False: the token cannot read teams (GITHUB_TOKEN)
        self.labels: dict[str, LabelDef] = {}
        self.issues: dict[int, IssueRec] = {}
        self.comments: dict[int, CommentRec] = {}
        self.commits: dict[str, CommitRec] = {}
        self.refs: dict[str, str] = {}  # "heads/main" -> sha
        # workflow file name -> state ("active", "disabled_manually"), as the Actions API has it
        self.workflows: dict[str, str] = {"dutydesk-timers.yml": "active"}
        self.actions_writable = True  # False: the token lacks `actions: write`
        self._numbers = itertools.count(1)
        self._ids = itertools.count(1_000_001)
        # Issue-comment ids have outgrown 32 bits on github.com: so do these.
        self._comment_ids = itertools.count(2_448_000_001)
        self.account(owner, "Organization")
        self.account(bot)
        self.commit({}, "Initial commit", owner, self.created_at)

    # -- accounts and access -------------------------------------------------------------

    def account(self, login: str, kind: str | None = None) -> Account:
        key = login.lower()
        if key not in self.accounts:
            kind = kind or ("Bot" if login.endswith("[bot]") else "User")
            self.accounts[key] = Account(login, next(self._ids), kind)
        return self.accounts[key]

    def add_collaborator(self, login: str, permission: str = "push") -> None:
        self.account(login)
        self.collaborators[login.lower()] = permission

    def add_team(self, slug: str, members: Iterable[str], permission: str | None = "push") -> None:
        org, _, team = slug.partition("/")
        logins = [self.account(m).login for m in members]
        self.teams[slug.lower()] = TeamRec(next(self._ids), org, team, team, logins, permission)

    def can_push(self, login: str) -> bool:
        if self.collaborators.get(login.lower()) in ("push", "maintain", "admin"):
            return True
        return any(
            t.permission in ("push", "maintain", "admin")
            and login.lower() in {m.lower() for m in t.members}
            for t in self.teams.values()
        )

    def may_write(self, login: str) -> bool:
        """The bot's token, or someone with write access (or more)."""
        return login.lower() == self.bot.lower() or self.can_push(login)

    def _may(self, actor: str, owner: str, what: str) -> None:
        """github.com: an issue's or comment's author may change it, and so may anyone with
        write access (GraphQL's CommentCannotEditReason); anyone else is refused."""
        if actor.lower() != owner.lower() and not self.may_write(actor):
            raise PermissionError(
                f"{actor} cannot {what}: only its author or someone with write access can"
            )

    def assignable(self, login: str) -> bool:
        return login.lower() in self.collaborators or self.can_push(login)

    # -- labels ---------------------------------------------------------------------------

    def label(self, name: str) -> LabelDef | None:
        return self.labels.get(name.lower())

    def create_label(
        self, name: str, color: str = "ededed", description: str | None = None
    ) -> LabelDef:
        found = LabelDef(next(self._ids), name, color, description, self.clock())
        self.labels[name.lower()] = found
        return found

    # -- issues ---------------------------------------------------------------------------

    def open_issue(
        self,
        author: str,
        title: str,
        body: str,
        labels: Iterable[str] = (),
        at: datetime | None = None,
        state: str = "open",
    ) -> IssueRec:
        moment = at or self.clock()
        self.account(author)
        number = next(self._numbers)
        issue = IssueRec(number, next(self._ids), title, body, author, moment, moment)
        self.issues[number] = issue
        for name in labels:
            self.add_labels(author, number, [name], moment)
        if state == "closed":
            self.set_state(author, number, "closed", moment)
        issue.updated_at = moment
        return issue

    def issue(self, number: int) -> IssueRec:
        return self.issues[number]

    def _touch(self, issue: IssueRec, moment: datetime) -> None:
        issue.updated_at = max(issue.updated_at, moment)

    def _event(self, issue: IssueRec, kind: str, actor: str, moment: datetime, **more: str) -> None:
        issue.events.append(EventRec(next(self._ids), kind, actor, moment, **more))
        self._touch(issue, moment)

    def add_labels(
        self, actor: str, number: int, names: Iterable[str], at: datetime | None = None
    ) -> None:
        moment = at or self.clock()
        issue = self.issues[number]
        for name in names:
            known = self.label(name) or self.create_label(name)
            if known.name.lower() in {n.lower() for n in issue.labels}:
                continue
            issue.labels.append(known.name)
            self._event(issue, "labeled", actor, moment, label=known.name)

    def remove_label(self, actor: str, number: int, name: str, at: datetime | None = None) -> bool:
        moment = at or self.clock()
        issue = self.issues[number]
        for current in issue.labels:
            if current.lower() == name.lower():
                issue.labels.remove(current)
                self._event(issue, "unlabeled", actor, moment, label=current)
                return True
        return False

    def assign(
        self, actor: str, number: int, logins: Iterable[str], at: datetime | None = None
    ) -> None:
        moment = at or self.clock()
        issue = self.issues[number]
        for login in logins:
            if len(issue.assignees) >= 10 or login.lower() in {a.lower() for a in issue.assignees}:
                continue
            known = self.account(login).login
            issue.assignees.append(known)
            self._event(issue, "assigned", actor, moment, assignee=known)

    def set_state(
        self,
        actor: str,
        number: int,
        state: str,
        at: datetime | None = None,
        reason: str | None = None,
    ) -> None:
        moment = at or self.clock()
        issue = self.issues[number]
        if issue.state == state:
            return
        issue.state = state
        if state == "closed":
            issue.closed_at = moment
            issue.state_reason = reason or "completed"
            self._event(issue, "closed", actor, moment)
        else:
            issue.closed_at = None
            issue.state_reason = "reopened"
            self._event(issue, "reopened", actor, moment)

    def rename(self, actor: str, number: int, title: str, at: datetime | None = None) -> None:
        """Change the title: GitHub's timeline records a RenamedTitleEvent."""
        moment = at or self.clock()
        issue = self.issues[number]
        self._may(actor, issue.author, f"rename #{number}")
        if title == issue.title:
            return
        before, issue.title = issue.title, title
        self._event(issue, "renamed", actor, moment, before=before, after=title)

    def edit_body(self, editor: str, number: int, body: str, at: datetime | None = None) -> None:
        moment = at or self.clock()
        issue = self.issues[number]
        self._may(editor, issue.author, f"edit the body of #{number}")
        if body == issue.body:
            return
        if not issue.edits:  # the first edit also records the text as created
            issue.edits.append(EditRec(issue.created_at, issue.author, issue.body))
        issue.edits.append(EditRec(moment, self.account(editor).login, body))
        issue.body = body
        self._touch(issue, moment)

    def comment(
        self, author: str, number: int, body: str, at: datetime | None = None
    ) -> CommentRec:
        moment = at or self.clock()
        issue = self.issues[number]
        found = CommentRec(
            next(self._comment_ids), number, self.account(author).login, body, moment, moment
        )
        self.comments[found.id] = found
        issue.comments.append(found.id)
        self._touch(issue, moment)
        return found

    def edit_comment(
        self, comment_id: int, body: str, at: datetime | None = None, editor: str | None = None
    ) -> CommentRec:
        """Edit a comment as `editor` (its author unless given): each edit is a
        UserContentEdit with its editor and time, the first edit also recording the text as
        created, as on github.com."""
        moment = at or self.clock()
        found = self.comments[comment_id]
        editor = self.account(editor).login if editor else found.author
        self._may(editor, found.author, f"edit {found.author}'s comment {comment_id}")
        if body == found.body:
            return found
        if not found.edits:
            found.edits.append(EditRec(found.created_at, found.author, found.body))
        found.edits.append(EditRec(moment, editor, body))
        found.body = body
        found.updated_at = moment
        self._touch(self.issues[found.issue], moment)
        return found

    def delete_comment(self, actor: str, comment_id: int, at: datetime | None = None) -> None:
        """Delete a comment (its author or a writer): gone, and the timeline says who deleted
        whose comment (CommentDeletedEvent)."""
        moment = at or self.clock()
        found = self.comments[comment_id]
        self._may(actor, found.author, f"delete {found.author}'s comment {comment_id}")
        issue = self.issues[found.issue]
        issue.comments.remove(comment_id)
        del self.comments[comment_id]
        self._event(issue, "comment_deleted", actor, moment, subject=found.author)

    def _delete_revision(
        self, edits: list[EditRec], k: int, actor: str, moment: datetime, what: str
    ) -> None:
        # Only in the web UI (no API), and only "the body of a prior revision" (GitHub's
        # changelog, 2018-05-24): the current one cannot be deleted (dear-github#405).
        if not 1 <= k < len(edits):
            raise KeyError(f"{what} has no earlier revision {k}")
        edits[k - 1].deleted_at = moment
        edits[k - 1].deleted_by = self.account(actor).login

    def delete_comment_revision(
        self, actor: str, comment_id: int, k: int, at: datetime | None = None
    ) -> None:
        """Delete the k-th version (1 = as created) from a comment's edit history."""
        found = self.comments[comment_id]
        self._may(actor, found.author, f"delete a revision of comment {comment_id}")
        self._delete_revision(found.edits, k, actor, at or self.clock(), f"comment {comment_id}")

    def delete_body_revision(
        self, actor: str, number: int, k: int, at: datetime | None = None
    ) -> None:
        """Delete the k-th version (1 = as opened) from an issue body's edit history."""
        issue = self.issues[number]
        self._may(actor, issue.author, f"delete a revision of #{number}")
        self._delete_revision(issue.edits, k, actor, at or self.clock(), f"#{number}")

    def comments_on(self, number: int) -> list[CommentRec]:
        return [self.comments[i] for i in self.issues[number].comments]

    def bot_comments(self, number: int) -> list[CommentRec]:
        return [c for c in self.comments_on(number) if c.author == self.bot]

    # -- git ------------------------------------------------------------------------------

    def commit(
        self,
        files: dict[str, str],
        message: str,
        author: str,
        at: datetime | None = None,
        branch: str | None = None,
    ) -> str:
        """Commit `files` (path -> text, merged over the branch's tree) to `branch`."""
        moment = at or self.clock()
        branch = branch or self.default_branch
        parent = self.refs.get(f"heads/{branch}")
        tree = dict(self.commits[parent].files) if parent else {}
        tree.update(files)
        seed = f"{parent}{sorted(tree.items())}{message}{moment.isoformat()}"
        sha = hashlib.sha1(seed.encode()).hexdigest()
        self.commits[sha] = CommitRec(
            sha, (parent,) if parent else (), tree, message, self.account(author).login, moment
        )
        self.refs[f"heads/{branch}"] = sha
        return sha

    def head(self, branch: str | None = None) -> str:
        return self.refs[f"heads/{branch or self.default_branch}"]

    def file_at(self, branch: str, path: str) -> str | None:
        sha = self.refs.get(f"heads/{branch}")
        return self.commits[sha].files.get(path) if sha else None

    def history(self, sha: str) -> list[CommitRec]:
        """Commits reachable from `sha`, newest first (first parents only)."""
        out = []
        current: str | None = sha
        while current:
            found = self.commits[current]
            out.append(found)
            current = found.parents[0] if found.parents else None
        return out

    # -- pull requests --------------------------------------------------------------------

    def open_pull(self, author: str, head: str, base: str, title: str, body: str) -> IssueRec:
        issue = self.open_issue(author, title, body)
        issue.pull = PullRec(head, base, self.head(head), self.head(base))
        return issue

    def pulls(self) -> list[IssueRec]:
        return [i for i in self.issues.values() if i.pull is not None]

    def open_numbers(self) -> list[int]:
        return [n for n, i in self.issues.items() if i.state == "open" and i.pull is None]
