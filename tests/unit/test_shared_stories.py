"""Story clusters shared between scorer workers: the clusterer's journal and ``adopt``, and the
records of ``brisk.scorer.stories`` (services/scorer/stories.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.scorer.clustering import Note, StoryClusterer, cluster_id
from services.scorer.stories import adopt_batch, batch_record
from shared.schemas.story_batch import StoryBatch

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
FIRST = "Pakistan floods kill 20 in Sindh province"
SAME_STORY = "UPDATE 2-Pakistan floods kill 20 in Sindh province - Reuters"


def journaled() -> StoryClusterer:
    clusterer = StoryClusterer()
    clusterer.journal = []
    return clusterer


def test_the_journal_notes_foundings_and_joins_not_replays() -> None:
    worker = journaled()
    worker.assign("a", FIRST, "dawn", T0, places=["PAK"])
    worker.assign("b", SAME_STORY, "reuters", T0 + timedelta(minutes=5), places=["PAK"])
    worker.assign("a", FIRST, "dawn", T0)  # a replay changes nothing
    assert worker.journal is not None
    assert [(n.event_id, n.cluster_id, n.source, n.places) for n in worker.journal] == [
        ("a", cluster_id("a"), "dawn", ("PAK",)), ("b", cluster_id("a"), "reuters", ("PAK",))]


def test_two_workers_that_adopt_each_others_notes_see_one_story_as_one_cluster() -> None:
    one, two = journaled(), journaled()
    one.assign("a", FIRST, "dawn", T0, places=["PAK"])
    assert one.journal is not None
    record = batch_record("worker-1", one.journal)
    assert adopt_batch(record, "worker-2", two) == 1
    joined = two.assign("b", SAME_STORY, "reuters", T0 + timedelta(minutes=5), places=["PAK"])
    assert joined.cluster_id == cluster_id("a") and joined.sources == 2 and not joined.is_new


def test_a_worker_skips_its_own_notes_and_adopting_twice_counts_once() -> None:
    one, two = journaled(), journaled()
    one.assign("a", FIRST, "dawn", T0)
    one.assign("b", SAME_STORY, "reuters", T0 + timedelta(minutes=5))
    assert one.journal is not None
    record = batch_record("worker-1", one.journal)
    assert adopt_batch(record, "worker-1", one) == 0
    assert adopt_batch(record, "worker-2", two) == 2
    assert adopt_batch(record, "worker-2", two) == 0  # redelivered: nothing new
    again = two.assign("c", SAME_STORY, "xinhua", T0 + timedelta(minutes=9))
    assert again.cluster_id == cluster_id("a") and again.size == 3 and again.sources == 3


def test_a_restarted_worker_rebuilds_its_clusters_from_its_earlier_notes() -> None:
    before = journaled()
    before.assign("a", FIRST, "dawn", T0)
    assert before.journal is not None
    record = batch_record("run-1", before.journal)
    after = StoryClusterer()  # the same worker, restarted: empty, with a new run id
    assert adopt_batch(record, "run-2", after) == 1
    assert after.assign("b", SAME_STORY, "reuters", T0 + timedelta(hours=1)).cluster_id == cluster_id("a")


def test_notes_older_than_the_window_are_not_adopted() -> None:
    clusterer = StoryClusterer()
    clusterer.assign("now", "Kenya port strike halts Mombasa cargo handling", "nation", T0)
    stale = Note("old", cluster_id("old"), tuple(sorted({"pakistan", "flood", "kill", "20"})), "dawn",
                 (T0 - timedelta(days=5)).timestamp(), ())
    assert not clusterer.adopt(stale)


def test_a_joiner_whose_founder_is_unknown_founds_the_cluster_under_its_id() -> None:
    clusterer = StoryClusterer()
    note = Note("b", cluster_id("a"), ("pakistan", "flood", "kill", "20", "sindh"), "reuters",
                T0.timestamp(), ("PAK",))
    assert clusterer.adopt(note) and not clusterer.adopt(note)
    assert clusterer.assign("c", SAME_STORY, "xinhua", T0 + timedelta(minutes=1),
                            places=["PAK"]).cluster_id == cluster_id("a")


def test_a_malformed_record_is_skipped() -> None:
    for bad in (b'{"schema_version": 1, "notes": "nope"}', b"not json", b'{"schema_version": 2}',
                b'{"schema_version": 1, "worker": "w", "notes": [["a", "b"]]}',
                b'{"schema_version": 1, "worker": "w", "notes": [[1, 2, 3, 4, 5, 6]]}'):
        assert adopt_batch(bad, "me", StoryClusterer()) == 0


def test_the_record_written_is_the_documented_contract() -> None:
    worker = journaled()
    worker.assign("a", FIRST, "dawn", T0, places=["PAK"])
    assert worker.journal is not None
    batch = StoryBatch.from_bytes(batch_record("worker-1", worker.journal))
    [(event, cluster, tokens, source, at, places)] = batch.notes
    assert (batch.worker, event, cluster, source, at, places) == (
        "worker-1", "a", cluster_id("a"), "dawn", T0.timestamp(), ["PAK"])
    assert set(tokens) == set(worker.journal[0].tokens)
