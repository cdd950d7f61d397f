"""One story, one alert — with two alerts workers racing: prints figures, asserts nothing.

Two alerts services in one consumer group share the scored-event topic's partitions. Each story
is reported by ``--per-story`` events with different ids, so its events land on different
partitions and both workers see the same story at about the same time — the race that gave 68
duplicate alerts in 42,258 when dedup was a check-then-mark in Redis. Events are published at
``--rate`` per second for ``--seconds``; the bench then waits until every event is recorded and
counts alerts, ``fired`` history rows and notifications per group.

    .venv/bin/python bench/alerts_dedup.py [--rate 212] [--seconds 60] [--per-story 4]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from aiokafka import AIOKafkaProducer

sys.path.insert(0, str(Path(__file__).resolve().parent))

from embedded_stack import embedded_stack  # noqa: E402

from brisk.ports import free_port  # noqa: E402
from shared.alerting.config_yaml import load_config  # noqa: E402
from shared.schemas import ScoredEvent  # noqa: E402
from shared.stores import tenant_config, tenants  # noqa: E402
from shared.topics import SCORED_EVENTS  # noqa: E402

CONFIG = """
receivers: [{name: log}]
route: {receiver: log, group_by: [country], group_wait: 1s, group_interval: 2s}
rules: [{name: every-event, kind: event, min_severity: 0}]
"""
COUNTRIES = ("PAK", "LKA", "KEN", "MMR", "KAZ", "UZB", "IDN", "EGY", "ETH", "NPL")


def scored(story: int, report: int, run: str) -> ScoredEvent:
    now = datetime.now(UTC)
    return ScoredEvent.model_validate({
        "id": uuid.uuid4().hex, "kind": "news", "source": f"outlet-{report}",
        "title": f"Port strike spreads (story {story})", "published_at": now, "fetched_at": now,
        "countries": [COUNTRIES[story % len(COUNTRIES)]], "scores": {"supply_chain": 60},
        "severity": 60, "confidence": 0.8, "category": "supply_chain",
        "cluster_id": f"{run}{story:020d}"[:32], "scored_at": now, "scorer_version": "bench"})


async def publish(bootstrap: str, rate: float, seconds: float, per_story: int, run: str) -> int:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await producer.start()
    sent, started = 0, time.monotonic()
    try:
        story = 0
        while time.monotonic() - started < seconds:
            for report in range(per_story):
                event = scored(story, report, run)
                await producer.send(SCORED_EVENTS.name, event.to_bytes(), key=event.id.encode())
                sent += 1
            story += 1
            ahead = sent / rate - (time.monotonic() - started)
            if ahead > 0:
                await asyncio.sleep(ahead)
        await producer.flush()
    finally:
        await producer.stop()
    return sent


async def counts(url: str) -> dict[str, int]:
    async with await psycopg.AsyncConnection.connect(url) as conn:
        tid = await tenants.tenant_id(conn, "bench")  # not the built-in default tenant
        row = await (await conn.execute(
            "SELECT (SELECT count(*) FROM alerts WHERE tenant_id = %(t)s),"
            " (SELECT coalesce(sum(cardinality(event_ids)), 0) FROM alerts WHERE tenant_id = %(t)s),"
            " (SELECT count(*) FROM alert_history WHERE tenant_id = %(t)s AND change = 'fired'),"
            " (SELECT count(*) FROM alert_history WHERE tenant_id = %(t)s AND change = 'grouped'),"
            " (SELECT count(*) FROM notifications WHERE tenant_id = %(t)s)", {"t": tid})
                     ).fetchone()
    assert row is not None
    return dict(zip(("alerts", "event_ids", "fired", "grouped", "notifications"),
                    map(int, row), strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=212)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--per-story", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with embedded_stack() as stack:
        url = stack.postgres_url

        async def tenant() -> None:
            async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
                await tenants.create_tenant(conn, "bench", datetime.now(UTC))
                await tenant_config.apply_config(conn, await tenants.tenant_id(conn, "bench"),
                                                 load_config(CONFIG), datetime.now(UTC))

        asyncio.run(tenant())
        for n in range(1, args.workers + 1):
            stack.start_service(f"alerts-{n}", "alerts", {"BRISK_ALERTS_PORT": str(free_port())})
        time.sleep(12)  # every worker joins the group (half the session timeout each) and splits it
        run = uuid.uuid4().hex[:12]
        started = time.monotonic()
        sent = asyncio.run(publish(stack.bootstrap, args.rate, args.seconds, args.per_story, run))
        published = time.monotonic() - started
        stories = -(-sent // args.per_story)
        while asyncio.run(counts(url))["event_ids"] < sent and time.monotonic() - started < \
                args.seconds + 300:
            time.sleep(0.2)
        done = time.monotonic() - started
        time.sleep(4)  # the last groups' flushes
        seen = asyncio.run(counts(url))
        print(f"events published  {sent:,} at {sent / published:,.0f}/s "
              f"({stories:,} stories x {args.per_story} reports, {args.workers} alerts workers, "
              f"2 tenants)")
        print(f"all recorded in   {done:.1f} s: {sent / done:,.0f} events/s from the first sent "
              f"to the last recorded")
        print(f"alerts            {seen['alerts']:,} (one per story: {stories:,})")
        print(f"fired rows        {seen['fired']:,}  -> duplicate alerts: "
              f"{seen['fired'] - seen['alerts']:,}")
        print(f"events in alerts  {seen['event_ids']:,} of {sent:,}")
        print(f"grouped rows      {seen['grouped']:,}; notifications {seen['notifications']:,}")


if __name__ == "__main__":
    main()
