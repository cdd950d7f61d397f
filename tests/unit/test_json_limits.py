"""Every JSON parse in ingest has a size limit, a depth limit and refuses NaN and Infinity."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from services.ingest.parsers.json_limits import (
    MAX_JSON_DEPTH,
    MAX_LINE_BYTES,
    JsonRefused,
    load_json,
    nesting_depth_exceeds,
)
from services.ingest.parsers.push_items import parse_jsonl_items
from services.ingest.parsers.regulator_docs import parse_federal_register
from services.ingest.sanctions.opensanctions import parse_ftm_entities
from services.ingest.sources.base import Document
from shared.dlq import InvalidEvent

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def nested(depth: int, leaf: str = "1") -> str:
    return "[" * depth + leaf + "]" * depth


def item(native: str) -> str:
    return json.dumps({"id": native, "title": f"item {native}",
                       "published_at": "2026-11-22T10:00:00Z"})


@pytest.mark.parametrize(
    ("text", "limit", "says"),
    [
        (nested(MAX_JSON_DEPTH + 1), "depth", f"limit of {MAX_JSON_DEPTH} levels"),
        (nested(5_000), "depth", "nested deeper"),  # used to escape as a RecursionError
        (nested(100_000), "depth", "nested deeper"),
        ('{"a": ' * 40 + "1" + "}" * 40, "depth", "nested deeper"),
        ('{"x": NaN}', "number", "NaN"),
        ('{"x": Infinity}', "number", "Infinity"),
        ('{"x": -Infinity}', "number", "-Infinity"),
        ('{"x": 1e999}', "number", "only finite numbers"),  # Python reads it as inf
        ('{"x": ' + "9" * 5000 + "}", "syntax", "not JSON"),  # past int's 4300-digit limit
        ("{not json", "syntax", "not JSON"),
        ("", "syntax", "not JSON"),
    ],
)
def test_values_over_a_limit_are_refused_naming_it(text: str, limit: str, says: str) -> None:
    with pytest.raises(JsonRefused) as refused:
        load_json(text.encode(), max_bytes=10 * 1024 * 1024)
    assert refused.value.limit == limit
    assert says in refused.value.reason


def test_a_value_over_the_size_limit_is_refused_before_parsing() -> None:
    with pytest.raises(JsonRefused) as refused:
        load_json(b'{"x": "' + b"y" * 2000 + b'"}', max_bytes=1024)
    assert refused.value.limit == "size"
    assert "1024-byte limit" in refused.value.reason


@pytest.mark.parametrize(
    "text", [nested(MAX_JSON_DEPTH), '{"x": 1.5, "y": -2e10, "z": [true, null, "NaN"]}', "3"]
)
def test_values_within_the_limits_are_parsed(text: str) -> None:
    assert load_json(text, max_bytes=1024) == json.loads(text)


@pytest.mark.parametrize(("depth", "exceeds"), [(0, False), (1, False), (2, True)])
def test_depth_counts_containers_from_one(depth: int, exceeds: bool) -> None:
    assert nesting_depth_exceeds(json.loads(nested(depth)), 1) is exceeds


def test_a_jsonl_line_too_deep_or_not_finite_is_rejected_and_the_rest_go_on() -> None:
    lines = [item("a"), nested(5_000), item("b"),
             '{"id": "c", "title": "t", "published_at": "2026-11-22T10:00:00Z", '
             '"fields": {"wait_hours": NaN}}',
             '{"id": "d", "title": "' + "x" * (MAX_LINE_BYTES + 1) + '"}', item("e")]
    doc = Document("partner", "corridors.jsonl", "\n".join(lines).encode(), NOW)
    parsed = parse_jsonl_items(doc)
    assert [e.native_id for e in parsed.events] == ["a", "b", "e"]
    reasons = [r.reason for r in parsed.rejected]
    assert reasons[0].startswith("line 2: JSON nested deeper")
    assert reasons[1].startswith("line 4: JSON number NaN is refused")
    assert reasons[2].startswith("line 5: JSON of") and "-byte limit" in reasons[2]


def test_an_ftm_export_with_one_absurdly_nested_line_keeps_its_other_entities() -> None:
    person = {"id": "p1", "schema": "Person", "properties": {"name": ["A B"]}}
    body = "\n".join([json.dumps(person), '{"id": "p2", "x": ' + nested(5_000) + "}"]).encode()
    snapshot, rejected = parse_ftm_entities(body)
    assert list(snapshot) == ["p1"]
    assert "nested deeper" in rejected[0].reason


def test_a_regulator_document_nested_too_deep_is_refused_whole() -> None:
    doc = Document("fedreg", "https://example.org/documents.json",
                   ('{"count": 1, "results": ' + nested(5_000) + "}").encode(), NOW)
    with pytest.raises(InvalidEvent, match="nested deeper"):
        parse_federal_register(doc)
