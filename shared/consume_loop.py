"""The consume → handle → commit loop the plain-aiokafka services share.

Offsets are committed only after every message of a batch was handled, so a crash redelivers
rather than loses (at-least-once; handlers are idempotent). A transient failure — broker or Redis
unreachable — rewinds the batch's partitions and retries after a pause; it never kills the loop.
Handlers dead-letter bad input themselves; if a handler still raises on one message (a bug
meeting unusual input), ``on_failure`` dead-letters that message and the loop goes on, so no
single message can stop a service.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiokafka import AIOKafkaConsumer, ConsumerRecord

log = logging.getLogger(__name__)

Handler = Callable[[ConsumerRecord], Awaitable[None]]
FailureHandler = Callable[[ConsumerRecord, str], Awaitable[None]]


async def run_consumer(
    consumer: AIOKafkaConsumer,
    handle: Handler,
    transient: tuple[type[BaseException], ...],
    on_failure: FailureHandler,
    concurrency: int = 16,
    retry_pause: float = 2.0,
) -> None:
    limit = asyncio.Semaphore(concurrency)

    async def bounded(record: ConsumerRecord) -> None:
        async with limit:
            try:
                await handle(record)
            except transient:
                raise
            except Exception as exc:
                log.exception("handler failed; dead-lettering the message",
                              extra={"topic": record.topic, "offset": record.offset})
                await on_failure(record, f"{type(exc).__name__}: {exc}")

    while True:
        batches = await consumer.getmany(timeout_ms=1000, max_records=500)
        if not batches:
            continue
        try:
            # Partitions run concurrently; within one partition, messages keep their order.
            await asyncio.gather(*(
                _in_order(records, bounded) for records in batches.values()
            ))
            await consumer.commit()
        except transient as exc:
            log.warning("transient failure, retrying batch", extra={"error": repr(exc)})
            for tp, records in batches.items():
                consumer.seek(tp, records[0].offset)
            await asyncio.sleep(retry_pause)


async def _in_order(records: list[ConsumerRecord], handle: Handler) -> None:
    for record in records:
        await handle(record)
