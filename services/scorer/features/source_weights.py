"""The weights of the source-aware features, from ``data/source_features.json``, typed and frozen.

Loaded once and validated at start-up: a missing table, an unknown key, a weight that is not a
number or a category that is not a risk category fails loading with a ``SourceFeaturesError``
naming the file, the table and the entry, so a typo stops the scorer instead of silently turning
a feature off mid-stream. Keys starting with ``_`` are comments.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from services.scorer.data_files import SOURCE_FEATURES
from shared.schemas import RISK_CATEGORIES, RawEvent, RiskCategory

DEFAULT_SOURCE_FEATURES = SOURCE_FEATURES


class SourceFeaturesError(ValueError):
    """The source-features file is unreadable or malformed; the message names the entry."""


@dataclass(frozen=True)
class CameoCode:
    """What a CAMEO code hints at: its category, its weight and its name in the evidence."""

    category: RiskCategory
    weight: float
    label: str


@dataclass(frozen=True)
class GoldsteinRule:
    """Fires for an event at or below ``at_or_below`` on the Goldstein scale (-10 … +10)."""

    at_or_below: float
    weight: float


@dataclass(frozen=True)
class SalienceRule:
    """Fires for an event reported in at least ``at_least`` GDELT mentions."""

    at_least: float
    weight: float


@dataclass(frozen=True)
class WaitRule:
    """A corridor's wait: ``per_hour`` points an hour, at most ``cap`` (the file's ``max``)."""

    per_hour: float
    cap: float


@dataclass(frozen=True)
class DocumentWeights:
    """A regulator's document, weighted by its type; ``default`` for a type not listed."""

    by_type: dict[str, float]
    default: float

    def weight(self, document_type: str) -> float:
        return self.by_type.get(document_type, self.default)


@dataclass(frozen=True)
class Reliability:
    """How far a source is trusted (0 … 1): the first ``sources`` entry whose name occurs in the
    event's source (in the file's order), else its kind's, else ``default``."""

    default: float
    kinds: dict[str, float]
    sources: tuple[tuple[str, float], ...]

    def of(self, event: RawEvent) -> float:
        source = event.source.lower()
        for name, value in self.sources:
            if name in source:
                return value
        return self.kinds.get(event.kind, self.default)


@dataclass(frozen=True)
class SourceWeights:
    cameo_root: dict[str, CameoCode]  # by two-digit root code
    cameo_event: dict[str, CameoCode]  # by full event code, before its root
    goldstein: GoldsteinRule
    num_mentions: SalienceRule
    sanctions_change: dict[str, float]  # by the list change: added, changed, removed
    regulator_document: DocumentWeights
    ais_signal: dict[str, float]
    corridor_status: dict[str, float]  # by lower-case status; 0: a status that is no risk
    corridor_wait_hours: WaitRule
    source_reliability: Reliability

    @classmethod
    def load(cls, path: Path = DEFAULT_SOURCE_FEATURES) -> SourceWeights:
        return load_source_weights(path)

    def reliability(self, event: RawEvent) -> float:
        return self.source_reliability.of(event)


TABLES = ("cameo_root", "cameo_event", "goldstein", "num_mentions", "sanctions_change",
          "regulator_document", "ais_signal", "corridor_status", "corridor_wait_hours",
          "source_reliability")


def _object(value: Any, where: str, keys: tuple[str, ...] = ()) -> dict[str, Any]:
    """``value`` as a JSON object; with ``keys``, exactly those (comments aside)."""
    if not isinstance(value, dict):
        raise SourceFeaturesError(f"{where}: expected an object, got {type(value).__name__}")
    if keys:
        present = {key for key in value if not key.startswith("_")}
        missing, unknown = sorted(set(keys) - present), sorted(present - set(keys))
        if missing or unknown:
            raise SourceFeaturesError(f"{where}: missing keys {missing}, unknown keys {unknown}")
    return {key: item for key, item in value.items() if not key.startswith("_")}


def _number(value: Any, where: str, low: float = 0.0, high: float = float("inf")) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SourceFeaturesError(f"{where}: expected a number, got {value!r}")
    if not low <= value <= high:
        raise SourceFeaturesError(f"{where}: {value!r} is outside [{low:g}, {high:g}]")
    return float(value)


def _weights(value: Any, where: str, high: float = float("inf")) -> dict[str, float]:
    return {key: _number(item, f"{where}.{key}", high=high)
            for key, item in _object(value, where).items()}


def _cameo(value: Any, where: str, digits: tuple[int, ...]) -> dict[str, CameoCode]:
    codes: dict[str, CameoCode] = {}
    for code, item in _object(value, where).items():
        at = f"{where}.{code}"
        if not (code.isdigit() and len(code) in digits):
            raise SourceFeaturesError(f"{at}: a code here has {' or '.join(map(str, digits))} "
                                      "digits")
        spec = _object(item, at, ("category", "weight", "label"))
        category, label = spec["category"], spec["label"]
        if category not in RISK_CATEGORIES:
            raise SourceFeaturesError(f"{at}: unknown category {category!r}")
        if not isinstance(label, str) or not label:
            raise SourceFeaturesError(f"{at}.label: expected a name, got {label!r}")
        codes[code] = CameoCode(cast(RiskCategory, category),
                                _number(spec["weight"], f"{at}.weight"), label)
    return codes


def _goldstein(value: Any) -> GoldsteinRule:
    rule = _object(value, "goldstein", ("at_or_below", "weight"))
    return GoldsteinRule(_number(rule["at_or_below"], "goldstein.at_or_below", -10.0, 10.0),
                         _number(rule["weight"], "goldstein.weight"))


def _salience(value: Any) -> SalienceRule:
    rule = _object(value, "num_mentions", ("at_least", "weight"))
    return SalienceRule(_number(rule["at_least"], "num_mentions.at_least"),
                        _number(rule["weight"], "num_mentions.weight"))


def _documents(value: Any) -> DocumentWeights:
    weights = _weights(value, "regulator_document")
    if "default" not in weights:
        raise SourceFeaturesError("regulator_document: missing key 'default'")
    return DocumentWeights({kind: w for kind, w in weights.items() if kind != "default"},
                           weights["default"])


def _statuses(value: Any) -> dict[str, float]:
    weights = _weights(value, "corridor_status")
    for status in weights:
        if status != status.lower():
            raise SourceFeaturesError(f"corridor_status.{status}: statuses are matched lower-case")
    return weights


def _wait(value: Any) -> WaitRule:
    rule = _object(value, "corridor_wait_hours", ("per_hour", "max"))
    return WaitRule(_number(rule["per_hour"], "corridor_wait_hours.per_hour"),
                    _number(rule["max"], "corridor_wait_hours.max"))


def _reliability(value: Any) -> Reliability:
    table = _object(value, "source_reliability", ("default", "kinds", "sources"))
    return Reliability(
        default=_number(table["default"], "source_reliability.default", high=1.0),
        kinds=_weights(table["kinds"], "source_reliability.kinds", high=1.0),
        sources=tuple(_weights(table["sources"], "source_reliability.sources", high=1.0).items()))


def parse_source_weights(raw: Any) -> SourceWeights:
    """The typed weights of the parsed file; errors name the table and the entry."""
    tables = _object(raw, "tables", TABLES)
    return SourceWeights(
        cameo_root=_cameo(tables["cameo_root"], "cameo_root", digits=(2,)),
        cameo_event=_cameo(tables["cameo_event"], "cameo_event", digits=(3, 4)),
        goldstein=_goldstein(tables["goldstein"]),
        num_mentions=_salience(tables["num_mentions"]),
        sanctions_change=_weights(tables["sanctions_change"], "sanctions_change"),
        regulator_document=_documents(tables["regulator_document"]),
        ais_signal=_weights(tables["ais_signal"], "ais_signal"),
        corridor_status=_statuses(tables["corridor_status"]),
        corridor_wait_hours=_wait(tables["corridor_wait_hours"]),
        source_reliability=_reliability(tables["source_reliability"]),
    )


def load_source_weights(path: Path = DEFAULT_SOURCE_FEATURES) -> SourceWeights:
    """Read and validate the file; fails at start-up, never mid-stream."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SourceFeaturesError(f"{path}: cannot read source features: {exc}") from exc
    try:
        return parse_source_weights(raw)
    except SourceFeaturesError as exc:
        raise SourceFeaturesError(f"{path.name}: {exc}") from None
