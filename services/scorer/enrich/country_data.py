"""Read and validate ``data/country_aliases.json``: the country vocabulary that is data, not code.

Validation happens once at start-up and fails loudly (``GazetteerDataError`` naming the file and the
offending key), so a typo in a data file stops the scorer instead of silently dropping a country.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pycountry

# GeoNames/GDELT code for Kosovo, which has no ISO 3166-1 code; shared.country_codes maps FIPS KV to it.
EXTRA_ISO3 = frozenset({"XKX"})

_SECTIONS = {
    "_comment",
    "city_min_population",
    "capital_min_country_population",
    "aliases",
    "exonyms",
    "demonyms",
    "regions",
    "cities",
    "institutions",
    "subdivisions",
    "stop",
    "possessive_exceptions",
    "blockers",
    "ambiguous",
    "lowercase_rules",
    "context_words",
}
_NAME_SECTIONS = ("aliases", "exonyms", "demonyms", "regions", "cities", "institutions")
_CONTEXT_LISTS = (
    "state_nouns",
    "person_nouns",
    "person_verbs",
    "place_nouns",
    "place_of_nouns",
    "location_prepositions",
    "boundary_words",
    "comparison_markers",
    "comparison_openers",
    "sanction_words",
    "sanction_links",
    "list_links",
    "backer_words",
    "comparison_heads",
    "comparison_links",
    "ranking_verbs",
    "continent_words",
    "currency_words",
    "attribution_words",
    "company_words",
    "meeting_words",
    "us_town_names",
    "us_state_abbreviations",
)
_RULE_KEYS = {"needs_context", "context_prev", "never", "block_prev", "block_next"}


class GazetteerDataError(ValueError):
    """A gazetteer data file is missing, malformed or names an unknown country code."""


@dataclass(frozen=True)
class LowercaseRule:
    """How a name that is also a common lower-case word may match in case-insensitive (slug) text.

    ``never``: not at all; ``needs_context``: only next to a state noun ("us army"), right before another
    country, or after one of ``context_prev`` ("the us"); ``block_prev``/``block_next``: not when the
    neighbouring token is one of these ("wild turkey", "turkey dinner"). Block lists apply in both modes.
    """

    never: bool = False
    needs_context: bool = False
    context_prev: frozenset[str] = frozenset()
    block_prev: frozenset[str] = frozenset()
    block_next: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ContextWords:
    """Lower-case word lists the resolver's text heuristics use (see resolve.py for each rule)."""

    state_nouns: frozenset[str]
    person_nouns: frozenset[str]
    person_verbs: frozenset[str]
    place_nouns: frozenset[str]
    place_of_nouns: frozenset[str]
    location_prepositions: frozenset[str]
    boundary_words: frozenset[str]
    comparison_markers: frozenset[str]
    comparison_openers: frozenset[str]
    sanction_words: frozenset[str]
    sanction_links: frozenset[str]
    list_links: frozenset[str]
    backer_words: frozenset[str]
    comparison_heads: frozenset[str]
    comparison_links: frozenset[str]
    ranking_verbs: frozenset[str]
    continent_words: frozenset[str]
    currency_words: frozenset[str]
    attribution_words: frozenset[str]
    company_words: frozenset[str]
    meeting_words: frozenset[str]
    us_town_names: frozenset[str]
    us_state_abbreviations: frozenset[str]


@dataclass(frozen=True)
class CountryData:
    """The validated contents of the data file; names are ``{ISO3: [surface forms]}`` per section."""

    city_min_population: int
    capital_min_country_population: int
    names: dict[str, dict[str, list[str]]]
    subdivision_countries: tuple[str, ...]
    subdivision_suffixes: tuple[str, ...]
    strip_bracketed: bool
    stop: frozenset[str]
    possessive_exceptions: frozenset[str]
    blockers: tuple[str, ...]
    ambiguous: dict[str, tuple[str, ...]]
    lowercase_rules: dict[str, LowercaseRule]
    context: ContextWords
    known_iso3: frozenset[str] = field(default_factory=frozenset)


def known_iso3() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.countries) | EXTRA_ISO3


def read_data_file(path: Path, what: str) -> Any:
    """The decoded JSON of one enrichment data file, or GazetteerDataError naming it."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise GazetteerDataError(f"{path}: cannot read {what}: {exc}") from exc


def load_country_data(path: Path) -> CountryData:
    return parse_country_data(read_data_file(path, "country data"), str(path))


def parse_country_data(raw: Any, where: str) -> CountryData:
    """Validate a decoded data file; ``where`` names it in error messages."""
    if not isinstance(raw, dict):
        raise GazetteerDataError(f"{where}: top level must be an object")
    unknown = set(raw) - _SECTIONS
    missing = _SECTIONS - {"_comment"} - set(raw)
    if unknown or missing:
        raise GazetteerDataError(f"{where}: unknown sections {sorted(unknown)}, missing {sorted(missing)}")
    codes = known_iso3()
    names = {section: _iso3_lists(raw[section], f"{where}: {section}", codes) for section in _NAME_SECTIONS}
    sub = _object(raw["subdivisions"], f"{where}: subdivisions")
    alpha2 = {c.alpha_2 for c in pycountry.countries}
    sub_countries = _strings(sub.get("countries"), f"{where}: subdivisions.countries")
    bad = [c for c in sub_countries if c not in alpha2]
    if bad:
        raise GazetteerDataError(f"{where}: subdivisions.countries has unknown alpha-2 codes {bad}")
    ambiguous: dict[str, tuple[str, ...]] = {}
    for name, order in _object(raw["ambiguous"], f"{where}: ambiguous").items():
        listed = _strings(order, f"{where}: ambiguous.{name}")
        _check_codes(listed, codes, f"{where}: ambiguous.{name}")
        if not listed:
            raise GazetteerDataError(f"{where}: ambiguous.{name} lists no country")
        ambiguous[name] = tuple(listed)
    context_raw = _object(raw["context_words"], f"{where}: context_words")
    if set(context_raw) != set(_CONTEXT_LISTS):
        raise GazetteerDataError(f"{where}: context_words must have exactly {sorted(_CONTEXT_LISTS)}")
    context = ContextWords(
        **{k: _lower_set(context_raw[k], f"{where}: context_words.{k}") for k in _CONTEXT_LISTS}
    )
    return CountryData(
        city_min_population=_positive_int(raw["city_min_population"], f"{where}: city_min_population"),
        capital_min_country_population=_positive_int(
            raw["capital_min_country_population"], f"{where}: capital_min_country_population"
        ),
        names=names,
        subdivision_countries=tuple(sub_countries),
        subdivision_suffixes=tuple(_strings(sub.get("strip_suffixes", []), f"{where}: strip_suffixes")),
        strip_bracketed=bool(sub.get("strip_bracketed", False)),
        stop=_lower_set(raw["stop"], f"{where}: stop"),
        possessive_exceptions=_lower_set(raw["possessive_exceptions"], f"{where}: possessive_exceptions"),
        blockers=tuple(_strings(raw["blockers"], f"{where}: blockers")),
        ambiguous=ambiguous,
        lowercase_rules={
            word.lower(): _rule(rule, f"{where}: lowercase_rules.{word}")
            for word, rule in _object(raw["lowercase_rules"], f"{where}: lowercase_rules").items()
        },
        context=context,
        known_iso3=codes,
    )


def _iso3_lists(value: Any, where: str, codes: frozenset[str]) -> dict[str, list[str]]:
    table = _object(value, where)
    _check_codes(list(table), codes, where)
    return {iso3: _strings(names, f"{where}.{iso3}") for iso3, names in table.items()}


def _check_codes(listed: list[str], codes: frozenset[str], where: str) -> None:
    bad = [code for code in listed if code not in codes]
    if bad:
        raise GazetteerDataError(f"{where}: unknown ISO 3166-1 alpha-3 codes {bad}")


def _rule(value: Any, where: str) -> LowercaseRule:
    rule = _object(value, where)
    if set(rule) - _RULE_KEYS:
        raise GazetteerDataError(f"{where}: unknown keys {sorted(set(rule) - _RULE_KEYS)}")
    return LowercaseRule(
        never=bool(rule.get("never", False)),
        needs_context=bool(rule.get("needs_context", False)),
        context_prev=_lower_set(rule.get("context_prev", []), f"{where}.context_prev"),
        block_prev=_lower_set(rule.get("block_prev", []), f"{where}.block_prev"),
        block_next=_lower_set(rule.get("block_next", []), f"{where}.block_next"),
    )


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise GazetteerDataError(f"{where}: expected an object")
    return value


def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise GazetteerDataError(f"{where}: expected a list of non-empty strings")
    return list(value)


def _lower_set(value: Any, where: str) -> frozenset[str]:
    return frozenset(v.lower() for v in _strings(value, where))


def _positive_int(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise GazetteerDataError(f"{where}: expected a positive integer")
    return value
