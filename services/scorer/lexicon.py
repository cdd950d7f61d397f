"""The keyword lexicon: weighted, named features per risk category, loaded from a data file.

This is the first, simple scoring: a feature fires when one of its phrases occurs in the title or
summary and is not preceded by a de-escalation cue ("lifts sanctions", "ends strike").
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from shared.schemas import RiskCategory

DEFAULT_LEXICON = Path(__file__).parent / "data" / "lexicon.json"
CATEGORIES: tuple[RiskCategory, ...] = ("regulatory", "political", "supply_chain")


@dataclass(frozen=True)
class Feature:
    category: RiskCategory
    name: str
    weight: float
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class Lexicon:
    version: str
    alert_threshold: float
    features: tuple[Feature, ...]
    negation: re.Pattern[str]
    negation_window: int


def _alternation(phrases: list[str]) -> str:
    # Longest first so "export controls" wins over "export control"; all-caps phrases (FTA, SDN)
    # stay case-sensitive, everything else matches any case.
    parts = []
    for phrase in sorted(phrases, key=len, reverse=True):
        escaped = re.escape(phrase)
        parts.append(escaped if phrase.isupper() else f"(?i:{escaped})")
    return r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w-])"


def load_lexicon(path: Path = DEFAULT_LEXICON) -> Lexicon:
    """Load and validate; a malformed lexicon fails at start-up, never mid-stream."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    features: list[Feature] = []
    for category in CATEGORIES:
        for spec in raw["categories"][category]:
            if not spec["patterns"]:
                raise ValueError(f"{category}.{spec['feature']}: no patterns")
            features.append(
                Feature(
                    category=category,
                    name=str(spec["feature"]),
                    weight=float(spec["weight"]),
                    pattern=re.compile(_alternation(list(spec["patterns"]))),
                )
            )
    negation = re.compile(_alternation(list(raw["negations"])) + r"\W*$")
    return Lexicon(
        version=str(raw["version"]),
        alert_threshold=float(raw["alert_threshold"]),
        features=tuple(features),
        negation=negation,
        negation_window=int(raw["negation_window_tokens"]),
    )
