"""GitHub's REST endpoints over a `RepoState`: the shapes GitHub answers with, and its refusals.

Response objects start from the examples in GitHub's own description (so every field GitHub
documents is there, with GitHub's spelling) and take their values from the state. What GitHub
refuses beyond the schema (a label that is not on the issue, a file whose blob sha is stale, a
second open pull request for a branch, a review requested from the pull request's author ...)
is answered with GitHub's status and message.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from .contract import Contract
from .state import CommentRec, CommitRec, EventRec, IssueRec, LabelDef, RepoState, TeamRec

DOCS = "https://docs.github.com/rest"
MAX_BODY = 65_536  # GitHub refuses longer issue and comment bodies
PERMISSIONS = ("pull", "triage", "push", "maintain", "admin")
ROLE_NAMES = {"pull": "read", "triage": "triage", "push": "write", "maintain": "maintain"}


class Refusal(Exception):
    """GitHub answers a status other than success."""

    def __init__(self, status: int, message: str, errors: Sequence[Any] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = list(errors)

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"message": self.message, "documentation_url": DOCS}
        if self.errors:
            out["errors"] = self.errors
        out["status"] = str(self.status)
        return out


@dataclass
class Call:
    method: str
    path: str
    params: dict[str, Any]
    query: dict[str, Any]
    body: Any
    actor: str


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


def iso(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment is not None else None


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def blob_sha(text: str) -> str:
    data = text.encode("utf-8")
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def node_id(kind: str, number: int) -> str:
    return base64.b64encode(f"0{len(kind)}:{kind}{number}".encode()).decode()


class Rest:
    def __init__(self, state: RepoState, contract: Contract, base_url: str) -> None:
        self.state = state
        self.base = base_url
        self.repo_url = f"{base_url}/repos/{state.owner}/{state.name}"
        self.html = f"https://github.com/{state.owner}/{state.name}"
        examples = contract.document["components"]["examples"]
        text = json.dumps({k: v["value"] for k, v in examples.items()})
        text = text.replace("https://api.github.com", base_url)
        text = text.replace("octocat/Hello-World", f"{state.owner}/{state.name}")
        self.examples: dict[str, Any] = json.loads(text)
        self.routes: dict[tuple[str, str], Callable[[Call], Reply]] = {
            ("GET", "/repos/{owner}/{repo}"): self.get_repo,
            ("GET", "/repos/{owner}/{repo}/branches/{branch}"): self.get_branch,
            ("GET", "/repos/{owner}/{repo}/collaborators"): self.list_collaborators,
            ("GET", "/orgs/{org}/teams/{team_slug}/members"): self.list_team_members,
            ("POST", "/repos/{owner}/{repo}/issues/{issue_number}/labels"): self.add_labels,
            (
                "DELETE",
                "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}",
            ): self.remove_label,
            ("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments"): self.create_comment,
            ("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}"): self.update_comment,
            ("POST", "/repos/{owner}/{repo}/issues/{issue_number}/assignees"): self.add_assignees,
            ("PATCH", "/repos/{owner}/{repo}/issues/{issue_number}"): self.update_issue,
            ("GET", "/repos/{owner}/{repo}/labels"): self.list_labels,
            ("POST", "/repos/{owner}/{repo}/labels"): self.create_label,
            ("PATCH", "/repos/{owner}/{repo}/labels/{name}"): self.update_label,
            ("GET", "/repos/{owner}/{repo}/pulls"): self.list_pulls,
            ("POST", "/repos/{owner}/{repo}/pulls"): self.create_pull,
            (
                "POST",
                "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers",
            ): self.request_reviewers,
            ("GET", "/repos/{owner}/{repo}/commits"): self.list_commits,
            ("GET", "/repos/{owner}/{repo}/contents/{path}"): self.get_content,
            ("PUT", "/repos/{owner}/{repo}/contents/{path}"): self.put_content,
            ("POST", "/repos/{owner}/{repo}/git/refs"): self.create_ref,
            ("PATCH", "/repos/{owner}/{repo}/git/refs/{ref}"): self.update_ref,
            (
                "GET",
                "/repos/{owner}/{repo}/actions/workflows/{workflow_id}",
            ): self.get_workflow,
            (
                "PUT",
                "/repos/{owner}/{repo}/actions/workflows/{workflow_id}/enable",
            ): self.enable_workflow,
            (
                "PUT",
                "/repos/{owner}/{repo}/actions/workflows/{workflow_id}/disable",
            ): self.disable_workflow,
            ("GET", "/repos/{owner}/{repo}/issues"): self.list_issues,
            (
                "GET",
                "/repos/{owner}/{repo}/issues/{issue_number}/comments",
            ): self.list_comments,
            ("GET", "/repos/{owner}/{repo}/issues/{issue_number}/events"): self.list_events,
        }

    def handle(self, template: str, call: Call) -> Reply:
        route = self.routes.get((call.method, template))
        if route is None:
            raise Refusal(404, "Not Found")
        if "owner" in call.params and (
            str(call.params["owner"]).lower() != self.state.owner.lower()
            or str(call.params["repo"]).lower() != self.state.name.lower()
        ):
            raise Refusal(404, "Not Found")
        return route(call)

    # -- shapes ---------------------------------------------------------------------------

    def example(self, name: str) -> Any:
        found = self.examples[name]
        return copy.deepcopy(found[0] if isinstance(found, list) else found)

    def user(self, login: str | None) -> dict[str, Any] | None:
        if not login:
            return None
        account = self.state.account(login)
        api = f"{self.base}/users/{quote(account.login)}"
        return {
            "login": account.login,
            "id": account.id,
            "node_id": node_id("User", account.id),
            "avatar_url": f"https://avatars.githubusercontent.com/u/{account.id}?v=4",
            "gravatar_id": "",
            "url": api,
            "html_url": f"https://github.com/{account.login}",
            "followers_url": f"{api}/followers",
            "following_url": f"{api}/following{{/other_user}}",
            "gists_url": f"{api}/gists{{/gist_id}}",
            "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{api}/subscriptions",
            "organizations_url": f"{api}/orgs",
            "repos_url": f"{api}/repos",
            "events_url": f"{api}/events{{/privacy}}",
            "received_events_url": f"{api}/received_events",
            "type": account.kind,
            "user_view_type": "public",
            "site_admin": False,
        }

    def label(self, found: LabelDef, nullable: bool = True) -> dict[str, Any]:
        # An issue's labels may have a null description; a pull request listing's may not.
        description = found.description if nullable else found.description or ""
        return {
            "id": found.id,
            "node_id": node_id("Label", found.id),
            "url": f"{self.repo_url}/labels/{quote(found.name)}",
            "name": found.name,
            "color": found.color,
            "default": False,
            "description": description,
        }

    def issue(self, issue: IssueRec) -> dict[str, Any]:
        url = f"{self.repo_url}/issues/{issue.number}"
        out = self.example("issue")
        labels = [self.state.label(n) for n in issue.labels]
        out.update(
            {
                "id": issue.id,
                "node_id": node_id("Issue", issue.id),
                "url": url,
                "repository_url": self.repo_url,
                "labels_url": f"{url}/labels{{/name}}",
                "comments_url": f"{url}/comments",
                "events_url": f"{url}/events",
                "html_url": f"{self.html}/issues/{issue.number}",
                "number": issue.number,
                "state": issue.state,
                "state_reason": issue.state_reason,
                "title": issue.title,
                "body": issue.body,
                "user": self.user(issue.author),
                "labels": [self.label(lbl) for lbl in labels if lbl is not None],
                "assignee": self.user(issue.assignees[0]) if issue.assignees else None,
                "assignees": [self.user(a) for a in issue.assignees],
                "milestone": None,
                "locked": False,
                "active_lock_reason": None,
                "comments": len(issue.comments),
                "closed_at": iso(issue.closed_at),
                "created_at": iso(issue.created_at),
                "updated_at": iso(issue.updated_at),
                "closed_by": None,
                "author_association": self.association(issue.author),
                "pinned_comment": None,
            }
        )
        if issue.pull is not None:
            out["pull_request"] = {
                "url": f"{self.repo_url}/pulls/{issue.number}",
                "html_url": f"{self.html}/pull/{issue.number}",
                "diff_url": f"{self.html}/pull/{issue.number}.diff",
                "patch_url": f"{self.html}/pull/{issue.number}.patch",
                "merged_at": iso(issue.pull.merged_at),
            }
        else:
            out.pop("pull_request", None)
        for key in ("repository", "reactions", "timeline_url", "performed_via_github_app"):
            out.pop(key, None)
        return out

    def association(self, login: str) -> str:
        if login.lower() == self.state.owner.lower():
            return "OWNER"
        if login.lower() in self.state.collaborators:
            return "COLLABORATOR"
        return "NONE"

    def comment(self, found: CommentRec) -> dict[str, Any]:
        out = self.example("issue-comment")
        out.update(
            {
                "id": found.id,
                "node_id": node_id("IssueComment", found.id),
                "url": f"{self.repo_url}/issues/comments/{found.id}",
                "html_url": f"{self.html}/issues/{found.issue}#issuecomment-{found.id}",
                "issue_url": f"{self.repo_url}/issues/{found.issue}",
                "body": found.body,
                "user": self.user(found.author),
                "created_at": iso(found.created_at),
                "updated_at": iso(found.updated_at),
                "author_association": self.association(found.author),
            }
        )
        return out

    def event(self, issue: IssueRec, found: EventRec) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": found.id,
            "node_id": node_id("IssueEvent", found.id),
            "url": f"{self.repo_url}/issues/events/{found.id}",
            "actor": self.user(found.actor),
            "event": found.kind,
            "commit_id": None,
            "commit_url": None,
            "created_at": iso(found.at),
            "performed_via_github_app": None,
        }
        if found.label is not None:
            known = self.state.label(found.label)
            out["label"] = {"name": found.label, "color": known.color if known else "ededed"}
        if found.assignee is not None:
            out["assignee"] = self.user(found.assignee)
            out["assigner"] = self.user(found.actor)
        if found.kind == "closed":
            out["state_reason"] = issue.state_reason
        if found.kind == "renamed":
            out["rename"] = {"from": found.before, "to": found.after}
        return out

    def repository(self, full: bool = True) -> dict[str, Any]:
        out = self.example("full-repository-default-response")
        state = self.state
        for key in ("parent", "source", "template_repository", "organization"):
            out.pop(key, None)
        out.update(
            {
                "id": state.id,
                "node_id": node_id("Repository", state.id),
                "name": state.name,
                "full_name": f"{state.owner}/{state.name}",
                "owner": self.user(state.owner),
                "private": False,
                "html_url": self.html,
                "url": self.repo_url,
                "default_branch": state.default_branch,
                "open_issues_count": len(state.open_numbers()),
                "open_issues": len(state.open_numbers()),
                "language": "Python",
                "visibility": "public",
                "fork": False,
                "created_at": iso(state.created_at),
                "pushed_at": iso(state.commits[state.head()].at),
                "updated_at": iso(state.commits[state.head()].at),
            }
        )
        if not full:
            for key in ("network_count", "subscribers_count", "temp_clone_token", "permissions"):
                out.pop(key, None)
            out["has_downloads"] = True
        return out

    def commit(self, found: CommitRec) -> dict[str, Any]:
        out = self.example("commit-items")
        account = self.state.account(found.author)
        person = {
            "name": account.login,
            "email": f"{account.id}+{account.login}@users.noreply.github.com",
            "date": iso(found.at),
        }
        out.update(
            {
                "url": f"{self.repo_url}/commits/{found.sha}",
                "sha": found.sha,
                "node_id": node_id("Commit", int(found.sha[:8], 16)),
                "html_url": f"{self.html}/commit/{found.sha}",
                "comments_url": f"{self.repo_url}/commits/{found.sha}/comments",
                "author": self.user(found.author),
                "committer": self.user(found.author),
                "parents": [
                    {
                        "url": f"{self.repo_url}/commits/{p}",
                        "html_url": f"{self.html}/commit/{p}",
                        "sha": p,
                    }
                    for p in found.parents
                ],
            }
        )
        out["commit"].update(
            {
                "url": f"{self.repo_url}/git/commits/{found.sha}",
                "author": person,
                "committer": person,
                "message": found.message,
                "tree": {"url": f"{self.repo_url}/git/trees/{found.sha}", "sha": found.sha},
            }
        )
        for key in ("stats", "files"):
            out.pop(key, None)
        return out

    def content(self, path: str, text: str, ref: str) -> dict[str, Any]:
        sha = blob_sha(text)
        url = f"{self.repo_url}/contents/{quote(path)}?ref={quote(ref)}"
        html = f"{self.html}/blob/{ref}/{path}"
        git = f"{self.repo_url}/git/blobs/{sha}"
        encoded = base64.encodebytes(text.encode("utf-8")).decode()
        return {
            "type": "file",
            "encoding": "base64",
            "size": len(text.encode("utf-8")),
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            "content": encoded,
            "sha": sha,
            "url": url,
            "git_url": git,
            "html_url": html,
            "download_url": f"https://raw.githubusercontent.com/{self.state.owner}/"
            f"{self.state.name}/{ref}/{path}",
            "_links": {"git": git, "self": url, "html": html},
        }

    def git_ref(self, ref: str) -> dict[str, Any]:
        sha = self.state.refs[ref]
        return {
            "ref": f"refs/{ref}",
            "node_id": node_id("Ref", int(sha[:8], 16)),
            "url": f"{self.repo_url}/git/refs/{ref}",
            "object": {
                "type": "commit",
                "sha": sha,
                "url": f"{self.repo_url}/git/commits/{sha}",
            },
        }

    def pull(self, issue: IssueRec, simple: bool = False) -> dict[str, Any]:
        assert issue.pull is not None
        pull = issue.pull
        out = self.example("pull-request-simple-items" if simple else "pull-request")
        url = f"{self.repo_url}/pulls/{issue.number}"
        issue_url = f"{self.repo_url}/issues/{issue.number}"
        html = f"{self.html}/pull/{issue.number}"
        labels = [self.state.label(n) for n in issue.labels]
        repo = self.repository(full=False)
        owner = self.user(self.state.owner)

        def side(branch: str, sha: str) -> dict[str, Any]:
            return {
                "label": f"{self.state.owner}:{branch}",
                "ref": branch,
                "sha": sha,
                "user": owner,
                "repo": repo,
            }

        merged = pull.merged_at is not None
        out.update(
            {
                "url": url,
                "id": issue.id,
                "node_id": node_id("PullRequest", issue.id),
                "html_url": html,
                "diff_url": f"{html}.diff",
                "patch_url": f"{html}.patch",
                "issue_url": issue_url,
                "commits_url": f"{url}/commits",
                "review_comments_url": f"{url}/comments",
                "review_comment_url": f"{self.repo_url}/pulls/comments{{/number}}",
                "comments_url": f"{issue_url}/comments",
                "statuses_url": f"{self.repo_url}/statuses/{pull.head_sha}",
                "number": issue.number,
                "state": issue.state,
                "locked": False,
                "active_lock_reason": None,
                "title": issue.title,
                "user": self.user(issue.author),
                "body": issue.body,
                "labels": [self.label(lbl, False) for lbl in labels if lbl is not None],
                "milestone": None,
                "created_at": iso(issue.created_at),
                "updated_at": iso(issue.updated_at),
                "closed_at": iso(issue.closed_at),
                "merged_at": iso(pull.merged_at),
                "merge_commit_sha": None,
                "assignee": self.user(issue.assignees[0]) if issue.assignees else None,
                "assignees": [self.user(a) for a in issue.assignees],
                "requested_reviewers": [self.user(r) for r in pull.reviewers],
                "requested_teams": [self.team(self.state.teams[t]) for t in pull.team_reviewers],
                "head": side(pull.head, pull.head_sha),
                "base": side(pull.base, pull.base_sha),
                "author_association": self.association(issue.author),
                "auto_merge": None,
                "draft": False,
                "_links": {
                    "self": {"href": url},
                    "html": {"href": html},
                    "issue": {"href": issue_url},
                    "comments": {"href": f"{issue_url}/comments"},
                    "review_comments": {"href": f"{url}/comments"},
                    "review_comment": {"href": f"{self.repo_url}/pulls/comments{{/number}}"},
                    "commits": {"href": f"{url}/commits"},
                    "statuses": {"href": f"{self.repo_url}/statuses/{pull.head_sha}"},
                },
            }
        )
        if not simple:
            out.update(
                {
                    "merged": merged,
                    "mergeable": None,
                    "rebaseable": None,
                    "mergeable_state": "unknown",
                    "merged_by": None,
                    "comments": len(issue.comments),
                    "review_comments": 0,
                    "maintainer_can_modify": False,
                    "commits": 1,
                    "additions": 1,
                    "deletions": 1,
                    "changed_files": 1,
                }
            )
        return out

    def team(self, team: TeamRec) -> dict[str, Any]:
        url = f"{self.base}/organizations/{self.state.account(team.org).id}/team/{team.id}"
        return {
            "id": team.id,
            "node_id": node_id("Team", team.id),
            "url": url,
            "members_url": f"{url}/members{{/member}}",
            "name": team.name,
            "description": None,
            "permission": team.permission or "pull",
            "privacy": "closed",
            "notification_setting": "notifications_enabled",
            "html_url": f"https://github.com/orgs/{team.org}/teams/{team.slug}",
            "repositories_url": f"{url}/repos",
            "slug": team.slug,
            "type": "organization",
            "parent": None,
        }

    # -- helpers --------------------------------------------------------------------------

    def page(self, call: Call, items: Sequence[Any], build: Callable[[Any], Any]) -> Reply:
        per_page = min(int(call.query.get("per_page") or 30), 100)
        number = max(int(call.query.get("page") or 1), 1)
        start = (number - 1) * per_page
        chunk = items[start : start + per_page]
        last = max(1, -(-len(items) // per_page))
        links = []
        query = {k: v for k, v in call.query.items() if k != "page"}

        def link(page: int, rel: str) -> str:
            encoded = urlencode({**{k: _q(v) for k, v in query.items()}, "page": page})
            return f'<{self.base}{call.path}?{encoded}>; rel="{rel}"'

        if number < last:
            links += [link(number + 1, "next"), link(last, "last")]
        if number > 1:
            links += [link(1, "first"), link(number - 1, "prev")]
        headers = {"Link": ", ".join(links)} if links else {}
        return Reply(200, [build(x) for x in chunk], headers)

    def issue_of(self, call: Call, key: str = "issue_number") -> IssueRec:
        issue = self.state.issues.get(int(call.params[key]))
        if issue is None:
            raise Refusal(404, "Not Found")
        return issue

    def _check_body(self, text: Any, what: str = "body") -> None:
        if isinstance(text, str) and len(text) > MAX_BODY:
            raise Refusal(
                422,
                "Validation Failed",
                [
                    {
                        "resource": "IssueComment" if what == "body" else "Issue",
                        "code": "custom",
                        "field": what,
                        "message": f"{what} is too long (maximum is {MAX_BODY} characters)",
                    }
                ],
            )

    def _ref_sha(self, ref: str | None) -> str:
        """A branch name or a commit sha -> the commit sha."""
        if not ref:
            return self.state.head()
        if ref in self.state.commits:
            return ref
        sha = self.state.refs.get(f"heads/{ref}") or self.state.refs.get(ref.removeprefix("refs/"))
        if sha is None:
            raise Refusal(404, f"No commit found for the ref {ref}")
        return sha

    # -- repository, access ---------------------------------------------------------------

    def get_repo(self, call: Call) -> Reply:
        return Reply(200, self.repository())

    def get_branch(self, call: Call) -> Reply:
        name = call.params["branch"]
        sha = self.state.refs.get(f"heads/{name}")
        if sha is None:
            raise Refusal(404, "Branch not found")
        out = self.example("branch-get")
        out.update(
            {
                "name": name,
                "commit": self.commit(self.state.commits[sha]),
                "protected": False,
                "protection": {
                    "enabled": False,
                    "required_status_checks": {
                        "enforcement_level": "off",
                        "contexts": [],
                        "checks": [],
                    },
                },
                "protection_url": f"{self.repo_url}/branches/{quote(name)}/protection",
                "_links": {
                    "html": f"{self.html}/tree/{name}",
                    "self": f"{self.repo_url}/branches/{quote(name)}",
                },
            }
        )
        return Reply(200, out)

    def list_collaborators(self, call: Call) -> Reply:
        wanted = PERMISSIONS.index(call.query.get("permission") or "pull")
        # Direct collaborators and, as GitHub lists them too, members of teams with access
        # (affiliation "all", the default), each at the highest role they have.
        levels = {login: PERMISSIONS.index(p) for login, p in self.state.collaborators.items()}
        if call.query.get("affiliation") in (None, "all"):
            for team in self.state.teams.values():
                if team.permission is None:
                    continue
                for member in team.members:
                    level = PERMISSIONS.index(team.permission)
                    levels[member.lower()] = max(levels.get(member.lower(), 0), level)
        found = [
            (login, PERMISSIONS[level])
            for login, level in sorted(levels.items())
            if level >= wanted
        ]

        def build(item: tuple[str, str]) -> dict[str, Any]:
            login, permission = item
            level = PERMISSIONS.index(permission)
            out = self.user(login) or {}
            out["permissions"] = {p: level >= i for i, p in enumerate(PERMISSIONS)}
            out["role_name"] = ROLE_NAMES.get(permission, permission)
            return out

        return self.page(call, found, build)

    def list_team_members(self, call: Call) -> Reply:
        if not self.state.teams_readable:
            raise Refusal(403, "Resource not accessible by integration")
        team = self.state.teams.get(f"{call.params['org']}/{call.params['team_slug']}".lower())
        if team is None:
            raise Refusal(404, "Not Found")

        def build(login: str) -> dict[str, Any]:
            return self.user(login) or {}

        return self.page(call, sorted(team.members, key=str.lower), build)

    # -- issues ---------------------------------------------------------------------------

    def add_labels(self, call: Call) -> Reply:
        issue = self.issue_of(call)
        body = call.body
        names = body.get("labels") if isinstance(body, dict) else body  # lenient: bare list
        names = [n["name"] if isinstance(n, dict) else n for n in names or ()]
        if not names:
            raise Refusal(422, "Invalid request.\n\nNo labels given.")
        self.state.add_labels(call.actor, issue.number, names)
        return Reply(200, [self.label(self.state.label(n)) for n in issue.labels])  # type: ignore[arg-type]

    def remove_label(self, call: Call) -> Reply:
        issue = self.issue_of(call)
        if not self.state.remove_label(call.actor, issue.number, call.params["name"]):
            raise Refusal(404, "Label does not exist")
        return Reply(200, [self.label(self.state.label(n)) for n in issue.labels])  # type: ignore[arg-type]

    def create_comment(self, call: Call) -> Reply:
        issue = self.issue_of(call)
        self._check_body(call.body.get("body"))
        found = self.state.comment(call.actor, issue.number, call.body["body"])
        out = self.comment(found)
        return Reply(201, out, {"Location": out["url"]})

    def update_comment(self, call: Call) -> Reply:
        found = self.state.comments.get(int(call.params["comment_id"]))
        if found is None:
            raise Refusal(404, "Not Found")
        self._check_body(call.body.get("body"))
        try:
            edited = self.state.edit_comment(found.id, call.body["body"], editor=call.actor)
        except PermissionError:
            # github.com: only the author or someone with write access may edit a comment
            raise Refusal(403, "Forbidden") from None
        return Reply(200, self.comment(edited))

    def add_assignees(self, call: Call) -> Reply:
        issue = self.issue_of(call)
        logins = [
            a["login"] if isinstance(a, dict) else a for a in (call.body or {}).get("assignees", ())
        ]
        # GitHub quietly leaves out whoever cannot be assigned.
        self.state.assign(call.actor, issue.number, [a for a in logins if self.state.assignable(a)])
        return Reply(201, self.issue(issue))

    def update_issue(self, call: Call) -> Reply:
        issue = self.issue_of(call)
        body = call.body or {}
        try:
            if "body" in body and body["body"] is not None:
                self._check_body(body["body"], "body")
                self.state.edit_body(call.actor, issue.number, body["body"])
            if body.get("title") is not None:
                self.state.rename(call.actor, issue.number, str(body["title"]))
        except PermissionError:
            raise Refusal(403, "Forbidden") from None
        if body.get("state") in ("open", "closed"):
            reason = body.get("state_reason")
            self.state.set_state(call.actor, issue.number, body["state"], reason=reason)
        if "labels" in body:
            names = [n["name"] if isinstance(n, dict) else n for n in body["labels"] or ()]
            for current in list(issue.labels):
                if current.lower() not in {n.lower() for n in names}:
                    self.state.remove_label(call.actor, issue.number, current)
            self.state.add_labels(call.actor, issue.number, names)
        return Reply(200, self.issue(issue))

    def list_issues(self, call: Call) -> Reply:
        q = call.query
        state = q.get("state") or "open"
        labels = {n.strip().lower() for n in (q.get("labels") or "").split(",") if n.strip()}
        since = parse_time(q["since"]) if q.get("since") else None
        pool: Iterable[IssueRec]
        if state == "open":
            pool = (self.state.issues[n] for n in self.state.open_numbers() + self._open_pulls())
        else:
            pool = self.state.issues.values()
        found = [
            i
            for i in pool
            if (state == "all" or i.state == state)
            and labels <= {n.lower() for n in i.labels}  # REST: every label given
            and (since is None or i.updated_at >= since)
        ]
        key = {
            "created": lambda i: (i.created_at, i.number),
            "updated": lambda i: (i.updated_at, i.number),
            "comments": lambda i: (len(i.comments), i.number),
        }[q.get("sort") or "created"]
        found.sort(key=key, reverse=(q.get("direction") or "desc") == "desc")
        return self.page(call, found, self.issue)

    def _open_pulls(self) -> list[int]:
        return [i.number for i in self.state.pulls() if i.state == "open"]

    def list_comments(self, call: Call) -> Reply:
        issue = self.issue_of(call)
        since = parse_time(call.query["since"]) if call.query.get("since") else None
        found = [
            c
            for c in self.state.comments_on(issue.number)
            if since is None or c.updated_at >= since
        ]
        return self.page(call, found, self.comment)

    def list_events(self, call: Call) -> Reply:
        issue = self.issue_of(call)
        # A deleted comment shows in the timeline (GraphQL, REST's /timeline), not in /events.
        shown = [e for e in issue.events if e.kind != "comment_deleted"]
        return self.page(call, shown, lambda e: self.event(issue, e))

    # -- labels ---------------------------------------------------------------------------

    def list_labels(self, call: Call) -> Reply:
        found = sorted(self.state.labels.values(), key=lambda lbl: lbl.name.lower())
        return self.page(call, found, self.label)

    def _color(self, color: Any) -> str:
        text = str(color or "ededed")
        if not re.fullmatch(r"[0-9a-fA-F]{6}", text):
            raise Refusal(
                422,
                "Validation Failed",
                [{"resource": "Label", "code": "invalid", "field": "color"}],
            )
        return text.lower()

    def create_label(self, call: Call) -> Reply:
        body = call.body
        if self.state.label(body["name"]) is not None:
            raise Refusal(
                422,
                "Validation Failed",
                [{"resource": "Label", "code": "already_exists", "field": "name"}],
            )
        found = self.state.create_label(
            body["name"], self._color(body.get("color")), body.get("description")
        )
        return Reply(201, self.label(found))

    def update_label(self, call: Call) -> Reply:
        found = self.state.label(call.params["name"])
        if found is None:
            raise Refusal(404, "Not Found")
        body = call.body or {}
        if body.get("color") is not None:
            found.color = self._color(body["color"])
        if "description" in body:
            found.description = body["description"]
        if body.get("new_name") and body["new_name"] != found.name:
            del self.state.labels[found.name.lower()]
            for issue in self.state.issues.values():
                issue.labels = [body["new_name"] if n == found.name else n for n in issue.labels]
            found.name = body["new_name"]
            self.state.labels[found.name.lower()] = found
        return Reply(200, self.label(found))

    # -- git and contents -----------------------------------------------------------------

    def list_commits(self, call: Call) -> Reply:
        q = call.query
        found = self.state.history(self._ref_sha(q.get("sha")))
        path = q.get("path")
        if path:
            found = [
                c
                for c in found
                if c.files.get(path)
                != (self.state.commits[c.parents[0]].files.get(path) if c.parents else None)
            ]
        if q.get("since"):
            found = [c for c in found if c.at >= parse_time(q["since"])]
        if q.get("until"):
            found = [c for c in found if c.at <= parse_time(q["until"])]
        return self.page(call, found, self.commit)

    def get_content(self, call: Call) -> Reply:
        ref = call.query.get("ref") or self.state.default_branch
        sha = self._ref_sha(ref)
        text = self.state.commits[sha].files.get(call.params["path"])
        if text is None:
            raise Refusal(404, "Not Found")
        return Reply(200, self.content(call.params["path"], text, ref))

    def put_content(self, call: Call) -> Reply:
        body = call.body
        path = call.params["path"]
        branch = body.get("branch") or self.state.default_branch
        if f"heads/{branch}" not in self.state.refs:
            raise Refusal(404, f"Branch {branch} not found")
        current = self.state.file_at(branch, path)
        try:
            text = base64.b64decode(body["content"], validate=True).decode("utf-8")
        except ValueError:
            raise Refusal(422, "content is not valid Base64") from None
        if current is not None:
            if not body.get("sha"):
                raise Refusal(422, 'Invalid request.\n\n"sha" wasn\'t supplied.')
            if body["sha"] != blob_sha(current):
                raise Refusal(409, f"{path} does not match {body['sha']}")
        sha = self.state.commit({path: text}, body["message"], call.actor, branch=branch)
        commit = self.commit(self.state.commits[sha])
        git_commit = dict(commit["commit"])
        git_commit.update(
            {
                "sha": sha,
                "node_id": commit["node_id"],
                "html_url": commit["html_url"],
                "parents": commit["parents"],
                "verification": {
                    "verified": True,
                    "reason": "valid",
                    "signature": None,
                    "payload": None,
                    "verified_at": iso(self.state.clock()),
                },
            }
        )
        git_commit.pop("comment_count", None)
        content = self.content(path, text, branch)
        for key in ("content", "encoding"):
            content.pop(key)
        return Reply(
            200 if current is not None else 201, {"content": content, "commit": git_commit}
        )

    def create_ref(self, call: Call) -> Reply:
        ref, sha = call.body["ref"], call.body["sha"]
        if not ref.startswith("refs/") or ref.count("/") < 2:
            raise Refusal(422, "Reference name is invalid")  # "refs/heads/x" is required
        if sha not in self.state.commits:
            raise Refusal(422, "Object does not exist")
        key = ref.removeprefix("refs/")
        if key in self.state.refs:
            raise Refusal(422, "Reference already exists")
        self.state.refs[key] = sha
        out = self.git_ref(key)
        return Reply(201, out, {"Location": out["url"]})

    def update_ref(self, call: Call) -> Reply:
        key = call.params["ref"].removeprefix("refs/")
        if key not in self.state.refs:
            raise Refusal(422, "Reference does not exist")
        sha = call.body["sha"]
        if sha not in self.state.commits:
            raise Refusal(422, "Object does not exist")
        ancestors = {c.sha for c in self.state.history(sha)}
        if self.state.refs[key] not in ancestors and not call.body.get("force"):
            raise Refusal(422, "Update is not a fast forward")
        self.state.refs[key] = sha
        return Reply(200, self.git_ref(key))

    # -- pull requests --------------------------------------------------------------------

    def list_pulls(self, call: Call) -> Reply:
        q = call.query
        state = q.get("state") or "open"
        found = [p for p in self.state.pulls() if state == "all" or p.state == state]
        if q.get("head"):
            branch = q["head"].rpartition(":")[2]
            found = [p for p in found if p.pull and p.pull.head == branch]
        if q.get("base"):
            found = [p for p in found if p.pull and p.pull.base == q["base"]]
        key = {
            "created": lambda i: i.created_at,
            "updated": lambda i: i.updated_at,
            "popularity": lambda i: len(i.comments),
            "long-running": lambda i: i.created_at,
        }[q.get("sort") or "created"]
        found.sort(
            key=lambda i: (key(i), i.number), reverse=(q.get("direction") or "desc") == "desc"
        )
        return self.page(call, found, lambda i: self.pull(i, simple=True))

    def create_pull(self, call: Call) -> Reply:
        body = call.body
        head = body["head"].split(":", 1)[-1]
        base = body["base"]
        for name, branch in (("head", head), ("base", base)):
            if f"heads/{branch}" not in self.state.refs:
                raise Refusal(
                    422,
                    "Validation Failed",
                    [{"resource": "PullRequest", "field": name, "code": "invalid"}],
                )
        if not body.get("title"):
            raise Refusal(
                422,
                "Validation Failed",
                [{"resource": "PullRequest", "code": "missing_field", "field": "title"}],
            )
        for other in self.state.pulls():
            if other.state == "open" and other.pull and other.pull.head == head:
                raise Refusal(
                    422,
                    "Validation Failed",
                    [
                        {
                            "resource": "PullRequest",
                            "code": "custom",
                            "message": "A pull request already exists for "
                            f"{self.state.owner}:{head}.",
                        }
                    ],
                )
        if self.state.head(head) in {c.sha for c in self.state.history(self.state.head(base))}:
            raise Refusal(
                422,
                "Validation Failed",
                [
                    {
                        "resource": "PullRequest",
                        "code": "custom",
                        "message": f"No commits between {base} and {head}",
                    }
                ],
            )
        issue = self.state.open_pull(call.actor, head, base, body["title"], body.get("body") or "")
        out = self.pull(issue)
        return Reply(201, out, {"Location": out["url"]})

    def request_reviewers(self, call: Call) -> Reply:
        issue = self.issue_of(call, "pull_number")
        if issue.pull is None:
            raise Refusal(404, "Not Found")
        users = list((call.body or {}).get("reviewers") or ())
        teams = list((call.body or {}).get("team_reviewers") or ())
        if not users and not teams:
            raise Refusal(
                422,
                'Invalid request.\n\nNo subschema in "anyOf" matched.',
            )
        if any(u.lower() == issue.author.lower() for u in users):
            raise Refusal(
                422,
                "Review cannot be requested from pull request author.",
            )
        strangers = [u for u in users if not self.state.can_push(u)]
        keys = [f"{self.state.owner}/{t}".lower() for t in teams]
        missing = [t for t, k in zip(teams, keys, strict=True) if k not in self.state.teams]
        no_access = [
            t
            for t, k in zip(teams, keys, strict=True)
            if k in self.state.teams and self.state.teams[k].permission is None
        ]
        if strangers or missing or no_access:
            raise Refusal(
                422,
                "Reviews may only be requested from collaborators. One or more of the users or "
                f"teams you specified is not a collaborator of the {self.state.owner}/"
                f"{self.state.name} repository.",
            )
        for user in users:
            if user not in issue.pull.reviewers:
                issue.pull.reviewers.append(self.state.account(user).login)
        for key in keys:
            if key not in issue.pull.team_reviewers:
                issue.pull.team_reviewers.append(key)
        return Reply(201, self.pull(issue, simple=True))

    def get_workflow(self, call: Call) -> Reply:
        name = str(call.params["workflow_id"])
        if name not in self.state.workflows:
            raise Refusal(404, "Not Found")
        at = iso(self.state.created_at)
        path = f".github/workflows/{name}"
        return Reply(
            200,
            {
                "id": 161335,
                "node_id": "MDg6V29ya2Zsb3cxNjEzMzU=",
                "name": name.removesuffix(".yml"),
                "path": path,
                "state": self.state.workflows[name],
                "created_at": at,
                "updated_at": at,
                "url": f"{self.repo_url}/actions/workflows/161335",
                "html_url": f"{self.html}/blob/main/{path}",
                "badge_url": f"{self.html}/workflows/{name}/badge.svg",
            },
        )

    def enable_workflow(self, call: Call) -> Reply:
        return self._set_workflow(call, "active")

    def disable_workflow(self, call: Call) -> Reply:
        return self._set_workflow(call, "disabled_manually")

    def _set_workflow(self, call: Call, state: str) -> Reply:
        """A workflow by file name (or id): 404 if there is none, 403 without actions: write."""
        name = str(call.params["workflow_id"])
        if name not in self.state.workflows:
            raise Refusal(404, "Not Found")
        if not self.state.actions_writable:
            raise Refusal(403, "Resource not accessible by integration")
        self.state.workflows[name] = state
        return Reply(204, None)


def _q(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(map(str, value))
    return str(value)
