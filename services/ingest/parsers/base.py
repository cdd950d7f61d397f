"""What every parser returns, and the one interface a document parser implements.

A parser turns one fetched ``Document`` into RawEvents. It raises ``InvalidEvent`` when the whole
document is unusable (it is then dead-lettered whole); an item it cannot use becomes a
``Rejected`` with the item's own bytes and the reason, and the rest of the document goes on.
Parsers are pure: no I/O, no clock (times come from the document), no global state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, TypeVar

from pydantic import ValidationError

from services.ingest.parsers.json_limits import MAX_LINE_BYTES, load_json
from services.ingest.sources.base import Document
from shared.dlq import InvalidEvent, reason_from_validation
from shared.ids import event_id
from shared.schemas import EventKind, FieldValue, RawEvent

T = TypeVar("T")


@dataclass(frozen=True)
class Rejected:
    reason: str
    payload: bytes


@dataclass(frozen=True)
class Parsed:
    events: list[RawEvent] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


class Parser(Protocol):
    def __call__(self, doc: Document) -> Parsed: ...


def json_lines(
    body: bytes, convert: Callable[[object], T | None]
) -> tuple[list[T], list[Rejected], int]:
    """Each non-blank line as JSON through ``convert`` (None = skip the line, ``InvalidEvent`` =
    reject it); unreadable lines, and lines over the JSON limits (``json_limits``), are rejected
    with their bytes. Returns (values, rejected, number of non-blank lines)."""
    values: list[T] = []
    rejected: list[Rejected] = []
    lines = [line for line in body.splitlines() if line.strip()]
    for line in lines:
        try:
            value = convert(load_json(line, max_bytes=MAX_LINE_BYTES))
        except InvalidEvent as exc:
            rejected.append(Rejected(exc.reason, line))
        else:
            if value is not None:
                values.append(value)
    return values, rejected, len(lines)


def document_event(
    doc: Document,
    *,
    kind: EventKind,
    native_id: str,
    title: str,
    summary: str,
    url: str | None,
    published_at: datetime | None,
    language: str | None,
    fields: dict[str, FieldValue],
) -> RawEvent:
    """The RawEvent for one item of ``doc``: id from the feed and the item's native id, dated by
    the item, or by the fetch when it has no date (then ``published_at_inferred``). A value the
    contract refuses raises ``InvalidEvent`` naming the field."""
    if published_at is None:
        fields["published_at_inferred"] = True
    try:
        return RawEvent(
            id=event_id(doc.feed, native_id), kind=kind, source=doc.feed, native_id=native_id,
            title=title, summary=summary, url=url, published_at=published_at or doc.fetched_at,
            fetched_at=doc.fetched_at, language=language, fields=fields,
        )
    except ValidationError as exc:
        raise InvalidEvent(reason_from_validation(exc)) from exc
