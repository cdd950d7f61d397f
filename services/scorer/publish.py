"""Publishing scorer output: one-method seam over Faust's producer.

Records go straight to the producer (``app.producer.send``), not through ``Topic.send``: that path
builds a FutureMessage, callbacks and monitor entries per record, a fifth of the worker's time
per event at load. Delivery guarantees are the same: Faust flushes the producer before each
offset commit, so an event's offset is committed only after what it produced was handed to the
broker; a record the producer finally fails to deliver is counted and logged, as Topic.send does.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

from prometheus_client import Counter

log = logging.getLogger(__name__)


class Publisher(Protocol):
    async def __call__(self, topic: str, key: bytes | None, value: bytes) -> None: ...


def producer_publisher(app: Any, failures: Counter) -> Publisher:
    """A Publisher over the Faust app's producer (started with the app's worker)."""

    def delivered(future: asyncio.Future[Any]) -> None:
        if not future.cancelled() and future.exception() is not None:
            failures.inc()
            log.error("scorer: a record was not delivered: %s", future.exception())

    async def publish(topic: str, key: bytes | None, value: bytes) -> None:
        future = await app.producer.send(topic, key, value, None, None, None)
        future.add_done_callback(delivered)

    return publish
