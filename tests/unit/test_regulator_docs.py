"""Regulator document APIs: real Federal Register and regulations.gov responses become events."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest
from pytest_httpserver import HTTPServer

from services.ingest.parsers.regulator_docs import parse_federal_register, parse_regulations_gov
from services.ingest.sources.base import Document
from services.ingest.sources.http_source import HttpSource
from shared.dlq import InvalidEvent
from shared.ids import event_id
from tests.conftest import FIXTURES

FEDERAL_REGISTER = FIXTURES / "policy" / "federal_register_api_documents_search_bears-ears.json"
REGULATIONS_GOV = FIXTURES / "policy" / "regulations_gov_api_v4_documents_bears-ears.json"
FETCHED = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def doc(body: bytes, feed: str = "federal-register") -> Document:
    return Document(feed, "https://example.org/api", body, FETCHED)


def test_every_federal_register_result_becomes_a_dated_policy_event() -> None:
    parsed = parse_federal_register(doc(FEDERAL_REGISTER.read_bytes()))
    assert (len(parsed.events), parsed.rejected) == (5, [])
    assert [e.native_id for e in parsed.events] == [
        "2026-07755", "2025-22068", "2025-19485", "2025-00863", "2024-30953"]
    first = parsed.events[0]
    assert first.id == event_id("federal-register", "2026-07755") and first.kind == "policy"
    assert first.published_at == datetime(2026, 4, 21, tzinfo=UTC)
    assert first.url is not None and first.url.startswith("https://www.federalregister.gov/documents/")
    assert first.summary.startswith("The U.S. Department of the Interior (DOI) is re-establishing")
    assert first.fields == {"regulator": "us-federal-register", "document_number": "2026-07755",
                            "document_type": "Notice",
                            "agencies": "Interior Department; Fish and Wildlife Service"}


def test_a_federal_register_result_without_an_abstract_is_summarised_by_its_excerpts() -> None:
    parsed = parse_federal_register(doc(FEDERAL_REGISTER.read_bytes()))
    presidential = parsed.events[2]
    assert presidential.fields["document_type"] == "Presidential Document"
    assert "Bears Ears" in presidential.summary and "<span" not in presidential.summary


def test_every_regulations_gov_document_becomes_a_policy_event() -> None:
    parsed = parse_regulations_gov(doc(REGULATIONS_GOV.read_bytes(), feed="regulations-gov"))
    assert (len(parsed.events), parsed.rejected) == (25, [])
    first = parsed.events[0]
    assert first.native_id == "FS_FRDOC_0001-4066"
    assert first.url == "https://www.regulations.gov/document/FS_FRDOC_0001-4066"
    assert first.published_at == datetime(2025, 1, 16, 5, 0, tzinfo=UTC)
    assert first.title.startswith("Record of Decision: Resource Management Plan for Bears Ears")
    assert first.fields["agencies"] == "FS" and first.fields["fr_document_number"] == "2025-00863"
    assert sum(e.fields["document_type"] == "Notice" for e in parsed.events) == 6


def test_a_result_without_a_title_or_id_is_rejected_with_its_json() -> None:
    body = json.loads(FEDERAL_REGISTER.read_bytes())
    del body["results"][1]["title"]
    body["results"].append("not an object")
    parsed = parse_federal_register(doc(json.dumps(body).encode()))
    assert len(parsed.events) == 4
    assert [r.reason for r in parsed.rejected] == [
        "Federal Register result has no document_number or no title", "result is not a JSON object"]
    assert json.loads(parsed.rejected[0].payload)["document_number"] == "2025-22068"
    docs = json.loads(REGULATIONS_GOV.read_bytes())
    del docs["data"][0]["id"]
    assert len(parse_regulations_gov(doc(json.dumps(docs).encode())).rejected) == 1


def test_a_result_with_a_bad_date_is_dated_by_the_fetch_and_flagged() -> None:
    body = json.loads(FEDERAL_REGISTER.read_bytes())
    body["results"][0]["publication_date"] = "21/04/2026"
    event = parse_federal_register(doc(json.dumps(body).encode())).events[0]
    assert event.published_at == FETCHED and event.fields["published_at_inferred"] is True


def test_an_empty_federal_register_search_has_no_results_key_and_no_events() -> None:
    body = b'{"count": 0, "description": "Documents matching \'nothing\'"}'
    assert parse_federal_register(doc(body)).events == []


@pytest.mark.parametrize(
    "body",
    [
        FEDERAL_REGISTER.read_bytes()[:4000],  # truncated
        b"",
        b"<html>502 Bad Gateway</html>",
        b"[1, 2, 3]",
        b'{"count": 5, "results": {"not": "a list"}}',
        b"\xff\xfe\x00\x00garbage",
        b"[" * 100_000,
    ],
)
def test_a_malformed_response_is_refused_whole(body: bytes) -> None:
    with pytest.raises(InvalidEvent):
        parse_federal_register(doc(body))
    with pytest.raises(InvalidEvent):
        parse_regulations_gov(doc(body))


async def test_the_federal_register_over_real_http_is_fetched_and_parsed(
    httpserver: HTTPServer,
) -> None:
    body = FEDERAL_REGISTER.read_bytes()
    httpserver.expect_request("/api/v1/documents.json").respond_with_data(
        body, content_type="application/json")
    async with httpx.AsyncClient() as client:
        source = HttpSource("federal-register", httpserver.url_for("/api/v1/documents.json"),
                            client, 1_000_000, lambda: FETCHED)
        fetched = await source.fetch()
    assert fetched is not None and fetched.body == body
    parsed = parse_federal_register(fetched)
    assert len(parsed.events) == 5 and parsed.rejected == []
    assert {e.source for e in parsed.events} == {"federal-register"}
