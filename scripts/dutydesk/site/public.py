"""Which issues the public may see: the `public` label, trusted only from a responder.

An incident is public when it carries the `public` label (`labels.public`, renamed like any
label role) and the person who added it last is a responder: the label's `labeled` events
carry who added it, as they do for the priority labels (rules/incidents/story.py). A label
added by anyone else, by the bot, or with no record of who added it, is not trusted: the
incident stays off the site. A maintenance notice is shown when a responder filed it, or a
responder marked it public.

Reads: labels.public, incidents.responders, bot
"""

from __future__ import annotations

from dutydesk.engine import Context
from dutydesk.labels import last_labeled
from dutydesk.model import Issue
from dutydesk.rules.incidents.commands import Responders


def marked_public(issue: Issue, ctx: Context) -> bool:
    """Does the issue carry the public label, added last by a responder?"""
    label = ctx.policy.label("public")
    if label not in issue.labels:
        return False
    event = last_labeled(issue, label)
    if event is None or ctx.is_bot(event.actor):
        return False
    return Responders(ctx).check(event.actor) is True


def notice_trusted(issue: Issue, ctx: Context) -> bool:
    """May a maintenance notice be shown: filed by a responder, or marked public by one?"""
    return Responders(ctx).check(issue.author) is True or marked_public(issue, ctx)
