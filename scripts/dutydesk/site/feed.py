"""The status page's Atom feed (RFC 4287), built with ElementTree so that it is always
well-formed XML whatever the text says (pure: a `StatusPage` in, bytes out).

One entry per public incident and maintenance notice on the page. Ids are `tag:` URIs
(RFC 4151) made from the repository and the issue number, so they never change between
builds; an entry's `updated` is its latest update (or resolution), and its content says the
latest update.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime

from dutydesk.site.model import (
    EntryKind,
    MaintenanceNotice,
    PublicIncident,
    StatusPage,
)
from dutydesk.site.render import moment

ATOM = "http://www.w3.org/2005/Atom"
FEED_FILE = "feed.xml"
PAGE_FILE = "index.html"
TAG_AUTHORITY = "github.com,2008"  # GitHub's domain, owned since 2008: a stable tag authority


def feed_id(repository: str) -> str:
    return f"tag:{TAG_AUTHORITY}:{repository}/status"


def entry_id(repository: str, number: int) -> str:
    return f"tag:{TAG_AUTHORITY}:{repository}/issues/{number}"


def _stamp(at: datetime) -> str:
    return at.isoformat(timespec="seconds")


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    element.text = text
    return element


def atom(page: StatusPage) -> bytes:
    """The feed as UTF-8 bytes with an XML declaration."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    base = page.url or ""
    entries: list[PublicIncident | MaintenanceNotice] = [
        *page.current,
        *page.maintenance,
        *page.resolved,
    ]
    latest = max((e.updated for e in entries), default=page.generated)
    _add(feed, "id", feed_id(page.repository))
    _add(feed, "title", page.title)
    _add(feed, "updated", _stamp(latest))
    _add(_add(feed, "author"), "name", page.title)
    _add(feed, "link", rel="self", href=f"{base}{FEED_FILE}", type="application/atom+xml")
    _add(feed, "link", rel="alternate", href=base or PAGE_FILE, type="text/html")
    _add(feed, "generator", "dutydesk")
    for item in sorted(entries, key=lambda e: (e.updated, e.number), reverse=True):
        if isinstance(item, PublicIncident):
            _incident_entry(feed, page, item)
        else:
            _notice_entry(feed, page, item)
    ET.indent(feed)
    text: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return text + b"\n"


def _entry(feed: ET.Element, page: StatusPage, number: int, title: str, at: datetime) -> ET.Element:
    entry = _add(feed, "entry")
    _add(entry, "id", entry_id(page.repository, number))
    _add(entry, "title", title)
    _add(entry, "updated", _stamp(at))
    anchor = f"{page.url or PAGE_FILE}#item-{number}"
    _add(entry, "link", rel="alternate", href=anchor, type="text/html")
    return entry


def incident_text(incident: PublicIncident) -> str:
    """What the entry says: the status and the latest update."""
    state = "Resolved" if incident.resolved else incident.impact
    head = f"{state}. Started {moment(incident.started)}."
    latest = incident.latest
    if latest is None:
        return head
    if latest.kind is EntryKind.RESOLVED:
        return f"{head} Resolved {moment(latest.at)}."
    return f"{head} Latest update, {moment(latest.at)}: {latest.text}"


def _incident_entry(feed: ET.Element, page: StatusPage, incident: PublicIncident) -> None:
    title = f"{incident.service}: {'resolved' if incident.resolved else incident.impact}"
    entry = _entry(feed, page, incident.number, title, incident.updated)
    _add(entry, "published", _stamp(incident.started))
    _add(entry, "content", incident_text(incident), type="text")


def notice_text(notice: MaintenanceNotice) -> str:
    state = "In progress" if notice.in_progress else "Planned"
    text = f"{state}: from {moment(notice.start)} to {moment(notice.end)}."
    return f"{text} {notice.impact}" if notice.impact else text


def _notice_entry(feed: ET.Element, page: StatusPage, notice: MaintenanceNotice) -> None:
    title = f"Planned maintenance: {notice.service}"
    entry = _entry(feed, page, notice.number, title, notice.updated)
    _add(entry, "content", notice_text(notice), type="text")
