"""The lexicon: named, weighted features per risk category and the modifiers that adjust them,
loaded from ``data/lexicon.json`` and validated at start-up.

Matching is by token phrase, greedy and longest-first, so "trade war" (regulatory) is not also
"war" (political) and "hunger strike" (unrest) is not a labour strike. A phrase may belong to a
feature and a modifier at once ("threatens" is a political signal and lowers severity).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, NamedTuple

from services.scorer.data_files import LEXICON
from services.scorer.text import tokens
from shared.schemas import RISK_CATEGORIES, RiskCategory

DEFAULT_LEXICON = LEXICON
CATEGORIES = RISK_CATEGORIES


@dataclass(frozen=True)
class Owner:
    kind: Literal["feature", "modifier", "neutral"]
    id: str
    weight: float
    categories: tuple[RiskCategory, ...]


class Match(NamedTuple):
    """Tokens ``[start, end)`` matched a phrase of these owners (a NamedTuple: built per match)."""

    start: int
    end: int
    owners: tuple[Owner, ...]


@dataclass(frozen=True)
class PhraseIndex:
    """First token → (phrase tokens, owners), longest phrases first."""

    by_first: dict[str, list[tuple[list[str], tuple[Owner, ...]]]]

    def matches(self, toks: list[str]) -> list[Match]:
        """Non-overlapping matches, left to right, each the longest phrase at its position."""
        by_first = self.by_first
        if by_first.keys().isdisjoint(toks):
            return []
        found: list[Match] = []
        free = 0  # first token not yet inside a match
        for i in [i for i, token in enumerate(toks) if token in by_first]:
            if i < free:
                continue
            for phrase, owners in by_first[toks[i]]:
                length = len(phrase)
                if length == 1 or toks[i:i + length] == phrase:
                    found.append(Match(i, i + length, owners))
                    free = i + length
                    break
        return found


@dataclass(frozen=True)
class Lexicon:
    version: str
    category_threshold: float
    levels: tuple[float, float, float]  # low, medium, high severity boundaries
    index: PhraseIndex
    negations: PhraseIndex
    negation_window: int
    negation_factor: float
    summary_factor: float
    private_actors: frozenset[str]


def _index(entries: dict[tuple[str, ...], list[Owner]]) -> PhraseIndex:
    by_first: dict[str, list[tuple[list[str], tuple[Owner, ...]]]] = {}
    for phrase, owners in entries.items():
        by_first.setdefault(phrase[0], []).append((list(phrase), tuple(owners)))
    for options in by_first.values():
        options.sort(key=lambda item: len(item[0]), reverse=True)
    return PhraseIndex(by_first)


def _phrase(text: str, where: str) -> tuple[str, ...]:
    phrase = tuple(tokens(text))
    if not phrase:
        raise ValueError(f"{where}: phrase {text!r} has no words")
    return phrase


def load_lexicon(path: Path = DEFAULT_LEXICON) -> Lexicon:
    """Load and validate; a malformed lexicon fails at start-up, never mid-stream."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    entries: dict[tuple[str, ...], list[Owner]] = {}
    seen: set[str] = set()
    for spec in raw["features"]:
        if spec["category"] not in CATEGORIES:
            raise ValueError(f"feature {spec['id']}: unknown category {spec['category']!r}")
        if spec["id"] in seen:
            raise ValueError(f"feature {spec['id']} defined twice")
        seen.add(spec["id"])
        owner = Owner("feature", spec["id"], float(spec["weight"]), (spec["category"],))
        for text in spec["phrases"]:
            entries.setdefault(_phrase(text, spec["id"]), []).append(owner)
    for spec in raw["modifiers"]:
        bad = set(spec["categories"]) - set(CATEGORIES)
        if bad:
            raise ValueError(f"modifier {spec['id']}: unknown categories {sorted(bad)}")
        owner = Owner("modifier", spec["id"], float(spec["weight"]), tuple(spec["categories"]))
        for text in spec["phrases"]:
            entries.setdefault(_phrase(text, spec["id"]), []).append(owner)
    # Neutral phrases only consume their words: "State of the Union" is no trade union, "Ban
    # Ki-moon" no ban, "heart attack" no attack.
    neutral = Owner("neutral", "neutral", 0.0, ())
    for text in raw.get("neutral", []):
        entries.setdefault(_phrase(text, "neutral"), []).append(neutral)
    negation = Owner("modifier", "negation", 0.0, ())
    negations = {_phrase(text, "negations"): [negation] for text in raw["negations"]}
    levels = raw["severity_levels"]
    return Lexicon(
        version=str(raw["version"]),
        category_threshold=float(raw["category_threshold"]),
        levels=(float(levels["low"]), float(levels["medium"]), float(levels["high"])),
        index=_index(entries),
        negations=_index(negations),
        negation_window=int(raw["negation_window"]),
        negation_factor=float(raw["negation_factor"]),
        summary_factor=float(raw["summary_factor"]),
        private_actors=frozenset(tokens(" ".join(raw["private_actors"]))),
    )
