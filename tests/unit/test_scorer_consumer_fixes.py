"""The pure parts of the Faust fixes: stale records after a seek (faust_consumer_fixes.py), lost
changelogs (lost_changelog.py) and the readiness answer (readiness.py)."""

from __future__ import annotations

from services.scorer.faust_consumer_fixes import SeekState
from services.scorer.lost_changelog import last_known, lost
from services.scorer.readiness import readiness


def test_a_record_fetched_before_or_during_a_seek_of_its_partition_is_stale() -> None:
    seeks = SeekState()
    before = dict(seeks.epochs)
    assert not seeks.stale("raw-0", before)
    seeks.begin({"raw-0"})
    assert seeks.stale("raw-0", before) and not seeks.idle.is_set()
    assert not seeks.stale("changelog-0", before)  # not repositioned: its records stand
    seeks.end({"raw-0"})
    assert seeks.stale("raw-0", before) and seeks.idle.is_set()
    assert not seeks.stale("raw-0", dict(seeks.epochs))  # fetched after the seek


def test_a_changelog_that_ends_below_what_was_read_or_written_was_lost() -> None:
    highwaters = {"p0": -1, "p1": 7, "p2": 3}
    # Read 12 at recovery, the changelog is empty now: the case Faust raised ConsistencyError on.
    assert lost({"p0": 12}, {}, highwaters) == {"p0"}
    # Read nothing at the start, wrote up to 4 since, empty now.
    assert lost({"p0": -1}, {"p0": 4}, highwaters) == {"p0"}
    # Up to date, or behind (more was written by another worker): nothing lost.
    assert lost({"p1": 7, "p2": None}, {"p1": 5, "p2": 3}, highwaters) == set()
    assert last_known(None, None) == -1 and last_known(3, 9) == 9


def test_ready_needs_an_assignment_no_rebalance_and_a_broker() -> None:
    assert readiness(True, False, True)[0] == 200
    for assigned, rebalancing, broker in [(False, False, True), (True, True, True),
                                          (True, False, False)]:
        status, body = readiness(assigned, rebalancing, broker)
        assert status == 503 and body["checks"] == {
            "kafka_assignment": assigned, "rebalancing": rebalancing, "kafka": broker}


def test_a_partition_whose_records_were_dropped_as_stale_is_read_again_from_its_seek() -> None:
    seeks = SeekState()
    fetched = dict(seeks.epochs)  # a fetch begins...
    seeks.begin({"raw-0", "raw-1"})
    seeks.end({"raw-0", "raw-1"}, {"raw-0": 7, "raw-1": 0})  # ...a seek runs meanwhile...
    assert seeks.stale("raw-0", fetched)  # ...and what the fetch brought is discarded
    seeks.drop("raw-0")
    seeks.begin({"raw-0"})
    assert seeks.due() == {}  # never while a seek is repositioning it
    seeks.end({"raw-0"}, {"raw-0": 9})
    assert seeks.due() == {"raw-0": 9}  # to where the latest seek put it
    assert seeks.due() == {}  # once
