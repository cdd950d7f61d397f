"""Partner items: the JSON shape of ``POST /v1/ingest`` and of ``--format jsonl`` files.

A land-corridor status feed (CR Express border crossings: Khorgos, Alashankou, Erenhot,
Manzhouli, Zabaikalsk, Brest–Małaszewicze) is one such partner: ``kind`` shipping, the crossing
and its measures in ``fields``. The partner's own id makes the event id, so resending is harmless.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from services.ingest.parsers.base import Parsed, Rejected
from services.ingest.parsers.json_limits import MAX_LINE_BYTES, load_json
from services.ingest.sources.base import Document
from shared.dlq import InvalidEvent, reason_from_validation
from shared.ids import event_id
from shared.schemas import EventKind, FieldValue, RawEvent


class PushItem(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    id: str = Field(min_length=1, max_length=512, description="The partner's own id for the item")
    kind: EventKind = "news"
    title: str = Field(min_length=1, max_length=2000)
    summary: str = Field(default="", max_length=20000)
    url: str | None = Field(default=None, max_length=4096)
    published_at: AwareDatetime
    language: str | None = Field(default=None, max_length=35)
    fields: dict[str, FieldValue] = Field(default_factory=dict, max_length=50)


class PushBatch(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    items: list[PushItem] = Field(min_length=1, max_length=1000)


def item_to_event(item: PushItem, source: str, fetched_at: datetime) -> RawEvent:
    return RawEvent(
        id=event_id(source, item.id), kind=item.kind, source=source, native_id=item.id,
        title=item.title, summary=item.summary, url=item.url, published_at=item.published_at,
        fetched_at=fetched_at, language=item.language, fields=item.fields,
    )


def parse_jsonl_items(doc: Document) -> Parsed:
    """One PushItem per line; a line that is not one (or breaks a JSON limit) is rejected with
    its bytes, and the other lines go on."""
    if b"\x00" in doc.body[:1024]:
        raise InvalidEvent("binary data, not JSON Lines")
    events: list[RawEvent] = []
    rejected: list[Rejected] = []
    for number, line in enumerate(doc.body.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = PushItem.model_validate(load_json(line, max_bytes=MAX_LINE_BYTES))
        except InvalidEvent as exc:
            rejected.append(Rejected(f"line {number}: {exc.reason}", line))
        except ValidationError as exc:
            rejected.append(Rejected(f"line {number}: {reason_from_validation(exc)}", line))
        else:
            events.append(item_to_event(item, doc.feed, doc.fetched_at))
    return Parsed(events, rejected)
