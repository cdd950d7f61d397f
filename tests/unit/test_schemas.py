from __future__ import annotations

import base64
import hashlib
import json

import pytest
from hypothesis import given
from hypothesis.strategies import SearchStrategy
from pydantic import ValidationError

from shared.schemas import Alert, AlertChange, Contract, CountryRisk, DeadLetter, RawEvent, ScoredEvent
from shared.topics import ALL_TOPICS
from tests import strategies as s


@pytest.mark.parametrize(
    ("model", "strategy"),
    [
        (RawEvent, s.raw_events),
        (ScoredEvent, s.scored_events),
        (CountryRisk, s.country_risks),
        (Alert, s.alerts),
        (AlertChange, s.alert_changes),
        (DeadLetter, s.dead_letters),
    ],
)
def test_every_contract_survives_the_wire(model: type[Contract], strategy: SearchStrategy[Contract]) -> None:
    @given(strategy)
    def round_trip(value: Contract) -> None:
        assert model.from_bytes(value.to_bytes()) == value

    round_trip()


def test_every_topic_carries_a_versioned_contract() -> None:
    for topic in ALL_TOPICS:
        assert "schema_version" in topic.value.model_fields, topic.name


@given(s.dead_letters)
def test_dead_letter_keeps_the_whole_payload_unless_flagged_truncated(letter: DeadLetter) -> None:
    if letter.payload_truncated:
        assert len(letter.payload()) < letter.payload_size
    else:
        assert len(letter.payload()) == letter.payload_size
        assert hashlib.sha256(letter.payload()).hexdigest() == letter.payload_sha256


def test_a_version_1_dead_letter_is_still_read_with_its_digest_computed() -> None:
    v1 = {"schema_version": 1, "service": "ingest", "stage": "parse_item", "source": "feed",
          "reason": "title: missing", "payload_b64": base64.b64encode(b"<item/>").decode(),
          "payload_size": 7, "failed_at": "2026-11-22T12:00:00Z"}
    letter = DeadLetter.from_bytes(json.dumps(v1))
    assert letter.schema_version == 2 and not letter.payload_truncated
    assert letter.payload() == b"<item/>"
    assert letter.payload_sha256 == hashlib.sha256(b"<item/>").hexdigest()


def test_readers_ignore_fields_from_newer_writers() -> None:
    event = s.sample_raw()
    newer = event.model_dump(mode="json") | {"added_in_v2": "ignored"}
    assert RawEvent.model_validate(newer) == event


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"published_at": "2018-01-30T12:00:00"}, "published_at"),  # naive: no offset
        ({"kind": "gossip"}, "kind"),
        ({"title": "   "}, "title"),
        ({"schema_version": 2}, "schema_version"),
    ],
)
def test_invalid_raw_events_name_the_field(change: dict[str, object], field: str) -> None:
    good = s.sample_raw().model_dump(mode="json")
    with pytest.raises(ValidationError) as info:
        RawEvent.model_validate(good | change)
    assert field in str(info.value)


def test_scored_event_countries_are_alpha3() -> None:
    raw = s.sample_raw().model_dump(mode="json")
    scoring = {"scores": {}, "severity": 0, "confidence": 0.5, "category": "none",
               "scored_at": raw["fetched_at"], "scorer_version": "test"}
    assert ScoredEvent.model_validate(raw | scoring | {"countries": ["PAK"]}).countries == ["PAK"]
    with pytest.raises(ValidationError) as info:
        ScoredEvent.model_validate(raw | scoring | {"countries": ["PK"]})
    assert "countries" in str(info.value)
