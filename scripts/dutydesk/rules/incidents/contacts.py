"""Whom an incident comment may @mention: on a public repository anyone can file an incident.

An incident filed by someone without write access is *unconfirmed* until a responder has
acted on it (an acknowledgement, a `/priority` or priority label, a lead, a comms lead or an
update). Until then each contact is @mentioned at most once on it: the escalation and security
comments name a contact the bot has already mentioned there without the `@`, so flipping the
priority back and forth in the body, or ticking the security box, pages nobody twice. Once a
responder has confirmed the incident, the contacts are mentioned as usual.

Emits: nothing (read by escalation.py and security.py)
Reads: incidents.responders
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from dutydesk.people import login_key, mentions
from dutydesk.rules.incidents.commands import Responders
from dutydesk.rules.incidents.story import Incident


def confirmed(incident: Incident) -> bool:
    """Filed by a writer or a responder, or acted on by a responder since."""
    ctx, author = incident.ctx, incident.issue.author
    if ctx.access.can_write(author) or Responders(ctx).check(author) is True:
        return True
    by_responder = any(change.via != "form" for change in incident.changes)
    return bool(
        incident.ack or by_responder or incident.updates or incident.lead_command or incident.comms
    )


_CODE = re.compile(r"`[^`\n]*`")


def pinged(text: str) -> tuple[str, ...]:
    """Who a comment's text notifies: its @mentions outside code spans."""
    return tuple(m.handle for m in mentions(_CODE.sub("", text)))


def told(incident: Incident) -> frozenset[str]:
    """Everyone the bot's own comments on the incident have already @mentioned."""
    found: set[str] = set()
    for comment in incident.item.mine.values():
        found.update(login_key(handle) for handle in pinged(comment.body))
    return frozenset(found)


def split_contacts(incident: Incident, contacts: Iterable[str]) -> tuple[list[str], list[str]]:
    """(to @mention, to name without the @): on an unconfirmed incident, those already told
    are named only."""
    people = [str(c).removeprefix("@") for c in contacts]
    if confirmed(incident):
        return people, []
    already = told(incident)
    mention = [p for p in people if login_key(p) not in already]
    return mention, [p for p in people if login_key(p) in already]


def handle(incident: Incident, login: str) -> str:
    """`@login`, or `` `login` `` where an unconfirmed incident has already told them."""
    mention, _ = split_contacts(incident, [login])
    return f"@{login}" if mention else f"`{login}`"
