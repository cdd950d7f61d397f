"""Producers and consumers take their sizes from the one limit, BRISK_MAX_MESSAGE_BYTES."""

from __future__ import annotations

import pytest

from shared.kafka import make_consumer, make_producer
from shared.message_size import request_limit
from shared.settings import CommonSettings
from shared.topics import SCORED_EVENTS


@pytest.mark.parametrize("limit", [524_288, 1_048_576, 8 * 1_048_576, 64 * 1_048_576])
async def test_a_consumer_fetches_whatever_a_producer_may_send(limit: int) -> None:
    common = CommonSettings(max_message_bytes=limit)
    producer = make_producer(common, client_id="test")
    consumer = make_consumer(common, "group", [SCORED_EVENTS], client_id="test")
    largest = producer._max_request_size
    assert largest == request_limit(limit) > limit
    assert consumer._max_partition_fetch_bytes >= largest
    assert consumer._fetch_max_bytes >= largest


async def test_a_small_limit_does_not_shrink_ordinary_fetches() -> None:
    consumer = make_consumer(CommonSettings(max_message_bytes=524_288), "g", [SCORED_EVENTS], "t")
    assert consumer._max_partition_fetch_bytes == 1024 * 1024


def test_a_limit_a_dead_letter_could_not_fit_stops_start_up_naming_the_setting() -> None:
    with pytest.raises(ValueError, match="max_message_bytes"):
        CommonSettings(max_message_bytes=65_536)
