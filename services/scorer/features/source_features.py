"""Source-aware features, read from a RawEvent's structured fields.

GDELT's CAMEO codes, Goldstein scale and mention counts are hints (the labelling guidelines let
the text decide), so their weights stay below the category threshold on their own. A sanctions
designation, a regulator's rule or a measured shipping anomaly is the event itself and is strong.
The weights are data (``data/source_features.json``), typed and validated in source_weights.py.
"""

from __future__ import annotations

from services.scorer.features.reason import Reason
from services.scorer.features.source_weights import (
    DEFAULT_SOURCE_FEATURES,
    SourceFeaturesError,
    SourceWeights,
)
from shared.schemas import FieldValue, RawEvent, RiskCategory

__all__ = ["DEFAULT_SOURCE_FEATURES", "SourceFeaturesError", "SourceWeights", "source_features"]


def _explain(category: RiskCategory, feature: str, weight: float, evidence: str) -> Reason:
    return Reason(category, feature, weight, evidence[:1000])


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
    which = code  # the full event code is the more specific hint
    spec = w.cameo_event.get(code)
    if spec is None:
        which, spec = root, w.cameo_root.get(root)
    if spec is not None:
        found.append(_explain(spec.category, "gdelt_cameo", spec.weight,
                              f"CAMEO {which} ({spec.label})"))
        goldstein = _num(fields, "gdelt_goldstein")
        if goldstein is not None and goldstein <= w.goldstein.at_or_below:
            found.append(_explain(spec.category, "gdelt_goldstein", w.goldstein.weight,
                                  f"Goldstein {goldstein:+.1f}"))
        mentions = _num(fields, "gdelt_num_mentions")
        if mentions is not None and mentions >= w.num_mentions.at_least:
            found.append(_explain(spec.category, "gdelt_salience", w.num_mentions.weight,
                                  f"{mentions:.0f} mentions"))
    return found


def policy_features(fields: dict[str, FieldValue], w: SourceWeights) -> list[Reason]:
    change = fields.get("change")
    if isinstance(change, str) and change in w.sanctions_change:
        programmes = fields.get("programmes") or "unspecified programme"
        return [_explain("regulatory", f"sanctions_{change}", w.sanctions_change[change],
                         f"{fields.get('list_name', 'sanctions list')}: {change}, {programmes}")]
    doc_type = fields.get("document_type")
    if isinstance(doc_type, str) or fields.get("regulator"):
        weight = w.regulator_document.weight(str(doc_type))
        return [_explain("regulatory", "regulator_document", weight,
                         f"{fields.get('regulator', 'regulator')}: {doc_type or 'document'}")]
    return []


def shipping_features(fields: dict[str, FieldValue], w: SourceWeights) -> list[Reason]:
    found: list[Reason] = []
    signal = fields.get("signal")
    if isinstance(signal, str) and signal in w.ais_signal:
        measure, baseline = _num(fields, "measure"), _num(fields, "baseline")
        where = fields.get("port_name") or fields.get("chokepoint") or "at sea"
        detail = f"AIS {signal} at {where}"
        if measure is not None:
            detail += f": {measure:g}" + (f" vs baseline {baseline:g}" if baseline else "")
        found.append(_explain("supply_chain", f"ais_{signal}", w.ais_signal[signal],
                              detail))
    status = fields.get("status")
    if isinstance(status, str) and status.lower() in w.corridor_status:
        weight = w.corridor_status[status.lower()]
        crossing = fields.get("crossing") or fields.get("corridor") or "corridor"
        if weight:
            found.append(_explain("supply_chain", "corridor_status", weight,
                                  f"{crossing}: {status}"))
        wait = _num(fields, "wait_hours")
        rule = w.corridor_wait_hours
        if wait and weight:
            found.append(_explain("supply_chain", "corridor_wait", min(rule.cap,
                                  wait * rule.per_hour), f"{crossing}: {wait:g} h wait"))
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
