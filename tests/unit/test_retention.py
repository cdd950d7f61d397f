"""Retention on the durable broker: old batches go; changelogs and each partition's newest stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from brisk.prune_command import retention_hours
from brisk.retention import StoredObject, expired

NOW = datetime(2026, 12, 2, tzinfo=UTC)
WEEK = timedelta(days=7)


def obj(topic: str, partition: int, offset: int, age_days: float) -> StoredObject:
    key = (f"clusters/tansu_cluster/topics/{topic}/partitions/{partition:010d}/records/"
           f"{offset:020d}.batch")
    return StoredObject(key, 100, NOW - timedelta(days=age_days))


def test_batches_older_than_the_retention_go_oldest_first() -> None:
    objects = [obj("brisk.events.raw", 0, 0, 10), obj("brisk.events.raw", 0, 5, 9),
               obj("brisk.events.raw", 0, 9, 1), obj("brisk.events.raw", 1, 0, 3)]
    assert [b.offset for b in expired(objects, NOW, WEEK)] == [0, 5]


def test_a_partitions_newest_batch_stays_however_old() -> None:
    objects = [obj("brisk.deadletter", 0, 0, 40), obj("brisk.deadletter", 0, 1, 30)]
    assert [b.offset for b in expired(objects, NOW, WEEK)] == [0]


def test_changelogs_and_metadata_are_never_pruned() -> None:
    objects = [obj("brisk-scorer-country_index-changelog", 0, 0, 30),
               obj("brisk-scorer-country_index-changelog", 0, 1, 29),
               StoredObject("clusters/tansu_cluster/meta.json", 10, NOW - timedelta(days=90)),
               StoredObject("clusters/tansu_cluster/topics/brisk.events.raw/partitions/"
                            "0000000000/watermark.json", 10, NOW - timedelta(days=90))]
    assert expired(objects, NOW, WEEK) == []


@pytest.mark.parametrize(("raw", "hours"), [("", 168.0), ("24", 24.0), ("1.5", 1.5)])
def test_retention_setting(raw: str, hours: float) -> None:
    assert retention_hours({"BRISK_BROKER_RETENTION_HOURS": raw}) == hours


@pytest.mark.parametrize("raw", ["0", "-3", "a week", "nan"])
def test_a_bad_retention_names_the_setting(raw: str) -> None:
    with pytest.raises(ValueError, match="BRISK_BROKER_RETENTION_HOURS"):
        retention_hours({"BRISK_BROKER_RETENTION_HOURS": raw})
