"""Every record the scorer produces is partitioned by one cheap, stable rule."""

from __future__ import annotations

from collections import Counter

from services.scorer.partitioner import KeyPartitioner

PARTITIONS = [0, 1, 2, 3]


def test_a_key_always_meets_the_same_partition_across_instances() -> None:
    # Two workers (two processes) must agree, or a country's index would split between them.
    first, second = KeyPartitioner(), KeyPartitioner()
    for key in (b"PAK", b"LKA", b"KEN", b"0123456789abcdef"):
        assert first(key, PARTITIONS, PARTITIONS) == second(key, PARTITIONS, [1]) in PARTITIONS


def test_keys_spread_over_all_partitions() -> None:
    partition = KeyPartitioner()
    spread = Counter(partition(f"event-{i}".encode(), PARTITIONS, PARTITIONS) for i in range(4000))
    assert set(spread) == set(PARTITIONS)
    assert min(spread.values()) > 800  # within 20 % of an even 1000 each


def test_records_without_a_key_go_round_the_available_partitions() -> None:
    partition = KeyPartitioner()
    assert [partition(None, PARTITIONS, [1, 3]) for _ in range(4)] == [1, 3, 1, 3]
    assert [partition(None, PARTITIONS, []) for _ in range(2)] == [0, 1]
