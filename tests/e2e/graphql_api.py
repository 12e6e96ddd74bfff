"""GitHub's GraphQL endpoint over a `RepoState`, held to GitHub's published schema.

Each query is parsed and validated against the slice of `@octokit/graphql-schema` in
`tests/fixtures/graphql/schema.graphql` (a field, argument or type GitHub does not have fails
there), then checked for what GitHub enforces beyond the schema (every connection needs `first`
or `last`, at most 100; at most 500,000 nodes a query), and executed with graphql-core, with
resolvers over the state. The answer is GitHub's: HTTP 200 with `errors` for a bad query.

Each answer also carries GitHub's rate-limit cost of the query, computed as GitHub documents it:
one request per connection per parent node, assuming every connection fills its `first`, the sum
divided by 100 and rounded, at least 1.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    build_schema,
    execute_sync,
    get_named_type,
    parse,
    validate,
    value_from_ast_untyped,
)

from .rest import node_id
from .state import Account, CommentRec, EditRec, IssueRec, RepoState

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "fixtures" / "graphql" / "schema.graphql"
MAX_PAGE = 100
MAX_NODES = 500_000

_TIMELINE_TYPES = {
    "labeled": ("LabeledEvent", "LABELED_EVENT"),
    "unlabeled": ("UnlabeledEvent", "UNLABELED_EVENT"),
    "assigned": ("AssignedEvent", "ASSIGNED_EVENT"),
    "unassigned": ("UnassignedEvent", "UNASSIGNED_EVENT"),
    "closed": ("ClosedEvent", "CLOSED_EVENT"),
    "reopened": ("ReopenedEvent", "REOPENED_EVENT"),
    "renamed": ("RenamedTitleEvent", "RENAMED_TITLE_EVENT"),
    "comment_deleted": ("CommentDeletedEvent", "COMMENT_DELETED_EVENT"),
}
MAX_IDS = 100  # GitHub's limit on `nodes(ids: ...)`
_COMMENT_ID = re.compile(r"0\d+:IssueComment(\d+)")


@dataclass
class Analysis:
    cost: int = 1
    nodes: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)


def iso(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment is not None else None


def cursor(index: int) -> str:
    return base64.b64encode(f"cursor:v2:{index}".encode()).decode()


def position(text: str | None, argument: str) -> int:
    if text is None:
        return -1
    try:
        return int(base64.b64decode(text).decode().removeprefix("cursor:v2:"))
    except ValueError:
        raise GraphQLError(f"`{text}` does not appear to be a valid cursor.") from None


def connection(
    items: Sequence[Any], args: dict[str, Any], build: Callable[[Any], Any]
) -> dict[str, Any]:
    start = position(args.get("after"), "after") + 1
    end = position(args.get("before"), "before") if args.get("before") else len(items)
    window = list(range(start, min(end, len(items))))
    if args.get("first") is not None:
        window = window[: args["first"]]
    if args.get("last") is not None:
        window = window[-args["last"] :] if args["last"] else []
    more = bool(window) and window[-1] < min(end, len(items)) - 1
    return {
        "nodes": [build(items[i]) for i in window],
        "pageInfo": {
            "hasNextPage": more,
            "endCursor": cursor(window[-1]) if window else None,
            "hasPreviousPage": bool(window) and window[0] > 0,
            "startCursor": cursor(window[0]) if window else None,
        },
    }


class GraphQLApi:
    def __init__(self, state: RepoState) -> None:
        self.state = state
        self.schema = _schema()

    # -- checks ---------------------------------------------------------------------------

    def analyse(self, document: DocumentNode, variables: dict[str, Any]) -> Analysis:
        """GitHub's pagination rules, node limit and cost, for the first operation."""
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        found = Analysis()
        requests = 0

        def arg(node: FieldNode, name: str) -> Any:
            for argument in node.arguments or ():
                if argument.name.value == name:
                    return value_from_ast_untyped(argument.value, variables)
            return None

        def included(node: Any) -> bool:
            for directive in node.directives or ():
                value = None
                for argument in directive.arguments or ():
                    if argument.name.value == "if":
                        value = value_from_ast_untyped(argument.value, variables)
                if directive.name.value == "include" and not value:
                    return False
                if directive.name.value == "skip" and value:
                    return False
            return True

        def walk(selection_set: SelectionSetNode | None, parent: Any, multiplier: int) -> None:
            nonlocal requests
            if selection_set is None:
                return
            for selection in selection_set.selections:
                if not included(selection):
                    continue
                if isinstance(selection, FragmentSpreadNode):
                    fragment = fragments[selection.name.value]
                    kind = self.schema.get_type(fragment.type_condition.name.value)
                    walk(fragment.selection_set, kind, multiplier)
                    continue
                if isinstance(selection, InlineFragmentNode):
                    kind = (
                        self.schema.get_type(selection.type_condition.name.value)
                        if selection.type_condition
                        else parent
                    )
                    walk(selection.selection_set, kind, multiplier)
                    continue
                assert isinstance(selection, FieldNode)
                name = selection.name.value
                if name.startswith("__") or not isinstance(
                    parent, GraphQLObjectType | GraphQLInterfaceType
                ):
                    continue
                definition = parent.fields[name]
                kind = get_named_type(definition.type)
                inner = multiplier
                if parent is self.schema.query_type and name == "nodes":
                    ids = arg(selection, "ids") or []
                    if len(ids) > MAX_IDS:
                        found.problems.append(
                            {
                                "type": "EXCESSIVE_PAGINATION",
                                "message": f"You may not request more than {MAX_IDS} ids "
                                f"(asked for {len(ids)}).",
                            }
                        )
                    inner = multiplier * max(len(ids), 1)  # each node is a parent
                    found.nodes += inner
                if kind.name.endswith("Connection"):
                    first, last = arg(selection, "first"), arg(selection, "last")
                    limit = first if first is not None else last
                    which = "first" if first is not None else "last"
                    if limit is None:
                        found.problems.append(
                            {
                                "type": "MISSING_PAGINATION_BOUNDARIES",
                                "message": "You must provide a `first` or `last` value to "
                                f"properly paginate the `{name}` connection.",
                            }
                        )
                        limit = MAX_PAGE
                    elif not 1 <= limit <= MAX_PAGE:
                        found.problems.append(
                            {
                                "type": "EXCESSIVE_PAGINATION",
                                "message": f"Requesting {limit} records on the `{name}` "
                                f"connection exceeds the `{which}` limit of {MAX_PAGE} records.",
                            }
                        )
                    requests += multiplier
                    inner = multiplier * max(limit, 0)
                    found.nodes += inner
                walk(selection.selection_set, kind, inner)

        operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
        walk(operation.selection_set, self.schema.query_type, 1)
        if found.nodes > MAX_NODES:
            found.problems.append(
                {
                    "type": "MAX_NODE_LIMIT_EXCEEDED",
                    "message": f"This query requests up to {found.nodes:,} possible nodes "
                    f"which exceeds the maximum limit of {MAX_NODES:,}.",
                }
            )
        found.cost = max(1, round(requests / 100))
        return found

    # -- answering ------------------------------------------------------------------------

    def answer(self, body: Any) -> tuple[dict[str, Any], list[str], Analysis | None]:
        """(GitHub's answer, contract problems, analysis) for one POST /graphql body."""
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            message = "A query attribute must be specified and must be a string."
            return {"errors": [{"message": message}]}, [message], None
        variables = body.get("variables") or {}
        if not isinstance(variables, dict):
            message = "Variables are invalid JSON."
            return {"errors": [{"message": message}]}, [message], None
        document, errors = _document(body["query"])
        if errors:
            found = [
                {"message": e.message, "locations": e.formatted.get("locations")} for e in errors
            ]
            return {"errors": found}, [e.message for e in errors], None
        assert document is not None
        analysis = self.analyse(document, variables)
        if analysis.problems:
            return (
                {"errors": analysis.problems},
                [p["message"] for p in analysis.problems],
                analysis,
            )
        result = execute_sync(
            self.schema,
            document,
            root_value=self,
            variable_values=variables,
            operation_name=body.get("operationName"),
        )
        answer: dict[str, Any] = {"data": result.data}
        problems = []
        if result.errors:
            answer["errors"] = []
            for error in result.errors:
                formatted = dict(error.formatted)
                if error.extensions and "type" in error.extensions:
                    formatted["type"] = error.extensions["type"]
                    formatted.pop("extensions", None)
                else:
                    problems.append(error.message)  # a variable or value GitHub refuses
                answer["errors"].append(formatted)
        return answer, problems, analysis

    # -- resolvers ------------------------------------------------------------------------

    def actor(self, login: str | None) -> dict[str, Any] | None:
        if not login:
            return None
        account: Account = self.state.account(login)
        return {"__typename": account.kind, "login": account.graphql_login}

    def issue_node(self, issue: IssueRec) -> dict[str, Any]:
        last = issue.edits[-1] if issue.edits else None
        return {
            "_issue": issue,
            "number": issue.number,
            "title": issue.title,
            "body": issue.body,
            "state": issue.state.upper(),
            "createdAt": iso(issue.created_at),
            "updatedAt": iso(issue.updated_at),
            "closedAt": iso(issue.closed_at),
            "lastEditedAt": iso(last.at) if last else None,
            "includesCreatedEdit": bool(issue.edits),
            "author": self.actor(issue.author),
            "editor": self.actor(last.editor) if last else None,
        }

    def edit_node(self, edit: EditRec) -> dict[str, Any]:
        """A UserContentEdit: a deleted one keeps its time and editor, not its text."""
        return {
            "editedAt": iso(edit.at),
            "deletedAt": iso(edit.deleted_at),
            "deletedBy": self.actor(edit.deleted_by),
            "editor": self.actor(edit.editor),
            "diff": None if edit.deleted_at else edit.body,
        }

    def comment_node(self, comment: CommentRec) -> dict[str, Any]:
        last = comment.edits[-1] if comment.edits else None
        return {
            "__typename": "IssueComment",
            "_comment": comment,
            "id": node_id("IssueComment", comment.id),
            "fullDatabaseId": str(comment.id),
            "author": self.actor(comment.author),
            "body": comment.body,
            "createdAt": iso(comment.created_at),
            "updatedAt": iso(comment.updated_at),
            "lastEditedAt": iso(last.at) if last else None,
            "editor": self.actor(last.editor) if last else None,
            "includesCreatedEdit": bool(comment.edits),
        }

    def node(self, global_id: str) -> Any:
        """A node by its id (issue comments only), or GitHub's NOT_FOUND for that item."""
        try:
            text = base64.b64decode(global_id, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            text = ""
        match = _COMMENT_ID.fullmatch(text)
        found = self.state.comments.get(int(match.group(1))) if match else None
        if found is None:
            return GraphQLError(
                f"Could not resolve to a node with the global id of '{global_id}'",
                extensions={"type": "NOT_FOUND"},
            )
        return self.comment_node(found)

    def repository(self, owner: str, name: str) -> RepoState | None:
        state = self.state
        if owner.lower() == state.owner.lower() and name.lower() == state.name.lower():
            return state
        raise GraphQLError(
            f"Could not resolve to a Repository with the name '{owner}/{name}'.",
            extensions={"type": "NOT_FOUND"},
        )


@lru_cache(maxsize=64)
def _document(query: str) -> tuple[DocumentNode | None, tuple[GraphQLError, ...]]:
    try:
        document = parse(query)
    except GraphQLError as exc:
        return None, (exc,)
    return document, tuple(validate(_schema(), document))


def _issue_filter(issues: Iterable[IssueRec], args: dict[str, Any]) -> list[IssueRec]:
    filters = args.get("filterBy") or {}
    states = set(args.get("states") or filters.get("states") or ())
    labels = {lbl.lower() for lbl in (args.get("labels") or filters.get("labels") or ())}
    since = filters.get("since")
    moment = datetime.fromisoformat(since.replace("Z", "+00:00")) if since else None
    out = []
    for issue in issues:
        if issue.pull is not None:
            continue
        if states and issue.state.upper() not in states:
            continue
        if labels and not labels & {lbl.lower() for lbl in issue.labels}:
            continue
        if moment is not None and issue.updated_at < moment:
            continue
        out.append(issue)
    order = args.get("orderBy") or {"field": "CREATED_AT", "direction": "ASC"}
    key = {
        "CREATED_AT": lambda i: (i.created_at, i.number),
        "UPDATED_AT": lambda i: (i.updated_at, i.number),
        "COMMENTS": lambda i: (len(i.comments), i.number),
    }[order["field"]]
    out.sort(key=key, reverse=order["direction"] == "DESC")
    return out


@lru_cache(maxsize=1)
def _schema() -> GraphQLSchema:
    schema = build_schema(SCHEMA_FILE.read_text(encoding="utf-8"))

    def field_of(type_name: str, name: str) -> Any:
        kind = schema.get_type(type_name)
        assert isinstance(kind, GraphQLObjectType), type_name
        return kind.fields[name]

    def api(info: Any) -> GraphQLApi:
        root: GraphQLApi = info.root_value
        return root

    field_of("Query", "repository").resolve = lambda root, info, owner, name, **_: root.repository(
        owner, name
    )

    def repository_issue(state: RepoState, info: Any, number: int) -> Any:
        issue = state.issues.get(number)
        if issue is None or issue.pull is not None:
            raise GraphQLError(
                f"Could not resolve to an Issue with the number of {number}.",
                extensions={"type": "NOT_FOUND"},
            )
        return api(info).issue_node(issue)

    def repository_issues(state: RepoState, info: Any, **args: Any) -> Any:
        # Open issues are looked up through the state's index, not by scanning closed ones.
        wanted = args.get("states") or (args.get("filterBy") or {}).get("states")
        pool: Iterable[IssueRec]
        if wanted == ["OPEN"]:
            pool = (state.issues[n] for n in state.open_numbers())
        else:
            pool = state.issues.values()
        return connection(_issue_filter(pool, args), args, api(info).issue_node)

    field_of("Repository", "issue").resolve = repository_issue
    field_of("Repository", "issues").resolve = repository_issues

    def labels(node: dict[str, Any], info: Any, **args: Any) -> Any:
        issue: IssueRec = node["_issue"]
        return connection(issue.labels, args, lambda name: {"name": name})

    def assignees(node: dict[str, Any], info: Any, **args: Any) -> Any:
        issue: IssueRec = node["_issue"]
        return connection(issue.assignees, args, api(info).actor)

    def comments(node: dict[str, Any], info: Any, **args: Any) -> Any:
        issue: IssueRec = node["_issue"]
        state = api(info).state
        found = [state.comments[i] for i in issue.comments]
        if args.get("orderBy"):
            found.sort(key=lambda c: c.updated_at, reverse=args["orderBy"]["direction"] == "DESC")
        return connection(found, args, api(info).comment_node)

    def timeline(node: dict[str, Any], info: Any, **args: Any) -> Any:
        issue: IssueRec = node["_issue"]
        kinds = set(args.get("itemTypes") or ())
        since = args.get("since")
        found = [
            e
            for e in issue.events
            if e.kind in _TIMELINE_TYPES
            and (not kinds or _TIMELINE_TYPES[e.kind][1] in kinds)
            and (since is None or iso(e.at) >= since)  # type: ignore[operator]
        ][args.get("skip") or 0 :]

        def build(event: Any) -> dict[str, Any]:
            item: dict[str, Any] = {
                "__typename": _TIMELINE_TYPES[event.kind][0],
                "actor": api(info).actor(event.actor),
                "createdAt": iso(event.at),
            }
            if event.label is not None:
                item["label"] = {"name": event.label}
            if event.assignee is not None:
                item["assignee"] = api(info).actor(event.assignee)
            if event.kind == "renamed":
                item["previousTitle"], item["currentTitle"] = event.before, event.after
            if event.kind == "comment_deleted":
                item["deletedCommentAuthor"] = api(info).actor(event.subject)
            return item

        return connection(found, args, build)

    def edits(node: dict[str, Any], info: Any, **args: Any) -> Any:
        held = node["_issue"] if "_issue" in node else node["_comment"]
        newest_first = list(reversed(held.edits))  # as GitHub lists them
        return connection(newest_first, args, api(info).edit_node)

    def nodes(root: GraphQLApi, info: Any, ids: list[str]) -> list[Any]:
        return [root.node(i) for i in ids]

    field_of("Query", "nodes").resolve = nodes
    field_of("IssueComment", "userContentEdits").resolve = edits

    field_of("Issue", "labels").resolve = labels
    field_of("Issue", "assignees").resolve = assignees
    field_of("Issue", "comments").resolve = comments
    field_of("Issue", "timelineItems").resolve = timeline
    field_of("Issue", "userContentEdits").resolve = edits
    # Actor, Assignee and IssueTimelineItems are resolved by each value's `__typename`.
    return schema
