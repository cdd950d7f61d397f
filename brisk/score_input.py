"""Items for ``brisk score`` / ``brisk eval``: JSON Lines (the eval format) or a feed file.

JSONL items have ``id, title, summary, url, published_at, source`` and optionally a ``gdelt``
object (EventCode, EventRootCode, QuadClass, GoldsteinScale, NumMentions, AvgTone,
ActionGeo_CountryCode in FIPS 10-4, ActionGeo_FullName, Actor1/2CountryCode). Unknown fields are
ignored. Feed files go through ingest's own parsers, so they become the same RawEvents as in
the stream.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import ValidationError

from shared.country_codes import fips_to_iso3
from shared.dlq import reason_from_validation
from shared.ids import event_id
from shared.schemas import FieldValue, RawEvent

FEED_FORMATS = ("rss", "atom", "gdelt")


@dataclass(frozen=True)
class Item:
    """One input item: its id as given, and the event, or why there is none."""

    line: int
    id: str | None
    event: RawEvent | None = None
    error: str | None = None


def gdelt_fields(gdelt: dict[str, Any]) -> dict[str, FieldValue]:
    def scalar(key: str) -> FieldValue:
        value = gdelt.get(key)
        return value if isinstance(value, str | int | float | bool) else None

    fips = str(gdelt.get("ActionGeo_CountryCode") or "")
    return {
        "gdelt_event_id": scalar("GLOBALEVENTID"),
        "gdelt_event_code": scalar("EventCode"),
        "gdelt_event_root_code": scalar("EventRootCode"),
        "gdelt_quad_class": scalar("QuadClass"),
        "gdelt_goldstein": scalar("GoldsteinScale"),
        "gdelt_num_mentions": scalar("NumMentions"),
        "gdelt_avg_tone": scalar("AvgTone"),
        "action_geo_name": scalar("ActionGeo_FullName") or None,
        "action_geo_fips": fips or None,
        "action_geo_country": fips_to_iso3(fips) if fips else None,
        "actor1_country": scalar("Actor1CountryCode") or None,
        "actor2_country": scalar("Actor2CountryCode") or None,
    }


def item_event(data: dict[str, Any], now: datetime) -> RawEvent:
    """Raises ``ValueError`` (or ``ValidationError``) naming the problem."""
    given = data.get("id")
    source = str(data.get("source") or "jsonl")
    native = str(given) if given is not None else str(data.get("url") or data.get("title"))
    fields: dict[str, FieldValue] = {}
    summary = data.get("summary") or ""
    if isinstance(data.get("gdelt"), dict):
        fields.update(gdelt_fields(data["gdelt"]))
        # Eval items carry the URL slug as their title; ingest's GDELT events carry it as the
        # summary (their title is built from the codes). The scorer reads the summary of both.
        summary = summary or str(data.get("title") or "")
    published = data.get("published_at") or now.isoformat()
    return RawEvent.model_validate({
        "id": event_id(source, native), "kind": data.get("kind") or "news", "source": source,
        "native_id": native, "title": data.get("title"), "summary": summary,
        "url": data.get("url") or None, "published_at": published, "fetched_at": now,
        "language": data.get("language"), "fields": fields,
    })


def jsonl_items(lines: Iterator[str], now: datetime) -> Iterator[Item]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = orjson.loads(line)
            if not isinstance(data, dict):
                raise ValueError("a JSON object is required")
        except ValueError as exc:  # orjson.JSONDecodeError is a ValueError
            yield Item(number, None, error=f"line {number}: not a JSON object: {exc}")
            continue
        given = data.get("id")
        item_id = str(given) if given is not None else None
        try:
            yield Item(number, item_id, item_event(data, now))
        except ValidationError as exc:
            yield Item(number, item_id, error=f"line {number}: {reason_from_validation(exc)}")


def feed_items(body: bytes, fmt: str, location: str, now: datetime) -> Iterator[Item]:
    from services.ingest.parsers.feed import parse_feed
    from services.ingest.parsers.gdelt import parse_gdelt_export
    from services.ingest.sources.base import Document
    from shared.dlq import InvalidEvent

    parser = parse_gdelt_export if fmt == "gdelt" else parse_feed
    try:
        parsed = parser(Document("score", location, body, now))
    except InvalidEvent as exc:
        yield Item(0, None, error=f"{location}: {exc.reason}")
        return
    for number, event in enumerate(parsed.events, start=1):
        yield Item(number, event.id, event)
    for rejected in parsed.rejected:
        yield Item(0, None, error=rejected.reason)


def utc_now() -> datetime:
    return datetime.now(UTC)
