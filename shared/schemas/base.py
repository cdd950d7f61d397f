"""The base every topic contract shares."""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict


class Contract(BaseModel):
    """A frozen message contract, serialised as UTF-8 JSON on its topic.

    Readers are tolerant: unknown fields from a newer writer are ignored, so a producer can add an
    optional field without breaking older consumers. A breaking change bumps ``schema_version``.
    """

    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=True)

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes | str) -> Self:
        """Validate a message; raises ``pydantic.ValidationError`` on anything malformed."""
        return cls.model_validate_json(data)
