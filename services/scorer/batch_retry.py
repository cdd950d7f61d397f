"""Run one scoring batch again when it fails as a whole, a few times, before giving up.

Per-event failures never get here (they are dead letters, services/scorer/batch.py). What does
is the unexpected — the producer refusing a record while the broker is away, a bug — and the
batch's events are not acknowledged then. A short retry rides out a broker blip; after the
last attempt the caller stops the worker, and the batch is read again from the committed offset
when it starts. The waits double: 1 s, 2 s (well inside the 6 s session timeout's heartbeats,
which run on Faust's consumer thread).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from prometheus_client import Counter

log = logging.getLogger(__name__)
T = TypeVar("T")
ATTEMPTS = 3
FIRST_WAIT_SECONDS = 1.0


async def retried(
    attempt: Callable[[], Awaitable[T]], retries: Counter, attempts: int = ATTEMPTS,
    first_wait: float = FIRST_WAIT_SECONDS,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """``await attempt()``, again after a failure, up to ``attempts`` times; the last failure
    is raised."""
    wait = first_wait
    for number in range(1, attempts + 1):
        try:
            return await attempt()
        except Exception as exc:
            if number == attempts:
                raise
            retries.inc()
            log.warning("scorer: a batch failed (attempt %d of %d), trying again in %.0f s: %r",
                        number, attempts, wait, exc)
            await sleep(wait)
            wait *= 2
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises
