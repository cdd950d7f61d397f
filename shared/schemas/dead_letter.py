"""DeadLetter: an input that could not be processed, with the reason it was refused.

A letter must always fit on the dead-letter topic, whatever it refuses — a 64 MiB feed document
included — so it carries only the first ``PAYLOAD_HEAD_BYTES`` of the original bytes, plus the
original size and a SHA-256 of the *whole* payload (to match it against the source, or to tell
two refusals of the same input apart). Every field is bounded, so a serialised letter is at most
``DEAD_LETTER_MAX_BYTES`` even with every string at its limit and JSON-escaped.

Version 2 added ``payload_sha256`` and ``payload_truncated``; a version-1 letter (whole payload,
no digest) is still read, and comes back as version 2 with its digest computed.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any, Literal

from pydantic import AwareDatetime, Field, model_validator

from shared.schemas.base import Contract

# 256 KiB of the original: enough to read a broken feed's head or a whole ordinary message.
PAYLOAD_HEAD_BYTES = 256 * 1024
# base64 of the head (349,528) + reason and source at their limits, JSON-escaped (6 B a char at
# worst) + the short fields: 400,798 bytes in the worst case, so 400 KiB holds.
DEAD_LETTER_MAX_BYTES = 400 * 1024
_HEAD_B64_CHARS = 4 * ((PAYLOAD_HEAD_BYTES + 2) // 3)


class DeadLetter(Contract):
    schema_version: Literal[2] = 2
    service: str = Field(min_length=1, max_length=50)
    stage: str = Field(min_length=1, max_length=100, description="Where it failed, e.g. parse_feed")
    source: str = Field(max_length=4096, description="Feed name, file path or input topic")
    reason: str = Field(min_length=1, max_length=4000)
    payload_b64: str = Field(
        max_length=_HEAD_B64_CHARS,
        description="The first PAYLOAD_HEAD_BYTES of the original bytes, base64, untouched",
    )
    payload_size: int = Field(ge=0, description="Size of the whole original payload, bytes")
    payload_sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the whole payload")
    payload_truncated: bool = Field(description="True when payload_b64 holds only the head")
    topic: str | None = Field(default=None, max_length=249)  # Kafka's own topic-name limit
    partition: int | None = None
    offset: int | None = None
    failed_at: AwareDatetime

    @model_validator(mode="before")
    @classmethod
    def _upgrade_version_1(cls, data: Any) -> Any:
        """A version-1 letter kept the whole payload: its digest is the digest of what it holds."""
        if isinstance(data, dict) and data.get("schema_version") == 1:
            whole = base64.b64decode(str(data.get("payload_b64", "")))
            return {**data, "schema_version": 2, "payload_truncated": False,
                    "payload_sha256": hashlib.sha256(whole).hexdigest()}
        return data

    def payload(self) -> bytes:
        """The bytes kept: the whole payload, or its head when ``payload_truncated``."""
        return base64.b64decode(self.payload_b64)
