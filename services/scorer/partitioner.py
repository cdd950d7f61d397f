"""The partitioner of every record the scorer produces.

aiokafka's default hashes keys with murmur2 written in Python: ~5 % of a worker's time per
event at load. CRC-32 (C, in zlib) spreads keys as evenly. One partitioner serves all of the
app's sends — scored events, dead letters, country events and their refresh ticks — so a
country's records always meet one partition of ``brisk.scorer.country-events``, and so one
worker's slice of the country-index table. (Changing it on a running deployment would move
countries between partitions: their index would restart from its structural baseline.)
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from itertools import count


class KeyPartitioner:
    def __init__(self) -> None:
        self._unkeyed = count()

    def __call__(self, key: bytes | None, all_partitions: Sequence[int],
                 available: Sequence[int]) -> int:
        """CRC-32 of the key over all partitions; records without a key go round the
        available ones (all, when none is known to be available)."""
        if key is None:
            choices = available or all_partitions
            return choices[next(self._unkeyed) % len(choices)]
        return all_partitions[zlib.crc32(key) % len(all_partitions)]
