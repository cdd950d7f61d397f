"""Which failures a retry can cure: only the broker, Redis or PostgreSQL being unreachable or busy.

Everything else — bad input (``InvalidEvent``), a record too large for the broker, a command
Redis refuses for what it is — fails the same way on every attempt, so retrying it would stall
a partition forever. Those are dead-lettered once instead. Some of them share a base class with
outages (``MessageSizeTooLargeError`` is a ``KafkaError``; ``ResponseError`` a ``RedisError``),
which is why this is a function and not just a tuple of types.
"""

from __future__ import annotations

from aiokafka.errors import (
    KafkaError,
    MessageSizeTooLargeError,
    RecordListTooLargeError,
    RecordTooLargeError,
)
from psycopg import OperationalError as PostgresUnavailable
from psycopg_pool import PoolTimeout
from redis.exceptions import (
    BusyLoadingError,
    ClusterDownError,
    DataError,
    OutOfMemoryError,
    ReadOnlyError,
    RedisError,
    ResponseError,
    TryAgainError,
)

from shared.dlq import InvalidEvent

# The failures brisk's services wait out: broker, Redis, PostgreSQL or network unavailable.
# psycopg's OperationalError covers a lost connection, a server shutting down, and the deadlock
# and serialization failures a retry of the whole transaction cures.
OUTAGES: tuple[type[BaseException], ...] = (KafkaError, RedisError, OSError, PostgresUnavailable,
                                            PoolTimeout)

# Same input, same failure, every time.
_INCURABLE: tuple[type[BaseException], ...] = (
    InvalidEvent, MessageSizeTooLargeError, RecordTooLargeError, RecordListTooLargeError,
    DataError, ResponseError,
)
# Replies that describe the server's state, not the command: a failover, memory pressure, a
# restart still loading its data. They pass.
_SERVER_STATES: tuple[type[BaseException], ...] = (
    ReadOnlyError, OutOfMemoryError, TryAgainError, ClusterDownError, BusyLoadingError,
)


def is_outage(exc: BaseException, outages: tuple[type[BaseException], ...] = OUTAGES) -> bool:
    """True if ``exc`` is one of ``outages`` and a later retry may succeed."""
    if isinstance(exc, _INCURABLE) and not isinstance(exc, _SERVER_STATES):
        return False
    return isinstance(exc, outages)
