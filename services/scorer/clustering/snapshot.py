"""The clusterer's persisted state: a JSON-ready dict, validated when read back.

Only what cannot be recomputed is stored: each cluster's times, counts, sources, remembered event
ids and representative token sets (with the sequence number of their indexing, so the LSH
buckets are rebuilt in their original order and a restored clusterer answers exactly like the
one that was saved). Signatures and band keys are recomputed from the tokens on restore, which
also lets a snapshot be restored under different LSH settings.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ConfigState(_Frozen):
    threshold: float
    window: float = Field(gt=0, description="seconds")
    bands: int
    rows: int
    min_tokens: int
    max_clusters: int
    max_reps: int
    max_member_ids: int
    max_candidates: int
    bucket_scan: int


class RepState(_Frozen):
    seq: int = Field(ge=0, description="indexing order across the whole clusterer")
    tokens: list[str] = Field(min_length=1)
    names: list[str] = Field(default_factory=list, description="the names among the tokens")


class ClusterState(_Frozen):
    id: str = Field(pattern=r"^[0-9a-f]{32}$")
    first: float = Field(description="POSIX seconds of the earliest event")
    last: float = Field(description="POSIX seconds of the latest event")
    size: int = Field(ge=1)
    sources: list[str] = Field(min_length=1)
    places: list[str] = Field(default_factory=list, description="union of the members' places")
    members: list[str] = Field(description="remembered event ids, oldest first; the founder is implied")
    reps: list[RepState] = Field(min_length=1)


class ClustererState(_Frozen):
    version: Literal[1] = 1
    config: ConfigState
    watermark: float | None = Field(description="POSIX seconds of the newest event seen")
    seq: int = Field(ge=0)
    expired: int = Field(ge=0)
    capacity_evicted: int = Field(ge=0)
    clusters: list[ClusterState] = Field(description="least recently assigned-to first")
