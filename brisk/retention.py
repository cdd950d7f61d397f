"""Which of the durable broker's record batches may go: retention for Tansu's ``s3`` engine.

Tansu 0.6 enforces no retention: each produced batch is one object,
``clusters/<cluster>/topics/<topic>/partitions/<n>/records/<base offset>.batch``, kept for ever
(about 580 B on disk per 564-byte event, measured). Deleting the oldest batches of a partition is
safe — a consumer from the earliest offset starts at the first batch left, and producing goes on
(tested) — so ``brisk prune`` deletes batches older than the retention, with two exceptions:

- compacted state is never pruned: Faust's ``*-changelog`` topics rebuild the country index, and
  a partition's newest batch stays, whatever its age (the partition's end is known from it);
- nothing but ``.batch`` objects is touched (metadata, watermarks, group offsets stay).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

BATCH_KEY = re.compile(
    r"^clusters/[^/]+/topics/(?P<topic>[^/]+)/partitions/(?P<partition>\d+)/records/"
    r"(?P<offset>\d+)\.batch$")


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    modified: datetime


@dataclass(frozen=True)
class Batch:
    topic: str
    partition: int
    offset: int
    stored: StoredObject


def batches(objects: Iterable[StoredObject]) -> list[Batch]:
    """The record batches among a bucket's objects; everything else is ignored."""
    found = []
    for obj in objects:
        match = BATCH_KEY.match(obj.key)
        if match:
            found.append(Batch(match["topic"], int(match["partition"]), int(match["offset"]), obj))
    return found


def is_compacted(topic: str) -> bool:
    return topic.endswith("-changelog") or topic.startswith("__")


def expired(objects: Iterable[StoredObject], now: datetime, retention: timedelta) -> list[Batch]:
    """Batches older than ``retention`` that may be deleted, oldest first."""
    newest: dict[tuple[str, int], int] = {}
    found = batches(objects)
    for batch in found:
        key = (batch.topic, batch.partition)
        newest[key] = max(newest.get(key, -1), batch.offset)
    cutoff = now - retention
    return sorted(
        (b for b in found
         if not is_compacted(b.topic) and b.stored.modified < cutoff
         and b.offset != newest[(b.topic, b.partition)]),
        key=lambda b: (b.stored.modified, b.topic, b.partition, b.offset))
