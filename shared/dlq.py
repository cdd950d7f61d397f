"""Bad input is a value, not a crash: parsers raise ``InvalidEvent``; loops dead-letter the bytes."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import TypeVar

from pydantic import ValidationError

from shared.schemas import Contract, DeadLetter

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
    return DeadLetter(
        service=service,
        stage=stage,
        source=source[:4096],
        reason=(reason or "unknown")[:MAX_REASON],
        payload_b64=base64.b64encode(payload).decode("ascii"),
        payload_size=len(payload),
        topic=topic,
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
