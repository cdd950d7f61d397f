"""GDELT GKG 2.1: the real 50-record sample, and records broken one way each."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.ingest.parsers.gdelt import parse_gdelt_export
from services.ingest.parsers.gdelt_gkg import GKG_COLUMNS, parse_gdelt_gkg
from services.ingest.sources.base import Document
from shared.dlq import InvalidEvent

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
GKG = "gdeltpyr_v2_gkg_20170701234500_first50.tsv"
EXPORT = "gdeltpyr_v2_export_20170701234500_first50.tsv"
RECORDS = 50


@pytest.fixture
def gkg(fixtures: Path) -> bytes:
    return (fixtures / "gdelt" / GKG).read_bytes()


def document(body: bytes) -> Document:
    return Document("gdelt-gkg", "http://data.gdeltproject.org/gdeltv2/x.gkg.csv", body, NOW)


def broken(line: bytes, column: str, value: bytes) -> bytes:
    cells = line.split(b"\t")
    cells[GKG_COLUMNS.index(column)] = value
    return b"\t".join(cells)


def test_every_record_of_the_real_gkg_file_becomes_an_event(gkg: bytes) -> None:
    parsed = parse_gdelt_gkg(document(gkg))
    assert len(parsed.events) == RECORDS and parsed.rejected == []
    assert len({e.id for e in parsed.events}) == RECORDS
    for event in parsed.events:
        assert event.kind == "news" and event.title and event.url
        assert event.published_at == datetime(2017, 7, 1, 23, 45, tzinfo=UTC)
        assert event.language == "en"  # no record of the sample is machine-translated


def test_a_record_lists_its_countries_people_and_tone(gkg: bytes) -> None:
    _, sina, _, _, _, jewishpress = parse_gdelt_gkg(document(gkg)).events[:6]
    assert sina.native_id == "20170701234500-1"
    assert sina.title == "Article from sina.com"  # its URL has no readable slug
    assert sina.fields["gdelt_location_countries"] == (
        "KGZ; MKD; CHN; MDA; TUR; XKX; HRV; SRB; MNE; SVN; ALB; BGR; BEL; GRC; ROU")
    assert sina.fields["gdelt_persons"] == "darja bavdaz kuret; karl erjavec; borut pahor"
    assert sina.fields["gdelt_word_count"] == 268 and sina.fields["gdelt_tone"] == 0.0
    assert jewishpress.title == "Egypt sends 22 trucks of diesel fuel to gaza"
    assert jewishpress.fields["gdelt_location_countries"] == "ISR; PSE; EGY"  # FIPS IS, WE, EG
    assert jewishpress.fields["gdelt_tone"] == -1.60857908847185


def test_a_page_title_wins_over_the_slug_and_translation_sets_the_language(gkg: bytes) -> None:
    line = gkg.splitlines()[5]
    line = broken(line, "Extras", b"<PAGE_TITLE>Egypt sends fuel &amp; aid to Gaza</PAGE_TITLE>")
    line = broken(line, "TranslationInfo", b"srclc:fra;eng:Moses 2.1.1 / MosesCore Europarl fr-en")
    event = parse_gdelt_gkg(document(line)).events[0]
    assert event.title == "Egypt sends fuel & aid to Gaza"
    assert event.summary == "Egypt sends 22 trucks of diesel fuel to gaza"
    assert event.language == "fr"


def test_malformed_records_are_rejected_by_name_and_the_good_ones_come_through(gkg: bytes) -> None:
    good = gkg.splitlines()
    bad = [
        (b"\t".join(good[1].split(b"\t")[:20]), "has 20 columns, expected 27"),
        (broken(good[2], "GKGRECORDID", b"yesterday-1"), "GKGRECORDID"),
        (broken(good[3], "DATE", b"20170732234500"), "DATE"),
        (broken(good[4], "V2Tone", b"bad,1,2,3,4,5,6"), "V2Tone"),
        (broken(good[5], "Persons", b"caf\xe9"), "not valid UTF-8"),
    ]
    parsed = parse_gdelt_gkg(document(b"\n".join([good[0], *(b for b, _ in bad), good[6]])))
    assert [e.native_id for e in parsed.events] == ["20170701234500-0", "20170701234500-6"]
    for rejected, (line, problem) in zip(parsed.rejected, bad, strict=True):
        assert rejected.payload == line and problem in rejected.reason


def test_one_gdelt_table_fed_to_the_other_parser_is_refused_whole(gkg: bytes, fixtures: Path) -> None:
    export = (fixtures / "gdelt" / EXPORT).read_bytes()
    with pytest.raises(InvalidEvent, match="no row has 27"):
        parse_gdelt_gkg(document(export))
    with pytest.raises(InvalidEvent, match="no row has 61"):
        parse_gdelt_export(document(gkg))


def test_an_empty_gkg_file_is_an_empty_result() -> None:
    parsed = parse_gdelt_gkg(document(b"\n"))
    assert parsed.events == [] and parsed.rejected == []
