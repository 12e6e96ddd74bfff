"""The naive baseline of benchmarks/sweep.py: dutydesk's GitHub adapter with its GraphQL reads
replaced by plain REST listings, one issue at a time (list the open issues, then each issue's
comments and its events)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

_CONNECT: list[Any] = []  # dutydesk's own connect(), kept by the caller before it patches it


def naive_repository(token: str | None, repo_name: str | None, api_url: str | None) -> Any:
    """dutydesk's GitHub adapter with its GraphQL reads replaced by plain REST listings."""
    from dutydesk.io.github import GitHubRepository
    from dutydesk.model import BodyRevision, Comment, EventKind, Issue, IssueEvent

    kinds = {k.value: k for k in EventKind}

    def when(text: str | None) -> datetime | None:
        return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None

    class NaiveRepository(GitHubRepository):
        def _all(self, path: str, **params: Any) -> list[Any]:
            url: str | None = f"{self.repo.url}{path}"
            found: list[Any] = []
            query: dict[str, Any] | None = {"per_page": 100, **params}
            while url:
                headers, data = self.reader.requestJsonAndCheck("GET", url, query)
                found.extend(data)
                url, query = None, None
                for part in (headers.get("link") or "").split(","):
                    if 'rel="next"' in part:
                        url = part[part.index("<") + 1 : part.index(">")]
            return found

        def _issue(self, data: dict[str, Any]) -> Issue:
            number = int(data["number"])
            comments = self._all(f"/issues/{number}/comments")
            events = self._all(f"/issues/{number}/events")
            author = data["user"]["login"]
            created = when(data["created_at"])
            assert created is not None
            return Issue(
                number=number,
                title=data["title"],
                body=data.get("body") or "",
                author=author,
                state=data["state"],
                created_at=created,
                updated_at=when(data["updated_at"]) or created,
                closed_at=when(data.get("closed_at")),
                labels=frozenset(label["name"] for label in data["labels"]),
                assignees=tuple(a["login"] for a in data.get("assignees") or ()),
                comments=tuple(
                    Comment(
                        id=c["id"],
                        author=c["user"]["login"],
                        body=c.get("body") or "",
                        created_at=when(c["created_at"]) or created,
                        updated_at=when(c["updated_at"]) or created,
                    )
                    for c in comments
                ),
                events=tuple(
                    IssueEvent(
                        kind=kinds[e["event"]],
                        actor=(e.get("actor") or {}).get("login", ""),
                        at=when(e["created_at"]) or created,
                        label=(e.get("label") or {}).get("name"),
                        assignee=(e.get("assignee") or {}).get("login"),
                        before=(e.get("rename") or {}).get("from"),
                        after=(e.get("rename") or {}).get("to"),
                    )
                    for e in events
                    if e["event"] in kinds
                ),
                # REST has no body history: the current body stands for all of it.
                revisions=(BodyRevision(at=created, body=data.get("body") or "", author=author),),
            )

        def get_issue(self, number: int) -> Issue:
            _, data = self.reader.requestJsonAndCheck("GET", f"{self.repo.url}/issues/{number}")
            return self._issue(data)

        def open_issues(self, labels: Iterable[str]) -> list[Issue]:
            wanted = {label.lower() for label in labels}
            found = [
                data
                for data in self._all("/issues", state="open")
                if "pull_request" not in data
                and (not wanted or wanted & {label["name"].lower() for label in data["labels"]})
            ]
            return sorted((self._issue(d) for d in found), key=lambda i: i.number)

        def each_open_issue(self, labels: Iterable[str]) -> Iterator[Issue]:
            return iter(self.open_issues(labels))

    adapter = _CONNECT[0](token, repo_name, api_url)  # dutydesk's own client settings
    return NaiveRepository(adapter.client, adapter.full_name)
