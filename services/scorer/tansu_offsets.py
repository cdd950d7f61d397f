"""Correct end offsets for Faust's table recovery on brokers that under-report them (Tansu).

Faust recovers a table by reading its changelog up to each partition's end offset, asked of the
broker with ListOffsets(latest). Tansu answers that with a value below the real end (measured:
1 for a partition holding 3 records), so recovery stopped after the first record and a
restarted scorer lost its country index. The probe below finds the real end by reading forward
from the reported one until a fetch brings nothing new; on Apache Kafka it only confirms the
reported value. Recovery runs while this worker owns the partitions, so nothing is appended to
a changelog during the probe.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from faust.transport.drivers import aiokafka as faust_aiokafka

log = logging.getLogger(__name__)
PROBE_IDLE_MS = 300


async def probe_end_offsets(
    bootstrap: list[str], reported: Mapping[TopicPartition, int]
) -> dict[TopicPartition, int]:
    """The real end offset (one past the last record) of each partition."""
    ends = {tp: max(0, offset) for tp, offset in reported.items()}
    if not ends:
        return ends
    probe = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                             group_id=None, auto_offset_reset="earliest")
    await probe.start()
    try:
        probe.assign(list(ends))
        for tp, offset in ends.items():
            probe.seek(tp, max(0, offset - 1))
        while True:
            batch = await probe.getmany(timeout_ms=PROBE_IDLE_MS)
            if not batch:
                break
            for tp, records in batch.items():
                if records:
                    ends[tp] = max(ends[tp], records[-1].offset + 1)
    finally:
        await probe.stop()
    return ends


def install() -> None:
    """Make Faust's recovery use probed end offsets. Idempotent."""
    thread_class: Any = faust_aiokafka.AIOKafkaConsumerThread
    if getattr(thread_class, "_brisk_probed", False):
        return
    reported_highwaters = thread_class._highwaters

    async def _highwaters(self: Any, partitions: Iterable[TopicPartition]) -> Mapping[Any, int]:
        reported = await reported_highwaters(self, partitions)
        if self.consumer.in_transaction:
            return reported
        transport = self.transport
        bootstrap = faust_aiokafka.server_list(transport.url, transport.default_port)
        probed = await probe_end_offsets(bootstrap, reported)
        corrected = {tp: offset for tp, offset in probed.items() if offset != reported[tp]}
        if corrected:
            log.info("end offsets corrected by probing", extra={
                "partitions": {f"{tp.topic}:{tp.partition}": [reported[tp], corrected[tp]]
                               for tp in corrected}})
        return probed

    thread_class._highwaters = _highwaters
    thread_class._brisk_probed = True
