"""``/ready`` of the api and alerts services, as real processes, asks Redis and the broker *now*:
with Redis stopped it answers 503 naming ``redis`` (while ``/health`` stays 200), and 200 again
once Redis is back. Also the shared readiness checks and size limits against the real broker."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from brisk.ports import free_port
from brisk.processes import Child
from shared.kafka import broker_reachable, ensure_topics, make_consumer, make_producer
from shared.schemas import DeadLetter
from shared.settings import CommonSettings
from shared.topics import Topic
from tests.integration.conftest import RunningPostgres, fresh_database, start_service, start_valkey
from tests.integration.kafka_reader import wait_for
from tests.integration.ready_probe import ready, ready_is
from tests.slow_client import sent_until_closed

pytestmark = pytest.mark.integration

# A topic of these tests' own: the probe record is no contract anyone else should read.
SIZE_PROBE = Topic("brisk.test.size-probe", key="probe", value=DeadLetter, partitions=1)


@dataclass
class Services:
    urls: dict[str, str]
    valkey_port: int
    valkey_data: Path
    valkey: list[Child]  # the running Valkey last; each stopped by its PID


@pytest.fixture(scope="module")
def services(kafka_bootstrap: str, logs: Path, tmp_path_factory: pytest.TempPathFactory,
             postgres_server: RunningPostgres) -> Iterator[Services]:
    """api and alerts against a Valkey of this module's own, which the tests stop and start."""
    valkey_port = free_port()
    data = tmp_path_factory.mktemp("valkey-readiness")
    valkey = [start_valkey(valkey_port, data, logs)]
    run = uuid.uuid4().hex[:8]
    common = {"BRISK_KAFKA_BOOTSTRAP": kafka_bootstrap,
              "BRISK_REDIS_URL": f"redis://127.0.0.1:{valkey_port}/0",
              "BRISK_HTTP_HEADER_TIMEOUT_SECONDS": "1",
              "BRISK_POSTGRES_URL": fresh_database(postgres_server)}
    api_port, alerts_port = free_port(), free_port()
    children = [
        start_service("api", common | {"BRISK_API_PORT": str(api_port),
                                       "BRISK_API_GROUP_ID": f"api-{run}"}, logs),
        start_service("alerts", common | {"BRISK_ALERTS_PORT": str(alerts_port),
                                          "BRISK_ALERTS_GROUP_ID": f"alerts-{run}"}, logs),
    ]
    urls = {"api": f"http://127.0.0.1:{api_port}", "alerts": f"http://127.0.0.1:{alerts_port}"}
    try:
        yield Services(urls, valkey_port, data, valkey)
    finally:
        for child in reversed(children):
            child.stop(timeout=15)
        for server in valkey:
            server.stop(timeout=10)


def test_ready_names_redis_while_it_is_down_and_recovers_when_it_is_back(
    services: Services, logs: Path,
) -> None:
    for name, url in services.urls.items():
        assert wait_for(ready_is(url, 200), timeout=90), (name, ready(url))

    services.valkey[-1].stop(timeout=10)
    for name, url in services.urls.items():
        assert wait_for(ready_is(url, 503, ["redis"]), timeout=15), (name, ready(url))
        assert httpx.get(f"{url}/health").status_code == 200, name  # alive all the same

    services.valkey.append(start_valkey(services.valkey_port, services.valkey_data, logs))
    for name, url in services.urls.items():
        assert wait_for(ready_is(url, 200), timeout=20), (name, ready(url))


async def test_both_servers_drop_half_a_header_line_after_the_configured_timeout(
    services: Services,
) -> None:
    for name, url in services.urls.items():
        assert wait_for(ready_is(url, 200), timeout=90), (name, ready(url))
        port = int(url.rsplit(":", 1)[1])
        took, answer = await sent_until_closed(port, b"GET /ready HTTP/1.1\r\nHost: lo")
        assert 0.8 <= took < 3.0 and answer == b"", (name, took, answer)


async def test_broker_reachable_asks_the_broker_now(kafka_bootstrap: str) -> None:
    producer = make_producer(CommonSettings(kafka_bootstrap=kafka_bootstrap), client_id="probe")
    await producer.start()
    try:
        assert await broker_reachable(producer.client)
    finally:
        await producer.stop()


async def test_broker_reachable_is_false_within_its_timeout_when_nothing_listens() -> None:
    from aiokafka.client import AIOKafkaClient

    client = AIOKafkaClient(bootstrap_servers=f"127.0.0.1:{free_port()}")
    started = time.monotonic()
    try:
        assert not await broker_reachable(client, timeout=1.0)
    finally:
        await client.close()
    assert time.monotonic() - started < 2.0


async def test_a_record_at_the_size_limit_goes_through_the_real_broker(kafka_bootstrap: str) -> None:
    common = CommonSettings(kafka_bootstrap=kafka_bootstrap)
    await ensure_topics(kafka_bootstrap, [SIZE_PROBE])
    value = b"x" * common.max_message_bytes
    producer = make_producer(common, client_id="size-probe")
    consumer = make_consumer(common, f"size-{uuid.uuid4().hex[:8]}", [SIZE_PROBE], "size-probe")
    await producer.start()
    await consumer.start()
    try:
        sent = await producer.send_and_wait(SIZE_PROBE.name, value, key=b"size-probe")
        deadline = time.monotonic() + 60
        found = False
        while not found and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=1000)
            found = any(r.offset == sent.offset and r.value == value
                        for records in batches.values() for r in records)
        assert found
    finally:
        await consumer.stop()
        await producer.stop()
