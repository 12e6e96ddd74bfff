"""Cut GitHub's REST description down to the operations dutydesk (and its benchmark) calls.

Usage (from the repository root):

    mkdir -p /tmp/npm-openapi && (cd /tmp/npm-openapi && npm install @octokit/openapi)
    .venv/bin/python tests/openapi/regenerate.py /tmp/npm-openapi/node_modules/@octokit/openapi

Reads the package's `generated/api.github.com.json` and writes, beside this file,
`api.github.com.json` (each operation in `OPERATIONS` whole, with every component its `$ref`s
reach, transitively, and nothing else), `reference.json` and `LICENSE`. Fails if an operation
is missing from the description: GitHub has removed or renamed it.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

#: (method, path) of every REST call: dutydesk's own, then the naive baseline's in
#: benchmarks/sweep.py. Keep in step with tests/e2e/server.py.
OPERATIONS: tuple[tuple[str, str], ...] = (
    # access
    ("get", "/repos/{owner}/{repo}/collaborators"),
    ("get", "/orgs/{org}/teams/{team_slug}/members"),
    # issue writes
    ("post", "/repos/{owner}/{repo}/issues/{issue_number}/labels"),
    ("delete", "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}"),
    ("post", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("patch", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
    ("post", "/repos/{owner}/{repo}/issues/{issue_number}/assignees"),
    ("patch", "/repos/{owner}/{repo}/issues/{issue_number}"),
    # labels sync
    ("get", "/repos/{owner}/{repo}/labels"),
    ("post", "/repos/{owner}/{repo}/labels"),
    ("patch", "/repos/{owner}/{repo}/labels/{name}"),
    # runbook review pull requests
    ("get", "/repos/{owner}/{repo}"),
    ("get", "/repos/{owner}/{repo}/branches/{branch}"),
    ("get", "/repos/{owner}/{repo}/pulls"),
    ("get", "/repos/{owner}/{repo}/commits"),
    ("get", "/repos/{owner}/{repo}/contents/{path}"),
    ("put", "/repos/{owner}/{repo}/contents/{path}"),
    ("post", "/repos/{owner}/{repo}/git/refs"),
    ("patch", "/repos/{owner}/{repo}/git/refs/{ref}"),
    ("post", "/repos/{owner}/{repo}/pulls"),
    ("post", "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers"),
    # the timers workflow, switched on while a punctual incident is open (cli/timers.py)
    ("get", "/repos/{owner}/{repo}/actions/workflows/{workflow_id}"),
    ("put", "/repos/{owner}/{repo}/actions/workflows/{workflow_id}/enable"),
    ("put", "/repos/{owner}/{repo}/actions/workflows/{workflow_id}/disable"),
    # the naive baseline reader (benchmarks/sweep.py)
    ("get", "/repos/{owner}/{repo}/issues"),
    ("get", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("get", "/repos/{owner}/{repo}/issues/{issue_number}/events"),
)


def refs(node: Any) -> set[str]:
    found: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str):
                found.add(ref)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def lookup(document: dict[str, Any], ref: str) -> Any:
    if not ref.startswith("#/"):
        raise SystemExit(f"external $ref not supported: {ref}")
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def trim(document: dict[str, Any]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for method, path in OPERATIONS:
        item = document["paths"].get(path, {})
        if method not in item:
            raise SystemExit(f"{method.upper()} {path} is not in the description")
        kept = paths.setdefault(path, {})
        kept[method] = item[method]
        if "parameters" in item:  # path-level parameters apply to every method
            kept["parameters"] = item["parameters"]
    components: dict[str, dict[str, Any]] = {}
    pending = refs(paths)
    seen: set[str] = set()
    while pending:
        ref = pending.pop()
        if ref in seen:
            continue
        seen.add(ref)
        # "#/components/<section>/<name>"
        _, _, section, name = ref.split("/", 3)
        target = lookup(document, ref)
        components.setdefault(section, {})[name] = target
        pending |= refs(target) - seen
    return {
        "openapi": document["openapi"],
        "info": {
            **document["info"],
            "description": (
                f"{document['info'].get('description', '')} -- trimmed by dutydesk's "
                "tests/openapi/regenerate.py to the operations dutydesk calls."
            ),
        },
        "servers": document.get("servers", []),
        "paths": dict(sorted(paths.items())),
        "components": {k: dict(sorted(v.items())) for k, v in sorted(components.items())},
    }


def main(package: Path) -> None:
    source = package / "generated" / "api.github.com.json"
    document = json.loads(source.read_text(encoding="utf-8"))
    trimmed = trim(document)
    (HERE / "api.github.com.json").write_text(
        json.dumps(trimmed, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    package_json = json.loads((package / "package.json").read_text(encoding="utf-8"))
    reference = {
        "name": package_json["name"],
        "version": package_json["version"],
        "license": package_json["license"],
        "file": "generated/api.github.com.json",
        "operations": len(OPERATIONS),
    }
    (HERE / "reference.json").write_text(json.dumps(reference, indent=2) + "\n", encoding="utf-8")
    shutil.copyfile(package / "LICENSE", HERE / "LICENSE")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
