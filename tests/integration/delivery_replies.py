"""What the delivery tests' receivers answer, and how long a test waits for an outcome:
shared by ``test_delivery_*.py``."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta

from shared.alerting.delivery import AttemptRecord
from tests.receivers import Hit, Receiver, Reply

DELIVERED = Reply(204)
SETTLE = 20.0  # seconds: the bound on waiting for an outcome (a hang fails; nothing is timed)


def in_turn(*replies: Reply) -> Callable[[Hit], Reply]:
    """The replies one after another, the last one for ever after."""
    queue, lock = list(replies), threading.Lock()

    def reply(_hit: Hit) -> Reply:
        with lock:
            return queue.pop(0) if len(queue) > 1 else queue[0]

    return reply


def per_notification(replies: Mapping[str, Sequence[Reply]],
                     default: Reply = DELIVERED) -> Callable[[Hit], Reply]:
    """Each webhook-id's replies in turn (its last one for ever after); others get ``default``."""
    queues, lock = {k: list(v) for k, v in replies.items()}, threading.Lock()

    def reply(hit: Hit) -> Reply:
        with lock:
            queue = queues.get(hit.webhook_id)
            if not queue:
                return default
            return queue.pop(0) if len(queue) > 1 else queue[0]

    return reply


def close_to(actual: timedelta, expected: timedelta) -> bool:
    """Equal but for float rounding in the jitter arithmetic (1 ms)."""
    return abs(actual - expected) <= timedelta(milliseconds=1)


def known(when: datetime | None) -> datetime:
    """``when``, which the test expects to be set."""
    assert when is not None
    return when


def wait_after(attempt: AttemptRecord) -> timedelta:
    """How long after this attempt the next one was scheduled."""
    return known(attempt.next_attempt_at) - attempt.at


async def hits(receiver: Receiver, count: int) -> bool:
    return await asyncio.to_thread(receiver.wait_for, lambda h: len(h) >= count, SETTLE)

