"""Story clusters shared between scorer workers, through ``brisk.scorer.stories``.

Each worker clusters the events of its own partitions. Alone, reports of one story that land on
two workers would become two clusters (two alerts for one story, corroboration split). So every
worker publishes its foundings and joins after each scoring batch (``batch_record``, from the
clusterer's journal), and every worker reads the whole topic and adopts the others' notes
(``StoryFollower``). Before it starts, a worker reads the topic from the start (``catch_up``)
and so gets its clusters back after a restart, its own earlier notes included; what is older
than the clustering window is dropped on the way. Two workers that found one story within about a
second of each other, before either has read the other's note, keep two clusters.

The topic has one partition, is read without a consumer group, and grows like every topic on
the embedded broker; on Kafka give it a retention of a few clustering windows.
"""

from __future__ import annotations

import asyncio
import logging

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from prometheus_client import Counter

from services.scorer.clustering import Note, StoryClusterer
from shared.topics import SCORER_STORIES

log = logging.getLogger(__name__)


def batch_record(worker: str, notes: list[Note]) -> bytes:
    """The ``StoryBatch`` of one scoring batch's notes, as published (orjson: pydantic took
    ~15 µs a note each way, as much as adopting it)."""
    return orjson.dumps({"schema_version": 1, "worker": worker, "notes": [
        [n.event_id, n.cluster_id, n.tokens, n.source, n.at, n.places] for n in notes]})


def read_notes(payload: bytes) -> tuple[str, list[Note]]:
    """(worker, notes) of a ``StoryBatch`` record; raises ValueError naming what is wrong."""
    record = orjson.loads(payload)
    if not isinstance(record, dict) or record.get("schema_version") != 1:
        raise ValueError("not a StoryBatch of schema_version 1")
    worker, notes = record.get("worker"), record.get("notes")
    if not isinstance(worker, str) or not isinstance(notes, list):
        raise ValueError("worker (a string) and notes (a list) are required")
    read = []
    for note in notes:
        event, cluster, tokens, source, at, places = note
        if not (isinstance(event, str) and isinstance(cluster, str) and isinstance(source, str)
                and isinstance(tokens, list) and isinstance(places, list)
                and isinstance(at, int | float)):
            raise ValueError(f"malformed note {note!r:.200}")
        read.append(Note(event, cluster, tuple(map(str, tokens)), source, float(at),
                         tuple(map(str, places))))
    return worker, read


def adopt_batch(payload: bytes, worker: str, clusterer: StoryClusterer) -> int:
    """Adopt the notes of another worker's (or an earlier run's) record; return how many were
    taken. A malformed record is logged and skipped: brisk wrote it, so it is a bug to fix,
    not data to dead-letter."""
    try:
        writer, notes = read_notes(payload)
    except (ValueError, TypeError) as exc:
        log.error("scorer: invalid story record skipped: %s", exc)
        return 0
    if writer == worker:
        return 0
    return sum(clusterer.adopt(note) for note in notes)


STORIES_PARTITION = TopicPartition(SCORER_STORIES.name, 0)


async def open_reader(bootstrap: str, client_id: str, start: int | None) -> AIOKafkaConsumer:
    """A started reader of the stories topic, without a group, at offset ``start`` (None: the
    beginning)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                auto_offset_reset="earliest", client_id=client_id)
    await consumer.start()
    consumer.assign([STORIES_PARTITION])
    if start is None:
        await consumer.seek_to_beginning(STORIES_PARTITION)
    else:
        consumer.seek(STORIES_PARTITION, start)
    return consumer


async def catch_up(bootstrap: str, clusterer: StoryClusterer, idle_ms: int = 500,
                   max_seconds: float = 15.0) -> int:
    """Read ``brisk.scorer.stories`` from the start until a poll finds nothing more (or
    ``max_seconds`` pass), adopting every note: run before the worker starts scoring, so a
    restarted worker has its stories back. Returns the offset to follow on from."""
    consumer = await open_reader(bootstrap, "brisk-scorer-stories", None)
    try:
        deadline = asyncio.get_running_loop().time() + max_seconds
        while asyncio.get_running_loop().time() < deadline:
            batches = await consumer.getmany(timeout_ms=idle_ms, max_records=1000)
            if not batches:
                break
            for records in batches.values():
                for record in records:
                    adopt_batch(record.value or b"", "", clusterer)
        return await consumer.position(STORIES_PARTITION)
    finally:
        await consumer.stop()


class StoryFollower:
    """Follows ``brisk.scorer.stories`` for as long as the worker runs, from ``start``."""

    def __init__(self, bootstrap: str, worker: str, clusterer: StoryClusterer,
                 adopted: Counter, start: int = 0) -> None:
        self._bootstrap = bootstrap
        self._worker = worker
        self._clusterer = clusterer
        self._adopted = adopted
        self._next = start

    async def run(self) -> None:
        """Adopt the other workers' notes as they come. A lost connection is retried from where
        it stopped (adopting is idempotent, so a record read twice changes nothing)."""
        while True:
            consumer: AIOKafkaConsumer | None = None
            try:
                consumer = await open_reader(self._bootstrap,
                                             f"brisk-scorer-stories-{self._worker}", self._next)
                while True:
                    batches = await consumer.getmany(timeout_ms=500, max_records=1000)
                    for records in batches.values():
                        for record in records:
                            taken = adopt_batch(record.value or b"", self._worker, self._clusterer)
                            self._adopted.inc(taken)
                            self._next = record.offset + 1
                    self._restart_if_lost(consumer)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the broker went away: try again, never stop the worker
                log.warning("scorer: reading shared stories failed, retrying: %r", exc)
                await asyncio.sleep(2)
            finally:
                if consumer is not None:
                    await consumer.stop()

    def _restart_if_lost(self, consumer: AIOKafkaConsumer) -> None:
        """A topic that now ends before where this follower is was lost by the broker (a
        restarted ``memory://`` Tansu): read it again from its start."""
        end = consumer.highwater(STORIES_PARTITION)
        if end is not None and end < self._next:
            log.warning("scorer: brisk.scorer.stories ends at %d, before %d: the broker lost "
                        "it; following it from the start", end, self._next)
            self._next = 0
            consumer.seek(STORIES_PARTITION, 0)
