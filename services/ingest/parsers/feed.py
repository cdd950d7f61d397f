"""RSS 0.9x/1.0/2.0 and Atom documents → RawEvents, through feedparser after the safety check.

A document that is not well-formed XML, or nests deeper than ``MAX_XML_DEPTH``, is refused whole
(raises ``InvalidEvent``): items a lenient parser salvages from a broken document are unreliable.
An encoding mismatch that feedparser resolves (declared UTF-8, sent as Windows-1252 — common in
the wild) is accepted. A single entry that cannot become an event is returned as a ``Rejected``
item, and the rest of the feed goes on.
"""

from __future__ import annotations

import calendar
import html
import json
import re
from datetime import UTC, datetime
from typing import Any

import feedparser

from services.ingest.parsers.base import Parsed, Rejected, document_event
from services.ingest.parsers.dates import parse_localised_rfc822
from services.ingest.parsers.xml_safety import refuse_deep_xml, refuse_unsafe_xml
from services.ingest.sources.base import Document
from shared.dlq import InvalidEvent
from shared.schemas import RawEvent

# feedparser signals recoverable quirks with these exception types; anything else means broken XML.
_BENIGN_BOZO = ("CharacterEncodingOverride", "NonXMLContentType")
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def parse_feed(doc: Document) -> Parsed:
    refuse_unsafe_xml(doc.body)
    refuse_deep_xml(doc.body)  # feedparser gives no entry its own element to judge alone
    parsed = feedparser.parse(doc.body, sanitize_html=True, resolve_relative_uris=False)
    if parsed.get("bozo"):
        problem = parsed.get("bozo_exception")
        if type(problem).__name__ not in _BENIGN_BOZO:
            raise InvalidEvent(f"not a well-formed feed: {problem}")
    if not parsed.get("version") and not parsed.entries:
        raise InvalidEvent("not an RSS or Atom document")
    language = parsed.feed.get("language") or None
    feed_title = _text(parsed.feed.get("title", ""))
    events: list[RawEvent] = []
    rejected: list[Rejected] = []
    for entry in parsed.entries:
        try:
            events.append(entry_to_event(entry, doc, language, feed_title))
        except InvalidEvent as exc:
            rejected.append(Rejected(exc.reason, _entry_bytes(entry)))
    return Parsed(events, rejected)


def entry_to_event(
    entry: Any, doc: Document, language: str | None, feed_title: str
) -> RawEvent:
    title = _text(entry.get("title", ""))
    link = entry.get("link") or None
    native = entry.get("id") or link
    if not title:
        raise InvalidEvent("entry has no title")
    if not native:
        raise InvalidEvent("entry has neither an id nor a link")
    published = _published(entry)
    fields: dict[str, str | int | float | bool | None] = {"feed_title": feed_title}
    tags = [t.get("term") for t in entry.get("tags", []) if t.get("term")]
    if tags:
        fields["tags"] = "; ".join(tags)[:1000]
    return document_event(
        doc, kind="news", native_id=native, title=title,
        summary=_text(entry.get("summary", ""))[:20000], url=link, published_at=published,
        language=entry.get("language") or language, fields=fields,
    )


def _text(markup: str) -> str:
    """Plain text from feed HTML: tags dropped, entities decoded, whitespace collapsed."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", markup))).strip()


def _published(entry: Any) -> datetime | None:
    # feedparser normalises every date it understands to a UTC struct_time.
    struct = entry.get("published_parsed") or entry.get("updated_parsed")
    if struct:
        return datetime.fromtimestamp(calendar.timegm(struct), UTC)
    text = entry.get("published") or entry.get("updated")
    return parse_localised_rfc822(text) if text else None


def _entry_bytes(entry: Any) -> bytes:
    """feedparser keeps no raw XML per entry; its parsed form is the closest faithful record."""
    return json.dumps(entry, default=str, ensure_ascii=False).encode("utf-8")
