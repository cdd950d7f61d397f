"""Dead letters are bounded: any refused input, however large, yields a letter that fits."""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime

from shared.dlq import dead_letter
from shared.message_size import check_size
from shared.schemas import DeadLetter
from shared.schemas.dead_letter import DEAD_LETTER_MAX_BYTES, PAYLOAD_HEAD_BYTES
from shared.settings import CommonSettings

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def letter_for(payload: bytes, **change: str) -> DeadLetter:
    fields = {"service": "ingest", "stage": "size_limit", "source": "big-feed",
              "reason": "document over the limit"} | change
    return dead_letter(payload=payload, now=NOW, topic="brisk.events.raw", partition=0,
                       offset=1, **fields)


def test_a_5_mib_payload_gives_a_letter_under_400_kib_with_its_size_and_digest() -> None:
    payload = os.urandom(5 * 1024 * 1024)
    letter = letter_for(payload)
    wire = letter.to_bytes()
    assert len(wire) < 400 * 1024
    assert letter.payload_size == len(payload)
    assert letter.payload_sha256 == hashlib.sha256(payload).hexdigest()
    assert letter.payload_truncated
    assert letter.payload() == payload[:PAYLOAD_HEAD_BYTES]
    check_size(wire, CommonSettings().max_message_bytes)  # fits under the default limit
    assert DeadLetter.from_bytes(wire) == letter


def test_a_small_payload_is_kept_whole_and_not_flagged() -> None:
    letter = letter_for(b"<rss>broken")
    assert letter.payload() == b"<rss>broken" and not letter.payload_truncated
    assert letter.payload_size == 11


def test_a_payload_of_exactly_the_head_size_is_whole() -> None:
    payload = b"x" * PAYLOAD_HEAD_BYTES
    assert not letter_for(payload).payload_truncated
    assert letter_for(payload + b"y").payload_truncated


def test_the_worst_case_letter_stays_under_its_documented_bound() -> None:
    # Control characters are JSON-escaped as \\u00XX: six bytes for every character kept.
    worst = letter_for(os.urandom(PAYLOAD_HEAD_BYTES + 1), reason="\x01" * 10_000,
                       source="\x01" * 10_000, service="\x01" * 99, stage="\x01" * 999)
    assert len(worst.to_bytes()) <= DEAD_LETTER_MAX_BYTES


def test_a_blank_reason_becomes_unknown_rather_than_an_invalid_letter() -> None:
    assert letter_for(b"x", reason="   ").reason == "unknown"
