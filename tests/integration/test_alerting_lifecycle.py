"""The alerts service on real parts: scored events on the real broker → per-tenant rules →
grouped, signed notifications at a local HTTP receiver (verified with ``standardwebhooks``);
a silence stops them, an ack stops repeats, history keeps every step, and a SIGKILL of the
service in the middle of a ``group_wait`` loses nothing and sends nothing twice.

The service runs as a real process on its own database, so its tenants are this module's only.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from aiokafka import AIOKafkaProducer
from pytest_httpserver import HTTPServer
from standardwebhooks import Webhook
from werkzeug import Request, Response

from brisk.ports import free_port
from brisk.processes import Child
from shared.alerting.config_yaml import load_config
from shared.alerting.matchers import parse_matcher
from shared.alerting.webhook_secret import new_secret
from shared.schemas import AlertChange, ScoredEvent
from shared.stores import acks, alerts, history, silences, tenant_config, tenants
from shared.topics import ALERTS, SCORED_EVENTS
from tests.integration.conftest import RunningPostgres, fresh_database, start_service
from tests.integration.kafka_reader import read_until, wait_for

pytestmark = pytest.mark.integration

SECRET = new_secret()
CONFIG = """
receivers:
  - name: ops
    url: {url}
    secret: {secret}
route:
  receiver: ops
  group_by: [category, country]
  group_wait: 2s
  group_interval: 2s
  repeat_interval: 4s
rules:
  - name: serious
    kind: event
    min_severity: 50
"""


@dataclass
class Receiver:
    server: HTTPServer
    hooks: list[tuple[bytes, dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def payloads(self) -> list[dict[str, Any]]:
        with self.lock:
            hooks = list(self.hooks)
        return [Webhook(SECRET).verify(body, headers) for body, headers in hooks]

    def alert_ids(self) -> list[set[str]]:
        return [{a["id"] for a in p["alerts"] if a["status"] == "firing"} for p in self.payloads()]


@dataclass
class AlertsService:
    env: dict[str, str]
    logs: Path
    child: Child

    def restart(self, kill: bool = False) -> None:
        if kill:
            os.killpg(self.child.pid, signal.SIGKILL)
            self.child.popen.wait(timeout=15)
        else:
            self.child.stop(timeout=15)
        self.child = start_service("alerts", self.env, self.logs)


@pytest.fixture(scope="module")
def database(postgres_server: RunningPostgres) -> str:
    return fresh_database(postgres_server)


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    server = HTTPServer(host="127.0.0.1", port=free_port())
    server.start()
    got = Receiver(server)

    def receive(request: Request) -> Response:
        with got.lock:
            got.hooks.append((request.get_data(), {k.lower(): v for k, v in request.headers.items()}))
        return Response(status=204)

    server.expect_request("/hook", method="POST").respond_with_handler(receive)
    yield got
    server.clear()
    server.stop()


@pytest.fixture(scope="module")
def tenant_name(database: str, receiver: Receiver) -> str:
    name = f"acme-{uuid.uuid4().hex[:6]}"
    config = load_config(CONFIG.format(url=receiver.server.url_for("/hook"), secret=SECRET))

    async def create() -> None:
        async with await psycopg.AsyncConnection.connect(database) as conn:
            await tenants.create_tenant(conn, name, datetime.now(UTC))
            await tenant_config.apply_config(conn, await tenants.tenant_id(conn, name), config,
                                             datetime.now(UTC))

    asyncio.run(create())
    return name


@pytest.fixture(scope="module")
def service(kafka_bootstrap: str, valkey_port: int, database: str, tenant_name: str,
            logs: Path) -> Iterator[AlertsService]:
    env = {"BRISK_KAFKA_BOOTSTRAP": kafka_bootstrap,
           "BRISK_REDIS_URL": f"redis://127.0.0.1:{valkey_port}/3",
           "BRISK_POSTGRES_URL": database, "BRISK_ALERTS_PORT": str(free_port()),
           "BRISK_ALERTS_GROUP_ID": f"alerts-{uuid.uuid4().hex[:6]}",
           "BRISK_ALERTS_ALLOW_PRIVATE_TARGETS": "127.0.0.0/8", "BRISK_LOG_LEVEL": "INFO"}
    running = AlertsService(env, logs, start_service("alerts", env, logs))
    try:
        yield running
    finally:
        running.child.stop(timeout=15)


def scored(country: str, category: str = "political", severity: float = 70) -> ScoredEvent:
    """A scored event of a new story about ``country``."""
    story = uuid.uuid4().hex
    now = datetime.now(UTC)
    return ScoredEvent.model_validate({
        "id": story, "kind": "news", "source": "integration", "title": f"Unrest in {country} {story[:6]}",
        "published_at": now, "fetched_at": now, "countries": [country],
        "scores": {category: severity}, "severity": severity, "confidence": 0.8,
        "category": category, "cluster_id": story, "scored_at": now, "scorer_version": "test",
        "explanations": [{"category": category, "feature": "lexicon:unrest", "weight": severity,
                          "evidence": "unrest"}]})


def publish(bootstrap: str, *events: ScoredEvent) -> None:
    async def send() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
        await producer.start()
        try:
            for event in events:
                await producer.send_and_wait(SCORED_EVENTS.name, event.to_bytes(),
                                             key=event.id.encode())
        finally:
            await producer.stop()

    asyncio.run(send())


def db(url: str, work: Any) -> Any:
    async def run() -> Any:
        async with await psycopg.AsyncConnection.connect(url) as conn:
            return await work(conn)

    return asyncio.run(run())


def alert_for(url: str, tenant: str, event: ScoredEvent) -> Any:
    async def find(conn: psycopg.AsyncConnection[Any]) -> Any:
        tid = await tenants.tenant_id(conn, tenant)
        rows = await alerts.list_alerts(conn, tid, None, datetime.now(UTC), limit=1000)
        return next((r.alert for r in rows if event.id in r.alert.event_ids), None)

    return db(url, find)


def changes_of(url: str, tenant: str, alert_id: str) -> list[str]:
    async def read(conn: psycopg.AsyncConnection[Any]) -> list[str]:
        tid = await tenants.tenant_id(conn, tenant)
        return [c.change for c in await history.alert_history(conn, tid, alert_id)]

    return list(db(url, read))


def test_alerts_of_one_group_arrive_together_signed(service: AlertsService, receiver: Receiver,
                                                   kafka_bootstrap: str, database: str,
                                                   tenant_name: str) -> None:
    first, second, other = scored("PAK"), scored("PAK"), scored("KEN", "supply_chain")
    publish(kafka_bootstrap, first, second, other)
    assert wait_for(lambda: all(alert_for(database, tenant_name, e) for e in (first, second, other)),
                    timeout=60), service.child.log_tail(30)
    ids = {e.id: alert_for(database, tenant_name, e).id for e in (first, second, other)}
    assert wait_for(lambda: any({ids[first.id], ids[second.id]} <= s for s in receiver.alert_ids()),
                    timeout=30), service.child.log_tail(30)
    pak = next(p for p in receiver.payloads() if ids[first.id] in {a["id"] for a in p["alerts"]})
    assert pak["group"]["labels"] == {"category": "political", "country": "PAK"}
    assert pak["tenant"] == tenant_name and pak["status"] == "firing"
    assert wait_for(lambda: any(ids[other.id] in s for s in receiver.alert_ids()), timeout=30)
    assert all(ids[other.id] not in s for s in receiver.alert_ids()
               if ids[first.id] in s), "KEN supply-chain alert grouped with PAK political"
    steps = changes_of(database, tenant_name, ids[first.id])
    assert steps[:2] == ["fired", "grouped"] and "notified" in steps


def test_a_redelivered_event_is_one_alert(service: AlertsService, kafka_bootstrap: str,
                                          database: str, tenant_name: str) -> None:
    event = scored("LKA")
    publish(kafka_bootstrap, event, event, event)
    assert wait_for(lambda: alert_for(database, tenant_name, event), timeout=60)
    alert = alert_for(database, tenant_name, event)
    time.sleep(2)
    assert changes_of(database, tenant_name, alert.id).count("fired") == 1


def test_a_silence_stops_notifications_and_says_so(service: AlertsService, receiver: Receiver,
                                                   kafka_bootstrap: str, database: str,
                                                   tenant_name: str) -> None:
    async def add(conn: psycopg.AsyncConnection[Any]) -> None:
        tid = await tenants.tenant_id(conn, tenant_name)
        now = datetime.now(UTC)
        await silences.add_silence(conn, tid, [parse_matcher('country="MMR"')], now, now + timedelta(hours=1),
                                   "integration", "maintenance on the Myanmar feed")

    db(database, add)
    time.sleep(2.5)  # a change reaches the running service within 2 s
    event = scored("MMR")
    publish(kafka_bootstrap, event)
    assert wait_for(lambda: alert_for(database, tenant_name, event), timeout=60)
    alert = alert_for(database, tenant_name, event)
    assert wait_for(lambda: "silenced" in changes_of(database, tenant_name, alert.id), timeout=30)
    time.sleep(5)  # group_wait and an interval past
    assert all(alert.id not in s for s in receiver.alert_ids())
    assert "notified" not in changes_of(database, tenant_name, alert.id)


def test_an_ack_stops_repeats_until_the_alert_fires_anew(service: AlertsService,
                                                         receiver: Receiver, kafka_bootstrap: str,
                                                         database: str, tenant_name: str) -> None:
    event = scored("NPL")
    publish(kafka_bootstrap, event)
    assert wait_for(lambda: alert_for(database, tenant_name, event), timeout=60)
    alert = alert_for(database, tenant_name, event)
    # repeat_interval is 4 s: unacked, the group is notified again and again
    assert wait_for(lambda: sum(alert.id in s for s in receiver.alert_ids()) >= 2, timeout=30)

    async def ack(conn: psycopg.AsyncConnection[Any]) -> None:
        tid = await tenants.tenant_id(conn, tenant_name)
        await acks.ack_alert(conn, tid, alert.id, "oncall@acme", "looking into it",
                             datetime.now(UTC))

    db(database, ack)
    time.sleep(3)  # let a flush already under way finish
    before = sum(alert.id in s for s in receiver.alert_ids())
    time.sleep(9)  # two repeat intervals
    assert sum(alert.id in s for s in receiver.alert_ids()) == before, "an acked alert repeated"
    assert "acked" in changes_of(database, tenant_name, alert.id)


def test_a_kill_inside_group_wait_loses_nothing_and_sends_once(
        service: AlertsService, receiver: Receiver, kafka_bootstrap: str, database: str,
        tenant_name: str) -> None:
    event = scored("UZB", "regulatory")
    publish(kafka_bootstrap, event)
    assert wait_for(lambda: alert_for(database, tenant_name, event), timeout=60)
    service.restart(kill=True)  # inside the 2 s group_wait: only the stored timer remains
    alert = alert_for(database, tenant_name, event)
    assert wait_for(lambda: any(alert.id in s for s in receiver.alert_ids()), timeout=60), \
        service.child.log_tail(30)
    first = next(p for p in receiver.payloads() if alert.id in {a["id"] for a in p["alerts"]})
    assert [a["status"] for a in first["alerts"]] == ["firing"]
    assert changes_of(database, tenant_name, alert.id).count("fired") == 1


def test_every_change_is_published_on_brisk_alerts(service: AlertsService, kafka_bootstrap: str,
                                                  database: str, tenant_name: str) -> None:
    event = scored("BGD")
    publish(kafka_bootstrap, event)
    assert wait_for(lambda: alert_for(database, tenant_name, event), timeout=60)
    alert = alert_for(database, tenant_name, event)

    def ours(values: list[bytes]) -> list[AlertChange]:
        changes = [AlertChange.from_bytes(v) for v in values]
        return [c for c in changes if c.tenant == tenant_name and c.alert_id == alert.id]

    values = asyncio.run(read_until(kafka_bootstrap, ALERTS.name,
                                    lambda vs: {"fired", "grouped"} <= {c.change for c in ours(vs)},
                                    timeout=60))
    fired = next(c for c in ours(values) if c.change == "fired")
    assert fired.alert is not None and fired.alert.countries == ["BGD"]


def test_a_configuration_change_applies_within_two_seconds(
        service: AlertsService, receiver: Receiver, kafka_bootstrap: str, database: str,
        tenant_name: str) -> None:
    stricter = load_config(CONFIG.format(url=receiver.server.url_for("/hook"), secret=SECRET)
                           .replace("min_severity: 50", "min_severity: 90"))

    async def apply(conn: psycopg.AsyncConnection[Any]) -> None:
        tid = await tenants.tenant_id(conn, tenant_name)
        await tenant_config.apply_config(conn, tid, stricter, datetime.now(UTC))

    db(database, apply)
    time.sleep(2)
    below, above = scored("THA", severity=70), scored("THA", severity=95)
    publish(kafka_bootstrap, below, above)
    assert wait_for(lambda: alert_for(database, tenant_name, above), timeout=60)
    assert alert_for(database, tenant_name, below) is None
