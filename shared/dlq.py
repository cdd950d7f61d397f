"""Bad input is a value, not a crash: parsers raise ``InvalidEvent``; loops dead-letter the bytes."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from typing import TypeVar

from pydantic import ValidationError

from shared.schemas import Contract, DeadLetter
from shared.schemas.dead_letter import PAYLOAD_HEAD_BYTES

MAX_REASON = 4000
C = TypeVar("C", bound=Contract)


class InvalidEvent(Exception):
    """An input that cannot become a valid message. ``reason`` says why, for people."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def reason_from_validation(exc: ValidationError) -> str:
    """A short, field-naming reason: ``title: String should have at least 1 character; …``."""
    parts = []
    for error in exc.errors(include_url=False)[:10]:
        where = ".".join(str(p) for p in error["loc"]) or "<root>"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


def dead_letter(
    *,
    service: str,
    stage: str,
    source: str,
    payload: bytes,
    reason: str,
    now: datetime,
    topic: str | None = None,
    partition: int | None = None,
    offset: int | None = None,
) -> DeadLetter:
    """A letter that always fits the dead-letter topic, whatever the size of ``payload``.

    It keeps the first ``PAYLOAD_HEAD_BYTES`` of the payload (flagged ``payload_truncated`` when
    that is not all of it), the whole payload's size and SHA-256; strings are cut to their limits.
    """
    head = payload[:PAYLOAD_HEAD_BYTES]
    return DeadLetter(
        service=service[:50],
        stage=stage[:100],
        source=source[:4096],
        reason=(reason.strip() or "unknown")[:MAX_REASON],
        payload_b64=base64.b64encode(head).decode("ascii"),
        payload_size=len(payload),
        payload_sha256=hashlib.sha256(payload).hexdigest(),
        payload_truncated=len(head) < len(payload),
        topic=topic[:249] if topic is not None else None,
        partition=partition,
        offset=offset,
        failed_at=now,
    )


def decode_or_dead_letter(
    model: type[C],
    payload: bytes | None,
    *,
    service: str,
    now: datetime,
    topic: str,
    partition: int | None = None,
    offset: int | None = None,
) -> C | DeadLetter:
    """Validate a message from ``topic``; on failure, the dead letter that records why."""
    try:
        return model.from_bytes(payload or b"")
    except ValidationError as exc:
        return dead_letter(
            service=service,
            stage=f"decode_{topic}",
            source=topic,
            payload=payload or b"",
            reason=reason_from_validation(exc),
            now=now,
            topic=topic,
            partition=partition,
            offset=offset,
        )
