"""``brisk prune`` on a real Tansu over SeaweedFS: old batches go, consumers and producers go on."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from brisk.local_broker import local_broker
from brisk.prune_command import prune
from shared.kafka import ensure_topics
from shared.topics import DEAD_LETTER

ROOT = Path(__file__).resolve().parents[2]
TOPIC = DEAD_LETTER.name  # one partition


async def produce(bootstrap: str, values: range) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0,
                                enable_idempotence=False)
    await producer.start()
    try:
        for n in values:  # one batch each: one object each
            await (await producer.send(TOPIC, str(n).encode(), partition=0))
    finally:
        await producer.stop()


async def read_all(bootstrap: str) -> list[str]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                auto_offset_reset="earliest")
    await consumer.start()
    try:
        partition = TopicPartition(TOPIC, 0)
        consumer.assign([partition])
        await consumer.seek_to_beginning(partition)
        values: list[str] = []
        for _ in range(4):
            batches = await consumer.getmany(timeout_ms=1000)
            values += [r.value.decode() for rs in batches.values() for r in rs if r.value]
        return values
    finally:
        await consumer.stop()


def test_prune_deletes_old_batches_and_the_topic_goes_on() -> None:
    with tempfile.TemporaryDirectory() as work, local_broker("s3", Path(work), ROOT) as broker:
        endpoint = broker.env["AWS_ENDPOINT"]
        asyncio.run(ensure_topics(broker.bootstrap, [DEAD_LETTER]))
        asyncio.run(produce(broker.bootstrap, range(6)))
        later = datetime.now(UTC) + timedelta(hours=2)  # every batch is now over an hour old
        dry = prune(endpoint, later, timedelta(hours=1), dry_run=True)
        assert dry.batches == 5
        assert asyncio.run(read_all(broker.bootstrap)) == [str(n) for n in range(6)]

        report = prune(endpoint, later, timedelta(hours=1))
        assert report.batches == 5 and report.bytes > 0
        assert asyncio.run(read_all(broker.bootstrap)) == ["5"]
        asyncio.run(produce(broker.bootstrap, range(6, 8)))
        assert asyncio.run(read_all(broker.bootstrap)) == ["5", "6", "7"]
        assert prune(endpoint, datetime.now(UTC), timedelta(hours=1)).batches == 0
