"""Which failures a retry can cure. Only a dependency being unavailable is transient.

A fetch that failed (network, 5xx), a broker that did not acknowledge in time, has no leader
for a partition yet or failed inside (Tansu answers ``UnknownError`` when two produces race for
the first offset of a fresh partition), Redis refusing connections: waiting helps, so the runner
backs off and tries again, and the push API answers 503. What is not cured by retrying — a
record the broker refuses as such (too large, corrupt, for an invalid topic), bad input, a bug
— must not be retried: that would re-publish the valid items beside it on every attempt,
forever. Bad input is dead-lettered once; a bug crashes the feed task, which is logged, counted
and restarted (``feed_supervisor``).
"""

from __future__ import annotations

from aiokafka.errors import (
    CorruptRecordException,
    InvalidTimestampError,
    InvalidTopicError,
    KafkaError,
    MessageSizeTooLargeError,
    PolicyViolationError,
    RecordListTooLargeError,
    RecordTooLargeError,
    UnsupportedForMessageFormatError,
)
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from services.ingest.sources.base import FetchError
from shared.dlq import InvalidEvent

# The broker's verdicts on the records themselves. Every other Kafka error is about the broker
# (unreachable, no leader, timed out, failed inside) or its configuration, which an operator or
# time fixes: aiokafka's ``retriable`` flag is too narrow (a KafkaTimeoutError is not "retriable").
_RECORD_REFUSALS = (
    MessageSizeTooLargeError, RecordTooLargeError, RecordListTooLargeError,
    CorruptRecordException, InvalidTimestampError, InvalidTopicError,
    UnsupportedForMessageFormatError, PolicyViolationError,
)


class PublishUnavailable(Exception):
    """The broker did not acknowledge everything in time: nothing may be marked seen; retry."""


class PublishRefused(InvalidEvent):
    """The broker refused a record for good (e.g. too large for it): retrying cannot help."""


def kafka_error_is_transient(exc: KafkaError) -> bool:
    return not isinstance(exc, _RECORD_REFUSALS)


def is_transient(exc: BaseException) -> bool:
    """True for the failures a later attempt can cure: fetches, broker or Redis unavailable."""
    if isinstance(exc, KafkaError):
        return kafka_error_is_transient(exc)
    return isinstance(exc, FetchError | PublishUnavailable | OSError | RedisConnectionError
                      | RedisTimeoutError)
