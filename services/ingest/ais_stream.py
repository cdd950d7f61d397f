"""A live AIS stream (NMEA over TCP) → logistics signals → RawEvents, published in small batches.

Decoding and tracking run per line; signals are published at most every ``flush_seconds`` and
the tracker's time-based checks (AIS gaps) run every ``tick_seconds``. Both are checked as lines
arrive — a live AIS feed delivers many lines a second; a silent feed publishes nothing anyway.
Decoder counts (bad checksums, orphan fragments …) go to a metric, never to the dead-letter
topic: a busy receiver produces thousands of them and they carry no information worth keeping.
While the broker or Redis is unavailable the stream keeps reading and holds at most
``MAX_PENDING`` signals (the newest: a signal is about now) for the next flush; anything else
that fails raises, for ``feed_supervisor`` to log, count and restart.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from datetime import datetime

from services.ingest.ais.nmea import NmeaDecoder
from services.ingest.ais.signals import signal_to_event
from services.ingest.ais.tracker import LogisticsTracker, Signal
from services.ingest.failures import is_transient
from services.ingest.handlers import Handled
from services.ingest.metrics import IngestMetrics
from services.ingest.parsers.base import Parsed
from services.ingest.pipeline import publish_handled
from services.ingest.runner import Sink, record_outcome
from services.ingest.sources.base import Document
from shared.clock import Clock
from shared.schemas import RawEvent

log = logging.getLogger(__name__)
MAX_PENDING = 10_000


async def run_ais_stream(
    name: str,
    location: str,
    lines: AsyncIterator[tuple[bytes, datetime]],
    sink: Sink,
    metrics: IngestMetrics,
    clock: Clock,
    flush_seconds: float = 1.0,
    tick_seconds: float = 60.0,
) -> None:
    decoder = NmeaDecoder()
    tracker = LogisticsTracker()
    pending: list[RawEvent] = []
    reported = decoder.counters
    last_flush = last_tick = time.monotonic()

    def collect(signals: list[Signal], at: datetime) -> None:
        pending.extend(signal_to_event(s, name, at) for s in signals)

    async for line, received_at in lines:
        for message in decoder.feed(line, received_at):
            collect(tracker.observe(message), received_at)
        now = time.monotonic()
        if now - last_tick >= tick_seconds:
            collect(tracker.tick(clock()), clock())
            last_tick = now
        if now - last_flush >= flush_seconds:
            counters = decoder.counters
            for kind, count in counters.items():
                metrics.ais_sentences.labels(name, kind).inc(count - reported[kind])
            reported = counters
            if pending:
                doc = Document(name, location, b"", clock())
                try:
                    outcome = await publish_handled(doc, Handled(Parsed(pending)),
                                                    sink.publisher, sink.seen, clock(),
                                                    max_message_bytes=sink.max_message_bytes)
                except Exception as exc:
                    if not is_transient(exc):
                        raise
                    metrics.publish_errors.labels(name).inc()
                    log.warning("publish failed, signals kept for the next flush",
                                extra={"feed": name, "error": repr(exc), "pending": len(pending)})
                    pending = pending[-MAX_PENDING:]
                else:
                    record_outcome(metrics, name, outcome)
                    pending = []
            metrics.last_success.labels(name).set(clock().timestamp())
            last_flush = now
