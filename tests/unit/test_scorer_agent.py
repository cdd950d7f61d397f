"""The Faust agent, through ``agent.test_context()`` with the in-memory store."""

from __future__ import annotations

from pathlib import Path

import faust
import pytest

from services.scorer.app import create_app
from services.scorer.settings import ScorerSettings
from shared.schemas import DeadLetter, ScoredEvent
from shared.schemas.country_event import CountryEvent
from shared.topics import DEAD_LETTER, SCORED_EVENTS, SCORER_COUNTRY_EVENTS
from tests.strategies import sample_raw

Sent = list[tuple[str, bytes, bytes]]


@pytest.fixture
def sent() -> Sent:
    return []


@pytest.fixture
def app(tmp_path: Path, sent: Sent) -> faust.App:
    """The scorer app, publishing into ``sent`` instead of the producer."""

    async def record(topic: str, key: bytes | None, value: bytes) -> None:
        sent.append((topic, key or b"", value))

    return create_app(ScorerSettings(data_dir=tmp_path / "scorer", share_stories=False),
                      publisher=record)


async def test_agent_scores_a_raw_event_and_sends_it_on(app: faust.App, sent: Sent) -> None:
    raw = sample_raw()
    async with app.agents["score_events"].test_context() as agent:
        await agent.put(key=raw.id.encode(), value=raw.to_bytes())
        [[result]] = agent.results.values()  # one batch of one
    assert isinstance(result, ScoredEvent)
    assert result.id == raw.id and result.category == "regulatory"
    assert sent[0] == (SCORED_EVENTS.name, raw.id.encode(), result.to_bytes())
    # Then, per batch, one record per country for the country index, keyed by the country.
    shares = [(topic, key, CountryEvent.from_bytes(value)) for topic, key, value in sent[1:]]
    assert [key for _, key, _ in shares] == [c.encode() for c in result.countries]
    assert all(topic == SCORER_COUNTRY_EVENTS.name and share.kind == "batch"
               and [i.event_id for i in share.items] == [raw.id] for topic, _, share in shares)


async def test_agent_dead_letters_what_fails_validation(app: faust.App, sent: Sent) -> None:
    bad = b'{"schema_version": 1, "id": "short", "kind": "rumour"}'
    garbage = b"\xff\xfe not even json"
    async with app.agents["score_events"].test_context() as agent:
        await agent.put(key=b"k1", value=bad)
        await agent.put(key=b"k2", value=garbage)
        results = [outcome for batch in agent.results.values() for outcome in batch]
    assert all(isinstance(r, DeadLetter) for r in results)
    assert [r.payload() for r in results] == [bad, garbage]
    assert "kind" in results[0].reason and "id" in results[0].reason
    assert [(topic, key) for topic, key, _ in sent] == [(DEAD_LETTER.name, b"k1"),
                                                         (DEAD_LETTER.name, b"k2")]
    assert [DeadLetter.from_bytes(value) for *_, value in sent] == results


async def test_a_scoring_failure_dead_letters_the_event_instead_of_stopping() -> None:
    from datetime import UTC, datetime

    from services.scorer.process import Origin, process_raw

    def broken(*_: object) -> ScoredEvent:
        raise RecursionError("pathological input")

    raw = sample_raw().to_bytes()
    letter = process_raw(raw, broken, datetime(2026, 1, 1, tzinfo=UTC), Origin(3, 42))
    assert isinstance(letter, DeadLetter)
    assert letter.stage == "score" and letter.payload() == raw and letter.offset == 42
    assert "RecursionError" in letter.reason
