"""The embedded broker on its two storage engines: prints figures, asserts nothing.

For ``s3`` (Tansu over SeaweedFS, the default) and ``memory``: the produce rate with acks=all
of ``--events`` RawEvents the size of real news items, the broker's (and the object store's)
resident memory after them, the disk the object store used per event, and — s3 only — whether
every record is still there after ``kill -9`` of the broker and a restart.

    .venv/bin/python bench/broker_storage.py [--events 100000] [--only s3|memory]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from brisk.embedded import BrokerStorage  # noqa: E402
from brisk.local_broker import local_broker  # noqa: E402
from brisk.processes import resident_mib  # noqa: E402
from shared.ids import event_id  # noqa: E402
from shared.kafka import ensure_topics  # noqa: E402
from shared.schemas import RawEvent  # noqa: E402
from shared.topics import RAW_EVENTS  # noqa: E402

SUMMARY = ("Operations at the container terminal were suspended for a second day as dock workers "
           "stayed out over pay, leaving vessels waiting at anchor and shippers rerouting cargo "
           "to neighbouring ports, the port authority said on Tuesday.")


def events(count: int) -> list[bytes]:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    return [RawEvent(id=event_id("bench", str(n)), kind="news", source="bench", native_id=str(n),
                     title=f"Strike halts container terminal for a second day (report {n})",
                     summary=SUMMARY, url=f"https://news.example.org/{n}",
                     published_at=start + timedelta(seconds=n), fetched_at=start,
                     ).to_bytes() for n in range(count)]


def disk_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


async def produce(bootstrap: str, values: list[bytes]) -> float:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=10,
                                enable_idempotence=False, max_batch_size=1_048_576)
    await producer.start()
    started = time.perf_counter()
    try:
        futures = [await producer.send(RAW_EVENTS.name, v, key=str(i).encode())
                   for i, v in enumerate(values)]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()
    return len(values) / (time.perf_counter() - started)


async def count_records(bootstrap: str, expected: int, timeout: float = 120) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                auto_offset_reset="earliest", max_partition_fetch_bytes=4 << 20)
    await consumer.start()
    try:
        parts = [TopicPartition(RAW_EVENTS.name, p) for p in range(RAW_EVENTS.partitions)]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        seen = 0
        deadline = time.monotonic() + timeout
        idle = 0
        while seen < expected and time.monotonic() < deadline and idle < 10:
            batches = await consumer.getmany(timeout_ms=1000, max_records=10_000)
            got = sum(len(records) for records in batches.values())
            seen += got
            idle = 0 if got else idle + 1
        return seen
    finally:
        await consumer.stop()


def measure(storage: BrokerStorage, count: int) -> dict[str, object]:
    values = events(count)
    with tempfile.TemporaryDirectory(prefix=f"brisk-bench-{storage}-") as work, \
            local_broker(storage, Path(work), ROOT) as running:
        asyncio.run(ensure_topics(running.bootstrap))
        disk_before = disk_bytes(running.data_dir) if running.data_dir else 0
        rss_before = resident_mib(running.broker.pid)
        rate = asyncio.run(produce(running.bootstrap, values))
        time.sleep(2)
        figures: dict[str, object] = {
            "engine": storage, "events": count,
            "mean_value_bytes": round(sum(map(len, values)) / count),
            "produce_per_s": round(rate),
            "broker_rss_mib_before": round(rss_before, 1),
            "broker_rss_mib_after": round(resident_mib(running.broker.pid), 1),
        }
        if running.object_store is not None and running.data_dir is not None:
            used = disk_bytes(running.data_dir) - disk_before
            figures["object_store_rss_mib"] = round(resident_mib(running.object_store.pid), 1)
            figures["disk_bytes_per_event"] = round(used / count)
            # kill -9 the broker, start it again on the same port and bucket, count the records.
            running.restart_broker()
            figures["records_after_kill_and_restart"] = asyncio.run(
                count_records(running.bootstrap, count))
        else:
            figures["records_read_back"] = asyncio.run(count_records(running.bootstrap, count))
        return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--only", choices=("s3", "memory"))
    args = parser.parse_args()
    engines: list[BrokerStorage] = [args.only] if args.only else ["s3", "memory"]
    for storage in engines:
        print(json.dumps(measure(storage, args.events)), flush=True)


if __name__ == "__main__":
    main()
