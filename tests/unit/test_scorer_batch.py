"""One scoring batch into records (services/scorer/batch.py): a failing or oversized event is a
dead letter and the rest of the batch is scored."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.scorer.batch import COUNTRY_ITEMS_PER_RECORD, RawMessage, Record, score_batch
from services.scorer.factory import build_scorer
from services.scorer.process import Origin
from shared.schemas import DeadLetter, RawEvent, ScoredEvent
from shared.schemas.country_event import CountryEvent
from shared.topics import DEAD_LETTER, SCORED_EVENTS, SCORER_COUNTRY_EVENTS, SCORER_STORIES
from tests.strategies import sample_raw

NOW = datetime(2026, 3, 1, tzinfo=UTC)
LIMIT = 1_048_576
score = build_scorer()


def message(raw: RawEvent, offset: int) -> RawMessage:
    return RawMessage(raw.id.encode(), raw.to_bytes(), Origin(1, offset))


def test_an_event_whose_scoring_fails_is_dead_lettered_and_the_rest_is_scored() -> None:
    good, bad, also_good = (sample_raw(id=f"{n:032x}") for n in (1, 2, 3))

    def flaky(raw: RawEvent, now: datetime) -> ScoredEvent:
        if raw.id == bad.id:
            raise ValueError("pathological input")
        return score(raw, now)

    result = score_batch([message(good, 10), message(bad, 11), message(also_good, 12)],
                         flaky, NOW, LIMIT)
    kinds = [type(o).__name__ for o in result.outcomes]
    assert kinds == ["ScoredEvent", "DeadLetter", "ScoredEvent"]
    letter = result.outcomes[1]
    assert isinstance(letter, DeadLetter)
    assert letter.stage == "score" and "pathological input" in letter.reason
    assert (letter.partition, letter.offset) == (1, 11) and letter.payload() == bad.to_bytes()
    assert [r.topic for r in result.records[:3]] == [SCORED_EVENTS.name, DEAD_LETTER.name,
                                                    SCORED_EVENTS.name]
    assert len(result.seconds) == 3


def test_a_scored_event_over_the_limit_is_dead_lettered_with_its_raw_message() -> None:
    raw = sample_raw(summary="word " * 2000)
    limit = len(raw.to_bytes()) + 100  # the raw event fits; its ScoredEvent does not
    result = score_batch([message(raw, 7)], score, NOW, limit)
    [letter] = result.outcomes
    assert isinstance(letter, DeadLetter) and letter.stage == "size_limit"
    assert letter.payload() == raw.to_bytes() and letter.offset == 7
    assert SCORED_EVENTS.name in letter.reason and str(limit) in letter.reason
    assert result.oversized == 1
    assert [r.topic for r in result.records] == [DEAD_LETTER.name]


def test_an_oversized_internal_record_becomes_a_dead_letter_not_a_producer_error() -> None:
    raw = sample_raw()
    huge = Record(SCORER_STORIES.name, b"worker", b"x" * 2000)
    result = score_batch([message(raw, 1)], score, NOW, limit=1500, stories=lambda: huge)
    letters = [DeadLetter.from_bytes(r.value) for r in result.records if r.topic == DEAD_LETTER.name]
    assert [letter.stage for letter in letters] == ["size_limit"]
    assert SCORER_STORIES.name in letters[0].reason and letters[0].payload_size == 2000
    assert all(len(r.value) <= 1500 or r.topic == DEAD_LETTER.name for r in result.records)


def test_a_country_with_many_events_gets_several_bounded_records() -> None:
    raws = [sample_raw(id=f"{n:032x}", title="Militants attack convoy in Balochistan, Pakistan")
            for n in range(COUNTRY_ITEMS_PER_RECORD + 5)]
    result = score_batch([message(r, n) for n, r in enumerate(raws)], score, NOW, LIMIT)
    shares = [CountryEvent.from_bytes(r.value) for r in result.records
              if r.topic == SCORER_COUNTRY_EVENTS.name and r.key == b"PAK"]
    assert [len(s.items) for s in shares] == [COUNTRY_ITEMS_PER_RECORD, 5]


# What each kind of message becomes, in a batch of its own and mixed with the others.
VALID = sample_raw(id="a1" * 16, title="Port workers strike at container terminal in Vietnam")
ALSO_VALID = sample_raw(id="a2" * 16, title="Parliament passes new export licence rules")
OVERSIZED = sample_raw(id="a3" * 16, summary="lengthy " * 1500)
# The raw message of OVERSIZED fits; the ScoredEvent made from it (which carries more) does not.
CASE_LIMIT = len(OVERSIZED.to_bytes()) + 100
NOT_JSON = b"\xff\xfe this is no json"
NOT_A_RAW_EVENT = b'{"schema_version": 1, "id": "short", "kind": "gossip"}'


def raw(payload: RawEvent | bytes, offset: int) -> RawMessage:
    value = payload.to_bytes() if isinstance(payload, RawEvent) else payload
    return RawMessage(f"key-{offset}".encode(), value, Origin(2, offset))


# (case, the batch, per message: its outcome's kind or dead-letter stage, records refused)
BATCHES: list[tuple[str, list[RawEvent | bytes], list[str], int]] = [
    ("valid", [VALID], ["scored"], 0),
    ("malformed", [NOT_JSON, NOT_A_RAW_EVENT], ["decode", "decode"], 0),
    ("oversized", [OVERSIZED], ["size_limit"], 1),
    ("mixed", [VALID, NOT_JSON, OVERSIZED, NOT_A_RAW_EVENT, ALSO_VALID],
     ["scored", "decode", "size_limit", "decode", "scored"], 1),
    ("empty", [], [], 0),
]


def kind_of(outcome: ScoredEvent | DeadLetter) -> str:
    if isinstance(outcome, ScoredEvent):
        return "scored"
    return "decode" if outcome.stage.startswith("decode_") else outcome.stage


@pytest.mark.parametrize(("payloads", "kinds", "refused"), [c[1:] for c in BATCHES],
                         ids=[c[0] for c in BATCHES])
def test_each_message_becomes_a_scored_event_or_a_dead_letter_in_order(
    payloads: list[RawEvent | bytes], kinds: list[str], refused: int,
) -> None:
    messages = [raw(p, n) for n, p in enumerate(payloads)]
    result = score_batch(messages, score, NOW, CASE_LIMIT)
    assert [kind_of(o) for o in result.outcomes] == kinds
    assert result.oversized == refused and len(result.seconds) == len(messages)
    # One record per message first, in order: a scored event keyed by its id, a dead letter by
    # the message's key, carrying the raw bytes and where they were read.
    per_message = result.records[:len(messages)]
    for message, outcome, record in zip(messages, result.outcomes, per_message, strict=True):
        if isinstance(outcome, ScoredEvent):
            assert record == Record(SCORED_EVENTS.name, outcome.id.encode(), outcome.to_bytes())
        else:
            assert record == Record(DEAD_LETTER.name, message.key, outcome.to_bytes())
            assert outcome.payload() == message.value
            assert (outcome.partition, outcome.offset) == (2, message.origin.offset)
    # Then the country records, of the scored events only: nothing else goes out.
    scored = [o for o in result.outcomes if isinstance(o, ScoredEvent)]
    rest = result.records[len(messages):]
    assert all(r.topic == SCORER_COUNTRY_EVENTS.name for r in rest)
    shared = {i.event_id for r in rest for i in CountryEvent.from_bytes(r.value).items}
    assert shared == {o.id for o in scored if o.category != "none" and o.countries}
    # A dead letter keeps a bounded head of the message: it fits any real limit, not this one.
    assert all(len(r.value) <= CASE_LIMIT for r in result.records if r.topic != DEAD_LETTER.name)


def test_a_batch_is_scored_at_the_time_it_is_given() -> None:
    result = score_batch([raw(VALID, 0)], score, NOW, LIMIT)
    [scored] = result.outcomes
    assert isinstance(scored, ScoredEvent) and scored.scored_at == NOW


def test_the_story_notes_go_out_after_the_batch_s_records() -> None:
    notes = Record(SCORER_STORIES.name, b"worker-1", b'{"notes": []}')
    result = score_batch([raw(VALID, 0), raw(NOT_JSON, 1)], score, NOW, LIMIT,
                         stories=lambda: notes)
    assert result.records[-1] == notes
