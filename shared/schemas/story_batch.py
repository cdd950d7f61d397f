"""StoryBatch: the scorer's internal record that shares story clusters between its workers."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from shared.schemas.base import Contract

# One event's place in a story, as a JSON array (compact: a record carries a batch of them):
# [event_id, cluster_id, tokens, source, at, places] — the event founded ``cluster_id`` (which is
# then derived from ``event_id``) or joined it; ``tokens``: the title's informative tokens, the
# names among them (proper names: two titles naming different ones are two stories) written with
# a capital first letter, the rest lower case;
# ``at``: the event's time, Unix seconds; ``places``: ISO3 codes it is about.
StoryNote = tuple[str, str, list[str], str, float, list[str]]


class StoryBatch(Contract):
    """One record of ``brisk.scorer.stories`` (key = worker id): the notes of one scoring batch.
    The scorer writes and reads it with orjson (services/scorer/stories.py); this model is its
    contract, and tests hold the two to each other."""

    schema_version: Literal[1] = 1
    worker: str = Field(min_length=1, max_length=64)
    notes: list[StoryNote] = Field(default_factory=list)
