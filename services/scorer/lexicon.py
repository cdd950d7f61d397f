"""The lexicon: named, weighted features per risk category and the modifiers that adjust them,
loaded from ``data/lexicon.json`` and validated at start-up.

Matching is by token phrase, greedy and longest-first, so "trade war" (regulatory) is not also
"war" (political) and "hunger strike" (unrest) is not a labour strike. A phrase may belong to a
feature and a modifier at once ("threatens" is a political signal and lowers severity).

Two kinds of modifier: *counter-evidence* (``weight`` < 0: sports, cooperation, ordinary crime)
lowers the evidence that a category is at stake; a *severity* modifier (``notches``: hedges,
threats, scale, casualties, follow-ups) moves the severity level of a category already detected
by guideline notches and never removes it (scoring.py).

A phrase of an ambiguous word may carry a *context* (data, not code): the word counts for its
owner only with a required neighbour (any of ``requires``) and without a forbidden one (any of
``forbids``) within ``before`` tokens before it and ``after`` tokens after it; ``clause`` names
the guideline clause the sense rule comes from. ``#number`` as a neighbour means a numeral of
2 or more; ``@name`` means every word of the lexicon's ``word_sets[name]``. One context object
may cover several phrases (``phrases``) that share a sense rule.

``@country_words`` is a word set the loader builds, not one the lexicon lists: every one-word
country name (pycountry, and the aliases of ``country_aliases.json``), the significant words of
longer names ("korea", "arabia"), the demonyms, and the one-word state
institutions and leaders of ``country_aliases.json`` ("kremlin", "pentagon", "putin"). Sense
rules use it for words that are a political risk only between states: "Iran threatens", not
"climate change threatens".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, NamedTuple

import pycountry

from services.scorer.data_files import COUNTRY_ALIASES, LEXICON
from services.scorer.text import tokens
from shared.schemas import RISK_CATEGORIES, RiskCategory

DEFAULT_LEXICON = LEXICON
CATEGORIES = RISK_CATEGORIES
NUMBER = "#number"  # a neighbour class: a digit token of 2 or more
MAX_NOTCHES = 2


@dataclass(frozen=True)
class Context:
    """Where an ambiguous phrase has the owner's sense (see the module docstring)."""

    before: int
    after: int
    requires: frozenset[str]
    forbids: frozenset[str]
    clause: str


@dataclass(frozen=True)
class Owner:
    kind: Literal["feature", "modifier", "neutral"]
    id: str
    weight: float  # a feature's points; a counter-evidence modifier's (negative) points
    categories: tuple[RiskCategory, ...]
    notches: int = 0  # a severity modifier's level shift
    context: Context | None = None


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
    summary_factor: float
    # Where a negated feature lowers severity a notch: de-escalation inside a conflict or a
    # disruption is a lower risk, but lifting a sanction or a ban is itself a rule change (T2).
    de_escalation_categories: frozenset[RiskCategory]


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


WordSets = dict[str, list[str]]
COUNTRY_WORDS = "country_words"
# Words of country names and institutions that name no country alone.
_GENERIC_NAME_WORDS = frozenset(tokens(
    "north south east west northern southern eastern western new united state states kingdom"
    " republic of the and island islands democratic people federation federal central saint st"
    " great arab emirates city holy see islamic plurinational bolivarian union territory"
    " territories province minor outlying sar special administrative region"
    # Words of small territories' names that are everyday words, and sports leagues.
    " man cook heard mcdonald martin coast cape dr el jan authority mainland christmas cocos"
    " keeling isle virgin occupied ocean part sandwich san sao tome pierre vincent lucia helena"
    " nam pole solomon sierra mayen reunion nba nfl"))


def country_words(aliases_path: Path = COUNTRY_ALIASES) -> list[str]:
    """The ``@country_words`` set (module docstring): names, demonyms, institutions, leaders."""
    raw = json.loads(aliases_path.read_text(encoding="utf-8"))
    names: list[str] = []
    for country in pycountry.countries:
        names += [str(getattr(country, key)).split(",")[0]
                  for key in ("name", "common_name") if hasattr(country, key)]
    names += [name for group in raw["aliases"].values() for name in group]
    demonyms = [name for group in raw["demonyms"].values() for name in group]
    found: set[str] = set()
    for name in names + demonyms:  # stemmed like the text: "Kenyans" meets "kenyan"
        toks = tokens(name)
        found |= {t for t in toks if len(t) > 1 and (len(toks) == 1 or t not in _GENERIC_NAME_WORDS)}
    for group in raw["institutions"].values():
        found |= {toks[0] for toks in map(tokens, group)
                  if len(toks) == 1 and toks[0] not in _GENERIC_NAME_WORDS}
    return sorted(found)


def _neighbours(words: Any, sets: WordSets, where: str) -> frozenset[str]:
    if not isinstance(words, list):
        raise ValueError(f"{where}: neighbours must be a list of words")
    found: set[str] = set()
    for word in words:
        if word == NUMBER:
            found.add(NUMBER)
            continue
        if str(word).startswith("@"):
            if str(word)[1:] not in sets:
                raise ValueError(f"{where}: unknown word set {word!r}")
            found |= _neighbours(sets[str(word)[1:]], sets, f"{where} {word}")
            continue
        toks = tokens(str(word))
        if len(toks) != 1:
            raise ValueError(f"{where}: neighbour {word!r} must be one word")
        found.add(toks[0])
    return frozenset(found)


def _context(spec: dict[str, Any], sets: WordSets, where: str) -> Context:
    unknown = set(spec) - {"phrase", "phrases", "requires", "forbids", "window", "before", "after", "clause"}
    if unknown:
        raise ValueError(f"{where}: unknown context keys {sorted(unknown)}")
    if not str(spec.get("clause", "")).strip():
        raise ValueError(f"{where}: a context must name its guideline clause")
    window = int(spec.get("window", 3))
    before, after = int(spec.get("before", window)), int(spec.get("after", window))
    if before < 0 or after < 0 or before + after == 0:
        raise ValueError(f"{where}: context window must be positive")
    requires = _neighbours(spec.get("requires", []), sets, where)
    forbids = _neighbours(spec.get("forbids", []), sets, where)
    if not requires and not forbids:
        raise ValueError(f"{where}: a context needs requires or forbids")
    return Context(before, after, requires, forbids, str(spec["clause"]))


def _add_phrases(entries: dict[tuple[str, ...], list[Owner]], owner: Owner,
                 phrases: list[Any], sets: WordSets) -> None:
    for item in phrases:
        if isinstance(item, str):
            entries.setdefault(_phrase(item, owner.id), []).append(owner)
            continue
        if not isinstance(item, dict) or ("phrase" in item) == ("phrases" in item):
            raise ValueError(f"{owner.id}: a phrase is a string or an object with 'phrase' or"
                             " 'phrases'")
        texts = [item["phrase"]] if "phrase" in item else item["phrases"]
        where = f"{owner.id} {texts[0]!r}"
        sensed = Owner(owner.kind, owner.id, owner.weight, owner.categories, owner.notches,
                       _context(item, sets, where))
        for text in texts:
            entries.setdefault(_phrase(str(text), owner.id), []).append(sensed)


def _modifier(spec: dict[str, Any]) -> Owner:
    bad = set(spec["categories"]) - set(CATEGORIES)
    if bad:
        raise ValueError(f"modifier {spec['id']}: unknown categories {sorted(bad)}")
    if ("weight" in spec) == ("notches" in spec):
        raise ValueError(f"modifier {spec['id']}: give either weight (counter-evidence) or notches")
    weight, notches = float(spec.get("weight", 0.0)), int(spec.get("notches", 0))
    if "weight" in spec and weight >= 0:
        raise ValueError(f"modifier {spec['id']}: counter-evidence weight must be negative")
    if "notches" in spec and not 0 < abs(notches) <= MAX_NOTCHES:
        raise ValueError(f"modifier {spec['id']}: notches must be ±1..{MAX_NOTCHES}")
    return Owner("modifier", spec["id"], weight, tuple(spec["categories"]), notches)


def load_lexicon(path: Path = DEFAULT_LEXICON) -> Lexicon:
    """Load and validate; a malformed lexicon fails at start-up, never mid-stream."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    entries: dict[tuple[str, ...], list[Owner]] = {}
    sets: WordSets = dict(raw.get("word_sets", {}))
    if COUNTRY_WORDS in sets:
        raise ValueError(f"word_sets: {COUNTRY_WORDS!r} is built by the loader, not listed")
    if f"@{COUNTRY_WORDS}" in path.read_text(encoding="utf-8"):
        sets[COUNTRY_WORDS] = country_words()
    seen: set[str] = set()
    for spec in raw["features"]:
        if spec["category"] not in CATEGORIES:
            raise ValueError(f"feature {spec['id']}: unknown category {spec['category']!r}")
        if spec["id"] in seen:
            raise ValueError(f"feature {spec['id']} defined twice")
        seen.add(spec["id"])
        owner = Owner("feature", spec["id"], float(spec["weight"]), (spec["category"],))
        _add_phrases(entries, owner, spec["phrases"], sets)
    for spec in raw["modifiers"]:
        if spec["id"] in seen:
            raise ValueError(f"modifier {spec['id']} defined twice")
        seen.add(spec["id"])
        _add_phrases(entries, _modifier(spec), spec["phrases"], sets)
    # Neutral phrases only consume their words: "State of the Union" is no trade union, "Ban
    # Ki-moon" no ban, "heart attack" no attack.
    neutral = Owner("neutral", "neutral", 0.0, ())
    for text in raw.get("neutral", []):
        entries.setdefault(_phrase(text, "neutral"), []).append(neutral)
    negation = Owner("modifier", "negation", 0.0, ())
    negations = {_phrase(text, "negations"): [negation] for text in raw["negations"]}
    levels = raw["severity_levels"]
    low, medium, high = float(levels["low"]), float(levels["medium"]), float(levels["high"])
    if not 0 < low < medium < high < 100:
        raise ValueError("severity_levels must rise: 0 < low < medium < high < 100")
    if float(raw["category_threshold"]) != low:
        raise ValueError("category_threshold must equal severity_levels.low: a detected risk is"
                         " at least low")
    return Lexicon(
        version=str(raw["version"]),
        category_threshold=float(raw["category_threshold"]),
        levels=(low, medium, high),
        index=_index(entries),
        negations=_index(negations),
        negation_window=int(raw["negation_window"]),
        summary_factor=float(raw["summary_factor"]),
        de_escalation_categories=_categories(raw.get("de_escalation_categories", CATEGORIES),
                                             "de_escalation_categories"),
    )


def _categories(names: Any, where: str) -> frozenset[RiskCategory]:
    bad = set(names) - set(CATEGORIES)
    if bad:
        raise ValueError(f"{where}: unknown categories {sorted(bad)}")
    return frozenset(c for c in CATEGORIES if c in names)
