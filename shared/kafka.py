"""Kafka clients configured the one way that works on both Tansu and Apache Kafka.

Tansu facts behind these numbers are in docs/architecture.md: a group join takes half the
session timeout (so 6 s), and batching with ``linger_ms`` ≈ 10 is ~20× faster than the default.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError

from shared.settings import CommonSettings
from shared.topics import ALL_TOPICS, Topic

log = logging.getLogger(__name__)

TOPIC_ALREADY_EXISTS = 36


def make_producer(common: CommonSettings, client_id: str) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=common.kafka_bootstrap,
        client_id=client_id,
        linger_ms=common.kafka_linger_ms,
        max_batch_size=common.kafka_max_batch_bytes,
        acks="all",
        enable_idempotence=False,  # Tansu has no idempotent producer support
        request_timeout_ms=30_000,
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
    )


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
