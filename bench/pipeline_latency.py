"""Raw → scored → recorded → webhook latency through the embedded stack: prints figures, asserts
nothing (speed targets are not tests).

One scorer and one alerts service (as ``brisk up`` runs them) on Tansu ``memory://``, the
embedded PostgreSQL and Valkey. Two tenants: the built-in ``default`` (severity ≥ 50, no
receiver) and ``bench``: an ``event`` rule at severity 0 and a webhook to a receiver here, each
delivery verified with ``standardwebhooks`` on arrival; ``group_by: ['...']``, ``group_wait:
0s``, ``group_interval: 5m``. ``--new-groups`` events a second have a source of their own, so
their alerts open groups of their own and are notified at once; the rest join groups already
notified (and wait for the interval, so they are not webhook samples). RawEvents — dev.jsonl's
titles that score into a category, each with random words added so most are stories of their
own — are published on ``brisk.events.raw`` at ``--rate`` for ``--warmup`` + ``--seconds``;
only those sent after the warm-up are measured.

Each hop is timed by the record's own CreateTime (set by its producer at ``send``) on one
machine's clock: raw (this process) → scored (the scorer's send) → recorded (the alerts
service's send on ``brisk.alerts``, after its commit) → webhook (arrival at the receiver). The
topics are read back afterwards from their beginning (never from end offsets: Tansu's are
wrong), so reading costs nothing measured.

``--scorer-env``/``--alerts-env`` pass ``BRISK_…=value`` settings for what-ifs (e.g.
``BRISK_KAFKA_FETCH_MAX_WAIT_MS``: Tansu holds every fetch for its whole wait).

    .venv/bin/python bench/pipeline_latency.py [--rate 200] [--seconds 60] [--warmup 15]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psycopg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

sys.path.insert(0, str(Path(__file__).resolve().parent))

from embedded_stack import ROOT, Stack, embedded_stack, wait_ready  # noqa: E402

from brisk.ports import free_port  # noqa: E402
from shared.alerting.config_yaml import load_config  # noqa: E402
from shared.alerting.webhook_secret import new_secret  # noqa: E402
from shared.ids import event_id  # noqa: E402
from shared.schemas import AlertChange, RawEvent  # noqa: E402
from shared.stores import tenant_config, tenants  # noqa: E402
from shared.topics import ALERTS, RAW_EVENTS, SCORED_EVENTS  # noqa: E402

DEV = ROOT.parent / "shared" / "data" / "eval" / "dev.jsonl"
CONFIG = """
receivers: [{{name: hook, url: "http://127.0.0.1:{port}/hook", secret: "{secret}"}}]
route: {{receiver: hook, group_by: ['...'], group_wait: 0s, group_interval: 5m,
        repeat_interval: 4h}}
rules: [{{name: every-event, kind: event, min_severity: 0}}]
"""
SYLLABLES = ("ka", "lo", "mi", "ra", "te", "vu", "zo", "ne", "pi", "sa", "du", "fe", "go", "hu")


@dataclass
class Receiver:
    """Webhook deliveries verified on arrival (``standardwebhooks``, as a receiver must: the
    signature's timestamp has a tolerance), as (arrival wall-clock ms, payload)."""

    secret: str
    hooks: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def serve(self, port: int) -> ThreadingHTTPServer:
        receiver, verify = self, Webhook(self.secret)

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                arrived = time.time() * 1000
                try:
                    payload = verify.verify(body, {k.lower(): v for k, v in self.headers.items()})
                except WebhookVerificationError:
                    with receiver.lock:
                        receiver.refused += 1
                    self.send_response(400)
                else:
                    with receiver.lock:
                        receiver.hooks.append((arrived, payload))
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server


def titles() -> list[tuple[str, str]]:
    """dev.jsonl's (title, summary) pairs that score into a category: each makes an alert."""
    from services.scorer.factory import build_scorer

    score, now, kept = build_scorer(), datetime.now(UTC), []
    for n, line in enumerate(DEV.read_text().splitlines()):
        row = json.loads(line)
        raw = RawEvent(id=event_id("probe", str(n)), kind="news", source="bench",
                       title=row["title"], summary=row.get("summary") or "", published_at=now,
                       fetched_at=now)
        if score(raw, now).category != "none":
            kept.append((row["title"], row.get("summary") or ""))
    return kept


def raw_event(n: int, run: str, rows: list[tuple[str, str]], rng: random.Random,
              new_group_every: int) -> RawEvent:
    """The ``n``th event. Every ``new_group_every``th has a source of its own, so its alert has
    a label set, hence a group, of its own and is notified at once (group_wait 0s); the others'
    alerts join groups already notified and wait for the group's next interval."""
    title, summary = rows[n % len(rows)]
    extra = " ".join("".join(rng.choice(SYLLABLES) for _ in range(3)) for _ in range(6))
    now = datetime.now(UTC)
    source = f"bench-{n}" if n % new_group_every == 0 else "bench"
    return RawEvent(id=event_id("bench", f"{run}-{n}"), kind="news", source=source,
                    title=f"{title} {extra}", summary=summary, published_at=now, fetched_at=now)


async def publish(bootstrap: str, rate: float, seconds: float, rows: list[tuple[str, str]],
                  run: str, new_group_every: int) -> dict[str, float]:
    """Send at ``rate``/s for ``seconds``; returns each event id's send time (wall-clock ms)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await producer.start()
    sent: dict[str, float] = {}
    rng = random.Random(run)
    started = time.monotonic()
    try:
        while time.monotonic() - started < seconds:
            event = raw_event(len(sent), run, rows, rng, new_group_every)
            sent[event.id] = time.time() * 1000
            await producer.send(RAW_EVENTS.name, event.to_bytes(), key=event.id.encode())
            ahead = len(sent) / rate - (time.monotonic() - started)
            if ahead > 0:
                await asyncio.sleep(ahead)
        await producer.flush()
    finally:
        await producer.stop()
    return sent


async def read_topic(bootstrap: str, topic: str, partitions: int,
                     idle_seconds: float) -> list[tuple[float, bytes]]:
    """Every record of ``topic`` as (CreateTime ms, value), read until nothing new came for
    ``idle_seconds``."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                fetch_max_wait_ms=100, max_poll_records=5000)
    await consumer.start()
    out: list[tuple[float, bytes]] = []
    try:
        consumer.assign([TopicPartition(topic, p) for p in range(partitions)])
        await consumer.seek_to_beginning()
        quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < idle_seconds:
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                out.extend((float(r.timestamp), r.value or b"") for r in records)
            if batches:
                quiet_since = time.monotonic()
    finally:
        await consumer.stop()
    return out


def percentiles(values: Iterable[float]) -> str:
    ordered = sorted(values)
    if not ordered:
        return "no samples"
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return (f"p50 {pick(0.5):6,.0f} ms  p99 {pick(0.99):6,.0f} ms  max {ordered[-1]:6,.0f} ms  "
            f"(n={len(ordered):,})")


def settings_pairs(pairs: list[str]) -> dict[str, str]:
    return dict(pair.split("=", 1) for pair in pairs)


def start_services(stack: Stack, args: argparse.Namespace) -> list[int]:
    scorer, alerts = free_port(), free_port()
    stack.start_service("scorer", "scorer", {
        "BRISK_SCORER_PORT": str(scorer), "BRISK_SCORER_DATA_DIR": str(stack.work / "scorer"),
        **settings_pairs(args.scorer_env)})
    if args.scorer_only:
        return [scorer]
    stack.start_service("alerts", "alerts", {
        "BRISK_ALERTS_PORT": str(alerts), "BRISK_ALERTS_ALLOW_PRIVATE_TARGETS": "true",
        **settings_pairs(args.alerts_env)})
    return [scorer, alerts]


def report(sent: dict[str, float], measured: set[str], scored: list[tuple[float, bytes]],
           changes: list[tuple[float, bytes]], receiver: Receiver) -> None:
    scored_at: dict[str, float] = {}
    for at, value in scored:
        scored_at.setdefault(json.loads(value)["id"], at)
    recorded: dict[str, dict[str, float]] = {"bench": {}, "default": {}}
    fired_at: dict[str, tuple[float, str]] = {}  # bench alert id → (recorded ms, first event)
    for at, value in changes:
        change = AlertChange.from_bytes(value)
        if change.change not in ("fired", "refired", "updated") or change.alert is None:
            continue
        newest = change.alert.event_ids[-1] if change.alert.event_ids else None
        if newest is not None and change.tenant in recorded:
            recorded[change.tenant].setdefault(newest, at)
        if change.tenant == "bench" and change.change == "fired":
            fired_at[change.alert_id] = (at, change.alert.event_ids[0])
    delivered: dict[str, float] = {}
    with receiver.lock:
        hooks, refused = list(receiver.hooks), receiver.refused
    for arrived, payload in hooks:
        for alert in payload["alerts"]:
            delivered.setdefault(alert["id"], arrived)

    in_window = [e for e in measured if e in scored_at]
    window = [scored_at[e] for e in in_window]
    span = (max(window) - min(window)) / 1000 if len(window) > 1 else 0.0
    print(f"events measured   {len(measured):,} sent, {len(in_window):,} scored "
          f"({len(in_window) / max(span, 1e-3):,.0f} scored/s over the window)")
    print(f"raw → scored      {percentiles(scored_at[e] - sent[e] for e in in_window)}")
    for tenant, seen in recorded.items():
        print(f"scored → recorded [{tenant:7}] "
              f"{percentiles(seen[e] - scored_at[e] for e in in_window if e in seen)}")
    ours = [(alert, at, first) for alert, (at, first) in fired_at.items()
            if first in measured and alert in delivered]
    # Only alerts that opened a group are notified at once; the others wait for group_interval.
    # From the scored event, not the brisk.alerts record: that is sent after the flusher is
    # woken, so a delivery may beat it.
    hooked = [delivered[a] - scored_at[f] for a, _, f in ours if f in scored_at]
    print(f"scored → webhook  {percentiles(hooked)}")
    print(f"raw → webhook     {percentiles(delivered[a] - sent[f] for a, _, f in ours)} "
          f"({len(hooks):,} verified deliveries in all, {refused} refused)")
    tail = sorted(in_window, key=sent.__getitem__)[-max(1, len(in_window) // 10):]
    print(f"last 10% sent: raw → scored {percentiles(scored_at[e] - sent[e] for e in tail)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--warmup", type=float, default=15)
    parser.add_argument("--new-groups", type=float, default=20,
                        help="alerts per second that open a group of their own (notified at once)")
    parser.add_argument("--scorer-only", action="store_true",
                        help="no alerts service: raw → scored alone, with less else on the CPU")
    parser.add_argument("--scorer-env", action="append", default=[], metavar="BRISK_X=V")
    parser.add_argument("--alerts-env", action="append", default=[], metavar="BRISK_X=V")
    args = parser.parse_args()
    rows = titles()
    secret, hook_port = new_secret(), free_port()
    receiver = Receiver(secret)
    server = receiver.serve(hook_port)
    try:
        with embedded_stack() as stack:
            async def tenant() -> None:
                async with await psycopg.AsyncConnection.connect(stack.postgres_url,
                                                                 autocommit=True) as conn:
                    await tenants.create_tenant(conn, "bench", datetime.now(UTC))
                    await tenant_config.apply_config(
                        conn, await tenants.tenant_id(conn, "bench"),
                        load_config(CONFIG.format(port=hook_port, secret=secret)),
                        datetime.now(UTC))

            asyncio.run(tenant())
            ports = start_services(stack, args)
            assert wait_ready(ports, 120), "the services did not become ready"
            run = f"{random.getrandbits(48):012x}"
            every = max(1, round(args.rate / args.new_groups))
            sent = asyncio.run(publish(stack.bootstrap, args.rate, args.warmup + args.seconds,
                                       rows, run, every))
            first = min(sent.values()) + args.warmup * 1000
            measured = {e for e, at in sent.items() if at >= first}
            print(f"published         {len(sent):,} raw events at {args.rate:g}/s "
                  f"({len(rows)} titles; scorer {args.scorer_env or 'defaults'}; "
                  f"alerts {args.alerts_env or 'defaults'})")
            scored = asyncio.run(read_topic(stack.bootstrap, SCORED_EVENTS.name,
                                            SCORED_EVENTS.partitions, 5))
            changes = asyncio.run(read_topic(stack.bootstrap, ALERTS.name, ALERTS.partitions, 5))
            time.sleep(2)  # the last flushes
            report(sent, measured, scored, changes, receiver)
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
