"""Faust's consumer fetches with ``fetch_max_wait_ms=1500`` and has no setting for it; this
replaces it with brisk's (``BRISK_KAFKA_FETCH_MAX_WAIT_MS``, ``shared.settings``).

Tansu answers a fetch once its wait has passed, not when records arrive, so the wait is a floor
under the scorer's latency: at Faust's 1,500 ms (and aiokafka's 500 ms in the other consumers)
raw → scored took p50 650 ms at 200 events/s; at 25 ms, under 200 ms. The value is set on the
consumer before it starts (aiokafka reads ``_fetch_max_wait_ms`` when its fetcher starts).

Short fetches made one race of the consumer fixes frequent: a fetch that began before a seek and
returned after it. ``faust_consumer_fixes`` drops such records and now seeks their partition
again; before that, a restarted scorer lost them (CI's kill test lost 77–103 events).
"""

from __future__ import annotations

import functools
from typing import Any

from faust.transport.drivers import aiokafka as faust_aiokafka


def install(fetch_max_wait_ms: int) -> None:
    """Every Faust worker consumer created from now on waits at most ``fetch_max_wait_ms``.
    Idempotent: installing again only changes the value."""
    thread: Any = faust_aiokafka.AIOKafkaConsumerThread
    original = getattr(thread, "_brisk_original_create", thread._create_worker_consumer)
    thread._brisk_original_create = original

    @functools.wraps(original)
    def create(self: Any, transport: Any) -> Any:
        consumer = original(self, transport)
        consumer._fetch_max_wait_ms = fetch_max_wait_ms
        return consumer

    thread._create_worker_consumer = create
