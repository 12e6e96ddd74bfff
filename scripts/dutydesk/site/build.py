"""Reading the issues the site needs, and writing the site's files: the only I/O of the site.

`read_issues` asks the repository (GitHub or the in-memory one) for the open incidents and
notices and the incidents updated within `site.history_days`; `write_site` writes
`index.html` and `feed.xml` into a folder, creating it.

Reads: site.templates, site.history_days, labels.incident, labels.planned_maintenance
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

from dutydesk.engine import Context
from dutydesk.errors import ConfigurationError
from dutydesk.io.repository import Repository
from dutydesk.model import Issue
from dutydesk.site.facts import status_page
from dutydesk.site.feed import FEED_FILE, PAGE_FILE, atom
from dutydesk.site.model import StatusPage
from dutydesk.site.render import render_page


def read_issues(repo: Repository, ctx: Context) -> list[Issue]:
    """Open incidents and maintenance notices, and incidents updated in the history window."""
    policy = ctx.policy
    incident, maintenance = policy.label("incident"), policy.label("planned_maintenance")
    since = ctx.now - timedelta(days=policy.site.history_days)
    return [*repo.open_issues([incident, maintenance]), *repo.issues_since(incident, since)]


def build_page(repo: Repository, ctx: Context, repository: str) -> StatusPage:
    return status_page(read_issues(repo, ctx), ctx, repository)


def site_files(page: StatusPage, templates: Path | None = None) -> Mapping[str, bytes]:
    """The site's files by name (pure)."""
    return {PAGE_FILE: render_page(page, templates).encode("utf-8"), FEED_FILE: atom(page)}


def templates_folder(given: Path | None, policy_source: str, configured: str | None) -> Path | None:
    """The team's templates: `--templates`, else `site.templates` (relative to the policy
    file's folder); None for the built-in ones. A folder that is not there is an error."""
    folder = given
    if folder is None and configured is not None:
        folder = Path(policy_source).parent / configured
    if folder is not None and not folder.is_dir():
        raise ConfigurationError(f"site templates: {folder} is not a folder")
    return folder


def write_site(out: Path, files: Mapping[str, bytes]) -> list[Path]:
    """Write the files into `out` (created if need be); the paths written."""
    if out.exists() and not out.is_dir():
        raise ConfigurationError(f"--out {out} is a file; give a folder for the site")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in files.items():
        path = out / name
        path.write_bytes(content)
        written.append(path)
    return written
