"""GDELT 2.0 event export: the real 50-row sample, rows broken one way each, and the code tables."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.ingest.parsers.gdelt import COLUMNS, parse_gdelt_export, slug_headline
from services.ingest.parsers.gdelt_codes import cameo_root_phrases, fips_to_iso3, root_code_phrase
from services.ingest.sources.base import Document
from shared.dlq import InvalidEvent
from shared.ids import event_id

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
ADDED = datetime(2017, 7, 1, 23, 45, tzinfo=UTC)  # DATEADDED of all 50 rows: 20170701234500
EXPORT = "gdeltpyr_v2_export_20170701234500_first50.tsv"
ROWS = 50


@pytest.fixture
def export(fixtures: Path) -> bytes:
    return (fixtures / "gdelt" / EXPORT).read_bytes()


def document(body: bytes, feed: str = "gdelt") -> Document:
    return Document(feed, "http://data.gdeltproject.org/gdeltv2/x.export.CSV", body, NOW)


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def broken(line: bytes, column: str, value: bytes) -> bytes:
    cells = line.split(b"\t")
    cells[COLUMNS.index(column)] = value
    return b"\t".join(cells)


# --- the parser -----------------------------------------------------------------------------


def test_columns_follow_the_codebook_order() -> None:
    assert len(COLUMNS) == 61 and len(set(COLUMNS)) == 61
    for index, name in [(0, "GLOBALEVENTID"), (1, "SQLDATE"), (6, "Actor1Name"), (15, "Actor2Code"),
                        (25, "IsRootEvent"), (26, "EventCode"), (28, "EventRootCode"),
                        (30, "GoldsteinScale"), (34, "AvgTone"), (39, "Actor1Geo_ADM2Code"),
                        (52, "ActionGeo_FullName"), (53, "ActionGeo_CountryCode"),
                        (56, "ActionGeo_Lat"), (57, "ActionGeo_Long"), (59, "DATEADDED"),
                        (60, "SOURCEURL")]:
        assert COLUMNS[index] == name


def test_every_row_of_the_real_export_becomes_an_event(export: bytes) -> None:
    parsed = parse_gdelt_export(document(export))
    assert len(parsed.events) == ROWS
    assert parsed.rejected == []
    assert len({e.id for e in parsed.events}) == ROWS
    for event in parsed.events:
        assert event.kind == "news" and event.source == "gdelt" and event.title
        assert event.published_at == ADDED and event.fetched_at == NOW
        assert event.language is None
        assert event.id == event_id("gdelt", str(event.native_id))
        assert event.fields["gdelt_event_id"] == event.native_id
        assert all(isinstance(v, str | int | float | bool | type(None)) for v in event.fields.values())


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        # row 1: no action location, a zero-led CAMEO code kept as text
        (1, {"native_id": "669666350", "gdelt_event_code": "040", "gdelt_event_base_code": "040",
             "gdelt_event_root_code": "04", "gdelt_quad_class": 1, "gdelt_goldstein": 1.0,
             "gdelt_num_mentions": 5, "gdelt_num_sources": 1, "gdelt_num_articles": 5,
             "gdelt_is_root_event": True, "actor1_name": None, "actor2_name": "NEIGHBORHOOD",
             "action_geo_fips": None, "action_geo_country": None, "action_geo_lat": None,
             "title": "Someone consult Neighborhood",
             "summary": "Riverbend planning major belmont development"}),
        # row 18: Saudi Arabia coerces Egypt, located in Mansoura (FIPS EG)
        (18, {"native_id": "669666367", "gdelt_event_code": "172", "gdelt_event_root_code": "17",
              "gdelt_quad_class": 4, "gdelt_goldstein": -5.0, "gdelt_is_root_event": False,
              "gdelt_avg_tone": -0.30090270812438, "actor1_name": "SAUDI", "actor1_country": "SAU",
              "actor2_name": "EGYPT", "actor2_country": "EGY",
              "action_geo_name": "Mansoura, Ad Daqahliyah, Egypt", "action_geo_fips": "EG",
              "action_geo_country": "EGY", "action_geo_lat": 31.0364, "action_geo_lon": 31.3807,
              "title": "Saudi coerce Egypt in Mansoura, Ad Daqahliyah, Egypt",
              "url": "http://www.thearabweekly.com/article/8771/Closer%20Saudi-Egypt%20ties%20seen"
                     "%20after%20Sisi%20ratifies%20islands%20deal",
              "summary": "Closer Saudi Egypt ties seen after Sisi ratifies islands deal"}),
        # row 41: an arrest in Beijing — FIPS CH is China, not Switzerland
        (41, {"native_id": "669666390", "gdelt_event_code": "173", "gdelt_event_root_code": "17",
              "gdelt_goldstein": -5.0, "actor2_country": "CHN", "action_geo_fips": "CH",
              "action_geo_country": "CHN", "action_geo_lat": 39.9289,
              "action_geo_lon": 116.38799999999999,
              "title": "Someone coerce Chinese in Beijing, Beijing, China",
              "url": "https://www.thetimes.co.uk/edition/world/china-haunted-by-dying-dissident-liu-xiaobo-wz2kq3256",
              "summary": "China haunted by dying dissident liu xiaobo"}),
        # row 31: Mali fights Chad in Kidal; Goldstein at the bottom of the scale
        (31, {"gdelt_event_code": "190", "gdelt_event_root_code": "19", "gdelt_goldstein": -10.0,
              "action_geo_fips": "ML", "action_geo_country": "MLI",
              "title": "Mali fight Chad in Kidal, Kidal, Mali"}),
        # row 12: FIPS UK is the United Kingdom
        (12, {"gdelt_event_code": "071", "gdelt_goldstein": 7.4, "action_geo_fips": "UK",
              "action_geo_country": "GBR"}),
    ],
)
def test_fields_of_sample_rows_match_the_file(export: bytes, row: int, expected: dict[str, object]) -> None:
    event = parse_gdelt_export(document(export)).events[row - 1]
    attributes = {"native_id", "title", "summary", "url"}
    for key, value in expected.items():
        actual = getattr(event, key) if key in attributes else event.fields[key]
        assert actual == value, key


def test_ids_are_deterministic_and_differ_per_source(export: bytes) -> None:
    once = [e.id for e in parse_gdelt_export(document(export)).events]
    again = [e.id for e in parse_gdelt_export(document(export)).events]
    mirror = [e.id for e in parse_gdelt_export(document(export, feed="gdelt-mirror")).events]
    assert once == again
    assert set(once).isdisjoint(mirror)


def test_windows_line_endings_are_read_like_unix_ones(export: bytes) -> None:
    parsed = parse_gdelt_export(document(export.replace(b"\n", b"\r\n")))
    assert len(parsed.events) == ROWS and parsed.rejected == []
    assert parsed.events[0].url == parse_gdelt_export(document(export)).events[0].url


def test_malformed_rows_are_rejected_by_name_and_the_good_rows_come_through(export: bytes) -> None:
    good = export.splitlines()
    bad = [
        (b"\t".join(good[1].split(b"\t")[:-5]), "has 56 columns, expected 61"),
        (broken(good[2], "GLOBALEVENTID", b"66966x352"), "GLOBALEVENTID"),
        (broken(good[3], "Actor1Name", b"NEIGHB\xffRHOOD"), "not valid UTF-8"),
        (broken(good[4], "DATEADDED", b"20171301234500"), "DATEADDED"),
        (broken(good[5], "DATEADDED", b"yesterday"), "DATEADDED"),
        (broken(good[6], "GoldsteinScale", b"nan"), "GoldsteinScale"),
        (broken(good[7], "EventRootCode", b""), "EventRootCode"),
        (broken(good[8], "ActionGeo_Lat", b"123.4"), "ActionGeo_Lat"),
        (broken(good[9], "NumMentions", b"-3"), "NumMentions"),
    ]
    body = b"\n".join([good[0], *(line for line, _ in bad), good[10], b""])
    parsed = parse_gdelt_export(document(body))
    assert [e.native_id for e in parsed.events] == ["669666350", "669666360"]
    assert len(parsed.rejected) == len(bad)
    for number, (rejected, (line, problem)) in enumerate(zip(parsed.rejected, bad, strict=True), 2):
        assert rejected.payload == line  # the row's own bytes, for the dead-letter queue
        assert rejected.reason.startswith(f"row {number}: ")
        assert problem in rejected.reason


@pytest.mark.parametrize("body", [b"", b"\n", b"\n\r\n  \n"])
def test_an_empty_export_is_an_empty_result_not_an_error(body: bytes) -> None:
    parsed = parse_gdelt_export(document(body))
    assert parsed.events == [] and parsed.rejected == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (bytes(range(256)) * 40, "NUL bytes"),
        (bytes(b for b in range(1, 256) if b != 0x09) * 40, "no row has 61"),
        (zipped({"x.export.CSV": b"1\t2\n"}), "zip archive"),
        (b"<html><body>502 Bad Gateway</body></html>\n", "no row has 61"),
    ],
)
def test_a_document_that_is_not_an_export_is_refused_whole(body: bytes, reason: str) -> None:
    with pytest.raises(InvalidEvent, match=reason):
        parse_gdelt_export(document(body))


@pytest.mark.parametrize(
    ("url", "headline"),
    [
        ("http://neworleanscitybusiness.com/blog/2016/07/27/cities-turn-to-local-action-to-block-oil-trains/",
         "Cities turn to local action to block oil trains"),
        ("http://www.nbcnews.com/news/us-news/backpage-critics-find-surprise-ammunition-philippines-raid-n778221",
         "Backpage critics find surprise ammunition philippines raid"),
        ("http://timesofindia.indiatimes.com/city/patna/short-runway-makes-it-quite-risky-to-fly-into-out-of-"
         "patna/articleshow/59404839.cms", "Short runway makes it quite risky to fly into out of patna"),
        ("http://www.heraldscotland.com/news/15384898.Clyde_rises_again_with___3_7_billion_contract_for_new_"
         "warships/", "Clyde rises again with 3 7 billion contract for new warships"),
        ("http://www.ktvn.com/story/35795898/the-latest-coroner-will-try-to-determine-what-killed-boy-5",
         "The latest coroner will try to determine what killed boy 5"),
        ("http://www.dailyexcelsior.com/1-addl-tax-dropped-gst-bill/", "1 addl tax dropped gst bill"),
        ("http://www.woad.com/syndicated-article/?id=412980", ""),
        ("https://www.thenational.ae/world/gcc/wo30-qatar-pressure-1.1459", ""),
        ("http://example.com/", ""),
        ("http://[::1/broken", ""),
    ],
)
def test_the_article_slug_becomes_the_summary(url: str, headline: str) -> None:
    assert slug_headline(url) == headline


# --- code tables ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fips", "iso3"),
    [("CH", "CHN"), ("EG", "EGY"), ("PK", "PAK"), ("RS", "RUS"), ("UP", "UKR"), ("KZ", "KAZ"),
     ("SF", "ZAF"), ("IZ", "IRQ"), ("GM", "DEU"), ("UK", "GBR"), ("US", "USA"), ("BM", "MMR"),
     ("CE", "LKA"), ("KE", "KEN"), ("RI", "SRB"), ("RP", "PHL"), ("TU", "TUR"), ("SZ", "CHE"),
     ("GZ", "PSE"), ("ch", "CHN"), ("", None), ("OS", None), ("ZZ", None)],
)
def test_fips_codes_map_to_iso_alpha3(fips: str, iso3: str | None) -> None:
    assert fips_to_iso3(fips) == iso3


def test_every_cameo_root_code_has_a_phrase() -> None:
    phrases = cameo_root_phrases()
    assert sorted(phrases) == [f"{n:02d}" for n in range(1, 21)]
    assert [root_code_phrase(c) for c in ("14", "17", "18", "19", "20")] == [
        "protest", "coerce", "assault", "fight", "use unconventional mass violence"]
    assert root_code_phrase("21") is None


def test_a_broken_cameo_table_fails_at_load(tmp_path: Path) -> None:
    path = tmp_path / "codes.json"
    path.write_text('{"codes": {"01": "make public statement"}}')
    with pytest.raises(ValueError, match="20 CAMEO root codes"):
        cameo_root_phrases(path)
