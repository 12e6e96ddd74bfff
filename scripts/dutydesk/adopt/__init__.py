"""What `dutydesk init` writes into a team's repository, and what it leaves alone. Pure: the
CLI (cli/init.py) reads the folder and writes the files this module plans.

The files are packaged copies of this repository's own: the issue forms, `policy.yaml`,
`runbooks/TEMPLATE.md` and the thin caller workflows (`.github/` is packaged as `github/`).
The repository's files stay the source of truth; tests/test_package.py fails when a copy here
differs. The callers here call the reusable workflows with `uses: $/...` (this repository, at
the running commit); `pin` turns that into `OWNER/REPO/...@<commit> # vX.Y.Z` for a team.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from importlib import resources

from dutydesk import __version__

# The release whose reusable workflows `init` pins a team's callers to; `dutydesk init
# --repository/--sha/--tag` overrides them. A commit cannot name itself, so this is an earlier
# commit: the last change to the reusable workflows' inputs and secrets and to what policy.yaml
# may say (the action runs the package as it is at the pin). tests/test_release_pin.py fails
# when the callers ask the pinned commit for an input or secret it does not take, or when its
# package cannot read this version's policy.yaml, the one init writes, or examples/policies/.
RELEASE_REPOSITORY = "example-org/dutydesk"
RELEASE_COMMIT = "1618d8f8ee32c877487bcfc4a819be854c79b37f"
RELEASE_TAG = f"v{__version__}"

# Target path in the team's repository -> path under adopt/files/.
FILES: tuple[tuple[str, str], ...] = tuple(
    (target, target.replace(".github/", "github/", 1))
    for target in (
        ".github/ISSUE_TEMPLATE/config.yml",
        ".github/ISSUE_TEMPLATE/incident.yml",
        ".github/ISSUE_TEMPLATE/out-of-hours-change.yml",
        ".github/ISSUE_TEMPLATE/planned-maintenance.yml",
        ".github/workflows/dutydesk-events.yml",
        ".github/workflows/dutydesk-sweep.yml",
        ".github/workflows/dutydesk-runbooks.yml",
        ".github/workflows/dutydesk-timers.yml",
        "policy.yaml",
        "runbooks/TEMPLATE.md",
    )
)

SHA_RE = re.compile(r"[0-9a-f]{40}")
REPOSITORY_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}")
_SELF_USES = re.compile(r"^(?P<indent>\s*uses:\s*)\$/(?P<path>\.github/workflows/[\w.-]+\.yml)\s*$")


@dataclass(frozen=True)
class Release:
    """The dutydesk repository and commit the written workflows call, and its version."""

    repository: str
    commit: str
    tag: str

    def problems(self) -> list[str]:
        found = []
        if not REPOSITORY_RE.fullmatch(self.repository):
            found.append(f"repository {self.repository!r} is not OWNER/REPO")
        if not SHA_RE.fullmatch(self.commit):
            found.append(f"commit {self.commit!r} is not a full 40-character commit SHA")
        if not self.tag or any(c.isspace() for c in self.tag):
            found.append(f"tag {self.tag!r} is empty or has spaces")
        return found


DEFAULT_RELEASE = Release(RELEASE_REPOSITORY, RELEASE_COMMIT, RELEASE_TAG)


def pin(text: str, release: Release) -> str:
    """A caller workflow with its `uses: $/.github/workflows/X.yml` pinned to the release."""

    def pinned(line: str) -> str:
        match = _SELF_USES.match(line)
        if match is None:
            return line
        target = f"{release.repository}/{match['path']}@{release.commit}"
        return f"{match['indent']}{target} # {release.tag}"

    return "\n".join(pinned(line) for line in text.split("\n"))


def packaged(source: str) -> str:
    """The text of a file under adopt/files/."""
    node = resources.files(__name__).joinpath("files", *source.split("/"))
    return node.read_text(encoding="utf-8")


# A first runbook, from the template, for a repository with none yet (`validate` wants at
# least one page in runbooks.folder); its review falls due `expires`.
FIRST_RUNBOOK = "runbooks/our-service.md"


def first_runbook(template: str, expires: date) -> str:
    """The template with a review date and a title: a page `validate` accepts, to fill in."""
    text = re.sub(r"(?m)^expires: YYYY-MM-DD$", f"expires: {expires.isoformat()}", template)
    return re.sub(r"(?m)^# Service Name Runbook$", "# Our service runbook", text, count=1)


def contents(release: Release, first_runbook_expires: date | None = None) -> dict[str, str]:
    """Every file `init` writes, by its path in the team's repository; with a date, also a
    first runbook (for a repository that has none) whose review falls due then."""
    out = {}
    for target, source in FILES:
        text = packaged(source)
        out[target] = pin(text, release) if target.startswith(".github/workflows/") else text
    if first_runbook_expires is not None:
        out[FIRST_RUNBOOK] = first_runbook(out["runbooks/TEMPLATE.md"], first_runbook_expires)
    return out


class Outcome(StrEnum):
    WRITE = "write"
    SAME = "same"  # already there, as init would write it
    KEPT = "kept"  # already there, different: the team's own, left alone


@dataclass(frozen=True)
class Plan:
    """For each file, what init does: write it, or leave the one there alone."""

    files: tuple[tuple[str, Outcome], ...]

    def paths(self, *outcomes: Outcome) -> list[str]:
        return [path for path, outcome in self.files if outcome in outcomes]

    @property
    def changes_nothing(self) -> bool:
        return not self.paths(Outcome.WRITE)


def plan(wanted: Mapping[str, str], existing: Mapping[str, str | None]) -> Plan:
    """Decide per file: write what is missing; never overwrite (`existing` maps a path that is
    there to its text, or None when it cannot be read as text)."""
    decided = []
    for path, text in wanted.items():
        if path not in existing:
            decided.append((path, Outcome.WRITE))
        elif existing[path] == text:
            decided.append((path, Outcome.SAME))
        else:
            decided.append((path, Outcome.KEPT))
    return Plan(tuple(decided))


def next_steps(release: Release, written: Iterable[str]) -> list[str]:
    """What the team does after init, in order."""
    steps = [
        "Edit policy.yaml: bot, approvers, escalation and security contacts, your rota and "
        "hours; then check it with `dutydesk validate`.",
        "Commit and push to the default branch (scheduled workflows run only from there).",
        "Settings -> Actions -> General: turn on 'Allow GitHub Actions to create and approve "
        "pull requests' (runbook review pull requests); the default 'Read repository contents' "
        "workflow permission is enough.",
        "Create the labels: `dutydesk labels sync --dry-run` lists them; "
        "`GITHUB_TOKEN=<token> dutydesk labels sync --repo OWNER/NAME` creates them (or let the "
        "first runs create them as they are used).",
        "Approvers or responders given as org/team need a GitHub App (Issues: write, Members: "
        "read; Contents and Pull requests: write for runbooks): set the repository variable "
        "DUTYDESK_APP_CLIENT_ID and the secret DUTYDESK_APP_PRIVATE_KEY, and `bot:` in "
        "policy.yaml to '<app-slug>[bot]'.",
        "Notifications outside GitHub (Slack, Teams, email, PagerDuty) and a PagerDuty rota: "
        "put their secrets in the repository secret DUTYDESK_SERVICE_SECRETS, one NAME=value "
        "line each, with the names policy.yaml gives (e.g. OPS_SLACK_WEBHOOK=https://...).",
    ]
    if any(path.startswith(".github/workflows/") for path in written):
        steps.append(
            f"The workflows call {release.repository} at {release.commit[:12]} "
            f"({release.tag}); to upgrade, change the commit and version on their `uses:` lines."
        )
    return steps
