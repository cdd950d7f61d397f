"""A changelog the broker lost: reset the table to it instead of dying with ConsistencyError.

Faust's recovery remembers, per changelog partition, the offset it has read up to. When the
broker restarts empty (Tansu's ``memory://`` storage keeps nothing, committed offsets included),
the changelog's last offset is -1 while the remembered offset is past it, and Faust raises
``ConsistencyError`` ("persisted offset … > -1") and the worker exits — and exits again on every
rebalance for as long as the process lives. (A worker that had read nothing at its start went
on instead with a table its changelog no longer backs; so the offsets the worker wrote count
too: a changelog never ends below an offset written to it, unless the broker lost it.) The
broker is the truth: what it lost is lost (the
raw events, their offsets and the changelog alike), so here the table's contents are dropped,
its partitions read again from the changelog's start, and its changelog topic declared again
(the broker lost that too); the worker carries on and logs one warning saying so. The stream
partitions need nothing here: a group the broker forgot has no committed offsets, and the
consumer starts them from the beginning (services/scorer/faust_consumer_fixes.py).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from faust.stores import memory as faust_memory
from faust.tables import recovery as faust_recovery

log = logging.getLogger(__name__)


def lost(offsets: Mapping[Any, int | None], written: Mapping[Any, int],
         highwaters: Mapping[Any, int]) -> set[Any]:
    """Changelog partitions the broker lost: the last record read or written is past the last
    record there is. All offsets in Faust's terms: of a record; -1 for none."""
    return {tp for tp in offsets
            if tp in highwaters and last_known(offsets[tp], written.get(tp)) > highwaters[tp]}


def last_known(read: int | None, written: int | None) -> int:
    """The last changelog offset this worker knows exists: read at recovery or written since."""
    return max(-1 if read is None else read, -1 if written is None else written)


def written_offsets(store: Any) -> dict[Any, int]:
    """The offsets this process wrote to a table's changelog (kept by ``install``)."""
    written: dict[Any, int] = store.__dict__.setdefault("_brisk_written", {})
    return written


async def reset_tables(recovery: Any, offsets: dict[Any, int], highwaters: Mapping[Any, int],
                       kind: str) -> None:
    """Reset every table with a lost changelog partition among ``offsets``."""
    written: dict[Any, int] = {}
    for tp in offsets:
        if tp in recovery.tp_to_table:
            written.update(written_offsets(recovery.tp_to_table[tp].data))
    behind = lost(offsets, written, highwaters)
    tables = {recovery.tp_to_table[tp] for tp in behind if tp in recovery.tp_to_table}
    for table in tables:
        log.warning(
            "scorer: the broker lost the changelog of table %s (offsets read or written up to "
            "%s, it ends at %s): the table starts again empty", table.name,
            {f"{tp.partition}": last_known(offsets[tp], written.get(tp)) for tp in behind},
            {f"{tp.partition}": highwaters[tp] for tp in behind}, extra={"kind": kind})
        table.data.clear()
        written_offsets(table.data).clear()
        for tp, owner in recovery.tp_to_table.items():
            if owner is table:
                for remembered in (recovery.active_offsets, recovery.standby_offsets):
                    if tp in remembered:
                        remembered[tp] = -1
        await table.changelog_topic.declare()


def install() -> None:
    """Check for lost changelogs once Faust has both offsets and highwaters fresh: for active
    partitions it builds highwaters first, for standbys offsets first. Idempotent."""
    recovery_class: Any = faust_recovery.Recovery
    if getattr(recovery_class, "_brisk_lost_changelog", False):
        return
    build_highwaters = recovery_class._build_highwaters
    build_offsets = recovery_class._build_offsets

    async def _build_highwaters(self: Any, consumer: Any, tps: Any, destination: Any,
                                title: str) -> None:
        await build_highwaters(self, consumer, tps, destination, title)
        if title == "standby":
            await reset_tables(self, self.standby_offsets, destination, title)

    async def _build_offsets(self: Any, consumer: Any, tps: Any, destination: Any,
                             title: str) -> None:
        await build_offsets(self, consumer, tps, destination, title)
        if title == "active":
            await reset_tables(self, destination, self.active_highwaters, title)

    store_class: Any = faust_memory.Store
    set_persisted_offset = store_class.set_persisted_offset

    def remember_written(self: Any, tp: Any, offset: int) -> None:
        set_persisted_offset(self, tp, offset)  # the memory store keeps none: recovery unchanged
        written = written_offsets(self)
        written[tp] = max(offset, written.get(tp, -1))

    store_class.set_persisted_offset = remember_written
    recovery_class._build_highwaters = _build_highwaters
    recovery_class._build_offsets = _build_offsets
    recovery_class._brisk_lost_changelog = True
