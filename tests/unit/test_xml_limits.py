"""Every XML parser has a depth limit: a feed nested too deep is refused whole; a UN list entry
nested too deep is refused alone and the rest of the list is parsed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from xml.etree.ElementTree import fromstring, tostring

import pytest

from services.ingest.parsers.feed import parse_feed
from services.ingest.parsers.xml_safety import (
    MAX_XML_DEPTH,
    element_too_deep,
    shallow_copy,
    xml_depth_exceeds,
)
from services.ingest.sanctions.un_xml import parse_un_xml
from services.ingest.sources.base import Document
from shared.dlq import InvalidEvent

ROOT = Path(__file__).resolve().parents[2]
UN = ROOT / "tests" / "fixtures" / "policy" / "un_sc_consolidated_2018-10-29.xml"
GUARDIAN = ROOT / "demo" / "feeds" / "guardian_us_2018-01-31.rss"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def nested(depth: int, tag: bytes = b"x") -> bytes:
    return (b"<" + tag + b">") * depth + b"y" + (b"</" + tag + b">") * depth


@pytest.mark.parametrize(
    ("body", "limit", "exceeds"),
    [
        (b"<a/>", 1, False),
        (b"<a><b/></a>", 1, True),  # an empty element is an element too
        (b"<a><b><c/></b><d/></a>", 3, False),
        (b"<a><b><c></c></b></a>", 2, True),
        (b"<a><b x='1>2' y=\"/\">t</b></a>", 2, False),  # ">" and "/" inside attribute values
        (b"<?xml version='1.0'?><!-- <x><y><z> --><a><![CDATA[<p><q><r>]]></a>", 1, False),
        (nested(MAX_XML_DEPTH), MAX_XML_DEPTH, False),
        (nested(MAX_XML_DEPTH + 1), MAX_XML_DEPTH, True),
        ("<a><b/></a>".encode("utf-16"), 1, True),  # NULs of UTF-16 do not hide markup
    ],
)
def test_the_markup_scan_measures_element_depth(body: bytes, limit: int, exceeds: bool) -> None:
    assert xml_depth_exceeds(body, limit) is exceeds


@pytest.mark.parametrize("body", [b"<!--" * 200_000, b'<a "' * 200_000, b"<![CDATA[" * 100_000])
def test_unterminated_markup_does_not_make_the_scan_quadratic(body: bytes) -> None:
    import time

    started = time.perf_counter()
    xml_depth_exceeds(body, MAX_XML_DEPTH)
    assert time.perf_counter() - started < 2


def test_the_real_un_list_and_a_real_feed_are_within_the_limit() -> None:
    assert not xml_depth_exceeds(UN.read_bytes(), MAX_XML_DEPTH)
    assert not xml_depth_exceeds(GUARDIAN.read_bytes(), MAX_XML_DEPTH)


def test_a_feed_nested_too_deep_is_refused_whole() -> None:
    body = GUARDIAN.read_bytes().replace(b"</channel>", nested(5_000) + b"</channel>", 1)
    with pytest.raises(InvalidEvent, match=f"limit of {MAX_XML_DEPTH} elements"):
        parse_feed(Document("guardian", str(GUARDIAN), body, NOW))


def test_a_un_entry_nested_5000_deep_is_refused_and_the_rest_parsed() -> None:
    body = UN.read_bytes().replace(b"<DATAID>6908555</DATAID>",
                                   b"<DATAID>6908555</DATAID>" + nested(5_000, b"NOTE"), 1)
    snapshot, rejected = parse_un_xml(body)
    assert len(snapshot) == 1092 and "6908555" not in snapshot
    assert [r.reason for r in rejected] == [
        f"individual nested deeper than the limit of {MAX_XML_DEPTH} elements"]
    # The dead letter holds the entry cut off at the limit: the whole cannot be serialised.
    assert b"6908555" in rejected[0].payload
    assert not element_too_deep(fromstring(rejected[0].payload), MAX_XML_DEPTH)


def test_element_depth_and_the_shallow_copy_are_iterative() -> None:
    deep = fromstring(nested(100_000))
    assert element_too_deep(deep, MAX_XML_DEPTH)
    cut = shallow_copy(deep, 3)
    assert tostring(cut) == b"<x><x><x /></x></x>"
    shallow = fromstring(b"<a k='v'>t<b>u</b>w<c/></a>")
    assert not element_too_deep(shallow, 2)
    assert tostring(shallow_copy(shallow, 2)) == tostring(shallow)
