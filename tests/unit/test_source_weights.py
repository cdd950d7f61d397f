"""The source-feature weights (services/scorer/features/source_weights.py): the shipped file loads
into typed tables, and a malformed file fails loading with a message naming the table and entry."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from services.scorer.features.source_weights import (
    DEFAULT_SOURCE_FEATURES,
    CameoCode,
    SourceFeaturesError,
    SourceWeights,
    load_source_weights,
)

SHIPPED: dict[str, Any] = json.loads(DEFAULT_SOURCE_FEATURES.read_text(encoding="utf-8"))


def test_the_shipped_file_loads_into_typed_tables() -> None:
    weights = SourceWeights.load()
    assert all(isinstance(spec, CameoCode) for spec in weights.cameo_root.values())
    assert all(isinstance(v, float) for v in weights.ais_signal.values())
    assert "default" not in weights.regulator_document.by_type
    assert [name for name, _ in weights.source_reliability.sources] == list(
        SHIPPED["source_reliability"]["sources"])  # the file's order decides the first match


def test_the_weights_are_frozen() -> None:
    weights = SourceWeights.load()
    with pytest.raises(AttributeError):
        weights.goldstein = weights.goldstein  # type: ignore[misc]


def _set(path: tuple[str, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(raw: dict[str, Any]) -> None:
        *parents, last = path
        for key in parents:
            raw = raw[key]
        raw[last] = value
    return change


def _drop(path: tuple[str, ...]) -> Callable[[dict[str, Any]], None]:
    def change(raw: dict[str, Any]) -> None:
        *parents, last = path
        for key in parents:
            raw = raw[key]
        del raw[last]
    return change


MALFORMED: list[tuple[str, Callable[[dict[str, Any]], None], tuple[str, ...]]] = [
    ("a table is missing", _drop(("ais_signal",)), ("tables", "missing", "ais_signal")),
    ("an unknown table", _set(("ais_signals",), {}), ("tables", "unknown", "ais_signals")),
    ("an unknown category", _set(("cameo_root", "14", "category"), "economic"),
     ("cameo_root.14", "economic")),
    ("a weight that is text", _set(("cameo_event", "163", "weight"), "high"),
     ("cameo_event.163.weight", "'high'")),
    ("a weight that is a boolean", _set(("ais_signal", "ais_gap"), True), ("ais_signal.ais_gap",)),
    ("a negative weight", _set(("sanctions_change", "added"), -5), ("sanctions_change.added",)),
    ("a CAMEO entry without a label", _drop(("cameo_root", "18", "label")),
     ("cameo_root.18", "missing", "label")),
    ("a CAMEO entry with a stray key", _set(("cameo_root", "18", "wieght"), 3),
     ("cameo_root.18", "unknown", "wieght")),
    ("a root code of three digits", _set(("cameo_root", "140"), SHIPPED["cameo_root"]["14"]),
     ("cameo_root.140", "2 digits")),
    ("an event code that is no number", _set(("cameo_event", "x1"), SHIPPED["cameo_event"]["163"]),
     ("cameo_event.x1",)),
    ("a Goldstein bound off the scale", _set(("goldstein", "at_or_below"), -12),
     ("goldstein.at_or_below", "-10")),
    ("a rule that is not an object", _set(("num_mentions",), 25), ("num_mentions", "object")),
    ("a status in capitals", _set(("corridor_status", "Closed"), 70),
     ("corridor_status.Closed", "lower-case")),
    ("document weights without a default", _drop(("regulator_document", "default")),
     ("regulator_document", "default")),
    ("a wait rule without its cap", _drop(("corridor_wait_hours", "max")),
     ("corridor_wait_hours", "max")),
    ("a reliability above one", _set(("source_reliability", "sources", "reuters"), 9),
     ("source_reliability.sources.reuters", "1")),
    ("a kind's reliability that is text", _set(("source_reliability", "kinds", "news"), "0.5"),
     ("source_reliability.kinds.news",)),
]


@pytest.mark.parametrize(("change", "named"), [(c, n) for _, c, n in MALFORMED],
                         ids=[case for case, _, _ in MALFORMED])
def test_a_malformed_file_fails_loading_naming_the_entry(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], named: tuple[str, ...],
) -> None:
    raw = copy.deepcopy(SHIPPED)
    change(raw)
    path = tmp_path / "source_features.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(SourceFeaturesError) as failure:
        load_source_weights(path)
    message = str(failure.value)
    assert message.startswith("source_features.json: ")
    assert all(part in message for part in named), message


def test_a_file_that_is_not_json_fails_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "source_features.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(SourceFeaturesError, match="source_features.json"):
        load_source_weights(path)


def test_comment_keys_are_ignored(tmp_path: Path) -> None:
    raw = copy.deepcopy(SHIPPED)
    raw["cameo_root"]["_comment"] = "roots, by two-digit code"
    path = tmp_path / "source_features.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    assert load_source_weights(path) == SourceWeights.load()
