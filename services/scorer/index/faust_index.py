"""Wiring of the country index into Faust: one agent, one table, one optional refresh timer.

The agent consumes ``brisk.scorer.country-events`` (key = ISO3, value = ``CountryEvent`` JSON),
keeps a ``CountryIndexState`` dict per country in the ``country-index`` table and sends a
``CountryRisk`` (JSON, key = ISO3) to the risk topic whenever ``apply_record`` says the index moved
materially. Constraints this follows (Tansu + the in-memory store):

- the table is written once per record, inside the ``async for`` over the stream that is keyed by
  the table key, so the changelog partition is the record's partition (no ``stream.take`` batches);
- the table has the source topic's partition count (co-partitioned; Faust checks it);
- delivery is at-least-once: the state remembers the last event ids, so a record redelivered after
  a crash, whose state write already reached the changelog, is not counted twice.

Without new events an index still decays, and a "falling" trend would never be published. The
timer sends a ``refresh`` record per known country back to the source topic (same key, so the same
partition and agent), and the agent publishes if decay moved the index materially. Each worker
ticks the countries in its own table (standby copies included; a duplicate tick publishes nothing).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import faust
from pydantic import ValidationError

from services.scorer.index.country_index import (
    DEFAULT_CONFIG,
    CountryEvent,
    CountryIndexState,
    IndexConfig,
    apply_record,
)
from services.scorer.index.structural import StructuralBaseline
from shared.clock import Clock, utc_now
from shared.schemas import CountryRisk

TABLE_NAME = "country-index"
AGENT_NAME = "country_index"
log = logging.getLogger(__name__)


def handle_record(
    payload: bytes | str | Mapping[str, Any],
    table: Any,
    baselines: Mapping[str, StructuralBaseline],
    config: IndexConfig,
    clock: Clock,
) -> CountryRisk | None:
    """Decode one record, update its country's table entry, return the CountryRisk to send.

    Must run while the stream is on this record (the table write takes the record's partition).
    A record that fails validation is logged and skipped: it is produced by brisk itself, so it
    is a bug to fix, not data to dead-letter.
    """
    try:
        if isinstance(payload, bytes | str):
            record = CountryEvent.from_bytes(payload)
        else:
            record = CountryEvent.model_validate(payload)
    except ValidationError as exc:
        log.error("country index: invalid country-event record skipped: %s", exc)
        return None
    stored = table.get(record.country)
    state = None if stored is None else CountryIndexState.from_dict(stored)
    new_state, risk = apply_record(state, record, baselines.get(record.country), clock(), config)
    if new_state != state:
        table[record.country] = new_state.to_dict()
    return risk


async def send_refresh_ticks(countries: Iterable[str], source_topic: Any, now: datetime) -> int:
    """Send one ``refresh`` record per country to the source topic (key = ISO3); return how many."""
    sent = 0
    for country in countries:
        tick = CountryEvent(kind="refresh", country=country, at=now)
        await source_topic.send(key=country.encode(), value=tick.to_bytes())
        sent += 1
    return sent


def register_country_index(
    app: faust.App,
    source_topic: Any,
    risk_topic: Any,
    baselines: Mapping[str, StructuralBaseline],
    config: IndexConfig = DEFAULT_CONFIG,
    clock: Clock = utc_now,
    refresh_seconds: float | None = 900.0,
) -> Any:
    """Define the ``country_index`` agent (and its table and refresh timer) on ``app``; return it.

    ``source_topic``/``risk_topic`` are Faust topics with raw key and value serializers (ISO3 bytes,
    JSON bytes). ``refresh_seconds=None`` disables the refresh timer.
    """
    now = clock
    partitions = getattr(source_topic, "partitions", None) or app.conf.topic_partitions
    # Keys and values go to the changelog as JSON (a str key, a dict value).
    table = app.Table(TABLE_NAME, default=None, partitions=partitions, key_type=str)

    @app.agent(source_topic, name=AGENT_NAME)
    async def country_index(stream: Any) -> Any:
        """Fold each country-event record into its country's index; send material changes on."""
        async for event in stream.events():
            risk = handle_record(event.value, table, baselines, config, now)
            if risk is not None:
                await risk_topic.send(key=risk.country.encode(), value=risk.to_bytes())
            yield risk

    if refresh_seconds is not None:
        @app.timer(interval=refresh_seconds, name="country_index_refresh")
        async def refresh_country_index() -> None:
            await send_refresh_ticks(list(table.keys()), source_topic, now())

    return country_index
