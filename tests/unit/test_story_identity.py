"""Story identity: one story, one cluster id — and two stories, two.

Structured events (sanctions changes, border crossings, AIS signals, regulator documents, GDELT
events of one article) are named by their fields (services/scorer/clustering/story_keys.py);
news goes to title clustering. The events come from ingest's own parsers and are scored by the
scorer ``brisk score`` builds, so these are the cluster ids the alerts service would see.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from services.ingest.ais.signals import signal_to_event
from services.ingest.ais.tracker import Signal
from services.ingest.parsers.base import Parsed
from services.ingest.parsers.gdelt import parse_gdelt_export
from services.ingest.parsers.push_items import parse_jsonl_items
from services.ingest.parsers.regulator_docs import parse_federal_register, parse_regulations_gov
from services.ingest.sanctions.diff import changes_to_events, plan_snapshot
from services.ingest.sanctions.model import Snapshot
from services.ingest.sanctions.opensanctions import parse_ftm_entities
from services.ingest.sanctions.un_xml import parse_un_xml
from services.ingest.sources.base import Document
from services.scorer.clustering import StoryClusterer, load_story_keys, story_cluster_id
from services.scorer.clustering.story_keys import article_url_key, default_story_keys
from services.scorer.factory import build_scorer
from services.scorer.scorer import Scorer, TitleClustering
from shared.schemas import RawEvent

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "tests" / "fixtures" / "policy"
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def scorer_factory() -> Callable[[], Scorer]:
    """A fresh scorer per call, as ``brisk score`` (and every new or restarted worker) has."""
    engine = build_scorer().engine  # loads the data files once; fresh clusters for each scorer
    return lambda: Scorer(engine, TitleClustering(StoryClusterer()))


def cluster_ids(scorer: Scorer, events: list[RawEvent]) -> list[str | None]:
    return [scorer(event, NOW).cluster_id for event in events]


def announced(parse: Callable[[bytes], tuple[Snapshot, Any]], path: Path, feed: str) -> list[RawEvent]:
    """Every designation of a list snapshot, announced as added (``announce_initial``)."""
    snapshot, _ = parse(path.read_bytes())
    return changes_to_events(plan_snapshot(None, snapshot, True), Document(feed, str(path), b"", NOW))


def parsed(parser: Callable[[Document], Parsed], body: bytes, feed: str = "partner") -> list[RawEvent]:
    return parser(Document(feed, "fixture", body, NOW)).events


def push(*items: dict[str, Any]) -> list[RawEvent]:
    return parsed(parse_jsonl_items, b"\n".join(json.dumps(i).encode() for i in items), "corridors")


def crossing(item_id: str, name: str, status: str, at: str, title: str) -> dict[str, Any]:
    return {"id": item_id, "kind": "shipping", "title": title, "published_at": at,
            "fields": {"corridor": "China-Europe Railway Express", "crossing": name,
                       "status": status}}


# -- the measured failures -------------------------------------------------------------------

@pytest.mark.parametrize(
    ("parse", "path", "feed", "designations"),
    [
        (parse_ftm_entities, ROOT / "demo" / "policy" / "opensanctions_yente_t1_entities.ftm.json",
         "opensanctions", 6),
        (parse_un_xml, POLICY / "un_sc_consolidated_2018-10-29.xml", "un-sc", 1093),
    ],
)
def test_every_designation_of_a_sanctions_list_is_its_own_story(
        scorer_factory: Callable[[], Scorer], parse: Callable[[bytes], tuple[Snapshot, Any]],
        path: Path, feed: str, designations: int) -> None:
    events = announced(parse, path, feed)
    ids = cluster_ids(scorer_factory(), events)
    assert len(events) == designations
    assert len(set(ids)) == designations and None not in ids


def test_a_designation_has_the_same_story_in_every_worker_and_after_a_restart(
        scorer_factory: Callable[[], Scorer]) -> None:
    events = announced(parse_ftm_entities, POLICY / "opensanctions_yente_t1_entities.ftm.json",
                       "opensanctions")
    first, restarted = scorer_factory(), scorer_factory()
    assert cluster_ids(first, events) == cluster_ids(restarted, events[::-1])[::-1]
    worker = StoryClusterer()
    worker.journal = []
    cluster_ids(Scorer(first.engine, TitleClustering(worker)), events)
    assert worker.journal == []  # nothing to share on brisk.scorer.stories: the id is the fields


# -- table: pairs of events, one story or two --------------------------------------------------

def gdelt_pair() -> list[RawEvent]:
    """Two events GDELT extracted from one article (13 rows of the export share this URL)."""
    body = (ROOT / "demo" / "gdelt" / "gdeltpyr_v2_export_20170701234500_first50.tsv").read_bytes()
    events = [e for e in parsed(parse_gdelt_export, body, "gdelt")
              if e.url and "french-president-african-leaders" in e.url]
    other = next(e for e in events if e.title != events[0].title)  # other actors and codes
    return [events[0], other]


def regulator_pair() -> list[RawEvent]:
    """One Federal Register document, as the Register and as regulations.gov list it."""
    register = parsed(parse_federal_register,
                      (POLICY / "federal_register_api_documents_search_bears-ears.json").read_bytes())
    dockets = parsed(parse_regulations_gov,
                     (POLICY / "regulations_gov_api_v4_documents_bears-ears.json").read_bytes())
    return [next(e for e in register if e.fields["document_number"] == "2025-00863"),
            next(e for e in dockets if e.fields["fr_document_number"] == "2025-00863")]


def news(item_id: str, source: str, title: str, minutes: int = 0) -> RawEvent:
    at = NOW + timedelta(minutes=minutes)
    return RawEvent(id=f"{source}-{item_id}".ljust(8, "0"), kind="news", source=source,
                    title=title, published_at=at, fetched_at=at)


def ais(kind: str, mmsi: int | None, port: str | None, at: datetime, measure: float = 12.0,
        chokepoint: str | None = None) -> RawEvent:
    signal = Signal(kind, mmsi, "EVER GIVEN" if mmsi else None, 70 if mmsi else None,  # type: ignore[arg-type]
                    port, port and f"Port {port}", None, chokepoint, None, None, measure, 4.0, at,
                    "detail")
    return signal_to_event(signal, "ais", at)


PAIRS: list[tuple[str, Callable[[], list[RawEvent]], bool]] = [
    ("Erenhot and Alashankou closures", lambda: push(
        crossing("alashankou-1", "Alashankou", "closed", "2026-11-22T06:00:00+00:00",
                 "Alashankou border crossing closed: rail freight halted"),
        crossing("erenhot-1", "Erenhot", "closed", "2026-11-22T08:00:00+00:00",
                 "Erenhot border crossing closed: rail freight halted")), False),
    ("one closure pushed twice", lambda: push(
        crossing("erenhot-08", "Erenhot", "closed", "2026-11-22T08:00:00+00:00",
                 "Erenhot border crossing closed: rail freight halted"),
        crossing("erenhot-11", "Erenhot", "closed", "2026-11-22T11:00:00+00:00",
                 "Erenhot crossing still shut, 40 trains queued")), True),
    ("one closure, two spellings", lambda: push(
        crossing("brest-1", "Brest–Małaszewicze", "disrupted", "2026-11-22T08:00:00+00:00",
                 "Brest–Małaszewicze crossing disrupted"),
        crossing("brest-2", "brest-malaszewicze", "Disrupted", "2026-11-22T09:00:00+00:00",
                 "Polish border checks slow rail freight")), True),
    ("a crossing closed, then congested", lambda: push(
        crossing("khorgos-1", "Khorgos", "closed", "2026-11-22T08:00:00+00:00", "Khorgos closed"),
        crossing("khorgos-2", "Khorgos", "congested", "2026-11-22T09:00:00+00:00",
                 "Khorgos closed")), False),
    ("a closure on two UTC days", lambda: push(
        crossing("erenhot-d1", "Erenhot", "closed", "2026-11-22T08:00:00+00:00", "Erenhot closed"),
        crossing("erenhot-d2", "Erenhot", "closed", "2026-11-23T08:00:00+00:00",
                 "Erenhot closed")), False),
    ("two GDELT events of one article", gdelt_pair, True),
    ("one FR document on the Register and on regulations.gov", regulator_pair, True),
    ("congestion at one port, hour after hour", lambda: [
        ais("port_congestion", None, "CNSHA", NOW), ais("port_congestion", None, "CNSHA",
                                                        NOW + timedelta(hours=3), 15.0)], True),
    ("congestion at two ports", lambda: [
        ais("port_congestion", None, "CNSHA", NOW), ais("port_congestion", None, "CNNGB", NOW)],
     False),
    ("AIS gaps of two vessels at one chokepoint", lambda: [
        ais("ais_gap", 1, None, NOW, chokepoint="Strait of Hormuz"),
        ais("ais_gap", 2, None, NOW, chokepoint="Strait of Hormuz")], False),
    ("a vessel's dwell and its gap", lambda: [
        ais("dwell_anomaly", 1, "CNSHA", NOW), ais("ais_gap", 1, None, NOW, chokepoint="Malacca")],
     False),
    ("one news story rewritten by two outlets", lambda: [
        news("1", "dawn", "Pakistan floods kill 20 in Sindh province"),
        news("2", "reuters", "Floods in Pakistan's Sindh province kill 20, officials say", 40)],
     True),
    ("one news story with and without an outlet's furniture", lambda: [
        news("1", "guardian", "US holds off on new Russia sanctions, Treasury says"),
        news("2", "reuters", "UPDATE 2-Russia sanctions: US holds off on new measures - Reuters",
             30)], True),
    ("two templated headlines about two people", lambda: [
        news("1", "wire", "US Treasury sanctions Ali Khan over Iran oil network"),
        news("2", "wire", "US Treasury sanctions Mohammad Omar over Iran oil network", 5)], False),
]


@pytest.mark.parametrize(("case", "events", "same"), PAIRS, ids=[p[0] for p in PAIRS])
def test_one_story_has_one_cluster_id_and_two_stories_two(
        scorer_factory: Callable[[], Scorer], case: str, events: Callable[[], list[RawEvent]],
        same: bool) -> None:
    first, second = cluster_ids(scorer_factory(), events())
    assert first is not None and second is not None
    assert (first == second) is same


def test_every_article_of_a_gdelt_export_is_one_story() -> None:
    body = (ROOT / "demo" / "gdelt" / "gdeltpyr_v2_export_20170701234500_first50.tsv").read_bytes()
    events = parsed(parse_gdelt_export, body, "gdelt")
    keys = default_story_keys()
    ids = {story_cluster_id(key) for e in events if (key := keys.key(e)) is not None}
    assert len(events) == 50 and len(ids) == len({e.url for e in events}) == 15


# -- the table itself --------------------------------------------------------------------------

def event(kind: str, fields: dict[str, Any], url: str | None = None,
          at: datetime = NOW) -> RawEvent:
    return RawEvent(id="event-0001", kind=kind, source="test", title="t", url=url,
                    published_at=at, fetched_at=at, fields=fields)


@pytest.mark.parametrize(
    ("kind", "fields", "url", "key"),
    [
        ("policy", {"list_name": "un-sc", "entity_id": "110326", "change": "added"}, None,
         ("sanctions", "un-sc", "110326", "added")),
        ("policy", {"list_name": "opensanctions", "entity_id": "NK-2GdmHtZ", "change": "removed"},
         None, ("sanctions", "opensanctions", "NK-2GdmHtZ", "removed")),  # ids keep their case
        ("policy", {"regulator": "us-federal-register", "document_number": "2025-00863"}, None,
         ("federal-register", "2025-00863")),
        ("policy", {"regulator": "us-regulations-gov", "document_id": "EPA-HQ-OW-2022-0260-0156",
                    "fr_document_number": None}, None,
         ("regulations-gov", "EPA-HQ-OW-2022-0260-0156")),
        ("shipping", {"crossing": " Erenhot ", "status": "CLOSED"}, None,
         ("crossing", "erenhot", "closed", "2026-11-22T00:00:00+00:00")),
        ("shipping", {"signal": "port_congestion", "mmsi": None, "port_locode": None,
                      "port_name": "Gwadar"}, None,
         ("port-signal", "port_congestion", "gwadar", "2026-11-22T00:00:00+00:00")),
        ("shipping", {"signal": "diversion", "mmsi": 477000001, "port_locode": None}, None,
         ("vessel-signal", "diversion", "477000001", "", "2026-11-22T00:00:00+00:00")),
        ("news", {"gdelt_event_id": "673400", "gdelt_event_code": "042"},
         "http://www.Example.com/a/b/?utm_source=x&id=7#top", ("gdelt-article", "example.com/a/b?id=7")),
        ("news", {"gdelt_gkg_record_id": "20170701234500-1"}, "https://example.com/a/b",
         ("gdelt-article", "example.com/a/b")),
    ],
)
def test_structured_fields_give_the_story_key(kind: str, fields: dict[str, Any], url: str | None,
                                              key: tuple[str, ...]) -> None:
    assert default_story_keys().key(event(kind, fields, url)) == key


@pytest.mark.parametrize(
    ("kind", "fields", "url"),
    [
        ("news", {"feed_title": "Reuters World"}, "https://reuters.com/a"),  # news: its title
        ("news", {"gdelt_event_id": "1"}, None),  # GDELT without an article URL: its title
        ("news", {"gdelt_event_id": "1"}, "ftp://example.com/a"),
        ("policy", {"list_name": "un-sc", "change": "added"}, None),  # no entity id
        ("policy", {"regulator": "us-federal-register"}, None),
        ("shipping", {"crossing": "Erenhot"}, None),  # no status
        ("shipping", {"signal": "port_congestion", "port_locode": None}, None),  # no port
        ("news", {"crossing": "Erenhot", "status": "closed"}, None),  # crossings are shipping
    ],
)
def test_events_without_their_key_fields_are_clustered_by_title(
        kind: str, fields: dict[str, Any], url: str | None) -> None:
    assert default_story_keys().key(event(kind, fields, url)) is None


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://www.bbc.co.uk/news/world-1234/", "bbc.co.uk/news/world-1234"),
        ("http://bbc.co.uk/news/world-1234#comments", "bbc.co.uk/news/world-1234"),
        ("https://example.com:443/a?b=2&a=1&fbclid=zz&UTM_medium=m", "example.com/a?a=1&b=2"),
        ("https://example.com/article.php?id=1", "example.com/article.php?id=1"),
        ("https://example.com/Closer%20Saudi-Egypt", "example.com/Closer Saudi-Egypt"),
        ("mailto:someone@example.com", None),
        ("not a url", None),
    ],
)
def test_article_urls_are_keyed_without_their_furniture(url: str, key: str | None) -> None:
    keys = default_story_keys()
    assert article_url_key(url, keys._tracking, keys._tracking_prefixes) == key


def test_story_ids_are_stable_across_releases() -> None:
    # Golden value: a change here gives every structured story a new id (alerts fire again).
    assert story_cluster_id(("sanctions", "un-sc", "110326", "added")) == GOLDEN_SANCTIONS_ID


GOLDEN_SANCTIONS_ID = "56b85b011f5726b104ab978f943bb9c4"


@pytest.mark.parametrize(
    ("table", "error"),
    [
        ({"families": []}, "families"),
        ({"families": [{"family": "x", "kind": "news", "key": ["a b"]}]}, "malformed key parts"),
        ({"families": [{"family": "x", "kind": "news", "key": ["a?"]}]}, "every key part is optional"),
        ({"families": [{"family": "x", "kind": "rumour", "key": ["a"]}]}, "kind"),
        ({"families": [{"family": "x", "kind": "news", "key": ["a"], "window_hours": 0}]},
         "window_hours"),
        ({"families": [{"family": "x", "kind": "news", "key": ["a"], "extra": 1}]}, "extra"),
    ],
)
def test_a_malformed_table_is_refused(tmp_path: Path, table: dict[str, Any], error: str) -> None:
    path = tmp_path / "story_keys.json"
    path.write_text(json.dumps(table))
    with pytest.raises(ValueError, match=error):
        load_story_keys(path)
