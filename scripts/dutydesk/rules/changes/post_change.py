"""Post-change prompt: after the end of an approved change, ask for `/done` or
`/rolled-back <note>`, once at the end and then each business day until answered.

The latest accepted answer stands (who may answer, and which answers count, is read in
facts.py). `/done` closes the issue once, as its answer is first posted, and never again once
a person has reopened the issue after it. A refused answer gets its author one reply; someone
who may not answer at all is told so, even before the start (not "not started yet").

Emits: change.post_change
Reads: changes.approvers, workdays, support, bank_holidays
"""

from __future__ import annotations

from datetime import datetime

from dutydesk.actions import Action, Kind
from dutydesk.commands import Command
from dutydesk.engine import Decision
from dutydesk.markers import comment_key, key_time
from dutydesk.replies import Reply, reply_actions, reply_key
from dutydesk.rules.changes.facts import AnswerRefusal, Facts
from dutydesk.rules.changes.fields import Answer
from dutydesk.rules.changes.revisions import utc
from dutydesk.rules.changes.wording import comment, common
from dutydesk.rules.ids import Rule
from dutydesk.time.durations import Duration

RULE = Rule.CHANGE_POST
#: Most daily post-change prompts counted forward (about four years of business days).
MAX_PROMPTS = 1000


def rule_post_change(facts: Facts) -> Decision:
    """[change.post_change] after the end: ask for /done or /rolled-back, each business day."""
    window = facts.window
    if not facts.approved or not window.valid or window.end is None:
        return Decision()
    replies = (_refusal(facts, command, reason) for command, reason in facts.answers.refused)
    actions = reply_actions(facts.item, replies, RULE)
    if facts.answers.accepted is not None:
        return Decision(actions + _recorded(facts, facts.answers.accepted))
    if facts.ctx.now < window.end:
        return Decision(actions, next_check=utc(window.end))
    return Decision(actions) + _prompt(facts, window.end)


def _refusal(facts: Facts, command: Command, reason: AnswerRefusal) -> Reply:
    who = command.comment.author
    return Reply.of(
        RULE,
        reply_key(RULE, who, "refused"),
        "change_post_answer.md.j2",
        accepted=False,
        reason=reason,
        who=who,
        command=command.name,
        note="",
        closing=False,
        **common(facts),
    )


def _recorded(facts: Facts, answer: Command) -> tuple[Action, ...]:
    """The answer recorded once; `/done` closes the issue unless a person reopened it since
    (also when the answer was posted before but closing failed)."""
    item = facts.item
    closing = answer.name == Answer.DONE and not facts.answers.reopened
    actions = comment(
        item,
        RULE,
        comment_key(RULE, answer.name, str(answer.comment.id)),
        "change_post_answer.md.j2",
        accepted=True,
        reason="",
        who=answer.comment.author,
        command=answer.name,
        note=answer.args.strip(),
        closing=closing,
        **common(facts),
    )
    if closing and item.issue.is_open:
        actions += (Action(Kind.CLOSE, RULE, item.number),)
    return actions


def _prompt(facts: Facts, end: datetime) -> Decision:
    """The prompt due now (the first at the end, then one each business day)."""
    due, following = _prompt_due(facts, end)
    actions = comment(
        facts.item,
        RULE,
        comment_key(RULE, key_time(due)),
        "change_post.md.j2",
        first=due == utc(end),
        assignees=facts.item.issue.assignees,
        **common(facts),
    )
    return Decision(actions, next_check=following)


def _prompt_due(facts: Facts, end: datetime) -> tuple[datetime, datetime | None]:
    """The latest prompt due at or before now, and the next one: the end, then one business
    day apart."""
    calendar, now = facts.ctx.policy.calendar, facts.ctx.now
    due = utc(end)
    for _ in range(MAX_PROMPTS):
        following = utc(calendar.add(due, Duration.business_days(1)))
        if following > now:
            return due, following
        due = following
    return due, None
