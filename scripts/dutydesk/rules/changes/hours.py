"""Hours: a window wholly inside support hours needs no out-of-hours support; a window partly
outside on-call cover names the hours nobody covers.

`in-hours` goes on once for a window (a person may take it off) and comes off when the window
moves out of support hours; each window gets at most one comment. With a PagerDuty rota, a
window whose on-call hours have a gap in cover (no primary or no secondary on call for part
of it) gets one more comment with the gaps' times, before anyone approves it, and again if
the gaps change (a PagerDuty that was not read says nothing: the approval waits for it).

Emits: change.hours
Reads: support, on_call, workdays, bank_holidays, timezone, changes.approvers, rota,
labels.in_hours
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from dutydesk.engine import Decision
from dutydesk.labels import add_once, remove_own
from dutydesk.markers import comment_key, key_time
from dutydesk.rules.changes.facts import Facts
from dutydesk.rules.changes.revisions import since
from dutydesk.rules.changes.wording import comment, common
from dutydesk.rules.ids import Rule
from dutydesk.time.calendar import Cover

RULE = Rule.CHANGE_HOURS
#: Most periods without cover listed in one comment.
MAX_LISTED_PERIODS = 5


def rule_hours(facts: Facts) -> Decision:
    """[change.hours] a window inside support hours, or partly outside on-call cover, or
    with a gap in the PagerDuty rota's cover."""
    window = facts.window
    if not window.valid or window.start is None or window.end is None:
        return Decision()
    calendar = facts.ctx.policy.calendar
    if calendar.office_time_between(window.start, window.end) == window.end - window.start:
        return _in_hours(facts, window.start, window.end)
    return _uncovered(facts, window.start, window.end) + _cover_gaps(
        facts, window.start, window.end
    )


def _key(kind: str, start: datetime, end: datetime) -> str:
    return comment_key(RULE, kind, f"{key_time(start)}-{key_time(end)}")


def _in_hours(facts: Facts, start: datetime, end: datetime) -> Decision:
    item, ctx = facts.item, facts.ctx
    window_since = since(facts.revisions, lambda r: (r.window.start, r.window.end))
    actions = add_once(item, ctx, RULE, ctx.policy.label("in_hours"), window_since)
    actions += comment(
        item,
        RULE,
        _key("in", start, end),
        "change_hours.md.j2",
        in_hours=True,
        uncovered=[],
        more=0,
        **common(facts),
    )
    return Decision(actions)


def _uncovered(facts: Facts, start: datetime, end: datetime) -> Decision:
    item, ctx = facts.item, facts.ctx
    actions = remove_own(item, ctx, RULE, ctx.policy.label("in_hours"))
    uncovered = ctx.policy.calendar.periods(start, end, Cover.NONE)
    if uncovered:
        actions += comment(
            item,
            RULE,
            _key("uncovered", start, end),
            "change_hours.md.j2",
            in_hours=False,
            uncovered=uncovered[:MAX_LISTED_PERIODS],
            more=max(0, len(uncovered) - MAX_LISTED_PERIODS),
            **common(facts),
        )
    return Decision(actions)


def _cover_gaps(facts: Facts, start: datetime, end: datetime) -> Decision:
    """One comment for the window's gaps in PagerDuty's cover (read once, with the support:
    none when PagerDuty was not read; a new comment when the gaps are other than before)."""
    gaps = facts.support.gaps
    if not gaps:
        return Decision()
    policy = facts.ctx.policy
    shown = [(str(g.level), policy.local(g.start), policy.local(g.end)) for g in gaps]
    digest = hashlib.sha256(repr([(g.level, g.start, g.end) for g in gaps]).encode()).hexdigest()
    return Decision(
        comment(
            facts.item,
            RULE,
            comment_key(_key("cover", start, end), digest[:12]),
            "change_cover.md.j2",
            gaps=shown[:MAX_LISTED_PERIODS],
            more=max(0, len(shown) - MAX_LISTED_PERIODS),
            **common(facts),
        )
    )
