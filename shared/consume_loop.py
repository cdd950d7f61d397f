"""The consume → handle → commit loop the plain-aiokafka services share.

Offsets are committed only after every message of a batch was handled, so a crash redelivers
rather than loses (at-least-once; handlers are idempotent). An outage — broker or Redis
unreachable (``shared.outages.is_outage``) — rewinds the batch's partitions and retries after a
pause; it never kills the loop. Any other failure is one no retry can cure (bad input, a record
too large, a bug meeting unusual input): ``on_failure`` dead-letters that message, once, and the
loop goes on, so no single message can stop or stall a service.

``run_batch_consumer`` hands the handler each fetched batch whole (every partition's records in
offset order), so a handler can record it in one transaction. When that fails for another reason
than an outage, the batch is handled again one record at a time, and only the record that fails
alone is dead-lettered: handlers are idempotent, so what the failed attempt did is harmless.

After a broker restart aiokafka reconnects and rejoins the group by itself; the loop only has to
survive the errors on the way (a failed commit, a fetch error) and not seek partitions the
rebalance took away.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from shared.outages import OUTAGES, is_outage

log = logging.getLogger(__name__)

Handler = Callable[[ConsumerRecord], Awaitable[None]]
BatchHandler = Callable[[Sequence[ConsumerRecord]], Awaitable[None]]
FailureHandler = Callable[[ConsumerRecord, str], Awaitable[None]]
Batches = dict[TopicPartition, list[ConsumerRecord]]

__all__ = ["OUTAGES", "BatchHandler", "FailureHandler", "Handler", "run_batch_consumer",
           "run_consumer"]


class _Outage(Exception):
    """Carries an outage out of a batch, so the batch is retried."""


async def run_consumer(
    consumer: AIOKafkaConsumer,
    handle: Handler,
    transient: tuple[type[BaseException], ...],
    on_failure: FailureHandler,
    concurrency: int = 16,
    retry_pause: float = 2.0,
) -> None:
    """Run until cancelled. ``transient`` are the outage types (usually ``OUTAGES``)."""
    limit = asyncio.Semaphore(concurrency)

    async def bounded(record: ConsumerRecord) -> None:
        async with limit:
            await _handle_or_dead_letter(handle, record, on_failure, transient)

    await _consume(consumer, lambda batches: _handle_all(list(batches.values()), bounded),
                   transient, retry_pause)


async def run_batch_consumer(
    consumer: AIOKafkaConsumer,
    handle: BatchHandler,
    transient: tuple[type[BaseException], ...],
    on_failure: FailureHandler,
    retry_pause: float = 2.0,
) -> None:
    """Run until cancelled, handing ``handle`` each fetched batch: the partitions one after
    another, each partition's records in offset order (so per-key order holds)."""

    async def alone(record: ConsumerRecord) -> None:
        await handle([record])

    async def whole(batches: Batches) -> None:
        records = [record for partition in batches.values() for record in partition]
        if len(records) > 1:
            try:
                await handle(records)
                return
            except Exception as exc:
                if is_outage(exc, transient):
                    raise _Outage(repr(exc)) from exc
                log.warning("batch handler failed; handling its records one at a time",
                            extra={"records": len(records), "error": repr(exc)})
        for record in records:
            await _handle_or_dead_letter(alone, record, on_failure, transient)

    await _consume(consumer, whole, transient, retry_pause)


async def _handle_or_dead_letter(handle: Handler, record: ConsumerRecord,
                                 on_failure: FailureHandler,
                                 transient: tuple[type[BaseException], ...]) -> None:
    """``handle(record)``; an outage is carried out (the batch is retried), any other failure
    dead-letters the record."""
    try:
        await handle(record)
    except Exception as exc:
        if is_outage(exc, transient):
            raise _Outage(repr(exc)) from exc
        log.exception("handler failed; dead-lettering the message",
                      extra={"topic": record.topic, "partition": record.partition,
                             "offset": record.offset})
        await _dead_letter(record, f"{type(exc).__name__}: {exc}", on_failure, transient)


async def _consume(consumer: AIOKafkaConsumer, process: Callable[[Batches], Awaitable[None]],
                   transient: tuple[type[BaseException], ...], retry_pause: float) -> None:
    """Fetch → ``process`` → commit, forever; an outage rewinds the batch and pauses."""
    while True:
        try:
            batches = await consumer.getmany(timeout_ms=1000, max_records=500)
        except Exception as exc:
            if not is_outage(exc, transient):
                raise
            log.warning("fetch failed, retrying", extra={"error": repr(exc)})
            await asyncio.sleep(retry_pause)
            continue
        if not batches:
            continue
        try:
            await process(batches)
            await consumer.commit()
        except Exception as exc:
            if not isinstance(exc, _Outage) and not is_outage(exc, transient):
                raise
            log.warning("outage, retrying batch", extra={"error": repr(exc)})
            assigned = consumer.assignment()
            for tp, records in batches.items():
                if tp in assigned:  # a revoked partition resumes from its committed offset
                    consumer.seek(tp, records[0].offset)
            await asyncio.sleep(retry_pause)


async def _dead_letter(record: ConsumerRecord, reason: str, on_failure: FailureHandler,
                       transient: tuple[type[BaseException], ...]) -> None:
    """Dead-letter ``record``; an outage on the way retries the batch, anything else is logged.

    A letter always fits (``shared.dlq`` bounds it), so a non-outage failure here is a bug; the
    record's coordinates are logged so it can be found on its topic, and the loop goes on.
    """
    try:
        await on_failure(record, reason)
    except Exception as exc:
        if is_outage(exc, transient):
            raise _Outage(repr(exc)) from exc
        log.exception("could not dead-letter the message; skipping it",
                      extra={"topic": record.topic, "partition": record.partition,
                             "offset": record.offset})


async def _handle_all(partitions: list[list[ConsumerRecord]], handle: Handler) -> None:
    """Partitions run concurrently, each in order; the first failure stops the others too,
    so nothing of a batch is still running when it is rewound."""
    tasks = [asyncio.ensure_future(_in_order(records, handle)) for records in partitions]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


async def _in_order(records: list[ConsumerRecord], handle: Handler) -> None:
    for record in records:
        await handle(record)
