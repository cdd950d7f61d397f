"""RawEvent: what ingest publishes, one per news item, policy change or shipping signal."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field

from shared.schemas.base import Contract

EventKind = Literal["news", "policy", "shipping"]

# Source-specific structured fields (a GDELT EventCode, an AIS MMSI, a sanctions programme) stay
# flat scalars so every consumer and the API can read them without knowing the source.
FieldValue = str | int | float | bool | None


class RawEvent(Contract):
    schema_version: Literal[1] = 1
    id: str = Field(min_length=8, max_length=64, description="Deterministic: see shared.ids.event_id")
    kind: EventKind
    source: str = Field(min_length=1, max_length=200, description="Feed or connector name")
    native_id: str | None = Field(default=None, max_length=2048)
    title: str = Field(min_length=1, max_length=2000)
    summary: str = Field(default="", max_length=20000)
    url: str | None = Field(default=None, max_length=4096)
    published_at: AwareDatetime
    fetched_at: AwareDatetime
    language: str | None = Field(default=None, max_length=35, description="BCP 47 tag, e.g. en-GB")
    fields: dict[str, FieldValue] = Field(default_factory=dict)
