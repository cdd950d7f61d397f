"""The alerts intake alone on the embedded PostgreSQL: events/s recorded with two tenants, a
consumed batch at a time and one record at a time. Prints figures, asserts nothing.

No broker, no flusher, no other worker: ``AlertIntake.handle_batch`` fed ConsumerRecords of
scored events (``--per-story`` reports per story, as bench/alerts_dedup.py sends them) in
batches of ``--batch`` (500 is what a consumer hands over when it is behind), each mode on a
fresh database. Two tenants, as in alerts_dedup: ``bench`` (every event, one route grouping by
country) and the built-in ``default`` (severity ≥ 50, no route); every event fires in both, so
an event is two alerts' worth of writes. ``publish`` only collects the changes: sending them is
the service's cost, measured by alerts_dedup.

    .venv/bin/python bench/alerts_intake.py [--events 4000] [--batch 500] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from aiokafka import ConsumerRecord
from prometheus_client import CollectorRegistry

sys.path.insert(0, str(Path(__file__).resolve().parent))

from alerts_dedup import CONFIG, scored  # noqa: E402
from embedded_stack import embedded_stack  # noqa: E402

from services.alerts.default_tenant import DEFAULT_TENANT, default_config  # noqa: E402
from services.alerts.intake import AlertIntake  # noqa: E402
from services.alerts.metrics import AlertsMetrics  # noqa: E402
from services.alerts.settings import AlertsSettings  # noqa: E402
from services.alerts.stages.match import IndexSample  # noqa: E402
from services.alerts.tenant_cache import TenantCache  # noqa: E402
from shared.alerting.config_yaml import load_config  # noqa: E402
from shared.clock import utc_now  # noqa: E402
from shared.db.migrate import upgrade  # noqa: E402
from shared.db.pool import open_pool  # noqa: E402
from shared.schemas import AlertChange, DeadLetter  # noqa: E402
from shared.stores import tenant_config, tenants  # noqa: E402
from shared.topics import SCORED_EVENTS  # noqa: E402


class NoIndexHistory:
    async def add(self, country: str, category: str, sample: IndexSample) -> list[IndexSample]:
        return [sample]


def records(events: int, per_story: int) -> list[ConsumerRecord]:
    run = uuid.uuid4().hex[:12]
    out = []
    for n in range(events):
        value = scored(n // per_story, n % per_story, run).to_bytes()
        out.append(ConsumerRecord(topic=SCORED_EVENTS.name, partition=n % 4, offset=n,
                                  timestamp=0, timestamp_type=0, key=None, value=value,
                                  checksum=None, serialized_key_size=0,
                                  serialized_value_size=len(value), headers=()))
    return out


def fresh_database(url: str) -> str:
    name = f"intake_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url.replace("/brisk?", "/postgres?"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    fresh = url.replace("/brisk?", f"/{name}?")
    upgrade(fresh)
    return fresh


async def rate(url: str, batch: Sequence[ConsumerRecord], size: int) -> tuple[float, int]:
    """(events/s, changes) recording ``batch`` ``size`` records at a time on a fresh database."""
    now = datetime.now(UTC)
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        for name, config in (("bench", load_config(CONFIG)),
                             (DEFAULT_TENANT, default_config(AlertsSettings()))):
            await tenants.create_tenant(conn, name, now)
            await tenant_config.apply_config(conn, await tenants.tenant_id(conn, name), config,
                                             now)
    pool = await open_pool(url, max_size=20)  # the service's: max_concurrent_flushes + 4
    try:
        cache = TenantCache()
        async with pool.connection() as conn:
            await cache.refresh(conn, now)
        changes: list[AlertChange] = []

        async def publish(made: Sequence[AlertChange]) -> None:
            changes.extend(made)

        async def dead_letter(letter: DeadLetter) -> None:
            raise AssertionError(f"a bench event was refused: {letter.reason}")

        intake = AlertIntake(pool=pool, tenants=cache, index_history=NoIndexHistory(),
                             publish=publish, publish_dead_letter=dead_letter,
                             metrics=AlertsMetrics.create(CollectorRegistry()), clock=utc_now)
        started = time.perf_counter()
        for start in range(0, len(batch), size):
            await intake.handle_batch(batch[start:start + size])
        return len(batch) / (time.perf_counter() - started), len(changes)
    finally:
        await pool.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=4000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--per-story", type=int, default=4)
    parser.add_argument("--runs", type=int, default=3, help="runs per mode, alternating")
    args = parser.parse_args()
    batch = records(args.events, args.per_story)
    figures: dict[str, list[float]] = {"batch": [], "single": []}
    with embedded_stack() as stack:
        for _ in range(args.runs):
            for mode, size in (("batch", args.batch), ("single", 1)):
                events_per_second, changes = asyncio.run(
                    rate(fresh_database(stack.postgres_url), batch, size))
                figures[mode].append(events_per_second)
    print(f"{args.events:,} scored events, {args.per_story} per story, 2 tenants "
          f"({changes:,} changes recorded a run); median and range of {args.runs} runs:")
    for mode, label in (("batch", f"{args.batch} records a batch"), ("single", "one at a time")):
        rates = sorted(figures[mode])
        print(f"  {label:20} {rates[len(rates) // 2]:6,.0f} events/s "
              f"({rates[0]:,.0f}–{rates[-1]:,.0f})")


if __name__ == "__main__":
    main()
