"""Kafka clients configured the one way that works on both Tansu and Apache Kafka.

Tansu facts behind these numbers are in docs/architecture.md: a group join takes half the
session timeout (so 6 s), and batching with ``linger_ms`` ≈ 10 is ~20× faster than the default.

Sizes come from the one limit, ``BRISK_MAX_MESSAGE_BYTES``: producers may send
``request_limit(max_message_bytes)`` and consumers fetch at least that much per partition, so a
record a producer accepted is always one a consumer can read.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.client import AIOKafkaClient
from aiokafka.errors import KafkaError

from shared.message_size import request_limit
from shared.settings import CommonSettings
from shared.topics import ALL_TOPICS, Topic

log = logging.getLogger(__name__)

TOPIC_ALREADY_EXISTS = 36
# aiokafka's defaults, kept as floors: a small limit must not shrink ordinary fetches.
DEFAULT_PARTITION_FETCH_BYTES = 1024 * 1024
DEFAULT_FETCH_MAX_BYTES = 50 * 1024 * 1024
BROKER_CHECK_SECONDS = 2.0


def producer_size_options(common: CommonSettings) -> dict[str, int]:
    """The producer's request ceiling: a value under the limit plus its key and framing."""
    return {"max_request_size": request_limit(common.max_message_bytes)}


def consumer_size_options(common: CommonSettings) -> dict[str, int]:
    """Fetch sizes that always admit the largest record a producer may send."""
    largest = request_limit(common.max_message_bytes)
    return {
        "max_partition_fetch_bytes": max(DEFAULT_PARTITION_FETCH_BYTES, largest),
        "fetch_max_bytes": max(DEFAULT_FETCH_MAX_BYTES, largest),
    }


def make_producer(common: CommonSettings, client_id: str) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=common.kafka_bootstrap,
        client_id=client_id,
        linger_ms=common.kafka_linger_ms,
        max_batch_size=common.kafka_max_batch_bytes,
        acks="all",
        enable_idempotence=False,  # Tansu has no idempotent producer support
        request_timeout_ms=30_000,
        **producer_size_options(common),
    )


def make_consumer(
    common: CommonSettings, group_id: str, topics: Iterable[Topic], client_id: str
) -> AIOKafkaConsumer:
    """A group consumer that commits only what the caller says it has finished."""
    return AIOKafkaConsumer(
        *(t.name for t in topics),
        bootstrap_servers=common.kafka_bootstrap,
        group_id=group_id,
        client_id=client_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=common.kafka_session_timeout_ms,
        heartbeat_interval_ms=common.kafka_heartbeat_interval_ms,
        max_poll_records=500,
        fetch_max_wait_ms=common.kafka_fetch_max_wait_ms,
        **consumer_size_options(common),
    )


async def broker_reachable(client: AIOKafkaClient, timeout: float = BROKER_CHECK_SECONDS) -> bool:
    """True if a broker answers a metadata request now, within ``timeout`` seconds.

    A readiness check, not cached state: it sends a real request over ``client`` (a started
    producer's ``.client``, say), reconnecting if it must, so a broker that went away shows as
    unreachable at once rather than after the client notices.
    """
    try:
        async with asyncio.timeout(timeout):
            await client.fetch_all_metadata()
    except (KafkaError, OSError, TimeoutError) as exc:
        log.debug("broker unreachable", extra={"error": repr(exc)})
        return False
    return True


async def ensure_topics(
    bootstrap: str, topics: Iterable[Topic] = ALL_TOPICS, attempts: int = 30
) -> None:
    """Create any missing topic; retries while the broker is still starting."""
    wanted = list(topics)
    for attempt in range(1, attempts + 1):
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="brisk-admin")
        try:
            await admin.start()
            existing = set(await admin.list_topics())
            missing = [t for t in wanted if t.name not in existing]
            if missing:
                response = await admin.create_topics(
                    [NewTopic(t.name, num_partitions=t.partitions, replication_factor=1)
                     for t in missing]
                )
                for topic, code, *_ in response.topic_errors:
                    if code not in (0, TOPIC_ALREADY_EXISTS):
                        raise KafkaError(f"creating {topic} failed with error code {code}")
                log.info("created topics", extra={"topics": [t.name for t in missing]})
            return
        except (KafkaError, OSError) as exc:
            if attempt == attempts:
                raise
            log.info("broker not ready, retrying", extra={"attempt": attempt, "error": repr(exc)})
            await asyncio.sleep(0.5)
        finally:
            await admin.close()
