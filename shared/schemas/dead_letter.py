"""DeadLetter: an input that could not be processed, kept whole with the reason it was refused."""

from __future__ import annotations

import base64
from typing import Literal

from pydantic import AwareDatetime, Field

from shared.schemas.base import Contract


class DeadLetter(Contract):
    schema_version: Literal[1] = 1
    service: str = Field(min_length=1, max_length=50)
    stage: str = Field(min_length=1, max_length=100, description="Where it failed, e.g. parse_feed")
    source: str = Field(max_length=4096, description="Feed name, file path or input topic")
    reason: str = Field(min_length=1, max_length=4000)
    payload_b64: str = Field(description="The original bytes, base64-encoded, untouched")
    payload_size: int = Field(ge=0)
    topic: str | None = None
    partition: int | None = None
    offset: int | None = None
    failed_at: AwareDatetime

    def payload(self) -> bytes:
        return base64.b64decode(self.payload_b64)
