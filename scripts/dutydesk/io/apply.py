"""The executor: the one place that writes, and the one place that checks --dry-run."""

from __future__ import annotations

from collections.abc import Iterable

from dutydesk.actions import Action, Kind
from dutydesk.io.repository import Repository
from dutydesk.markers import with_marker


def apply_action(repo: Repository, action: Action) -> None:
    number = action.issue
    if number is None:
        raise ValueError(f"{action.kind} needs an issue number")
    match action.kind:
        case Kind.ADD_LABELS:
            repo.add_labels(number, action.labels)
        case Kind.REMOVE_LABELS:
            for label in action.labels:
                repo.remove_label(number, label)
        case Kind.COMMENT:
            body = with_marker(action.key, action.body or "") if action.key else action.body or ""
            if action.comment_id is None:
                repo.create_comment(number, body)
            else:
                repo.update_comment(number, action.comment_id, body)
        case Kind.ASSIGN:
            repo.assign(number, action.users)
        case Kind.CLOSE:
            repo.close(number)
        case Kind.OPEN_PULL_REQUEST:
            raise ValueError("pull requests are opened by the runbooks executor")


def apply_plan(repo: Repository, actions: Iterable[Action], dry_run: bool) -> None:
    if dry_run:
        return
    for action in actions:
        apply_action(repo, action)
