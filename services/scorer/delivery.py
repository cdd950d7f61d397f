"""Acknowledge a batch's events only after everything the batch produced was delivered.

Faust's ``take_events`` acknowledged a batch in its ``finally``, so a batch that failed half-way
was committed unscored. The scoring loop reads with ``noack_take`` instead and hands each batch
here with the delivery futures of its records: the events are acknowledged when all were
delivered (in a task, so the loop goes on scoring while the producer works), and not at all when
one failed — then ``on_failure`` stops the worker, and the batch is read again from the committed
offset when it starts. Acknowledgements may finish out of order across batches; Faust commits
only the consecutive run from the committed offset (services/scorer/commit_offsets.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

log = logging.getLogger(__name__)

Ack = Callable[[Any], Awaitable[Any]]
OnFailure = Callable[[BaseException], Awaitable[None]]


class BatchAcks:
    def __init__(self, ack: Ack, on_failure: OnFailure) -> None:
        self._ack = ack
        self._on_failure = on_failure
        self._pending: set[asyncio.Future[None]] = set()

    def after(self, deliveries: Sequence[Awaitable[Any] | None], events: Sequence[Any]) -> None:
        """Acknowledge ``events`` once every one of ``deliveries`` has succeeded."""
        task = asyncio.ensure_future(self._acknowledge(
            [d for d in deliveries if d is not None], list(events)))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _acknowledge(self, deliveries: list[Awaitable[Any]], events: list[Any]) -> None:
        try:
            if deliveries:
                await asyncio.gather(*deliveries)
        except Exception as exc:  # a record is lost: its batch must be read again
            log.error("scorer: a batch's output was not delivered; its %d events stay "
                      "unacknowledged: %r", len(events), exc)
            await self._on_failure(exc)
            return
        for event in events:
            await self._ack(event)

    async def drain(self) -> None:
        """Wait for the acknowledgements under way (tests; a clean stop waits through Faust)."""
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)
