"""The one grammar for GitHub logins, teams and @mentions.

A login is letters, digits and single inner hyphens, at most 39 characters; an app's login ends
in `[bot]`. A team is `org/slug`. An @mention is read as GitHub reads one: not inside an e-mail
address or a word, and `@org/team` names a team. Logins compare case-insensitively.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LOGIN = r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}"
TEAM_SLUG = r"[A-Za-z0-9_.-]+"

_LOGIN = re.compile(LOGIN)
_ACCOUNT = re.compile(rf"{LOGIN}(?:\[bot\])?")
_TEAM = re.compile(rf"{LOGIN}/[A-Za-z0-9][A-Za-z0-9_.-]*")
_MENTION = re.compile(rf"(?<![A-Za-z0-9_.+@-])@({LOGIN})(?:/({TEAM_SLUG}))?(?![A-Za-z0-9-])")
# One word that is a whole mention, as `/approve @a, @org/team:` writes them.
_MENTION_WORD = re.compile(rf"@({LOGIN}(?:/{TEAM_SLUG})?)[,.;:]?")
_KEY_UNSAFE = re.compile(r"[^a-z0-9-]")


@dataclass(frozen=True)
class Mention:
    login: str  # the person, or the team's organisation
    team: str | None = None  # the team's slug, when `@org/team`

    @property
    def handle(self) -> str:
        """`login` or `org/team`, as policy.yaml writes people."""
        return f"{self.login}/{self.team}" if self.team else self.login

    @property
    def is_team(self) -> bool:
        return self.team is not None


def is_login(text: str, *, app: bool = False) -> bool:
    """Is `text` a GitHub login (with `app`, also `name[bot]`)?"""
    return (_ACCOUNT if app else _LOGIN).fullmatch(text) is not None


def is_team(text: str) -> bool:
    """Is `text` a team, `org/slug`?"""
    return _TEAM.fullmatch(text) is not None


def is_person_or_team(text: str, *, app: bool = False) -> bool:
    """A login or a team, each with an optional leading `@` (as policy files write them)."""
    bare = text[1:] if text.startswith("@") else text
    return is_login(bare, app=app) or is_team(bare)


def mentions(text: str) -> tuple[Mention, ...]:
    """Every @mention in `text`, in order."""
    return tuple(Mention(m.group(1), m.group(2)) for m in _MENTION.finditer(text))


def mention_word(word: str) -> Mention | None:
    """A word that is one whole @mention (trailing `,.;:` allowed), else None."""
    match = _MENTION_WORD.fullmatch(word)
    if match is None:
        return None
    login, _, team = match.group(1).partition("/")
    return Mention(login, team or None)


def same(a: str, b: str) -> bool:
    """Two logins (or teams) are the same account: GitHub ignores case."""
    return a.lower() == b.lower()


def login_key(login: str) -> str:
    """A login as marker-key text: lower case, every other character (`[bot]`) a `+`, which
    never appears in a login, so two logins never share a key."""
    return _KEY_UNSAFE.sub("+", login.lower())
