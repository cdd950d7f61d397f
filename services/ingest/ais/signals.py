"""Logistics signals → ``RawEvent`` (kind ``shipping``), and a parser for whole NMEA documents.

``signal_to_event`` gives each signal a readable English title a keyword scorer understands and a
native id built from kind, vessel, place and hour bucket, so a replay yields the same event ids.

``parse_nmea_document`` decodes a file of NMEA lines, runs a fresh ``LogisticsTracker`` over it and
returns the signals as events. Decisions:

- Time: a message's own tag-block ``c:`` time when it has one; otherwise line *i* of *n* is given
  ``doc.fetched_at − (n − 1 − i) × line_spacing`` (the last line "arrived" when the document was
  fetched; one second apart by default) and its event is marked ``published_at_inferred``.
- Bad lines are counted, not dead-lettered one by one: a bad checksum, an orphaned fragment or an
  undecodable payload is ordinary radio noise (a real feed has thousands a day), so those only go
  into ``NmeaParsed.counters``. A line that is not NMEA at all (garbage, binary, a stray HTML line)
  becomes a ``Rejected`` with its bytes — at most ``MAX_REJECTED`` of them, the rest only counted.
- A non-empty document in which no line even looks like NMEA raises ``InvalidEvent`` (it is the
  wrong document, e.g. an error page) and is dead-lettered whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pydantic import ValidationError

from services.ingest.ais.nmea import NmeaDecoder
from services.ingest.ais.ports import PortIndex
from services.ingest.ais.tracker import LogisticsTracker, Signal, TrackerConfig
from services.ingest.parsers.base import Parsed, Rejected
from services.ingest.sources.base import Document
from shared.dlq import InvalidEvent, reason_from_validation
from shared.ids import event_id
from shared.schemas import RawEvent

MAX_REJECTED = 100
MAX_TEXT = 200  # vessel names and destinations are ≤ 20 characters on air; anything longer is noise
_NMEA_STARTS = (b"!", b"$", b"\\")


@dataclass(frozen=True)
class NmeaParsed(Parsed):
    counters: dict[str, int] = field(default_factory=dict)


def ship_category(ship_type: int | None) -> str | None:
    """The ITU-R M.1371 ship-type tens digit as a word a scorer can match ("tanker", "cargo")."""
    if ship_type is None:
        return None
    return {3: "special craft", 4: "high-speed craft", 5: "special craft", 6: "passenger ship",
            7: "cargo ship", 8: "tanker", 9: "vessel"}.get(ship_type // 10, "vessel")


def signal_to_event(
    signal: Signal, source: str, fetched_at: datetime, time_inferred: bool = False
) -> RawEvent:
    place = signal.port_locode or signal.port_name or signal.chokepoint or "-"
    if signal.kind == "diversion" and not signal.port_locode:
        place = signal.detail
    bucket = signal.observed_at.strftime("%Y-%m-%dT%H")
    native = f"{signal.kind}:{signal.mmsi or '-'}:{place}:{bucket}"
    fields: dict[str, str | int | float | bool | None] = {
        "signal": signal.kind,
        "mmsi": signal.mmsi,
        "vessel_name": _clip(signal.vessel_name),
        "ship_type": signal.ship_type,
        "ship_category": ship_category(signal.ship_type),
        "port_locode": signal.port_locode,
        "port_name": _clip(signal.port_name),
        "country_iso3": signal.country_iso3,
        "chokepoint": signal.chokepoint,
        "lat": signal.lat,
        "lon": signal.lon,
        "measure": round(signal.measure, 3),
        "baseline": None if signal.baseline is None else round(signal.baseline, 3),
    }
    if time_inferred:
        fields["published_at_inferred"] = True
    return RawEvent(
        id=event_id(source, native),
        kind="shipping",
        source=source,
        native_id=native[:2048],
        title=title_for(signal),
        summary=_clip(signal.detail, 2000) or "",
        published_at=signal.observed_at,
        fetched_at=fetched_at,
        language="en",
        fields=fields,
    )


def title_for(signal: Signal) -> str:
    vessel = _vessel(signal)
    port = signal.port_name or "an unnamed port"
    if signal.port_locode:
        port = f"{port} ({signal.port_locode})"
    if signal.kind == "chokepoint_entry":
        return f"{vessel} enters the {signal.chokepoint}"
    if signal.kind == "port_congestion":
        usual = f"{signal.baseline:.0f}" if signal.baseline is not None else "no"
        return (f"Port congestion at {port}: {signal.measure:.0f} vessels at anchor "
                f"vs {usual} usual")
    if signal.kind == "dwell_anomaly":
        usual = (f"{signal.baseline:.0f} h usual" if signal.baseline is not None
                 else "no port history")
        return f"Port delay at {port}: {vessel} held for {signal.measure:.0f} h vs {usual}"
    if signal.kind == "ais_gap":
        return (f"AIS gap near the {signal.chokepoint}: {vessel} silent for "
                f"{signal.measure:.0f} h")
    bound = f", now bound for {port}" if signal.port_name else ""
    return f"Diversion: {vessel} {_clip(signal.detail)}{bound}"


def parse_nmea_document(
    doc: Document,
    line_spacing: timedelta = timedelta(seconds=1),
    config: TrackerConfig | None = None,
    ports: PortIndex | None = None,
) -> NmeaParsed:
    lines = doc.body.splitlines()
    if lines and not any(line.lstrip()[:1] in _NMEA_STARTS for line in lines):
        raise InvalidEvent("not an NMEA document: no line starts with '!', '$' or a tag block")
    decoder = NmeaDecoder()
    tracker = LogisticsTracker(config, ports)
    rejected: list[Rejected] = []
    events: dict[str, RawEvent] = {}
    last = doc.fetched_at - len(lines) * line_spacing
    tagged = False
    for index, line in enumerate(lines):
        when = doc.fetched_at - (len(lines) - 1 - index) * line_spacing
        malformed = decoder.counters["malformed"]
        for message in decoder.feed(line, when):
            last = max(last, message.received_at)
            inferred = not message.raw.startswith(b"\\")
            tagged = tagged or not inferred
            for signal in tracker.observe(message):
                _add(events, rejected, signal, doc, inferred)
        if decoder.counters["malformed"] > malformed and len(rejected) < MAX_REJECTED:
            rejected.append(Rejected("not an NMEA sentence", line))
    decoder.flush()
    for signal in tracker.tick(last):
        _add(events, rejected, signal, doc, not tagged)
    return NmeaParsed(list(events.values()), rejected, decoder.counters)


def _add(
    events: dict[str, RawEvent], rejected: list[Rejected], signal: Signal, doc: Document,
    inferred: bool,
) -> None:
    try:
        event = signal_to_event(signal, doc.feed, doc.fetched_at, inferred)
    except ValidationError as exc:
        rejected.append(Rejected(reason_from_validation(exc), repr(signal).encode()))
        return
    events.setdefault(event.id, event)


def _vessel(signal: Signal) -> str:
    category = (ship_category(signal.ship_type) or "vessel").capitalize()
    name = _clip(signal.vessel_name)
    if name:
        return f"{category} {name} (MMSI {signal.mmsi})"
    return f"{category} MMSI {signal.mmsi}"


def _clip(text: str | None, limit: int = MAX_TEXT) -> str | None:
    return text[:limit] if text else text
