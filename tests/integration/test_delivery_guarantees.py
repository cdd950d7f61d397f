"""What webhook delivery guarantees, on the real alerts service process: at-least-once in,
exactly-once-effective out. Scored events go in on Kafka; signed webhooks come out at real
loopback receivers; the alerts service is SIGKILLed mid-retry, PostgreSQL and Valkey are
restarted under it — and every notification still arrives, in order, each ``webhook-id`` once
after de-duplication.

This module runs its own PostgreSQL and Valkey (it restarts them) and compresses the retry
schedule (``retry_schedule`` per receiver) so that "within the schedule" takes seconds.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from aiokafka import AIOKafkaProducer
from psycopg.rows import dict_row
from standardwebhooks import Webhook

from brisk.ports import free_port
from brisk.processes import Child
from shared.alerting.config_yaml import load_config
from shared.alerting.webhook_secret import new_secret
from shared.db.migrate import upgrade
from shared.schemas import ScoredEvent
from shared.stores import tenant_config, tenants
from shared.topics import SCORED_EVENTS
from tests.integration.conftest import (
    RunningPostgres,
    postgres_state_dir,
    start_postgres,
    start_service,
    start_valkey,
    tansu_broker,
)
from tests.integration.kafka_reader import wait_for
from tests.receivers import Receiver, Reply

pytestmark = pytest.mark.integration

SECRET = new_secret()
CONFIG = """
receivers:
  - name: ops
    url: {url}
    secret: {secret}
    retry_schedule: [0s, 1s, 1s, 2s, 2s, 3s, 3s, 5s, 5s, 5s, 5s, 5s, 5s, 5s, 5s, 5s, 5s, 5s, 5s, 5s]
route:
  receiver: ops
  group_by: [country]
  group_wait: 0s
  group_interval: 1h
  repeat_interval: 1h
rules:
  - name: serious
    kind: event
    min_severity: 50
"""


@dataclass
class Stack:
    """The alerts service with its own PostgreSQL and Valkey, any of which a test may restart."""

    logs: Path
    env: dict[str, str]
    postgres_dir: Path
    postgres: RunningPostgres
    valkey_dir: Path
    valkey_port: int
    valkey: Child
    alerts: Child
    tenant: str

    def kill_alerts(self) -> None:
        os.killpg(self.alerts.pid, signal.SIGKILL)
        self.alerts.popen.wait(timeout=15)

    def start_alerts(self) -> None:
        self.alerts = start_service("alerts", self.env, self.logs)

    def restart_postgres(self) -> None:
        self.postgres.stop()
        self.postgres = start_postgres(self.postgres_dir, self.logs)

    def restart_valkey(self) -> None:
        self.valkey.stop(timeout=10)
        self.valkey = start_valkey(self.valkey_port, self.valkey_dir, self.logs, timeout=20)


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    with Receiver() as server:
        yield server


@pytest.fixture(scope="module")
def kafka_bootstrap(logs: Path) -> Iterator[str]:
    """A broker of this module's own: the session's carries other tests' scored events, which
    this module's tenant would alert on (and whose groups its events would join)."""
    with tansu_broker(logs) as bootstrap:
        yield bootstrap


@pytest.fixture(scope="module")
def stack(kafka_bootstrap: str, receiver: Receiver, logs: Path,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    postgres_dir = postgres_state_dir()
    postgres = start_postgres(postgres_dir, logs)
    upgrade(postgres.url)
    tenant = f"acme-{uuid.uuid4().hex[:6]}"
    _apply(postgres.url, tenant, CONFIG.format(url=receiver.url(), secret=SECRET))
    valkey_dir, valkey_port = tmp_path_factory.mktemp("valkey-delivery"), free_port()
    valkey = start_valkey(valkey_port, valkey_dir, logs, timeout=20)
    env = {"BRISK_KAFKA_BOOTSTRAP": kafka_bootstrap, "BRISK_REDIS_URL": f"redis://127.0.0.1:{valkey_port}/0",
           "BRISK_POSTGRES_URL": postgres.url, "BRISK_ALERTS_PORT": str(free_port()),
           "BRISK_ALERTS_GROUP_ID": f"alerts-{uuid.uuid4().hex[:6]}",
           "BRISK_ALERTS_ALLOW_PRIVATE_TARGETS": "127.0.0.0/8", "BRISK_LOG_LEVEL": "INFO",
           "BRISK_ALERTS_CIRCUIT_FAILURES": "1000"}
    stack = Stack(logs, env, postgres_dir, postgres, valkey_dir, valkey_port, valkey,
                  start_service("alerts", env, logs), tenant)
    try:
        yield stack
    finally:
        stack.alerts.stop(timeout=15)
        stack.valkey.stop(timeout=10)
        stack.postgres.stop()
        shutil.rmtree(postgres_dir, ignore_errors=True)


def _apply(url: str, tenant: str, yaml_text: str) -> None:
    async def apply() -> None:
        async with await psycopg.AsyncConnection.connect(url) as conn:
            await tenants.create_tenant(conn, tenant, datetime.now(UTC))
            await tenant_config.apply_config(conn, await tenants.tenant_id(conn, tenant),
                                             load_config(yaml_text), datetime.now(UTC))

    asyncio.run(apply())


# Belt and Road countries, one per event: each alert is a group of its own (group_by: [country]),
# so each event is one notification.
COUNTRIES = ["PAK", "KEN", "UZB", "KAZ", "MMR", "LKA", "EGY", "IRN", "IDN", "BGD", "NPL", "ETH",
             "KGZ", "TJK", "LAO", "KHM", "MNG", "TUR", "SRB", "HUN", "GRC", "DJI", "TZA", "ZMB"]


def countries(n: int) -> list[str]:
    taken, COUNTRIES[:] = COUNTRIES[:n], COUNTRIES[n:]
    return taken


def scored(country: str) -> ScoredEvent:
    story = uuid.uuid4().hex
    now = datetime.now(UTC)
    return ScoredEvent.model_validate({
        "id": story, "kind": "news", "source": "integration", "title": f"Strike in {country} {story[:6]}",
        "published_at": now, "fetched_at": now, "countries": [country],
        "scores": {"supply_chain": 80}, "severity": 80, "confidence": 0.8,
        "category": "supply_chain", "cluster_id": story, "scored_at": now, "scorer_version": "test",
        "explanations": [{"category": "supply_chain", "feature": "lexicon:strike", "weight": 80,
                          "evidence": "strike"}]})


def publish(bootstrap: str, events: list[ScoredEvent]) -> None:
    async def send() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
        await producer.start()
        try:
            for event in events:
                await producer.send_and_wait(SCORED_EVENTS.name, event.to_bytes(), key=event.id.encode())
        finally:
            await producer.stop()

    asyncio.run(send())


def outbox(url: str) -> list[dict[str, Any]]:
    """Every notification to the receiver ``ops``, in queue order (the built-in ``default``
    tenant records notifications of its own, to no receiver)."""
    with psycopg.connect(url) as conn, conn.cursor(row_factory=dict_row) as cur:
        cur.execute("SELECT id, outcome, attempts, seq FROM notifications WHERE receiver = 'ops' "
                    "ORDER BY seq")
        return cur.fetchall()


def _count(url: str, table: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608 - a literal
        return int(row[0]) if row else 0


def event_ids_of(receiver: Receiver, webhook_id: str) -> set[str]:
    hit = next(h for h in receiver.hits if h.webhook_id == webhook_id)
    payload = Webhook(SECRET).verify(hit.body, hit.headers)
    return {e for a in payload["alerts"] for e in a["event_ids"]}


def settled(stack: Stack, count: int) -> bool:
    rows = outbox(stack.postgres.url)
    return len(rows) >= count and all(r["outcome"] == "delivered" for r in rows)


def assert_each_once_in_order(stack: Stack, receiver: Receiver, events: list[ScoredEvent]) -> None:
    rows = [r for r in outbox(stack.postgres.url)]
    ours = {e.id for e in events}
    delivered = receiver.delivered_ids()
    assert len(delivered) == len(set(delivered))
    # Every queued notification reached the receiver, and in the order it was queued.
    queued = [r["id"] for r in rows]
    assert [i for i in delivered if i in set(queued)] == queued
    carried = set().union(*(event_ids_of(receiver, i) for i in delivered))
    assert ours <= carried, "an event's notification never arrived"


def test_a_sigkill_mid_retry_loses_nothing_and_each_webhook_id_counts_once(
        stack: Stack, receiver: Receiver, kafka_bootstrap: str) -> None:
    before = len(outbox(stack.postgres.url))
    receiver.reply(Reply(status=503))
    events = [scored(c) for c in countries(5)]
    publish(kafka_bootstrap, events)
    assert wait_for(lambda: len(outbox(stack.postgres.url)) >= before + 5
                    and any(r["attempts"] >= 2 for r in outbox(stack.postgres.url)), timeout=60), \
        (outbox(stack.postgres.url), _count(stack.postgres.url, "alerts"), stack.alerts.log_tail(30))
    stack.kill_alerts()  # between two attempts of the head: nothing but the outbox remembers
    receiver.reply(Reply(status=204))
    stack.start_alerts()
    assert wait_for(lambda: settled(stack, before + 5), timeout=90), stack.alerts.log_tail(30)
    assert_each_once_in_order(stack, receiver, events)


def test_a_receiver_down_for_a_while_gets_everything_in_order(
        stack: Stack, receiver: Receiver, kafka_bootstrap: str) -> None:
    before = len(outbox(stack.postgres.url))
    receiver.reply(Reply(status=502))
    events = [scored(c) for c in countries(6)]
    publish(kafka_bootstrap, events)
    assert wait_for(lambda: len(outbox(stack.postgres.url)) >= before + 6, timeout=60)
    failing = len(receiver.hits)
    assert wait_for(lambda: len(receiver.hits) >= failing + 3, timeout=30)  # retried meanwhile
    receiver.reply(Reply(status=200))
    assert wait_for(lambda: settled(stack, before + 6), timeout=90), stack.alerts.log_tail(30)
    assert_each_once_in_order(stack, receiver, events)


def test_restarts_of_postgres_and_valkey_lose_no_pending_notification(
        stack: Stack, receiver: Receiver, kafka_bootstrap: str) -> None:
    before = len(outbox(stack.postgres.url))
    receiver.reply(Reply(status=500))
    events = [scored(c) for c in countries(4)]
    publish(kafka_bootstrap, events)
    assert wait_for(lambda: len(outbox(stack.postgres.url)) >= before + 4, timeout=60)
    stack.restart_postgres()
    stack.restart_valkey()
    receiver.reply(Reply(status=204))
    # The service waits the outages out (or the supervisor would restart it): either way the
    # pending notifications were in PostgreSQL's WAL, not in the process.
    if not stack.alerts.alive():
        stack.start_alerts()
    assert wait_for(lambda: settled(stack, before + 4), timeout=120), stack.alerts.log_tail(40)
    assert_each_once_in_order(stack, receiver, events)
    config = asyncio.run(_config_receivers(stack.postgres.url, stack.tenant))
    assert config == ["ops"], "the configuration did not survive the restart"


async def _config_receivers(url: str, tenant: str) -> list[str]:
    async with await psycopg.AsyncConnection.connect(url) as conn:
        tid = await tenants.tenant_id(conn, tenant)
        return [r.name for r in (await tenant_config.load_config(conn, tid)).receivers]
