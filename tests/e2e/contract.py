"""GitHub's REST contract, from the trimmed copy of its published description.

`Contract.check_request` says what GitHub's description (npm `@octokit/openapi`,
`generated/api.github.com.json`, trimmed in `tests/openapi/`) would reject in a request: a path
or method it does not have, a path or query parameter of the wrong type or out of its enum, a
query parameter the operation does not take, a JSON body that does not match the operation's
`requestBody` schema (or a body where there is none). `Contract.check_response` checks what the
test server answers against the operation's response schema, so that the fake stays honest.

The description is OpenAPI 3.0, whose schemas are JSON Schema draft 4 plus `nullable`; the
schemas are turned into plain draft 4 once (`nullable: true` adds `null` to the type) and
validated with `jsonschema`, `$ref`s resolved within the document by `referencing`.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

DESCRIPTION = Path(__file__).resolve().parent.parent / "openapi" / "api.github.com.json"
BASE = "urn:github-rest-description"

#: Parameters that may hold slashes when they end the path (`contents/{path}`, `git/refs/{ref}`,
#: `branches/{branch}`), as GitHub's routes allow.
GREEDY = {"path", "ref", "branch"}


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    pointer: str  # JSON pointer to the operation object in the description
    spec: dict[str, Any]
    parameters: tuple[dict[str, Any], ...]
    regex: re.Pattern[str]
    literal_segments: int

    @property
    def operation_id(self) -> str:
        return str(self.spec.get("operationId", f"{self.method} {self.template}"))


@dataclass
class Checked:
    """A request as the description reads it."""

    operation: Operation | None
    path_params: dict[str, Any] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    problems: list[str] = field(default_factory=list)
    status: int = 200  # what GitHub would answer for the first problem


def _nullable(node: Any) -> Any:
    """OpenAPI 3.0 schema -> JSON Schema draft 4 (`nullable`), recursively, in place."""
    if isinstance(node, dict):
        for value in node.values():
            _nullable(value)
        if node.pop("nullable", False) is True:
            kind = node.get("type")
            if isinstance(kind, str):
                node["type"] = [kind, "null"]
                if "enum" in node and None not in node["enum"]:
                    node["enum"] = [*node["enum"], None]
            elif kind is None:
                rest = {k: node.pop(k) for k in list(node) if k not in ("description", "title")}
                node["anyOf"] = [{"type": "null"}, rest]
    elif isinstance(node, list):
        for value in node:
            _nullable(value)
    return node


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _regex(template: str) -> tuple[re.Pattern[str], int]:
    parts = template.strip("/").split("/")
    out = []
    literal = 0
    for index, part in enumerate(parts):
        match = re.fullmatch(r"\{([^}]+)\}", part)
        if match:
            name = match.group(1)
            last = index == len(parts) - 1
            body = ".+" if last and name in GREEDY else "[^/]+"
            out.append(f"(?P<{name}>{body})")
        else:
            out.append(re.escape(part))
            literal += 1
    return re.compile("^/" + "/".join(out) + "$"), literal


class Contract:
    def __init__(self, path: Path = DESCRIPTION) -> None:
        raw = json.loads(path.read_text(encoding="utf-8"))
        self.document: dict[str, Any] = _nullable(copy.deepcopy(raw))
        self.info = raw.get("info", {})
        self.registry: Registry[Any] = Registry().with_resource(
            BASE, Resource(contents=self.document, specification=DRAFT4)
        )
        self.operations: list[Operation] = []
        for template, item in self.document["paths"].items():
            shared = item.get("parameters", [])
            for method, spec in item.items():
                if method == "parameters":
                    continue
                params = tuple(self._deref(p) for p in [*shared, *spec.get("parameters", [])])
                regex, literal = _regex(template)
                pointer = f"/paths/{_escape(template)}/{method}"
                self.operations.append(
                    Operation(method.upper(), template, pointer, spec, params, regex, literal)
                )
        # The most literal template wins (`issues/comments/{id}` before `issues/{number}`).
        self.operations.sort(key=lambda o: (-o.literal_segments, o.template))

    def _deref(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            target: Any = self.document
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = target
        return node

    @cache  # noqa: B019 - one Contract lives for the whole session
    def validator(self, pointer: str) -> Draft4Validator:
        return Draft4Validator({"$ref": f"{BASE}#{pointer}"}, registry=self.registry)

    def _errors(self, pointer: str, value: Any) -> list[str]:
        found = []
        for error in sorted(self.validator(pointer).iter_errors(value), key=str):
            where = "/".join(str(p) for p in error.absolute_path) or "(root)"
            found.append(f"{where}: {_short(error.message)}")
        return found

    def match(self, method: str, path: str) -> tuple[Operation | None, dict[str, str], bool]:
        """(operation, raw path params, whether the path exists for another method)."""
        other = False
        for operation in self.operations:
            found = operation.regex.match(path)
            if not found:
                continue
            if operation.method != method:
                other = True
                continue
            return operation, {k: unquote(v) for k, v in found.groupdict().items()}, True
        return None, {}, other

    def check_request(
        self, method: str, path: str, query: dict[str, list[str]], body: bytes | None
    ) -> Checked:
        operation, raw_params, exists = self.match(method, path)
        if operation is None:
            reason = (
                f"{method} is not an operation of this path in GitHub's REST description"
                if exists
                else "no such path in GitHub's REST description"
            )
            return Checked(None, problems=[reason], status=404)
        checked = Checked(operation)
        declared = {(p["in"], p["name"]): p for p in operation.parameters}
        for (where, name), param in declared.items():
            if where != "path":
                continue
            value = raw_params.get(name)
            typed, problem = self._typed(param, value)
            if problem:
                checked.problems.append(f"path parameter {name}: {problem}")
                checked.status = 404
            checked.path_params[name] = typed
        for name, values in query.items():
            param = declared.get(("query", name))
            if param is None:
                # GitHub ignores it, so nothing is refused: but it filters or pages nothing.
                checked.problems.append(
                    f"query parameter {name!r} is not a parameter of {operation.operation_id} "
                    "(GitHub ignores it)"
                )
                continue
            if len(values) > 1 and param.get("schema", {}).get("type") != "array":
                checked.problems.append(f"query parameter {name} given {len(values)} times")
            typed, problem = self._typed(param, values[-1])
            if problem:
                checked.problems.append(f"query parameter {name}: {problem}")
                checked.status = checked.status if checked.status != 200 else 422
            checked.query[name] = typed
        for (where, name), param in declared.items():
            if where == "query" and param.get("required") and name not in query:
                checked.problems.append(f"query parameter {name} is required")
                checked.status = checked.status if checked.status != 200 else 422
        request_body = operation.spec.get("requestBody")
        if request_body is not None:
            request_body = self._deref(request_body)
        if body:
            if request_body is None:
                checked.problems.append(f"{operation.operation_id} takes no request body")
            else:
                try:
                    checked.body = json.loads(body)
                except ValueError as exc:
                    checked.problems.append(f"the body is not JSON: {exc}")
                    checked.status = 400
                    return checked
                if "application/json" not in request_body.get("content", {}):
                    checked.problems.append("the operation takes no JSON body")
                else:
                    pointer = (
                        f"{operation.pointer}/requestBody/content/application~1json/schema"
                        if "$ref" not in operation.spec["requestBody"]
                        else None
                    )
                    if pointer is None:  # a shared requestBody component
                        name = operation.spec["requestBody"]["$ref"].rsplit("/", 1)[1]
                        pointer = (
                            f"/components/requestBodies/{name}/content/application~1json/schema"
                        )
                    for problem in self._errors(pointer, checked.body):
                        checked.problems.append(f"request body {problem}")
                        checked.status = checked.status if checked.status != 200 else 422
        elif request_body is not None and request_body.get("required"):
            checked.problems.append(f"{operation.operation_id} requires a request body")
            checked.status = checked.status if checked.status != 200 else 422
        return checked

    def _typed(self, param: dict[str, Any], value: str | None) -> tuple[Any, str | None]:
        schema = param.get("schema", {})
        if value is None:
            return None, "missing" if param.get("required") else None
        kind = schema.get("type")
        kind = kind[0] if isinstance(kind, list) else kind
        typed: Any = value
        try:
            if kind == "integer":
                typed = int(value)
            elif kind == "number":
                typed = float(value)
            elif kind == "boolean":
                if value not in ("true", "false"):
                    return value, f"{value!r} is not true or false"
                typed = value == "true"
            elif kind == "array":
                typed = value.split(",")
        except ValueError:
            return value, f"{value!r} is not an {kind}"
        validator = Draft4Validator(schema, registry=self.registry)
        errors = [_short(e.message) for e in validator.iter_errors(typed)]
        return typed, "; ".join(errors) or None

    def check_response(self, operation: Operation, status: int, body: Any) -> list[str]:
        """What in a response body GitHub's description would not expect (None: no body)."""
        responses = operation.spec.get("responses", {})
        spec = responses.get(str(status))
        if spec is None and status >= 400:
            # GitHub documents few of its error answers; each is at least a basic error.
            spec = {"$ref": "#/components/responses/not_found"}
        if spec is None:
            return [f"status {status} is not a documented response of {operation.operation_id}"]
        if "$ref" in spec:
            name = spec["$ref"].rsplit("/", 1)[1]
            base = f"/components/responses/{name}"
            spec = self._deref(spec)
        else:
            base = f"{operation.pointer}/responses/{status}"
        content = spec.get("content", {})
        if "application/json" not in content:
            return [] if body is None else [f"status {status} has no JSON body in the description"]
        if "schema" not in content["application/json"]:
            return []
        return self._errors(f"{base}/content/application~1json/schema", body)


def _short(message: str) -> str:
    return message if len(message) < 300 else message[:300] + "..."
