"""Publishing scorer output: one-method seam over Faust's producer.

Records go straight to the producer (``app.producer.send``), not through ``Topic.send``: that path
builds a FutureMessage, callbacks and monitor entries per record, a fifth of the worker's time
per event at load. ``publish`` returns the record's delivery future: the scoring loop
acknowledges a batch's events only once every record the batch produced was delivered
(services/scorer/delivery.py), so an offset is committed only after its output reached the broker.
A record the producer finally fails to deliver is counted and logged here, as Topic.send does.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any, Protocol

from prometheus_client import Counter

log = logging.getLogger(__name__)


class Publisher(Protocol):
    async def __call__(self, topic: str, key: bytes | None,
                       value: bytes) -> Awaitable[Any] | None:
        """Hand one record over; returns its delivery (None: delivered already)."""
        ...


def producer_publisher(app: Any, failures: Counter) -> Publisher:
    """A Publisher over the Faust app's producer (started with the app's worker)."""

    def delivered(future: asyncio.Future[Any]) -> None:
        if not future.cancelled() and future.exception() is not None:
            failures.inc()
            log.error("scorer: a record was not delivered: %s", future.exception())

    async def publish(topic: str, key: bytes | None, value: bytes) -> Awaitable[Any] | None:
        future: asyncio.Future[Any] = await app.producer.send(topic, key, value, None, None, None)
        future.add_done_callback(delivered)
        return future

    return publish
