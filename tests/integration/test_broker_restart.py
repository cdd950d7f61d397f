"""A broker restart on the same port does not stop the api's projector or the alerts consumer:
their aiokafka clients reconnect and rejoin, the consume loop rides out the errors on the way,
``/ready`` names ``kafka`` while the broker is away, and events sent afterwards are consumed.

The broker is Tansu's memory engine, the harshest case: it comes back with no topics and no
group offsets, so the test recreates the topics (as a persistent broker would still have them).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from brisk.ports import free_port
from brisk.processes import Child
from shared.kafka import make_producer
from shared.kafka_senders import send_contract
from shared.schemas import AlertChange, ScoredEvent
from shared.settings import CommonSettings
from shared.topics import ALERTS, SCORED_EVENTS
from tests.integration.conftest import (
    RunningPostgres,
    fresh_database,
    start_memory_tansu,
    start_service,
)
from tests.integration.kafka_reader import read_until, wait_for
from tests.integration.ready_probe import ready, ready_is
from tests.strategies import sample_raw

pytestmark = pytest.mark.integration


def event(run: str, n: int) -> ScoredEvent:
    raw = sample_raw(id=uuid.uuid5(uuid.NAMESPACE_URL, f"{run}-{n}").hex,
                     title=f"Protests close the border crossing ({run} #{n})")
    return ScoredEvent.from_raw(raw, countries=["PAK"], scores={"political": 80}, severity=80,
                                confidence=0.5, category="political",
                                scored_at=datetime.now(UTC), scorer_version="test")


def send(bootstrap: str, scored: ScoredEvent) -> None:
    async def go() -> None:
        producer = make_producer(CommonSettings(kafka_bootstrap=bootstrap), client_id="restart")
        await producer.start()
        try:
            await send_contract(producer, SCORED_EVENTS, scored.id, scored)
        finally:
            await producer.stop()

    asyncio.run(go())


def listed(api: str, event_id: str) -> bool:
    try:
        items = httpx.get(f"{api}/v1/events", params={"limit": 1000}, timeout=5).json()["items"]
    except httpx.HTTPError:
        return False
    return any(item["id"] == event_id for item in items)


def alerted(bootstrap: str, event_id: str) -> bool:
    def found(values: list[bytes]) -> bool:
        changes = [AlertChange.from_bytes(v) for v in values]
        return any(c.change == "fired" and c.alert is not None and event_id in c.alert.event_ids
                   for c in changes)

    return found(asyncio.run(read_until(bootstrap, ALERTS.name, found, timeout=60)))


@pytest.fixture
def broker_port(logs: Path) -> Iterator[tuple[int, list[Child]]]:
    port = free_port()
    brokers = [start_memory_tansu(port, logs)]
    try:
        yield port, brokers
    finally:
        for broker in brokers:
            broker.stop(timeout=10)


def test_api_and_alerts_keep_consuming_after_the_broker_restarts_on_the_same_port(
    broker_port: tuple[int, list[Child]], valkey_port: int, logs: Path,
    postgres_server: RunningPostgres,
) -> None:
    port, brokers = broker_port
    bootstrap = f"127.0.0.1:{port}"
    run = uuid.uuid4().hex[:8]
    common = {"BRISK_KAFKA_BOOTSTRAP": bootstrap,
              "BRISK_REDIS_URL": f"redis://127.0.0.1:{valkey_port}/3",
              "BRISK_POSTGRES_URL": fresh_database(postgres_server)}
    api_port, alerts_port = free_port(), free_port()
    api, alerts = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{alerts_port}"
    children = [
        start_service("api", common | {"BRISK_API_PORT": str(api_port),
                                       "BRISK_API_GROUP_ID": f"api-{run}"}, logs),
        start_service("alerts", common | {"BRISK_ALERTS_PORT": str(alerts_port),
                                          "BRISK_ALERTS_GROUP_ID": f"alerts-{run}"}, logs),
    ]
    try:
        for url in (api, alerts):
            assert wait_for(ready_is(url, 200), timeout=90), (url, ready(url))
        before = event(run, 1)
        send(bootstrap, before)
        assert wait_for(lambda: listed(api, before.id), timeout=60), _logs(children)
        assert alerted(bootstrap, before.id), _logs(children)

        brokers[-1].stop(timeout=10)
        for url in (api, alerts):
            assert wait_for(ready_is(url, 503, ["kafka"]), timeout=20), ready(url)
        brokers.append(start_memory_tansu(port, logs))

        for url in (api, alerts):
            assert wait_for(ready_is(url, 200), timeout=60), (url, ready(url))
        after = event(run, 2)
        send(bootstrap, after)
        assert wait_for(lambda: listed(api, after.id), timeout=120), _logs(children)
        assert alerted(bootstrap, after.id), _logs(children)
        assert all(child.alive() for child in children), _logs(children)
    finally:
        for child in reversed(children):
            child.stop(timeout=15)


def _logs(children: list[Child]) -> str:
    return "\n".join(f"--- {c.name}\n{c.log_tail(25)}" for c in children)
