"""Fixes for faust-streaming 0.15.3's consumer, which skipped and repeated records (issue 8).

The cause, seen in a trace of every delivery, seek, gap and commit of a scorer started with a
backlog: at the end of a rebalance, ``Recovery._resume_streams`` resumes the stream partitions
while the fetcher is running (flow is already on, for the changelog reading) and only then
awaits ``perform_seek()``. Records fetched during that await are delivered from the old
position; ``flow_control.resume()`` right after clears the agents' queues, dropping some of
them; the seek resets ``_read_offset`` to the committed offset, so the rest of the old batch
opens a "gap" that ``_new_offset`` counts as acknowledged (it included the record being
delivered, too); and the re-fetched records below the read offset are dropped as already read.
So a few records were never scored but committed past, the last record of each partition's old
batch was scored twice, and the gap's offsets, acknowledged again by the real acks, put
duplicates into ``_acked``, where ``consecutive_numbers`` stops at each one: the commit crept one
offset per commit interval, and a later restart re-scored thousands of events.

What is installed here (``install()``; idempotent, refused on another Faust version):

- ``perform_seek`` marks the stream partitions as being repositioned; records fetched before or
  during a seek are discarded by the fetch loop, which seeks their partition to the new
  position again before its next fetch (a fetch that began before the seek and ended after it
  brought records from the new position and moved the consumer past them: with a short fetch
  wait, a restarted scorer lost them), and a partition without a committed offset is sought to
  its beginning (aiokafka does not seek those, so a record delivered and dropped during a
  rebalance was lost).
- ``_drain_messages`` (the fetch loop, copied from 0.15.3) discards such stale records, marks a
  record read only when it reached the agents, and records a gap only for offsets it never saw.
- ``_new_offset`` counts each offset once (see ``next_commit``).
- The assigned-partitions callback keeps the app's generation id rising within a process (a
  restarted broker numbers its generations from 1 again), and ``ack`` ignores acks of records
  fetched in an earlier generation: their partitions were sought back to the committed offset
  at the new assignment, so such an ack would commit a record the new generation has not done.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.metadata import version
from typing import Any

from faust.transport import consumer as faust_consumer
from faust.transport.drivers import aiokafka as faust_aiokafka
from mode.utils.futures import notify

from services.scorer.commit_offsets import next_commit

log = logging.getLogger(__name__)
FAUST_VERSION = "0.15.3"


@dataclass
class SeekState:
    """Which partitions a seek is repositioning now, how many seeks each has had, where the last
    one put each, and which partitions lost records to staleness since and must be read again."""

    seeking: set[Any] = field(default_factory=set)
    epochs: dict[Any, int] = field(default_factory=dict)
    starts: dict[Any, int] = field(default_factory=dict)
    refetch: set[Any] = field(default_factory=set)
    idle: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.idle.set()

    def begin(self, tps: Iterable[Any]) -> None:
        self.seeking.update(tps)
        if self.seeking:
            self.idle.clear()

    def end(self, tps: Iterable[Any], starts: dict[Any, int] | None = None) -> None:
        for tp in tps:
            self.seeking.discard(tp)
            self.epochs[tp] = self.epochs.get(tp, 0) + 1
        self.starts.update(starts or {})
        if not self.seeking:
            self.idle.set()

    def stale(self, tp: Any, fetched: dict[Any, int]) -> bool:
        """True if a record of ``tp`` fetched when the epochs were ``fetched`` predates a seek."""
        return tp in self.seeking or self.epochs.get(tp, 0) != fetched.get(tp, 0)

    def drop(self, tp: Any) -> None:
        """A stale record of ``tp`` was discarded. The fetch that brought it may have begun before
        the seek and ended after it, bringing records from the new position, past which the
        consumer's position has moved: so the partition is sought to its start again before the
        next fetch (``due``), or those records would never be delivered."""
        self.refetch.add(tp)

    def due(self) -> dict[Any, int]:
        """The partitions to seek again now (no seek in progress), with where to: each once."""
        if self.seeking:
            return {}
        due = {tp: self.starts[tp] for tp in self.refetch if tp in self.starts}
        self.refetch.clear()
        return due


def seek_state(consumer: Any) -> SeekState:
    state: SeekState | None = consumer.__dict__.get("_brisk_seeks")
    if state is None:
        state = consumer.__dict__["_brisk_seeks"] = SeekState()
    return state


async def perform_seek(self: Any) -> None:
    """Seek the stream partitions to their committed offsets (the beginning where none is).

    Afterwards ``_read_offset`` is the offset before the next record (Faust's meaning of "read"
    everywhere but here), so a hole at the head is a gap; ``_committed_offset`` is where the
    partition starts again, 0 included, so the first commit waits for the first record."""
    state = seek_state(self)
    tps = {tp for tp in self.assignment() if not self._is_changelog_tp(tp)}
    state.begin(tps)
    starts: dict[Any, int] = {}
    try:
        starts = {tp: offset for tp, offset in (await self.seek_to_committed()).items()
                  if tp in tps and offset is not None and offset > 0}
        # aiokafka seeks only to a committed offset above 0; elsewhere it keeps its position,
        # which is past whatever a rebalance dropped.
        unset = [tp for tp in tps if tp not in starts]
        if unset and self.app.conf.consumer_auto_offset_reset == "earliest":
            earliest = await self.earliest_offsets(*unset)
            for tp in unset:
                starts[tp] = earliest.get(tp) or 0
                await self._seek(tp, starts[tp])
        for tp, start in starts.items():
            self._read_offset[tp] = start - 1 if start > 0 else None
            self._committed_offset[faust_consumer.ensure_TP(tp)] = start
    finally:
        state.end(tps, starts)


async def _drain_messages(self: Any, fetcher: Any) -> None:  # pragma: no cover - the fetch loop
    """Faust 0.15.3's fetch loop, with the three changes named in the module docstring."""
    callback = self.callback
    getmany = self.getmany
    consumer_should_stop = self._stopped.is_set
    fetcher_should_stop = fetcher._stopped.is_set
    get_read_offset = self._read_offset.__getitem__
    set_read_offset = self._read_offset.__setitem__
    set_flag = self.diag.set_flag
    unset_flag = self.diag.unset_flag
    commit_every = self._commit_every
    acks_enabled_for = self.app.topics.acks_enabled_for
    seeks = seek_state(self)
    flag = faust_consumer.CONSUMER_FETCHING
    since_yield = 0
    try:
        while not (consumer_should_stop() or fetcher_should_stop()):
            if seeks.seeking:
                await seeks.idle.wait()  # a fetch now would bring records from before the seek
            assigned = self.assignment()
            for tp, start in seeks.due().items():
                if tp in assigned:
                    await self._seek(tp, start)  # records dropped as stale are read again
            set_flag(flag)
            fetched = dict(seeks.epochs)  # before the fetch: what it brings predates later seeks
            records = getmany(timeout=1.0)
            await self.sleep(0)
            if not self.should_stop:
                async for tp, message in records:
                    since_yield += 1
                    if since_yield > 100:
                        await self.sleep(0)
                        since_yield = 0
                    if seeks.stale(tp, fetched):
                        seeks.drop(tp)  # and read again from where the seek put the partition
                        continue
                    offset = message.offset
                    r_offset = get_read_offset(tp)
                    if r_offset is None or offset >= r_offset:
                        if r_offset is not None and offset - r_offset > 1:
                            if acks_enabled_for(message.topic):
                                # Offsets between the last read and this one, not this one.
                                await self._add_gap(tp, r_offset + 1, offset - 1)
                        if commit_every is not None and self._n_acked >= commit_every:
                            self._n_acked = 0
                            await self.commit()
                        delivery = callback(message)
                        result = await self.wait_first(delivery, self.suspend_flow.wait())
                        if delivery in result.done and not seeks.stale(tp, fetched):
                            set_read_offset(tp, offset)
                    else:
                        self.log.dev("DROPPED MESSAGE ROFF %r: k=%r v=%r",
                                     offset, message.key, message.value)
                unset_flag(flag)
    except self.consumer_stopped_errors:
        if self.transport.app.should_stop:
            self.log.info("Broker stopped consumer, shutting down...")
            return
        raise
    except asyncio.CancelledError:
        if self.transport.app.should_stop:
            self.log.info("Consumer shutting down for user cancel.")
            return
        raise
    except Exception as exc:
        self.log.exception("Drain messages raised: %r", exc)
        raise
    finally:
        unset_flag(flag)


def _new_offset(self: Any, tp: Any) -> int | None:
    """The offset to commit for ``tp`` now, from its acks and gaps (``next_commit``)."""
    acked = self._acked[tp]
    if not acked:
        return None
    gaps = self._gap[tp]
    filled: list[int] = []
    if gaps:
        for interval in sorted(gaps.overlap(0, max(acked)), key=lambda i: i.begin):
            filled.extend(range(interval.begin, interval.end))
        if filled:
            gaps.chop(0, max(filled[-1], max(acked)) + 1)
    offset, remaining, consumed = next_commit(acked, filled, self._committed_offset[tp])
    acked[:] = remaining
    self._acked_index[tp].difference_update(consumed)
    return offset


def _ack_current_only(original: Any) -> Any:
    def ack(self: Any, message: Any) -> bool:
        if message.generation_id == self.app.consumer_generation_id:
            return bool(original(self, message))
        # Fetched before the current assignment, whose seek will deliver it again: done with
        # here (so nothing waits for it), but not counted towards a commit.
        message.acked = True
        self._unacked_messages.discard(message)
        notify(self._waiting_for_ack)
        return False

    return ack


def _rising_generation(original: Any) -> Any:
    async def on_partitions_assigned(self: Any, assigned: Any) -> None:
        app = self._thread.app
        generation = self._thread._ensure_consumer()._coordinator.generation
        rising = max(generation, (app.consumer_generation_id or 0) + 1)
        app.consumer_generation_id = rising
        await self._thread.on_partitions_assigned(
            faust_aiokafka.ensure_TPset(assigned), rising)

    return on_partitions_assigned


def install() -> None:
    """Install the fixes into Faust's consumer classes. Idempotent."""
    consumer_class: Any = faust_consumer.Consumer
    if getattr(consumer_class, "_brisk_fixed", False):
        return
    installed = version("faust-streaming")
    if installed != FAUST_VERSION:
        raise RuntimeError(f"services/scorer/faust_consumer_fixes.py replaces parts of "
                           f"faust-streaming {FAUST_VERSION}, not {installed}: check them "
                           f"against the new version before raising the pin")
    consumer_class.perform_seek = perform_seek
    consumer_class._drain_messages = _drain_messages
    consumer_class._new_offset = _new_offset
    consumer_class.ack = _ack_current_only(consumer_class.ack)
    listener: Any = faust_aiokafka.ConsumerRebalanceListener
    listener.on_partitions_assigned = _rising_generation(listener.on_partitions_assigned)
    consumer_class._brisk_fixed = True
