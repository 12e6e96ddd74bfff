"""What the change comments share: the values every change template may use, the notice as
templates show it, and a comment posted once per key.

Emits: nothing (shared by the change rules' comments)
Reads: timezone, changes.approvers, changes.allow_emergency
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dutydesk.actions import Action
from dutydesk.engine import Context, Item, post_once
from dutydesk.rules.changes.fields import Field
from dutydesk.rules.changes.revisions import Notice
from dutydesk.templating import render

if TYPE_CHECKING:  # pragma: no cover
    from dutydesk.rules.changes.facts import Facts


def comment(item: Item, rule: str, key: str, template: str, **values: Any) -> tuple[Action, ...]:
    """A comment posted once for `key` (rendered only when it is still to be posted)."""
    return post_once(item, rule, key, lambda: render(template, **values))


def notice_values(ctx: Context, notice: Notice | None) -> dict[str, Any]:
    """The notice as the templates show it (`notice` is None when there is none to show)."""
    if notice is None:
        return {"notice": None}
    return {
        "notice": {
            "given": notice.given,
            "needed": str(notice.needed),
            "stated_at": ctx.policy.local(notice.stated_at),
            "start": ctx.policy.local(notice.start),
            "qualifying": ctx.policy.local(notice.qualifying),
            "enough": notice.enough,
        },
        "allow_emergency": ctx.policy.changes.allow_emergency,
    }


def support_values(facts: Facts) -> dict[str, Any]:
    """What a PagerDuty rota adds to the approval: who is on call without a login, and the
    gaps in cover over the window, in local time (all empty for a list-form rota)."""
    support, policy = facts.support, facts.ctx.policy
    return {
        "pagerduty": support.pagerduty,
        "unmapped": support.unmapped,
        "later": support.later,
        "gaps": [(str(g.level), policy.local(g.start), policy.local(g.end)) for g in support.gaps],
    }


def common(facts: Facts) -> dict[str, Any]:
    """Values every change template may use."""
    policy = facts.ctx.policy
    window = facts.window
    return {
        "requester": facts.item.issue.author,
        "service": dict(facts.current.fields).get(Field.SERVICE.value) or "",
        "start": policy.local(window.start) if window.start is not None else None,
        "end": policy.local(window.end) if window.end is not None else None,
        "approvers": policy.changes.approvers,
        "timezone": policy.timezone.key,
    }
