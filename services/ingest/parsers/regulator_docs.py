"""Regulator document APIs → "policy" RawEvents: the US Federal Register and regulations.gov.

Federal Register: ``/api/v1/documents.json`` answers ``{"count", "results": [...]}`` and leaves
``results`` out when nothing matched. regulations.gov v4: ``/v4/documents`` answers
``{"data": [{"id", "attributes": {...}}], "meta": {...}}``. A body that is not JSON, or not
this shape, is refused whole; one result without an id or a title is ``Rejected`` with its JSON
and the rest go on. A result without a usable date is dated by the fetch and flagged.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from services.ingest.parsers.base import Parsed, Rejected, document_event
from services.ingest.parsers.json_limits import load_json
from services.ingest.sources.base import Document
from shared.dlq import InvalidEvent
from shared.schemas import RawEvent

Fields = dict[str, str | int | float | bool | None]
REGULATIONS_GOV_DOCUMENT = "https://www.regulations.gov/document/{id}"
_TAG = re.compile(r"<[^>]+>")
MAX_SUMMARY = 5000


def parse_federal_register(doc: Document) -> Parsed:
    body = _json_object(doc.body)
    results = body.get("results", [] if body.get("count") == 0 else None)
    if not isinstance(results, list):
        raise InvalidEvent("not a Federal Register search response: no results list")
    return _each(results, doc, _federal_register_event)


def parse_regulations_gov(doc: Document) -> Parsed:
    body = _json_object(doc.body)
    documents = body.get("data")
    if not isinstance(documents, list):
        raise InvalidEvent("not a regulations.gov response: no data list")
    return _each(documents, doc, _regulations_gov_event)


def _federal_register_event(result: dict[str, Any], doc: Document) -> RawEvent:
    number, title = _text(result.get("document_number")), _text(result.get("title"))
    if not number or not title:
        raise InvalidEvent("Federal Register result has no document_number or no title")
    agencies = result.get("agencies")
    names = [_text(a.get("name") or a.get("raw_name")) for a in agencies or []
             if isinstance(a, dict)] if isinstance(agencies, list) else []
    fields: Fields = {
        "regulator": "us-federal-register",
        "document_number": number,
        "document_type": _text(result.get("type")) or None,
        "agencies": "; ".join(n for n in names if n)[:1000],
    }
    published = _day(result.get("publication_date"))
    summary = _text(result.get("abstract")) or _text(result.get("excerpts"))
    url = _text(result.get("html_url")) or None
    return _event(doc, number, title, summary, url, published, fields)


def _regulations_gov_event(item: dict[str, Any], doc: Document) -> RawEvent:
    attributes = item.get("attributes")
    attrs: dict[str, Any] = attributes if isinstance(attributes, dict) else {}
    doc_id, title = _text(item.get("id")), _text(attrs.get("title"))
    if not doc_id or not title:
        raise InvalidEvent("regulations.gov document has no id or no title")
    fields: Fields = {
        "regulator": "us-regulations-gov",
        "document_id": doc_id,
        "document_type": _text(attrs.get("documentType")) or None,
        "agencies": _text(attrs.get("agencyId")) or None,
        "docket_id": _text(attrs.get("docketId")) or None,
        "fr_document_number": _text(attrs.get("frDocNum")) or None,
        "subtype": _text(attrs.get("subtype")) or None,
        "open_for_comment": bool(attrs.get("openForComment")),
        "comment_end_date": _text(attrs.get("commentEndDate")) or None,
    }
    published = _instant(attrs.get("postedDate"))
    summary = _text(attrs.get("highlightedContent"))
    url = REGULATIONS_GOV_DOCUMENT.format(id=doc_id)
    return _event(doc, doc_id, title, summary, url, published, fields)


def _event(
    doc: Document, native_id: str, title: str, summary: str, url: str | None,
    published: datetime | None, fields: Fields,
) -> RawEvent:
    return document_event(doc, kind="policy", native_id=native_id, title=title[:2000],
                          summary=summary[:MAX_SUMMARY], url=url, published_at=published,
                          language="en", fields=fields)


def _each(
    items: list[Any], doc: Document, build: Callable[[dict[str, Any], Document], RawEvent]
) -> Parsed:
    events: list[RawEvent] = []
    rejected: list[Rejected] = []
    for item in items:
        payload = json.dumps(item, ensure_ascii=False).encode("utf-8")
        if not isinstance(item, dict):
            rejected.append(Rejected("result is not a JSON object", payload))
            continue
        try:
            events.append(build(item, doc))
        except InvalidEvent as exc:
            rejected.append(Rejected(exc.reason, payload))
    return Parsed(events, rejected)


def _json_object(body: bytes) -> dict[str, Any]:
    # The body is already cut off at BRISK_INGEST_MAX_BODY_BYTES by its source.
    value = load_json(body, max_bytes=None)
    if not isinstance(value, dict):
        raise InvalidEvent("not a JSON object")
    return value


def _text(value: Any) -> str:
    """Plain text: HTML tags (search-hit highlights) dropped, entities decoded, spaces collapsed."""
    if not isinstance(value, str):
        return ""
    return " ".join(html.unescape(_TAG.sub(" ", value)).split())


def _day(value: Any) -> datetime | None:
    """A publication date ("2026-04-21") as midnight UTC: the Register publishes by day."""
    try:
        day = date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None


def _instant(value: Any) -> datetime | None:
    """An ISO 8601 instant ("2025-01-16T05:00:00Z"); one without an offset is not an instant."""
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    if moment is None or moment.tzinfo is None:
        return None
    return moment.astimezone(UTC)
