"""The consume → handle → commit loop the plain-aiokafka services share.

Offsets are committed only after every message of a batch was handled, so a crash redelivers
rather than loses (at-least-once; handlers are idempotent). An outage — broker or Redis
unreachable (``shared.outages.is_outage``) — rewinds the batch's partitions and retries after a
pause; it never kills the loop. Any other failure is one no retry can cure (bad input, a record
too large, a bug meeting unusual input): ``on_failure`` dead-letters that message, once, and the
loop goes on, so no single message can stop or stall a service.

After a broker restart aiokafka reconnects and rejoins the group by itself; the loop only has to
survive the errors on the way (a failed commit, a fetch error) and not seek partitions the
rebalance took away.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiokafka import AIOKafkaConsumer, ConsumerRecord

from shared.outages import OUTAGES, is_outage

log = logging.getLogger(__name__)

Handler = Callable[[ConsumerRecord], Awaitable[None]]
FailureHandler = Callable[[ConsumerRecord, str], Awaitable[None]]

__all__ = ["OUTAGES", "FailureHandler", "Handler", "run_consumer"]


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
            try:
                await handle(record)
            except Exception as exc:
                if is_outage(exc, transient):
                    raise _Outage(repr(exc)) from exc
                log.exception("handler failed; dead-lettering the message",
                              extra={"topic": record.topic, "partition": record.partition,
                                     "offset": record.offset})
                await _dead_letter(record, f"{type(exc).__name__}: {exc}", on_failure, transient)

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
            await _handle_all(list(batches.values()), bounded)
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
