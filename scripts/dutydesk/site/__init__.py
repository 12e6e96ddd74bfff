"""The public status page and its Atom feed, built from the repository's issues.

    public.py   which issues the public may see (the `public` label, from a responder)
    facts.py    issues -> `StatusPage` (pure)
    model.py    the page as plain data
    render.py   `StatusPage` -> HTML, from the Jinja2 templates in templates/ (pure)
    feed.py     `StatusPage` -> Atom XML (pure)
    build.py    reading the issues and writing the files (the only I/O)

`dutydesk site build` and `dutydesk simulate --site` call `build_page`, `site_files` and
`write_site`.
"""

from dutydesk.site.build import build_page, read_issues, site_files, templates_folder, write_site
from dutydesk.site.facts import status_page
from dutydesk.site.model import StatusPage

__all__ = [
    "StatusPage",
    "build_page",
    "read_issues",
    "site_files",
    "status_page",
    "templates_folder",
    "write_site",
]
