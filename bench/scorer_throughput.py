"""Scorer throughput on this machine: prints figures, asserts nothing (speed targets are not tests).

1. ``brisk score``: items/s through the offline path, one process, one core; the median and
   the best of ``--runs`` runs (this VM has slow spells lasting minutes, in which everything
   runs about 1.5x slower; the spread shows them).
2. The Faust scorer against the embedded broker (Tansu) on each storage engine (``s3`` over
   SeaweedFS, then ``memory``; ``--engines``), events/s sustained, beside the raw aiokafka
   consume → JSON decode → produce rate measured in the same run on the same broker, their
   ratio, and the broker's RSS afterwards. ``--workers`` Faust worker processes (default: one
   per core) share the topic's 4 partitions; each worker's CPU time per event is printed too.

Items are dev.jsonl's real news items, repeated with distinct ids. The scorer's hot path runs
compiled when ``make install`` has built it (services/scorer/compiled.py); the first line says.

    .venv/bin/python bench/scorer_throughput.py [--items 20000] [--workers 2] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from brisk.embedded import BrokerStorage  # noqa: E402
from brisk.local_broker import local_broker  # noqa: E402
from brisk.ports import free_port  # noqa: E402
from brisk.processes import resident_mib, spawn  # noqa: E402
from brisk.stack import http_ok  # noqa: E402
from shared.ids import event_id  # noqa: E402
from shared.kafka import ensure_topics  # noqa: E402
from shared.schemas import RawEvent  # noqa: E402
from shared.topics import RAW_EVENTS, SCORED_EVENTS  # noqa: E402

DEV = ROOT.parent / "shared" / "data" / "eval" / "dev.jsonl"


class Discard(io.StringIO):
    def write(self, text: str) -> int:
        return len(text)


def offline_rates(items: int, runs: int) -> list[float]:
    from brisk.score_command import run_score

    rows = [json.loads(line) for line in DEV.read_text().splitlines()]
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as handle:
        for i in range(items):
            # A distinct id per item: a repeated id would let clustering skip its work.
            row = {**rows[i % len(rows)], "id": f"bench-{i}"}
            handle.write(json.dumps(row) + "\n")
    run_score(handle.name, "jsonl", Discard())  # warm-up: data files, caches
    rates = []
    for _ in range(runs):
        started = time.perf_counter()
        run_score(handle.name, "jsonl", Discard())
        rates.append(items / (time.perf_counter() - started))
    os.unlink(handle.name)
    return rates


def raw_events(items: int) -> list[bytes]:
    rows = [json.loads(line) for line in DEV.read_text().splitlines()]
    now = datetime.now(UTC)
    out = []
    for i in range(items):
        row = rows[i % len(rows)]
        out.append(RawEvent(id=event_id("bench", f"{row['id']}-{i}"), kind="news", source="bench",
                            title=row["title"], summary=row.get("summary") or "",
                            published_at=now, fetched_at=now).to_bytes())
    return out


async def produce(bootstrap: str, topic: str, values: list[bytes]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=10,
                                max_batch_size=1_048_576)
    await producer.start()
    try:
        for i, value in enumerate(values):
            await producer.send(topic, value, key=str(i).encode())
        await producer.flush()
    finally:
        await producer.stop()


async def relay_rate(bootstrap: str, topic: str, count: int, relay_to: str) -> float:
    """Events/s from the first to the last of ``count`` messages, each decoded and relayed."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=uuid.uuid4().hex,
                                auto_offset_reset="earliest", session_timeout_ms=6000,
                                heartbeat_interval_ms=1000, max_poll_records=2000)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=10,
                                max_batch_size=1_048_576)
    await consumer.start()
    await producer.start()
    seen, first, last = 0, 0.0, 0.0
    try:
        while seen < count:
            batches = await consumer.getmany(timeout_ms=1000)
            for records in batches.values():
                for record in records:
                    if not first:
                        first = time.perf_counter()
                    json.loads(record.value)
                    await producer.send(relay_to, record.value, key=record.key)
                    seen += 1
            last = time.perf_counter()
        await producer.flush()
        last = time.perf_counter()
    finally:
        await consumer.stop()
        await producer.stop()
    return seen / (last - first)


async def produced_rate(bootstrap: str, topic: str, count: int) -> float:
    """Events/s at which ``count`` messages were produced to ``topic``, from their record
    timestamps (first to last): the reader's own start-up (a group join takes seconds on Tansu)
    must not count, nor its catching up on what was written meanwhile."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=uuid.uuid4().hex,
                                auto_offset_reset="earliest", session_timeout_ms=6000,
                                heartbeat_interval_ms=1000, max_poll_records=2000)
    await consumer.start()
    seen, first, last = 0, float("inf"), 0.0
    try:
        while seen < count:
            for records in (await consumer.getmany(timeout_ms=1000)).values():
                for record in records:
                    first, last = min(first, record.timestamp), max(last, record.timestamp)
                    seen += 1
    finally:
        await consumer.stop()
    return seen / max((last - first) / 1000, 1e-3)


def scoring_time(port: int) -> tuple[float, float]:
    """(seconds, events) of ``brisk_scorer_score_seconds`` from a worker's /metrics."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    values = {}
    for line in text.splitlines():
        if line.startswith(("brisk_scorer_score_seconds_sum", "brisk_scorer_score_seconds_count")):
            name, value = line.rsplit(" ", 1)
            values[name.split("{")[0]] = float(value)
    return (values.get("brisk_scorer_score_seconds_sum", 0.0),
            values.get("brisk_scorer_score_seconds_count", 0.0))


def wait_until_ready(ports: list[int], timeout: float) -> bool:
    """Every worker answers ``/ready``: partitions assigned, not rebalancing."""
    checks = [http_ok(f"http://127.0.0.1:{port}/ready") for port in ports]
    deadline = time.monotonic() + timeout
    while checks and time.monotonic() < deadline:
        checks = [check for check in checks if not check()]
        if checks:
            time.sleep(0.5)
    return not checks


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="Faust worker processes (default: one per core)")
    parser.add_argument("--runs", type=int, default=3, help="offline runs")
    parser.add_argument("--only", choices=("offline", "stream"), help="run one half")
    parser.add_argument("--engines", default="s3,memory",
                        help="broker storage engines for the stream half, in order")
    args = parser.parse_args()

    if args.only != "stream":
        from services.scorer.compiled import build_is_current, built_extensions

        compiled = bool(built_extensions()) and build_is_current()
        print(f"scorer hot path: {'compiled (mypyc)' if compiled else 'plain Python'}; "
              f"{os.cpu_count()} cores")
        rates = sorted(offline_rates(args.items, args.runs))
        print(f"brisk score (offline, 1 process, {args.items:,} items): median "
              f"{rates[len(rates) // 2]:,.0f} items/s, best {rates[-1]:,.0f} of {len(rates)} runs")
    if args.only == "offline":
        return

    for storage in args.engines.split(","):
        if storage not in ("s3", "memory"):
            parser.error(f"--engines: s3 or memory, not {storage!r}")
        stream_figures("s3" if storage == "s3" else "memory", args.items, args.workers)


def stream_figures(storage: BrokerStorage, items: int, workers: int) -> None:
    """The raw relay and the Faust scorer on a fresh embedded broker with ``storage``."""
    work = Path(tempfile.mkdtemp(prefix=f"brisk-bench-{storage}-"))
    logs = work / "logs"
    scorers = []
    with local_broker(storage, work, ROOT) as broker:
        try:
            bootstrap = broker.bootstrap
            asyncio.run(ensure_topics(bootstrap))
            values = raw_events(items)
            asyncio.run(produce(bootstrap, "bench.raw", values))
            raw_rate = asyncio.run(relay_rate(bootstrap, "bench.raw", len(values),
                                              relay_to="bench.relay"))
            print(f"[{storage}] raw aiokafka consume→decode→produce: {raw_rate:,.0f} events/s")
            app_id = f"bench-{uuid.uuid4().hex[:6]}"
            ports = [free_port() for _ in range(workers)]
            for n, web_port in enumerate(ports):
                env = {**os.environ, "BRISK_KAFKA_BOOTSTRAP": bootstrap,
                       "BRISK_LOG_LEVEL": "WARNING", "BRISK_SCORER_PORT": str(web_port),
                       "BRISK_SCORER_DATA_DIR": str(work / f"data{n}"),
                       "BRISK_SCORER_APP_ID": app_id}
                scorers.append(spawn(f"scorer{n}", [sys.executable, "-m", "services.scorer"],
                                     env, logs, ROOT))
            # Sustained means after start-up: every worker has its partitions before events
            # arrive, so no group rebalance falls inside the measurement.
            assert wait_until_ready(ports, 120), "the scorer workers did not become ready"
            cpu_before = [cpu_seconds(s.pid) for s in scorers]
            asyncio.run(produce(bootstrap, RAW_EVENTS.name, values))
            faust_rate = asyncio.run(produced_rate(bootstrap, SCORED_EVENTS.name, len(values)))
            print(f"[{storage}] Faust scorer (score + send + country index, 4 partitions, "
                  f"{workers} worker(s)): {faust_rate:,.0f} events/s")
            print(f"[{storage}] ratio Faust scorer / raw aiokafka relay: "
                  f"{faust_rate / raw_rate:.2f}")
            for n, web_port in enumerate(ports):
                spent, count = scoring_time(web_port)
                cpu = cpu_seconds(scorers[n].pid) - cpu_before[n]
                print(f"[{storage}] worker {n}: {count:,.0f} events; CPU "
                      f"{cpu / max(count, 1) * 1e6:,.0f} µs/event, of which decode + score "
                      f"{spent / max(count, 1) * 1e6:,.0f} µs")
            print(f"[{storage}] broker RSS after {2 * len(values):,} records in and "
                  f"{len(values):,} scored out: {resident_mib(broker.broker.pid):,.0f} MiB")
        finally:
            for scorer in scorers:
                scorer.stop(timeout=15)

if __name__ == "__main__":
    main()
