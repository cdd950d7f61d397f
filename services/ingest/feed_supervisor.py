"""Every feed task is watched: a crash is logged with its reason, counted, and restarted.

A feed task handles bad input and unavailable dependencies itself (dead letters, backoff); what
escapes it is a bug or something unforeseen. Before, such a task died silently — no log, no
metric, health still 200 — and its feed went quiet for good. ``supervise`` runs the task again
after a backoff with full jitter, so a crash that repeats at once does not spin; the failure
count restarts once a run has lasted ``healthy_after`` seconds. ``FeedStates`` is what the
readiness check reads: a feed that is waiting to restart is "not running".
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from enum import Enum

from prometheus_client import Counter

from shared.backoff import backoff_delay

log = logging.getLogger(__name__)


class FeedState(Enum):
    RUNNING = "running"
    RESTARTING = "restarting"  # crashed; waiting out its backoff
    FINISHED = "finished"  # a file replayed once, or a source that gave up: nothing to run


class FeedStates:
    """The state of each supervised feed task, by feed name."""

    def __init__(self) -> None:
        self._states: dict[str, FeedState] = {}

    def set(self, name: str, state: FeedState) -> None:
        self._states[name] = state

    def get(self, name: str) -> FeedState | None:
        return self._states.get(name)

    def is_running(self, name: str) -> bool:
        """True while the feed's task runs or has finished its work; False while it is down."""
        return self._states.get(name) in (FeedState.RUNNING, FeedState.FINISHED)


async def supervise(
    name: str,
    run: Callable[[], Awaitable[None]],
    states: FeedStates,
    crashes: Counter,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    draw: Callable[[], float] = random.random,
    monotonic: Callable[[], float] = time.monotonic,
    base_backoff: float = 1.0,
    max_backoff: float = 300.0,
    healthy_after: float = 60.0,
) -> None:
    """Run ``run()`` until it returns; after any exception, log, count and run it again.

    ``run`` makes a fresh task each time (a new coroutine). Cancellation is not a crash.
    """
    failures = 0
    while True:
        states.set(name, FeedState.RUNNING)
        started = monotonic()
        try:
            await run()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            failures = 1 if monotonic() - started >= healthy_after else failures + 1
            crashes.labels(name).inc()
            delay = backoff_delay(failures, base_backoff, max_backoff, draw)
            states.set(name, FeedState.RESTARTING)
            log.error("feed task crashed, restarting",
                      extra={"feed": name, "error": repr(exc)[:1000], "crashes_in_a_row": failures,
                             "retry_in_s": round(delay, 2)},
                      exc_info=exc)
            await sleep(delay)
            continue
        states.set(name, FeedState.FINISHED)
        return
