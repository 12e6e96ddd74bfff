"""The incident commands, read: who may use them, what each counted command says, and the
comments that look like a command but are none.

* **Commands** (`/ack`, `/lead`, `/comms`, `/priority`, `/update`) count only from responders
  (the policy's, else anyone with write access), as their author wrote them and from when they
  wrote them (dutydesk.commands): nobody can backdate one, an edit by someone else never makes,
  changes or removes one, and fixing a typo in an old `/ack` later must not make it late.
* **Decisions outlive their comments.** The status card carries a hidden record
  (dutydesk.commands `record`) of each command that shaped the incident (status.py), and a
  recorded command counts as if its comment were still there as it was: deleting the comment,
  or editing it into something else (its author too), undoes nothing; only a later command
  does. A recorded command is heard like a live one: it counts while its author is a
  responder (a record never grants more than its comment did).
* `/lead` and `/comms` name a person by `@login`; a bare word only when it is a responder or
  has write access (so `/lead me`, `/lead the platform team` or `/comms TBC` name nobody), and
  nothing at all names the commenter. A team is not a person.
* Anyone else's command, or a malformed one, is refused (refused.py replies to it), saying so
  when who the responders are could not be read.
* **A responder's mistyped command** gets one reply listing the commands (`unknown_commands`
  says which first lines look like a command).

Emits: nothing (read by story.py)
Reads: incidents.responders, bot
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from dutydesk.commands import Command, authors_latest, commands
from dutydesk.engine import Context, Item
from dutydesk.model import Comment, first_line
from dutydesk.people import is_login, mentions, same
from dutydesk.policy import Policy
from dutydesk.rules.ids import Refusal

_PRIORITY_ARG = re.compile(r"\s*P?([1-4])\b", re.IGNORECASE)


class Verb(StrEnum):
    """The incident commands."""

    ACK = "ack"
    LEAD = "lead"
    COMMS = "comms"
    PRIORITY = "priority"
    UPDATE = "update"


VERBS = tuple(v.value for v in Verb)


@dataclass(frozen=True)
class PriorityChange:
    at: datetime
    priority: str
    by: str
    via: str  # "form", "/priority" or "label"
    command: Command | None = field(default=None, compare=False, repr=False)  # a `/priority`


@dataclass(frozen=True)
class Acknowledgement:
    at: datetime
    by: str
    via: str  # "/ack", "/lead", "assignment"
    command: Command | None = field(default=None, compare=False, repr=False)  # not assignment


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
    command: Command | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Heard:
    """What the counted commands said, and the commands refused; each oldest first."""

    acks: tuple[Acknowledgement, ...] = ()
    priorities: tuple[PriorityChange, ...] = ()
    updates: tuple[Update, ...] = ()
    refused: tuple[Refused, ...] = ()
    lead: LeadCommand | None = None  # the latest counted `/lead`
    comms: str | None = None  # whom the latest counted `/comms` named
    comms_command: Command | None = None  # that `/comms`


class Responders:
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
        unreadable = [p for p in self.people if "/" in p and self._unreadable(p)]
        if unreadable and self.check(login) is None:
            return "the members of " + ", ".join(unreadable) + " could not be read"
        return ", ".join(self.people)

    def _unreadable(self, team: str) -> bool:
        return self.ctx.access.teams.get(team.lower()) is None

    def refusal(self, command: Command) -> Refused | None:
        """Why the command's author may not command, or None if they may."""
        author = command.comment.author
        allowed = self.check(author)
        if allowed is True:
            return None
        reason = Refusal.NOT_RESPONDER if allowed is False else Refusal.ACCESS_UNKNOWN
        return Refused(command, reason, self.explain(author))

    def may_be_named(self, word: str) -> bool:
        """A bare word names a person only if it is a login with write access or a responder."""
        return is_login(word) and (self.ctx.access.can_write(word) or self.check(word) is True)


def named_person(command: Command, responders: Responders) -> str | Refused:
    """Whom `/lead` or `/comms` names: the first person @mentioned; else a bare login that is a
    responder (or a writer); the commenter when it names nobody. Otherwise the refusal to reply
    with: a team is not a person, and a bare word such as "me" or "TBC" is nobody."""
    args = command.args.strip()
    if not args:
        return command.comment.author
    found = mentions(args)
    people = [m.login for m in found if not m.is_team]
    if people:
        return people[0]
    if found:
        return Refused(command, Refusal.USAGE, "a person, not a team")
    if responders.may_be_named(args.split()[0]):
        return args.split()[0]
    return Refused(command, Refusal.UNKNOWN_PERSON, "", given=args)


@dataclass
class _Listener:
    """Hears the commands one by one, oldest first (private: `read_commands` freezes it)."""

    responders: Responders
    policy: Policy
    acks: list[Acknowledgement] = field(default_factory=list)
    priorities: list[PriorityChange] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)
    lead: LeadCommand | None = None
    comms: str | None = None
    comms_command: Command | None = None

    def hear(self, command: Command) -> None:
        refusal = self.responders.refusal(command)
        if refusal is not None:
            self.refused.append(refusal)
            return
        match Verb(command.name):
            case Verb.ACK:
                self.acks.append(self._ack(command, "/ack"))
            case Verb.LEAD | Verb.COMMS:
                self._name(command)
            case Verb.PRIORITY:
                self._priority(command)
            case Verb.UPDATE:
                self._update(command)

    @staticmethod
    def _who(command: Command) -> tuple[datetime, str]:
        return command.at, command.comment.author

    def _ack(self, command: Command, via: str) -> Acknowledgement:
        return Acknowledgement(*self._who(command), via, command)

    def _name(self, command: Command) -> None:
        person = named_person(command, self.responders)
        if isinstance(person, Refused):
            self.refused.append(person)
        elif command.name == Verb.LEAD:
            self.lead = LeadCommand(person, command.at, command.comment.id, command)
            self.acks.append(self._ack(command, "/lead"))
        else:
            self.comms, self.comms_command = person, command

    def _update(self, command: Command) -> None:
        """An update says something: a bare `/update` is not one, and gets a reply."""
        if not command.args.strip():
            self.refused.append(Refused(command, Refusal.USAGE, "what changed and what is next"))
            return
        self.updates.append(Update(*self._who(command), command.args))

    def _priority(self, command: Command) -> None:
        match = _PRIORITY_ARG.match(command.args)
        wanted = f"P{match.group(1)}" if match else None
        if wanted is None or wanted not in self.policy.priorities:
            self.refused.append(Refused(command, Refusal.USAGE, "one of P1, P2, P3 or P4"))
            return
        at, author = self._who(command)
        self.priorities.append(PriorityChange(at, wanted, author, "/priority", command))

    def heard(self) -> Heard:
        return Heard(
            tuple(self.acks),
            tuple(self.priorities),
            tuple(self.updates),
            tuple(self.refused),
            self.lead,
            self.comms,
            self.comms_command,
        )


def read_commands(item: Item, ctx: Context) -> Heard:
    """Every incident command on the issue, in the order their comments were created."""
    listener = _Listener(Responders(ctx), ctx.policy)
    found = commands(item.issue.comments, ctx.policy.bot, VERBS)
    for command in sorted(found, key=lambda c: (c.at, c.comment.id)):
        listener.hear(command)
    return listener.heard()


# -- comments that look like a command but are none ------------------------------------------

# The first word of a first line that looks like a command: `/`, a word of letters, digits,
# hyphens or underscores, any sentence punctuation, then a space or the end of the line. A path
# (`/var/log is full`, `/etc/hosts`, `/index.html`) never matches: its first word goes on after
# a slash or a dot.
_LOOKS_LIKE = re.compile(r"^/([a-z][a-z0-9_-]*)([.!?,:;]*)(?:\s+(.*))?$", re.IGNORECASE)


@dataclass(frozen=True)
class Unknown:
    """A responder's comment whose first line looks like a command but is none."""

    comment: Comment
    at: datetime  # when its author wrote that line
    word: str  # the first word as written (`/acknowledge`, `/ack.`): only the characters above
    suggestion: str | None  # the incident command it is closest to, if any


def unknown_commands(item: Item, ctx: Context) -> tuple[Unknown, ...]:
    """The responders' comments whose first line, as their author wrote it, looks like a
    command and is none, oldest first. It looks like one when its first word is `/` and a word
    (not a path: see `_LOOKS_LIKE`) that is not an incident command as written, and either
    nothing else is on the line (`/acknowledge`, `/help`, `/approve`, `/ack.`) or the word is
    close to an incident command (`closest_verb`: `/ak`, `/prio P2`, `/udpate db is back`,
    `/lead: @carol`). A word far from every command with more words after it (`/tmp is full`,
    `/me waves`, `/cc @bob`) is prose and gets no answer. Strangers' comments get none either:
    their real commands are refused (refused.py), their other words are theirs."""
    responders, bot = Responders(ctx), ctx.policy.bot
    found: list[Unknown] = []
    for comment in item.issue.comments:
        if not comment.author or same(comment.author, bot):
            continue
        unknown = _looks_like(comment)
        if unknown is not None and responders.check(comment.author) is True:
            found.append(unknown)
    return tuple(sorted(found, key=lambda u: (u.at, u.comment.id)))


def _looks_like(comment: Comment) -> Unknown | None:
    version = authors_latest(comment)
    if version is None:
        return None
    at, text = version.at, version.body
    match = _LOOKS_LIKE.match(first_line(text))
    if match is None:
        return None
    word, punctuation, rest = match.group(1).lower(), match.group(2), match.group(3)
    if word in VERBS and not punctuation:
        return None  # a command: read_commands hears it (or refuses it)
    suggestion = closest_verb(word)
    if suggestion is None and (rest or "").strip():
        return None
    return Unknown(comment, at, "/" + match.group(1) + punctuation, suggestion)


def closest_verb(word: str) -> str | None:
    """The incident command `word` is close to, if any: one starts with the other and they
    share three letters or more (`acknowledge`, `prio`, `updated`), or it is one typo away,
    two for the names of five letters or more (`ak`, `led`, `priorty`, `udpate`), a swap of
    two neighbouring letters counting as one. The nearest wins, in the order of `Verb`."""
    close = [
        (typos(word, verb), index, verb)
        for index, verb in enumerate(VERBS)
        if _prefixed(word, verb) or typos(word, verb) <= (1 if len(verb) < 5 else 2)
    ]
    return min(close)[2] if close else None


def _prefixed(word: str, verb: str) -> bool:
    return min(len(word), len(verb)) >= 3 and (word.startswith(verb) or verb.startswith(word))


def typos(a: str, b: str) -> int:
    """The edits from `a` to `b`: letters added, removed or changed, and neighbours swapped
    (the optimal string alignment distance)."""
    rows = [list(range(len(b) + 1))]
    for i, char in enumerate(a, 1):
        row = [i]
        for j, other in enumerate(b, 1):
            cost = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (char != other))
            if i > 1 and j > 1 and char == b[j - 2] and a[i - 2] == other:
                cost = min(cost, rows[-2][j - 2] + 1)
            row.append(cost)
        rows.append(row)
    return rows[-1][-1]
