"""Invalid request: scheduled times that cannot be read, or an end not after the start.

`needs-info` goes on once for a set of problems (a person may take it off) and comes off when
the times are fixed; each new set of problems gets one comment naming them.

Emits: change.invalid (and maintenance.invalid, through maintenance.py)
Reads: timezone, labels.needs_info
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from dutydesk.engine import Context, Decision, Item
from dutydesk.labels import add_once, remove_own
from dutydesk.markers import comment_key
from dutydesk.rules.changes.facts import Facts
from dutydesk.rules.changes.revisions import Revision, since
from dutydesk.rules.changes.wording import comment
from dutydesk.rules.ids import Rule
from dutydesk.time.times import accepted_forms


def _digest(parts: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:12]


def decide_invalid(
    item: Item, ctx: Context, revisions: Sequence[Revision], rule: Rule, template: str
) -> Decision:
    """`needs-info` and a comment while the current window has problems; off when it has none."""
    label = ctx.policy.label("needs_info")
    window = revisions[-1].window
    if window.valid:
        return Decision(remove_own(item, ctx, rule, label))
    problems_since = since(revisions, lambda r: r.window.problems)
    digest = _digest(f"{p.field}|{p.kind}|{p.detail}" for p in window.problems)
    actions = add_once(item, ctx, rule, label, problems_since)
    actions += comment(
        item,
        rule,
        comment_key(rule, digest),
        template,
        problems=window.problems,
        requester=item.issue.author,
        accepted=accepted_forms(ctx.policy.timezone),
    )
    return Decision(actions)


def rule_invalid(facts: Facts) -> Decision:
    """[change.invalid] times that cannot be read, or an end not after the start."""
    return decide_invalid(
        facts.item, facts.ctx, facts.revisions, Rule.CHANGE_INVALID, "change_invalid.md.j2"
    )
