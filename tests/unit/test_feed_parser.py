from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from services.ingest.parsers.dates import parse_localised_rfc822
from services.ingest.parsers.feed import parse_feed
from services.ingest.sources.base import Document
from shared.dlq import InvalidEvent

FETCHED = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def doc(path: Path, feed: str = "test-feed") -> Document:
    return Document(feed, str(path), path.read_bytes(), FETCHED)


@pytest.mark.parametrize(
    ("name", "items", "language"),
    [
        ("reuters_worldnews_2018-01-30.rss", 10, "en-us"),
        ("guardian_us_2018-01-31.rss", 55, "en-gb"),
        ("uol_noticias_2018-09-24.rss", 15, None),
        ("tpm_all_news.atom", 20, "en-US"),
    ],
)
def test_every_item_of_a_real_feed_becomes_an_event(
    demo_feeds: Path, name: str, items: int, language: str | None
) -> None:
    parsed = parse_feed(doc(demo_feeds / name))
    assert len(parsed.events) == items
    assert parsed.rejected == []
    assert len({e.id for e in parsed.events}) == items
    assert all(e.kind == "news" and e.title and e.language == language for e in parsed.events)


def test_atom_feed_from_the_fixtures(fixtures: Path) -> None:
    parsed = parse_feed(doc(fixtures / "heise_de.atom"))
    assert len(parsed.events) == 15
    assert parsed.events[0].published_at == datetime(2016, 2, 1, 16, 22, tzinfo=UTC)


def test_reuters_item_fields(demo_feeds: Path) -> None:
    first = parse_feed(doc(demo_feeds / "reuters_worldnews_2018-01-30.rss")).events[0]
    assert first.published_at == datetime(2018, 1, 30, 17, 29, 57, tzinfo=UTC)
    assert first.fetched_at == FETCHED
    assert first.url and first.url.startswith("http://")
    assert "<" not in first.summary  # HTML stripped to text
    assert first.fields["feed_title"] == "Reuters: World News"


def test_event_ids_are_deterministic_per_source(demo_feeds: Path) -> None:
    path = demo_feeds / "reuters_worldnews_2018-01-30.rss"
    once = [e.id for e in parse_feed(doc(path)).events]
    again = [e.id for e in parse_feed(doc(path)).events]
    elsewhere = [e.id for e in parse_feed(doc(path, feed="mirror")).events]
    assert once == again
    assert set(once).isdisjoint(elsewhere)


def test_portuguese_dates_in_a_mis_encoded_feed_are_read(demo_feeds: Path) -> None:
    events = parse_feed(doc(demo_feeds / "uol_noticias_2018-09-24.rss")).events
    assert events[0].published_at == datetime(2018, 9, 24, 22, 42, 40, tzinfo=UTC)
    assert not any(e.fields.get("published_at_inferred") for e in events)
    assert any("ç" in e.title or "ã" in e.title for e in events)  # Windows-1252 decoded


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("billion_laughs.rss", "entity"),
        ("external_entity.rss", "entity"),
        ("truncated.rss", "not a well-formed feed"),
    ],
)
def test_unsafe_or_broken_documents_are_refused_whole(
    fixtures: Path, name: str, reason: str
) -> None:
    with pytest.raises(InvalidEvent, match=reason):
        parse_feed(doc(fixtures / "malformed" / name))


def test_utf16_cannot_hide_an_entity_declaration(fixtures: Path) -> None:
    body = (fixtures / "malformed" / "billion_laughs.rss").read_text().replace(
        '<?xml version="1.0"?>', '<?xml version="1.0" encoding="utf-16"?>')
    with pytest.raises(InvalidEvent, match="entity"):
        parse_feed(Document("t", "t", body.encode("utf-16"), FETCHED))


@pytest.mark.parametrize("body", [b"", b"\xff\xfe\x00garbage", b"{\"json\": true}", b"plain text"])
def test_non_feeds_are_refused(body: bytes) -> None:
    with pytest.raises(InvalidEvent):
        parse_feed(Document("t", "t", body, FETCHED))


def test_one_bad_item_is_rejected_and_the_rest_go_on(fixtures: Path) -> None:
    parsed = parse_feed(doc(fixtures / "malformed" / "missing_title.rss"))
    assert [e.title for e in parsed.events] == ["Pakistan imposes export ban on cotton yarn"]
    assert len(parsed.rejected) == 1
    assert parsed.rejected[0].reason == "entry has no title"
    assert b"neither a title nor a link" in parsed.rejected[0].payload


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Seg, 24 Set 2018 19:42:40 -0300", datetime(2018, 9, 24, 22, 42, 40, tzinfo=UTC)),
        ("Mi, 3 Okt 2018 10:00:00 +0200", datetime(2018, 10, 3, 8, 0, tzinfo=UTC)),
        ("lun., 5 févr. 2018 10:00:00 +0100", datetime(2018, 2, 5, 9, 0, tzinfo=UTC)),
        ("24 Set 2018 19:42:40", None),  # no offset: not an instant
        ("yesterday", None),
    ],
)
def test_localised_rfc822_dates(text: str, expected: datetime | None) -> None:
    assert parse_localised_rfc822(text) == expected


@pytest.mark.parametrize(
    "damage",
    [
        # Declared UTF-16, sent as UTF-8: no encoding makes it well-formed.
        lambda body: body.replace(b'encoding="UTF-8"', b'encoding="utf-16"'),
        # Bytes no XML document may contain, in the middle of an item.
        lambda body: body.replace(b"Trump", b"Tr\xff\xfe\x00mp", 1),
    ],
    ids=["declared-utf16-sent-utf8", "control-bytes"],
)
def test_mis_encoded_documents_are_refused_whole(demo_feeds: Path, damage: Any) -> None:
    body = damage((demo_feeds / "reuters_worldnews_2018-01-30.rss").read_bytes())
    with pytest.raises(InvalidEvent, match="well-formed|binary|not an RSS"):
        parse_feed(Document("t", "t", body, FETCHED))
