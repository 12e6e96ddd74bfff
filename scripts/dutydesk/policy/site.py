"""The `site:` section of policy.yaml: the public status page and its feed (pure).

Kept beside parsing.py, which calls `parse_site` for the section.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from dutydesk.policy.reader import Reader
from dutydesk.policy.schema import DEFAULT_IMPACT, PRIORITY_IDS, SitePolicy

SITE_KEYS = ("title", "url", "services", "impact", "show_names", "history_days", "templates")


def parse_site(section: Reader) -> SitePolicy:
    """The site's settings, each checked; unknown keys refused."""
    site = SitePolicy(
        title=section.text("title", SitePolicy.title),
        url=_url(section),
        services=_services(section),
        impact=_impact(section.mapping("impact")),
        show_names=section.boolean("show_names", False),
        history_days=section.integer("history_days", 90, minimum=1),
        templates=_optional_text(section, "templates"),
    )
    section.done(SITE_KEYS)
    return site


def _optional_text(section: Reader, name: str) -> str | None:
    if section.get(name, None) is None:
        return None
    return section.text(name, "")


def _url(section: Reader) -> str | None:
    url = _optional_text(section, "url")
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise section.fail("url", url, "the site's address, such as https://org.github.io/ops/")
    return url if url.endswith("/") else url + "/"


def _services(section: Reader) -> tuple[str, ...]:
    value = section.get("services", [])
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise section.fail("services", value, "a list of service names")
    return tuple(v.strip() for v in value)


def _impact(section: Reader) -> dict[str, str]:
    section.done(PRIORITY_IDS)
    return {pid: section.text(pid, DEFAULT_IMPACT[pid]) for pid in PRIORITY_IDS}
