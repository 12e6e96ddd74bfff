"""Incidents: priority labels, commands, response-time escalation, update reminders, status card,
security and post-incident review.

Every rule is a pure function of the issue snapshot, the policy and `now`. The incident's story
(who set which priority when, who acknowledged it, the updates, the time it spent closed) is read
once into an :class:`Incident`, and each rule decides from that.

Choices worth knowing:

* **Priority** is the form's `priority` answer (an option beginning "P1".."P4"), changed by an edit
  of the form or by a responder's `/priority Pn`; the latest change wins. (GitHub lets only the
  author and collaborators edit an issue body, so form edits are trusted; a change by edit dates
  from the edit only when the snapshot carries body revisions, else from opening.) Labels are
  output only: a priority label added by hand is put right, not read.
* **Commands** (`/ack`, `/lead`, `/comms`, `/priority`, `/update`) count only from responders, and
  from the moment their comment was created (GitHub sets it; fixing a typo in an old `/ack` later
  must not make it late). `/lead` and `/comms` name a person by `@login`; a bare word only when it
  is a responder or has write access (so `/lead me`, `/lead the platform team` or `/comms TBC`
  name nobody), and nothing at all names the commenter. Anyone else's command, or a malformed
  one, gets a reply (`incident.refused`): one per author per issue, edited in place to cover
  their latest refused command, and saying so when who the responders are could not be read.
* **Assigning the lead** (`incident.lead`) is planned once per `/lead` command: GitHub silently
  ignores an assignee it cannot assign, so the bot records the command it assigned for in its
  own status card (a hidden trace) and does not try again for that command. Nor when the person
  is an assignee, or was assigned by anyone since being named.
* **Acknowledged** by the first counted `/ack` or `/lead`, or the first assignment made by anyone
  but the bot. An acknowledgement is a fact about the incident: it also covers a later change of
  priority.
* **Response due** at the later of opening and the last priority change, plus the priority's
  response time. If it is missed, `sla-missed` is added; the escalation comment is posted only
  while the incident is still unacknowledged and open: contacts are not summoned for an incident
  someone already has.
* **Labels a person set win.** The bot removes `needs-triage` only when the bot added it last,
  and adds `needs-triage`, `sla-missed` or `security` at most once: not again after a person
  removed it (an `unlabeled` event by anyone but the bot after the bot's own `labeled`), except
  that a later missed response target (of a new priority) adds `sla-missed` again. The priority
  labels are the exception: exactly one, the current priority's, as the issue asks.
* **Security** is the form's `security` checkboxes only: a ticked box that is one of the form's
  options ("This involves a data or security breach", "There is ongoing unauthorised access").
  The issue's "a P1 for unauthorised access" is read as a P1 with that box ticked: free text is
  not matched ("there is no sign of unauthorised access" is not a security incident).
* **Updates**: with `update_every`, reminders fall due every interval from the latest of opening,
  the last priority change and the last `/update`. A run after several due times have passed posts
  one reminder, for the latest of them, keyed by that due time; so a late sweep never skips one
  and never posts two. With `update_after`, one update is expected after that long from opening
  (or the last priority change); one reminder if none came.
* **Closed time does not count.** Every clock (response, reminders, time to acknowledge, time to
  resolve) pauses while the issue is closed and resumes on reopening: a target due 10 minutes after
  the incident was closed falls due 10 minutes after it is reopened. Nothing is due while closed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from dutydesk.actions import Action, Kind
from dutydesk.commands import Command, commands
from dutydesk.engine import (
    Context,
    Decision,
    Item,
    post_once,
    upsert,
)
from dutydesk.forms import FormTemplate, parse_body
from dutydesk.labels import add_labels, remove_labels
from dutydesk.markers import key_time
from dutydesk.model import EventKind, Issue, IssueEvent
from dutydesk.people import login_key
from dutydesk.policy import Policy, Priority
from dutydesk.templating import render
from dutydesk.time.calendar import BusinessCalendar
from dutydesk.time.durations import Clock, Duration


class Rule(StrEnum):
    """The rule ids: the `rule` of every action this module plans."""

    PRIORITY = "incident.priority"
    INVALID = "incident.invalid"
    ESCALATION = "incident.escalation"
    UPDATE_REMINDER = "incident.update_reminder"
    STATUS = "incident.status"
    SECURITY = "incident.security"
    REVIEW = "incident.review"
    LEAD = "incident.lead"
    REFUSED = "incident.refused"


class Verb(StrEnum):
    """The incident commands."""

    ACK = "ack"
    LEAD = "lead"
    COMMS = "comms"
    PRIORITY = "priority"
    UPDATE = "update"


class Refusal(StrEnum):
    """Why a command changed nothing."""

    NOT_RESPONDER = "not-responder"
    ACCESS_UNKNOWN = "access-unknown"
    USAGE = "usage"
    UNKNOWN_PERSON = "unknown-person"


STATUS_KEY = "incident.status"
INVALID_KEY = "incident.invalid"
SECURITY_KEY = "incident.security"
REVIEW_KEY = "incident.review"

_PRIORITY = re.compile(r"\s*P([1-4])\b", re.IGNORECASE)
_PRIORITY_ARG = re.compile(r"\s*P?([1-4])\b", re.IGNORECASE)
# A GitHub login: letters, digits and single inner hyphens, at most 39 characters.
_LOGIN = r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}"
# An @mention as GitHub reads one: not inside an e-mail address or a word; `@org/team` is a team.
_MENTION = re.compile(rf"(?<![A-Za-z0-9_.+@-])@({_LOGIN})(/[A-Za-z0-9_.-]+)?(?![A-Za-z0-9-])")
_BARE_LOGIN = re.compile(_LOGIN)
# The hidden trace in the bot's own status card: the `/lead` comment it assigned the lead for.
_LEAD_TRACE = re.compile(r"<!-- dutydesk-lead-assigned:(\d+) -->")

Span = tuple[datetime, datetime | None]
"""A stretch of time the issue was closed: (closed at, reopened at or None if still closed)."""


# -- the incident's story ----------------------------------------------------------------------


@dataclass(frozen=True)
class PriorityChange:
    at: datetime
    priority: str
    by: str
    via: str  # "form" or "/priority"


@dataclass(frozen=True)
class Acknowledgement:
    at: datetime
    by: str
    via: str  # "/ack", "/lead", "assignment"


@dataclass(frozen=True)
class Update:
    at: datetime
    by: str
    text: str


@dataclass(frozen=True)
class Refused:
    command: Command
    reason: Refusal
    detail: str
    given: str = ""  # the user's own words the refusal quotes (defanged by the template)


@dataclass(frozen=True)
class LeadCommand:
    """The latest counted `/lead`: whom it named, and the comment that did."""

    person: str
    at: datetime
    comment_id: int


@dataclass(frozen=True)
class Period:
    """A stretch with one priority: from a change to the next (or for ever)."""

    start: datetime
    end: datetime | None
    priority: Priority
    due: datetime | None  # response due; None while closed for good

    def missed(self, ack: Acknowledgement | None, now: datetime) -> bool:
        """Did this period's response target pass without an acknowledgement?"""
        if self.due is None or self.due > now:
            return False
        if self.end is not None and self.due >= self.end:
            return False
        return ack is None or ack.at > self.due


@dataclass(frozen=True)
class Incident:
    """Everything the rules need to know about one incident, read once from the snapshot."""

    issue: Issue
    opened: datetime
    changes: tuple[PriorityChange, ...]
    periods: tuple[Period, ...]
    ack: Acknowledgement | None
    lead: str | None
    comms: str | None
    updates: tuple[Update, ...]
    refused: tuple[Refused, ...]
    lead_command: LeadCommand | None
    leads_to_assign: tuple[str, ...]  # whom to assign now (planned once per `/lead`)
    lead_unassigned: bool  # the bot assigned for the latest `/lead`, but GitHub did not assign
    closed: tuple[Span, ...]
    security: tuple[str, ...]  # why it is a security incident; empty if it is not

    @property
    def priority(self) -> Priority | None:
        return self.periods[-1].priority if self.periods else None

    @property
    def period(self) -> Period | None:
        return self.periods[-1] if self.periods else None

    @property
    def is_open(self) -> bool:
        return self.issue.is_open

    @property
    def resolved(self) -> datetime | None:
        """When it was last closed, if it is closed now."""
        if self.is_open:
            return None
        return self.closed[-1][0] if self.closed else self.issue.closed_at

    def last_update(self) -> Update | None:
        return self.updates[-1] if self.updates else None


def read(item: Item, ctx: Context) -> Incident:
    """The incident's story from the issue snapshot (pure)."""
    issue = item.issue
    policy = ctx.policy
    spans = closed_spans(issue)
    verdict = _Responders(ctx)

    changes: list[PriorityChange] = []
    for at, pid, by in _form_priorities(item.form, issue):
        changes.append(PriorityChange(at, pid, by, "form"))

    ack_candidates: list[Acknowledgement] = []
    updates: list[Update] = []
    refused: list[Refused] = []
    lead: LeadCommand | None = None
    comms: tuple[datetime, str] | None = None

    # A command counts from when its comment was created: an edit (a typo fixed an hour later)
    # must not move it, and GitHub sets `created_at`, so nobody can backdate one.
    found = commands(issue.comments, policy.bot, tuple(v.value for v in Verb))
    for command in sorted(found, key=lambda c: (c.comment.created_at, c.comment.id)):
        at = command.comment.created_at
        author = command.comment.author
        allowed = verdict.check(author)
        if allowed is not True:
            reason = Refusal.NOT_RESPONDER if allowed is False else Refusal.ACCESS_UNKNOWN
            refused.append(Refused(command, reason, verdict.explain(author)))
            continue
        match Verb(command.name):
            case Verb.ACK:
                ack_candidates.append(Acknowledgement(at, author, "/ack"))
            case Verb.LEAD | Verb.COMMS:
                person = _person(command, verdict)
                if isinstance(person, Refused):
                    refused.append(person)
                    continue
                if command.name == Verb.LEAD:
                    lead = LeadCommand(person, at, command.comment.id)
                    ack_candidates.append(Acknowledgement(at, author, "/lead"))
                else:
                    comms = (at, person)
            case Verb.PRIORITY:
                match = _PRIORITY_ARG.match(command.args)
                if match is None or f"P{match.group(1)}" not in policy.priorities:
                    refused.append(Refused(command, Refusal.USAGE, "one of P1, P2, P3 or P4"))
                    continue
                changes.append(PriorityChange(at, f"P{match.group(1)}", author, "/priority"))
            case Verb.UPDATE:
                updates.append(Update(at, author, command.args))

    for event in issue.events:
        if event.kind is EventKind.ASSIGNED and not ctx.is_bot(event.actor):
            ack_candidates.append(Acknowledgement(event.at, event.actor, "assignment"))

    changes.sort(key=lambda c: c.at)
    effective: list[PriorityChange] = []
    for change in changes:
        if not effective or effective[-1].priority != change.priority:
            effective.append(change)

    periods: list[Period] = []
    for index, change in enumerate(effective):
        end = effective[index + 1].at if index + 1 < len(effective) else None
        prio = policy.priorities[change.priority]
        due = advance(policy.calendar, change.at, prio.response, spans)
        periods.append(Period(change.at, end, prio, due))

    assigned_since = lead is not None and _assigned_since(issue, lead)
    traced = lead is not None and _lead_trace(item) == lead.comment_id
    to_assign = (
        lead is not None
        and issue.is_open
        and not traced
        and not assigned_since
        and not _is_assignee(issue, lead.person)
    )
    return Incident(
        issue=issue,
        opened=issue.created_at,
        changes=tuple(effective),
        periods=tuple(periods),
        ack=min(ack_candidates, key=lambda a: a.at) if ack_candidates else None,
        lead=lead.person if lead else (issue.assignees[0] if issue.assignees else None),
        comms=comms[1] if comms else None,
        updates=tuple(updates),
        refused=tuple(refused),
        lead_command=lead,
        leads_to_assign=(lead.person,) if lead is not None and to_assign else (),
        lead_unassigned=bool(
            lead is not None
            and traced
            and not assigned_since
            and not _is_assignee(issue, lead.person)
        ),
        closed=spans,
        security=_security_reasons(item),
    )


def _form_priorities(
    form: FormTemplate | None, issue: Issue
) -> Iterator[tuple[datetime, str, str]]:
    """(when, priority, by) each time the form's priority answer became a different valid one."""
    if form is None:
        return
    previous: str | None = None
    for revision in issue.body_history():
        current = priority_of(parse_body(form, revision.body))
        if current is not None and current != previous:
            yield revision.at, current, revision.author or issue.author
        previous = current


def priority_of(answers: Mapping[str, Any]) -> str | None:
    """P1..P4 from the form's priority answer, or None if it is missing or unknown."""
    value = answers.get("priority")
    if isinstance(value, list):
        value = value[0] if len(value) == 1 else None
    if not isinstance(value, str):
        return None
    match = _PRIORITY.match(value)
    return f"P{match.group(1)}" if match else None


def _person(command: Command, verdict: _Responders) -> str | Refused:
    """Whom `/lead` or `/comms` names: the first person @mentioned; else a bare login that is a
    responder (or a writer); the commenter when it names nobody. Otherwise the refusal to reply
    with: a team is not a person, and a bare word such as "me" or "TBC" is nobody."""
    args = command.args.strip()
    if not args:
        return command.comment.author
    mentions = [(m.group(1), m.group(2)) for m in _MENTION.finditer(args)]
    people = [login for login, team in mentions if not team]
    if people:
        return people[0]
    if mentions:
        return Refused(command, Refusal.USAGE, "a person, not a team")
    word = args.split()[0]
    if _BARE_LOGIN.fullmatch(word) and (
        verdict.ctx.access.can_write(word) or verdict.check(word) is True
    ):
        return word
    return Refused(command, Refusal.UNKNOWN_PERSON, "", given=args)


def _is_assignee(issue: Issue, person: str) -> bool:
    return person.lower() in {a.lower() for a in issue.assignees}


def _assigned_since(issue: Issue, lead: LeadCommand) -> bool:
    """Was the person assigned (by anyone) since the `/lead` that named them?

    (Someone assigned since and then unassigned by a person is left alone: no fight.)
    """
    return any(
        e.kind is EventKind.ASSIGNED
        and (e.assignee or "").lower() == lead.person.lower()
        and e.at >= lead.at
        for e in issue.events
    )


def _lead_trace(item: Item) -> int | None:
    """The `/lead` comment the bot last assigned for, from its own status card (trusted: `mine`
    holds only comments the bot wrote)."""
    card = item.mine.get(STATUS_KEY)
    found = _LEAD_TRACE.search(card.body) if card is not None else None
    return int(found.group(1)) if found else None


def _security_reasons(item: Item) -> tuple[str, ...]:
    """The ticked boxes of the form's `security` checkboxes that are the form's own options."""
    boxes = item.answers.get("security")
    if not isinstance(boxes, Mapping):
        return ()
    field = item.form.field("security") if item.form is not None else None
    options = {" ".join(o.split()).casefold() for o in field.options} if field else set()
    return tuple(
        str(label)
        for label in boxes.get("selected", [])
        if " ".join(str(label).split()).casefold() in options
    )


class _Responders:
    """Who may command: the policy's responders, or anyone with write access."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.people = ctx.policy.incidents.responders

    def check(self, login: str) -> bool | None:
        """True or False, or None when it cannot be known (writers or a team unreadable)."""
        if self.people:
            return self.ctx.access.member(login, self.people)
        if self.ctx.access.writers is None:
            return None
        return self.ctx.access.can_write(login)

    def explain(self, login: str) -> str:
        """Who the responders are, and what could not be read, for the refusal reply."""
        if not self.people:
            if self.ctx.access.writers is None:
                return "the repository's collaborators could not be read"
            return "people with write access to this repository"
        unreadable = [
            p for p in self.people if "/" in p and self.ctx.access.teams.get(p.lower()) is None
        ]
        if unreadable and self.check(login) is None:
            return "the members of " + ", ".join(unreadable) + " could not be read"
        return ", ".join(self.people)


# -- time --------------------------------------------------------------------------------------


def closed_spans(issue: Issue) -> tuple[Span, ...]:
    """The stretches the issue spent closed, from its close and reopen events."""
    spans: list[Span] = []
    start: datetime | None = None
    for event in sorted(issue.events, key=lambda e: e.at):
        if event.kind is EventKind.CLOSED and start is None:
            start = event.at
        elif event.kind is EventKind.REOPENED and start is not None:
            spans.append((start, event.at))
            start = None
    if not issue.is_open:
        spans.append((start or issue.closed_at or issue.updated_at, None))
    return tuple(spans)


def _as_office(calendar: BusinessCalendar, duration: Duration) -> Duration:
    if duration.clock is Clock.BUSINESS_DAYS:
        return Duration.office(calendar.support_day_length() * duration.days)
    return duration


def _is_zero(duration: Duration) -> bool:
    return duration.amount <= timedelta(0) and duration.days <= 0


def advance(
    calendar: BusinessCalendar, start: datetime, duration: Duration, closed: Sequence[Span]
) -> datetime | None:
    """`start` plus `duration` in its clock, not counting time closed; None if closed for good."""
    duration = _as_office(calendar, duration)
    moment = start
    for closed_at, reopened in closed:
        if reopened is not None and reopened <= moment:
            continue
        if closed_at <= moment:
            if reopened is None:
                return None
            moment = reopened
            continue
        end = calendar.add(moment, duration)
        if end <= closed_at:
            return end
        if duration.clock is Clock.WALL:
            used = closed_at - moment
        else:
            used = calendar.office_time_between(moment, closed_at)
        duration = Duration(duration.clock, duration.amount - used)
        if reopened is None:
            return None
        moment = reopened
    return calendar.add(moment, duration)


def open_time(start: datetime, end: datetime, closed: Sequence[Span]) -> timedelta:
    """Wall-clock time between two moments, not counting time closed."""
    total = end - start
    for closed_at, reopened in closed:
        a = max(closed_at, start)
        b = min(reopened or end, end)
        if b > a:
            total -= b - a
    return total


def _dues(
    calendar: BusinessCalendar, anchor: datetime, every: Duration, closed: Sequence[Span]
) -> Iterator[datetime]:
    """Due times every interval after `anchor` (pausing while closed), for ever."""
    if _is_zero(every):
        return
    due = advance(calendar, anchor, every, closed)
    while due is not None:
        yield due
        due = advance(calendar, due, every, closed)


@dataclass(frozen=True)
class UpdatePlan:
    """The current update expectation: what is overdue now, and what falls due next."""

    first_due: datetime | None  # the first update due after the last update (or anchor)
    overdue: datetime | None  # the latest due time that has passed with no update
    next_due: datetime | None  # the next due time after now


def update_plan(incident: Incident, policy: Policy, now: datetime) -> UpdatePlan:
    period = incident.period
    if period is None:
        return UpdatePlan(None, None, None)
    prio = period.priority
    since = [u for u in incident.updates if u.at >= period.start]
    if prio.update_every is not None:
        anchor = max([period.start, *(u.at for u in since)])
        overdue: datetime | None = None
        first: datetime | None = None
        for due in _dues(policy.calendar, anchor, prio.update_every, incident.closed):
            first = first or due
            if due > now:
                return UpdatePlan(first, overdue, due)
            overdue = due
        return UpdatePlan(first, overdue, None)
    if prio.update_after is not None and not since and not _is_zero(prio.update_after):
        due_at = advance(policy.calendar, period.start, prio.update_after, incident.closed)
        if due_at is None:
            return UpdatePlan(None, None, None)
        if due_at <= now:
            return UpdatePlan(due_at, due_at, None)
        return UpdatePlan(due_at, None, due_at)
    return UpdatePlan(None, None, None)


def missed_updates(incident: Incident, policy: Policy, until: datetime) -> list[datetime]:
    """Every update due time up to `until` that passed before an update came (register)."""
    missed: list[datetime] = []
    for period in incident.periods:
        inside = [
            u.at
            for u in incident.updates
            if period.start <= u.at and (period.end is None or u.at < period.end)
        ]
        prio = period.priority
        if prio.update_every is not None:
            anchors = [period.start, *inside]
            for index, anchor in enumerate(anchors):
                following = anchors[index + 1] if index + 1 < len(anchors) else period.end
                for due in _dues(policy.calendar, anchor, prio.update_every, incident.closed):
                    if due > until or (following is not None and due >= following):
                        break
                    missed.append(due)
        elif prio.update_after is not None and not _is_zero(prio.update_after):
            due_at = advance(policy.calendar, period.start, prio.update_after, incident.closed)
            if (
                due_at is not None
                and due_at <= until
                and (period.end is None or due_at < period.end)
                and not any(a <= due_at for a in inside)
            ):
                missed.append(due_at)
    return missed


# -- the rules ---------------------------------------------------------------------------------


def handle(item: Item, ctx: Context) -> Decision:
    """Reconcile one incident: every rule, the status card last so that it shows the result."""
    incident = read(item, ctx)
    return (
        priority_labels(item, ctx, incident)
        + invalid_priority(item, ctx, incident)
        + command_replies(item, ctx, incident)
        + escalation(item, ctx, incident)
        + update_reminder(item, ctx, incident)
        + security(item, ctx, incident)
        + review(item, ctx, incident)
        + status_card(item, ctx, incident)
    )


# -- labels a person set win ---------------------------------------------------------------


def _label_events(item: Item, label: str) -> list[IssueEvent]:
    """The issue's `labeled` and `unlabeled` events for one label, oldest first."""
    found = [
        e
        for e in item.issue.events
        if e.kind in (EventKind.LABELED, EventKind.UNLABELED) and e.label == label
    ]
    return sorted(found, key=lambda e: e.at)  # stable: same-moment events keep their order


def added_by_bot(item: Item, ctx: Context, label: str) -> bool:
    """Did the bot add the label last (so that the bot may take it away)?"""
    added = [e for e in _label_events(item, label) if e.kind is EventKind.LABELED]
    return bool(added) and ctx.is_bot(added[-1].actor)


def removed_by_person(item: Item, ctx: Context, label: str, since: datetime | None = None) -> bool:
    """Did anyone but the bot remove the label after the bot last added it (and, with `since`,
    at or after `since`)? Then the bot does not add it again."""
    events = _label_events(item, label)
    last_bot_add = max(
        (i for i, e in enumerate(events) if e.kind is EventKind.LABELED and ctx.is_bot(e.actor)),
        default=None,
    )
    if last_bot_add is None:
        return False
    return any(
        e.kind is EventKind.UNLABELED
        and not ctx.is_bot(e.actor)
        and (since is None or e.at >= since)
        for e in events[last_bot_add + 1 :]
    )


def add_once(
    item: Item, ctx: Context, rule: str, label: str, since: datetime | None = None
) -> tuple[Action, ...]:
    """Add a label the bot owns, unless a person took it off after the bot put it on."""
    if label in item.issue.labels or removed_by_person(item, ctx, label, since):
        return ()
    return add_labels(item, rule, label)


def priority_labels(item: Item, ctx: Context, incident: Incident) -> Decision:
    """[incident.priority] exactly one priority label: the current priority's; and
    `needs-triage` taken off, if the bot put it on."""
    prio = incident.priority
    if prio is None:
        return Decision()
    policy = ctx.policy
    wanted = policy.label(prio.id)
    others = [policy.label(p) for p in policy.priorities if policy.label(p) != wanted]
    triage = policy.label("needs_triage")
    if added_by_bot(item, ctx, triage):
        others.append(triage)
    return Decision(
        add_labels(item, Rule.PRIORITY, wanted) + remove_labels(item, Rule.PRIORITY, *others)
    )


def invalid_priority(item: Item, ctx: Context, incident: Incident) -> Decision:
    """[incident.invalid] no valid priority: one comment saying what to fix, and needs-triage."""
    if incident.priority is not None:
        return Decision()
    body = render(
        "incident_invalid.md.j2",
        author=item.issue.author,
        given=_given_priority(item.answers),
        priorities=list(ctx.policy.priorities.values()),
    )
    return Decision(
        add_once(item, ctx, Rule.INVALID, ctx.policy.label("needs_triage"))
        + post_once(item, Rule.INVALID, INVALID_KEY, body)
    )


def _given_priority(answers: Mapping[str, Any]) -> str | None:
    value = answers.get("priority")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or None
    return str(value) if value else None


def refused_key(login: str) -> str:
    """The key of the one reply to an author's refused commands (`incident.refused:mallory`)."""
    return "incident.refused:" + login_key(login)


def command_replies(item: Item, ctx: Context, incident: Incident) -> Decision:
    """[incident.refused] one reply per author to the commands that changed nothing, edited in
    place to cover their latest; [incident.lead] assign the person `/lead` named, once."""
    actions: list[Action] = []
    latest: dict[str, Refused] = {}
    for refusal in incident.refused:  # oldest first, so the latest per author wins
        latest[refused_key(refusal.command.comment.author)] = refusal
    for key, refusal in latest.items():
        body = render(
            "incident_refused.md.j2",
            author=refusal.command.comment.author,
            command=refusal.command.name,
            reason=str(refusal.reason),
            detail=refusal.detail,
            given=refusal.given,
        )
        actions += upsert(item, Rule.REFUSED, key, body)
    if incident.leads_to_assign and incident.is_open:
        actions.append(Action(Kind.ASSIGN, Rule.LEAD, item.number, users=incident.leads_to_assign))
    return Decision(tuple(actions))


def escalation(item: Item, ctx: Context, incident: Incident) -> Decision:
    """[incident.escalation] response target missed: sla-missed, and one escalation comment."""
    now = ctx.now
    missed = [p for p in incident.periods if p.missed(incident.ack, now)]
    actions: tuple[Action, ...] = ()
    if missed:
        # A person who took `sla-missed` off is not overruled for the same miss; a target
        # missed after that (a new priority's) puts it back, once.
        latest_miss = max(p.due for p in missed if p.due is not None)
        actions = add_once(item, ctx, Rule.ESCALATION, ctx.policy.label("sla_missed"), latest_miss)
    period = incident.period
    if period is None or not incident.is_open or incident.ack is not None:
        return Decision(actions)
    if period.due is not None and period.due > now:
        return Decision(actions, next_check=period.due)
    if period in missed and period.due is not None:
        rota = ctx.policy.rota_at(period.due)
        body = render(
            "incident_escalation.md.j2",
            priority=period.priority,
            due=ctx.policy.local(period.due),
            start=ctx.policy.local(period.start),
            opened=ctx.policy.local(incident.opened),
            contacts=list(period.priority.escalate_to),
            rota=rota,
            cover=str(ctx.policy.calendar.cover_at(period.due)),
            cover_from=ctx.policy.calendar.next_change(period.due),
        )
        key = f"incident.escalation:{period.priority.id}:{key_time(period.due)}"
        actions += post_once(item, Rule.ESCALATION, key, body)
    return Decision(actions)


def update_reminder(item: Item, ctx: Context, incident: Incident) -> Decision:
    """[incident.update_reminder] one reminder for the latest update due time that passed."""
    if not incident.is_open or incident.period is None:
        return Decision()
    plan = update_plan(incident, ctx.policy, ctx.now)
    actions: tuple[Action, ...] = ()
    if plan.overdue is not None:
        prio = incident.period.priority
        last = incident.last_update()
        people = [p for p in (incident.comms, incident.lead) if p]
        body = render(
            "incident_reminder.md.j2",
            priority=prio,
            due=ctx.policy.local(plan.overdue),
            last=last,
            last_at=ctx.policy.local(last.at) if last else None,
            every=str(prio.update_every) if prio.update_every else None,
            after=str(prio.update_after) if prio.update_after else None,
            people=list(dict.fromkeys(people)),
        )
        key = f"incident.update_reminder:{key_time(plan.overdue)}"
        actions = post_once(item, Rule.UPDATE_REMINDER, key, body)
    return Decision(actions, next_check=plan.next_due)


def security(item: Item, ctx: Context, incident: Incident) -> Decision:
    """[incident.security] security label and one comment to the security contacts."""
    if not incident.security:
        return Decision()
    body = render(
        "incident_security.md.j2",
        reasons=list(incident.security),
        contacts=list(ctx.policy.incidents.security_contacts),
    )
    return Decision(
        add_once(item, ctx, Rule.SECURITY, ctx.policy.label("security"))
        + post_once(item, Rule.SECURITY, SECURITY_KEY, body)
    )


def review(item: Item, ctx: Context, incident: Incident) -> Decision:
    """[incident.review] closing a priority that asks for one: one blameless-review comment."""
    prio = incident.priority
    resolved = incident.resolved
    if resolved is None or prio is None or not prio.review_on_close:
        return Decision()
    figures = figures_of(incident, ctx.policy, ctx.now)
    body = render(
        "incident_review.md.j2",
        priority=prio,
        people=[p for p in dict.fromkeys([incident.lead, incident.comms]) if p],
        figures=figures,
    )
    return Decision(post_once(item, Rule.REVIEW, REVIEW_KEY, body))


@dataclass(frozen=True)
class Figures:
    """The measured figures of an incident (status card, review comment and register)."""

    time_to_acknowledge: timedelta | None
    time_to_resolve: timedelta | None
    response_met: bool | None  # None: not acknowledged and not yet due
    updates_met: bool
    missed_updates: int


def figures_of(incident: Incident, policy: Policy, now: datetime) -> Figures:
    ack = incident.ack
    resolved = incident.resolved
    missed = any(p.missed(ack, now) for p in incident.periods)
    if missed:
        response_met: bool | None = False
    elif ack is not None:
        response_met = True
    else:
        response_met = True if resolved is not None else None
    until = min(resolved or now, now)
    updates = missed_updates(incident, policy, until)
    return Figures(
        time_to_acknowledge=open_time(incident.opened, ack.at, incident.closed) if ack else None,
        time_to_resolve=open_time(incident.opened, resolved, incident.closed) if resolved else None,
        response_met=response_met,
        updates_met=not updates,
        missed_updates=len(updates),
    )


def status_card(item: Item, ctx: Context, incident: Incident) -> Decision:
    """[incident.status] one comment, edited in place: the incident's dashboard."""
    policy = ctx.policy
    now = ctx.now
    local = policy.local
    period = incident.period
    plan = update_plan(incident, policy, now)
    figures = figures_of(incident, policy, now)
    ack = incident.ack
    ack_period = _period_at(incident, ack.at) if ack else None
    last = incident.last_update()
    escalations = [
        {"priority": p.priority, "due": local(p.due)}
        for p in incident.periods
        if p.due is not None and p.missed(ack, now)
    ]
    reopened = [local(r) for _, r in incident.closed if r is not None]
    body = render(
        "incident_status.md.j2",
        number=item.number,
        service=item.answers.get("service"),
        priority=period.priority if period else None,
        priority_since=local(period.start) if period else None,
        priority_changes=len(incident.changes),
        opened=local(incident.opened),
        author=item.issue.author,
        due=local(period.due) if period and period.due else None,
        overdue=bool(period and period.due and period.due <= now and ack is None),
        ack=ack,
        ack_at=local(ack.at) if ack else None,
        ack_target=str(ack_period.priority.response) if ack_period else None,
        ack_in_time=bool(ack and ack_period and ack_period.due and ack.at <= ack_period.due),
        time_to_acknowledge=figures.time_to_acknowledge,
        lead=incident.lead,
        comms=incident.comms,
        last=last,
        last_at=local(last.at) if last else None,
        next_update=local(plan.first_due) if plan.first_due and incident.is_open else None,
        update_overdue=plan.overdue is not None,
        escalations=escalations,
        security=bool(incident.security),
        is_open=incident.is_open,
        resolved=local(incident.resolved) if incident.resolved else None,
        time_to_resolve=figures.time_to_resolve,
        reopened=reopened,
        lead_unassigned=incident.lead_unassigned,
        lead_trace=_trace_to_write(item, incident),
    )
    return Decision(upsert(item, Rule.STATUS, STATUS_KEY, body))


def _trace_to_write(item: Item, incident: Incident) -> int | None:
    """The `/lead` comment id the card records: the one assigned for now, or the one already
    recorded (so the assignment is planned once per command)."""
    command = incident.lead_command
    if command is None:
        return None
    # Also once the person is assigned: the card may be written a run after the assignment.
    if incident.is_open and (incident.leads_to_assign or _assigned_since(item.issue, command)):
        return command.comment_id
    return _lead_trace(item)


def _period_at(incident: Incident, moment: datetime) -> Period | None:
    """The priority period in force at a moment (before the first, none)."""
    found: Period | None = None
    for period in incident.periods:
        if period.start <= moment:
            found = period
    return found


def next_update_due(item: Item, ctx: Context) -> datetime | None:
    """When the next update is due (for the sweep summary); None if none is expected."""
    incident = read(item, ctx)
    if not incident.is_open:
        return None
    return update_plan(incident, ctx.policy, ctx.now).first_due
