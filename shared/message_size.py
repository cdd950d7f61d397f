"""One message-size limit for every producer and consumer: ``BRISK_MAX_MESSAGE_BYTES``.

A record's value may be at most ``max_message_bytes``; the Kafka clients are configured a little
above it (``request_limit``) so a value that passed ``check_size`` is never refused by the
producer for its key, headers and batch framing. Whoever makes a record checks it first: an
oversized value is bad input (dead-lettered once with a bounded head), never a transient error.
"""

from __future__ import annotations

from shared.dlq import InvalidEvent

# Allowance for the key, headers and record-batch framing around a value at the limit.
RECORD_OVERHEAD_BYTES = 16_384


class MessageTooLarge(InvalidEvent):
    """A value over the limit; no retry can make it fit."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"message of {size} bytes is over the BRISK_MAX_MESSAGE_BYTES limit "
                         f"of {limit} bytes")
        self.size = size
        self.limit = limit


def request_limit(max_message_bytes: int) -> int:
    """What producers (``max_request_size``) and consumers (fetch sizes) are configured with."""
    return max_message_bytes + RECORD_OVERHEAD_BYTES


def check_size(value: bytes, max_message_bytes: int) -> None:
    """Raise ``MessageTooLarge`` if ``value`` cannot be sent under the limit."""
    if len(value) > max_message_bytes:
        raise MessageTooLarge(len(value), max_message_bytes)
