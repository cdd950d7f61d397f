"""Source-aware features, read from a RawEvent's structured fields.

GDELT's CAMEO codes, Goldstein scale and mention counts are hints (the labelling guidelines let
the text decide), so their weights stay below the category threshold on their own. A sanctions
designation, a regulator's rule or a measured shipping anomaly is the event itself and is strong.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from services.scorer.data_files import SOURCE_FEATURES
from services.scorer.features.reason import Reason
from shared.schemas import RISK_CATEGORIES, FieldValue, RawEvent, RiskCategory

DEFAULT_SOURCE_FEATURES = SOURCE_FEATURES


@dataclass(frozen=True)
class SourceWeights:
    raw: dict[str, Any]

    @classmethod
    def load(cls, path: Path = DEFAULT_SOURCE_FEATURES) -> SourceWeights:
        raw = json.loads(path.read_text(encoding="utf-8"))
        for table in ("cameo_root", "cameo_event"):
            for code, spec in raw[table].items():
                if spec["category"] not in RISK_CATEGORIES:
                    raise ValueError(f"{table}.{code}: unknown category {spec['category']!r}")
        return cls(raw)

    def reliability(self, event: RawEvent) -> float:
        table = self.raw["source_reliability"]
        source = event.source.lower()
        for prefix, value in table["sources"].items():
            if prefix in source:
                return float(value)
        return float(table["kinds"].get(event.kind, table["default"]))


def _explain(category: str, feature: str, weight: float, evidence: str) -> Reason:
    return Reason(cast(RiskCategory, category), feature, float(weight), evidence[:1000])


def _num(fields: dict[str, FieldValue], key: str) -> float | None:
    value = fields.get(key)
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def gdelt_features(fields: dict[str, FieldValue], w: SourceWeights) -> list[Reason]:
    found: list[Reason] = []
    root = str(fields.get("gdelt_event_root_code") or "").zfill(2)
    code = str(fields.get("gdelt_event_code") or "")
    spec = w.raw["cameo_event"].get(code) or w.raw["cameo_root"].get(root)
    if spec:
        which = code if code in w.raw["cameo_event"] else root
        found.append(_explain(spec["category"], "gdelt_cameo", spec["weight"],
                              f"CAMEO {which} ({spec['label']})"))
        goldstein = _num(fields, "gdelt_goldstein")
        rule = w.raw["goldstein"]
        if goldstein is not None and goldstein <= rule["at_or_below"]:
            found.append(_explain(spec["category"], "gdelt_goldstein", rule["weight"],
                                  f"Goldstein {goldstein:+.1f}"))
        mentions = _num(fields, "gdelt_num_mentions")
        rule = w.raw["num_mentions"]
        if mentions is not None and mentions >= rule["at_least"]:
            found.append(_explain(spec["category"], "gdelt_salience", rule["weight"],
                                  f"{mentions:.0f} mentions"))
    return found


def policy_features(fields: dict[str, FieldValue], w: SourceWeights) -> list[Reason]:
    change = fields.get("change")
    if isinstance(change, str) and change in w.raw["sanctions_change"]:
        programmes = fields.get("programmes") or "unspecified programme"
        return [_explain("regulatory", f"sanctions_{change}", w.raw["sanctions_change"][change],
                         f"{fields.get('list_name', 'sanctions list')}: {change}, {programmes}")]
    doc_type = fields.get("document_type")
    if isinstance(doc_type, str) or fields.get("regulator"):
        table = w.raw["regulator_document"]
        weight = table.get(str(doc_type), table["default"])
        return [_explain("regulatory", "regulator_document", weight,
                         f"{fields.get('regulator', 'regulator')}: {doc_type or 'document'}")]
    return []


def shipping_features(fields: dict[str, FieldValue], w: SourceWeights) -> list[Reason]:
    found: list[Reason] = []
    signal = fields.get("signal")
    if isinstance(signal, str) and signal in w.raw["ais_signal"]:
        measure, baseline = _num(fields, "measure"), _num(fields, "baseline")
        where = fields.get("port_name") or fields.get("chokepoint") or "at sea"
        detail = f"AIS {signal} at {where}"
        if measure is not None:
            detail += f": {measure:g}" + (f" vs baseline {baseline:g}" if baseline else "")
        found.append(_explain("supply_chain", f"ais_{signal}", w.raw["ais_signal"][signal],
                              detail))
    status = fields.get("status")
    if isinstance(status, str) and status.lower() in w.raw["corridor_status"]:
        weight = w.raw["corridor_status"][status.lower()]
        crossing = fields.get("crossing") or fields.get("corridor") or "corridor"
        if weight:
            found.append(_explain("supply_chain", "corridor_status", weight,
                                  f"{crossing}: {status}"))
        wait = _num(fields, "wait_hours")
        rule = w.raw["corridor_wait_hours"]
        if wait and weight:
            found.append(_explain("supply_chain", "corridor_wait", min(rule["max"],
                                  wait * rule["per_hour"]), f"{crossing}: {wait:g} h wait"))
    return found


def source_features(event: RawEvent, w: SourceWeights) -> list[Reason]:
    fields = event.fields
    if "gdelt_event_root_code" in fields or "gdelt_event_code" in fields:
        return gdelt_features(fields, w)
    if event.kind == "policy":
        return policy_features(fields, w)
    if event.kind == "shipping":
        return shipping_features(fields, w)
    return []
