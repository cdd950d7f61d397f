"""Webhook delivery throughput: deliveries/s from the outbox to local receivers across
``--endpoints`` endpoints — prints figures, asserts nothing.

The embedded stack (Tansu on memory://, PostgreSQL, Valkey) and the real alerts service process;
one tenant with ``--endpoints`` receivers, each on its own port of one aiohttp sink process
(``bench/webhook_sink.py``, which verifies every signature). ``--notifications`` rendered
notifications (1 KiB bodies) are queued in the outbox before the alerts service starts, as a
backlog after an outage would be; the figure is the rate at which the sink saw them arrive,
from the first arrival to the last, and the outbox is checked empty afterwards.

Then the end-to-end latency: ``bench/pipeline_latency.py`` on a stack of its own, a RawEvent on
``brisk.events.raw`` to the verified webhook at ``--latency-rate`` events/s (200) through the
scorer and the alerts service, ``group_wait: 0s``; ``--latency-new-groups`` of those events a
second (20) open a group of their own and are notified at once, the others join groups already
notified (as most alerts of a live feed do). ``--latency-new-groups 200`` makes every event a
webhook, all to one endpoint, whose strict order then bounds the rate. ``--latency-rate 0``
skips it.

    .venv/bin/python bench/alerts_delivery.py [--endpoints 50] [--notifications 20000]
                                              [--latency-rate 200] [--latency-seconds 60]
                                              [--latency-new-groups 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.embedded_stack import embedded_stack, wait_ready  # noqa: E402
from brisk.ports import free_port, wait_for_port  # noqa: E402
from shared.alerting.config_yaml import load_config  # noqa: E402
from shared.alerting.state import NotificationRecord  # noqa: E402
from shared.alerting.webhook_secret import new_secret  # noqa: E402
from shared.stores import outbox, tenant_config, tenants  # noqa: E402


def config_yaml(first_port: int, endpoints: int, secret: str) -> str:
    receivers = "\n".join(
        f"  - {{name: r{i:02d}, url: 'http://127.0.0.1:{first_port + i}/hook', secret: {secret}}}"
        for i in range(endpoints))
    return f"receivers:\n{receivers}\nroute: {{receiver: r00}}\n"


async def queue_backlog(url: str, tenant: str, yaml_text: str, endpoints: int, count: int) -> None:
    now = datetime.now(UTC)
    async with await psycopg.AsyncConnection.connect(url) as conn:
        await tenants.create_tenant(conn, tenant, now)
        tenant_id = await tenants.tenant_id(conn, tenant)
        await tenant_config.apply_config(conn, tenant_id, load_config(yaml_text), now)
        async with conn.transaction():
            for n in range(count):
                note = f"ntf_bench{n:08d}{uuid.uuid4().hex[:8]}"
                body = json.dumps({"version": "1", "id": note, "alerts": [],
                                   "padding": "x" * 900}).encode()
                record = NotificationRecord(
                    id=note, tenant=tenant, group_id=f"g{n % endpoints}",
                    receiver=f"r{n % endpoints:02d}", firing=[], resolved=[], created_at=now,
                    outcome="pending")
                await outbox.enqueue(conn, tenant_id, record, "brisk", body)


def free_run(count: int) -> int:
    """The first of ``count`` consecutive free loopback ports."""
    for base in range(30_000, 60_000, count):
        try:
            for port in range(base, base + count):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError(f"no {count} consecutive free ports")


def sink_stats(port: int) -> dict[str, Any]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats", timeout=30) as response:
        return dict(json.load(response))


def pending(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM notifications WHERE outcome = 'pending'").fetchone()
    return int(row[0]) if row else -1


def attempt_latency(url: str) -> str:
    """The delivery log's view: one HTTP attempt's latency, as the alerts service measured it."""
    with psycopg.connect(url) as conn:
        row = conn.execute("""SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms),
                                     percentile_cont(0.99) WITHIN GROUP (ORDER BY latency_ms),
                                     count(*) FROM delivery_attempts""").fetchone()
    return f"{row[2]} attempts, latency p50 {row[0]:.1f} ms, p99 {row[1]:.1f} ms" if row else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoints", type=int, default=50)
    parser.add_argument("--notifications", type=int, default=20_000)
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--latency-rate", type=float, default=200)
    parser.add_argument("--latency-seconds", type=float, default=60)
    parser.add_argument("--latency-new-groups", type=float, default=20)
    args = parser.parse_args()
    throughput(args)
    if args.latency_rate > 0:
        print(f"\nend to end, raw event → verified webhook, at {args.latency_rate:g} events/s:",
              flush=True)
        subprocess.run([sys.executable, str(ROOT / "bench" / "pipeline_latency.py"),
                        "--rate", str(args.latency_rate),
                        "--new-groups", str(args.latency_new_groups),
                        "--seconds", str(args.latency_seconds)], check=True)


def throughput(args: argparse.Namespace) -> None:
    secret = new_secret()
    first_port = free_run(args.endpoints)
    sink = subprocess.Popen([sys.executable, str(ROOT / "bench" / "webhook_sink.py"),
                             "--first-port", str(first_port), "--ports", str(args.endpoints),
                             "--secret", secret], stdout=subprocess.DEVNULL)
    try:
        wait_for_port(first_port + args.endpoints - 1, 20)
        with embedded_stack() as stack:
            tenant = f"bench-{uuid.uuid4().hex[:6]}"
            started = time.monotonic()
            asyncio.run(queue_backlog(stack.postgres_url, tenant,
                                      config_yaml(first_port, args.endpoints, secret),
                                      args.endpoints, args.notifications))
            print(f"queued {args.notifications} notifications for {args.endpoints} endpoints in "
                  f"{time.monotonic() - started:.1f} s")
            port = free_port()
            stack.start_service("alerts", "alerts", {
                "BRISK_ALERTS_PORT": str(port), "BRISK_ALERTS_ALLOW_PRIVATE_TARGETS": "127.0.0.0/8",
                "BRISK_ALERTS_GROUP_ID": f"bench-{tenant}"})
            if not wait_ready([port], 60):
                print("alerts service did not become ready", file=sys.stderr)
                sys.exit(1)
            deadline = time.monotonic() + args.timeout
            while time.monotonic() < deadline:
                if sink_stats(first_port)["unique"] >= args.notifications:
                    break
                time.sleep(0.5)
            report(sink_stats(first_port), args, pending(stack.postgres_url))
            print("delivery log:", attempt_latency(stack.postgres_url))
    finally:
        sink.terminate()
        sink.wait(10)


def report(stats: dict[str, Any], args: argparse.Namespace, left: int) -> None:
    times = sorted(at for at, _ in stats["arrivals"].values())
    unique = stats["unique"]
    span = times[-1] - times[0] if len(times) > 1 else float("nan")
    print(f"delivered {unique}/{args.notifications} unique webhook-ids "
          f"({stats['received']} requests, {stats['invalid']} with a bad signature); "
          f"{left} still pending in the outbox")
    print(f"deliveries/s across {args.endpoints} endpoints: {unique / span:,.0f} "
          f"(first to last arrival: {span:.1f} s)")


if __name__ == "__main__":
    main()
