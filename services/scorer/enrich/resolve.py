"""Which countries an event is about (GUIDELINES §3, C1–C5), from its text, then from fallbacks.

Text wins: country names, collective demonyms, sub-national places, BRI sites, and — for RSS-style
headlines only — national institutions and leaders. When the text names none, GDELT's ActionGeo
country is used, else (for GDELT 2.0 mention items) the outlet's ccTLD; both set ``from_geo``. The
risk location comes first (see mention_rules.tier); headline mentions come before summary mentions.
"""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

import pycountry

from services.scorer.enrich.bri_gazetteer import BriGazetteer, load_bri_gazetteer
from services.scorer.enrich.country_names import (
    CountryGazetteer,
    CountryMention,
    CountryScan,
    load_country_gazetteer,
)
from services.scorer.enrich.country_vocabulary import ACTOR_KINDS
from services.scorer.enrich.incidental_rules import incidental
from services.scorer.enrich.mention_rules import TIER_OTHER, comparison, continues_list, single_person, tier
from services.scorer.enrich.ngram_index import char_spans
from shared.schemas import Entity

# Top-level domains that say nothing about an outlet's country although some are formally ccTLDs
# (.co Colombia, .tv Tuvalu, .fm Micronesia, .me Montenegro, .io, .ai, .ly are used as generic brands).
GENERIC_TLDS = frozenset(
    "com org net io co tv fm me info biz edu gov mil int eu news app ai ly asia online site xyz today media"
    " press world".split()
)
# Mentions a BRI name absorbs: "Malacca" in "Strait of Malacca", "Suez Canal Authority".
_REPLACED_INSIDE_BRI = frozenset({"capital", "city", "region", "institution", "leader", "group"})
_NO_HINTS: frozenset[str] = frozenset()
_EXTRA_NAMES = {"XKX": "Kosovo"}
# How much of a summary is read. RSS descriptions (the Guardian's especially) run to 2,000 characters of
# article body whose later places are context, not the story's subject: on dev.jsonl reading the first
# 200–400 characters scores F1 0.951 against 0.944 for the whole text, and halves the matching time.
SUMMARY_CHARS = 400


class CountryResolution(NamedTuple):
    """``countries``: ISO3, risk location first, unique. ``from_geo``: they came from a fallback, not
    the text. ``mentions``: the text mentions that made them, in that order (``start`` counts in
    ``title + "\\n" + summary``). ``entities``: BRI entities named, then one country entity per country."""

    countries: list[str]
    from_geo: bool
    mentions: list[CountryMention]
    entities: list[Entity]


def resolve_countries(
    title: str,
    summary: str,
    *,
    slug_title: bool,
    action_geo_country: str | None,
    url: str | None,
    source_kind: str,
    gazetteer: CountryGazetteer | None = None,
    bri: BriGazetteer | None = None,
) -> CountryResolution:
    """Resolve an item's countries.

    ``slug_title``: the title is a GDELT URL slug (lower case but for the first letter): match it
    case-insensitively and ignore persons and institutions (C3). ``action_geo_country``: ISO3 (convert
    GDELT's FIPS code first). ``source_kind``: GDELT 2.0 mention sources (``gdelt…mentions``) fall back
    to the outlet's ccTLD (C4); GDELT 1.0 rows with an empty ActionGeo and RSS items get ``[]``.
    Only the opening ``SUMMARY_CHARS`` characters of the summary are read.
    """
    if gazetteer is None:
        gazetteer = load_country_gazetteer()
    if bri is None:
        bri = load_bri_gazetteer()
    outlet = cctld_country(url) if url else None
    hint = action_geo_country or outlet
    if action_geo_country and outlet:
        hints = frozenset((action_geo_country, outlet))
    else:
        hints = frozenset((hint,)) if hint else _NO_HINTS
    fields = [(title, not slug_title, 0)]
    if summary:
        fields.append((_opening(summary), True, len(title) + 1))
    ranked: list[tuple[tuple[int, int, int, bool], CountryMention]] = []
    persons: list[CountryMention] = []
    passing: list[CountryMention] = []
    passing_ranked: list[tuple[tuple[int, int, int, bool], CountryMention]] = []
    entities: dict[str, Entity] = {}
    for number, (text, case_sensitive, offset) in enumerate(fields):
        scan = gazetteer.scan(text, case_sensitive=case_sensitive, context=hints)
        mentions = _with_bri(scan, bri, entities)
        kept = _subjects(mentions, scan, gazetteer, slug_title, persons, passing)
        for mention in passing:
            key = (number, TIER_OTHER, mention.token_start, True)
            passing_ranked.append((key, _shifted(mention, offset)))
        passing.clear()
        spans = {m.token_start: m.token_end for m in mentions}
        for mention in kept:
            rank = tier(mention, text, scan.lower, spans, gazetteer.context)
            # At one position a BRI site's location precedes a country named inside its name.
            key = (number, rank, mention.token_start, mention.kind != "entity")
            ranked.append((key, _shifted(mention, offset)))
    if not ranked:
        # C5 drops passing mentions only beside another country: alone, "the dollar" is the subject.
        ranked = passing_ranked
    ranked.sort(key=lambda pair: pair[0])
    mentions_in_order = [mention for _, mention in ranked]
    countries = list(dict.fromkeys(m.iso3 for m in mentions_in_order))
    if countries:
        country_entities = [country_entity(c) for c in countries]
        return CountryResolution(countries, False, mentions_in_order, [*entities.values(), *country_entities])
    if persons and not action_geo_country and not summary:
        # C2: a lone person's nationality is no subject, "use the event's location instead". A bare
        # headline (Reddit, a slug without geocode) naming no place and no geocode leaves her country as
        # the best reading of where a story about "a Saudi woman" happens. An RSS item's summary names
        # the place when there is one; without it its countries stay [] (C3).
        countries = list(dict.fromkeys(m.iso3 for m in persons))
        country_entities = [country_entity(c) for c in countries]
        return CountryResolution(countries, False, persons, [*entities.values(), *country_entities])
    fallback = action_geo_country or (outlet if _is_mention_source(source_kind) else None)
    if fallback:
        return CountryResolution([fallback], True, [], [*entities.values(), country_entity(fallback)])
    return CountryResolution([], False, [], list(entities.values()))


def _shifted(mention: CountryMention, offset: int) -> CountryMention:
    """The mention with ``start`` counted in ``title + "\\n" + summary``."""
    return mention._replace(start=mention.start + offset) if offset else mention


def _opening(summary: str) -> str:
    """The first ``SUMMARY_CHARS`` characters of a summary, cut at a word boundary."""
    if len(summary) <= SUMMARY_CHARS:
        return summary
    cut = summary.rfind(" ", 0, SUMMARY_CHARS)
    return summary[: cut if cut > 0 else SUMMARY_CHARS]


def _with_bri(scan: CountryScan, bri: BriGazetteer, entities: dict[str, Entity]) -> list[CountryMention]:
    """Replace place mentions inside a BRI name by the countries the entity pins ("Malacca" inside
    "Strait of Malacca" is no city; "Gwadar port" pins PAK). Country names inside it stay: "China" in
    "China–Europe Railway Express" is still named."""
    matches = bri.match_tokens(scan.lower)
    if not matches:
        return scan.mentions
    mentions = list(scan.mentions)
    for match in matches:
        entry = match.value
        entities.setdefault(entry.id, entry.entity)
        inside = [
            m
            for m in mentions
            if m.token_start < match.end and m.token_end > match.start and m.kind in _REPLACED_INSIDE_BRI
        ]
        for m in inside:
            mentions.remove(m)
        ((start, end),) = char_spans(scan.text, scan.tokens, [(match.start, match.end)])
        for iso3 in entry.pinned_countries:
            mentions.append(
                CountryMention(iso3, scan.text[start:end], start, "entity", match.start, match.end)
            )
    mentions.sort(key=lambda m: m.token_start)
    return mentions


def _subjects(
    mentions: list[CountryMention],
    scan: CountryScan,
    gazetteer: CountryGazetteer,
    slug_title: bool,
    persons: list[CountryMention],
    passing: list[CountryMention],
) -> list[CountryMention]:
    """Drop what does not make a country a subject: institutions, persons and groups in GDELT slugs
    (C3), single-person demonyms (C2), comparisons and passing mentions (C5). The single-person ones
    are appended to ``persons`` (the last resort for the event's location), the passing ones to
    ``passing`` (kept when nothing else is)."""
    words = gazetteer.context
    starts = {m.token_start for m in mentions}
    kept: list[CountryMention] = []
    previous: CountryMention | None = None
    previous_dropped = False
    for mention in mentions:
        if slug_title and mention.kind in ACTOR_KINDS:
            continue
        is_comparison = comparison(mention, scan.lower, words) or (
            previous_dropped and previous is not None and continues_list(previous, mention, scan.lower, words)
        )
        previous, previous_dropped = mention, is_comparison
        if is_comparison:
            continue
        if single_person(mention, scan.lower, starts, words):
            persons.append(mention)
            continue
        if incidental(mention, scan.text, scan.lower, words):
            passing.append(mention)
            continue
        kept.append(mention)
    return kept


@cache
def country_entity(iso3: str) -> Entity:
    """The ``Entity`` for a country, named as pycountry commonly names it; built once per country."""
    country = pycountry.countries.get(alpha_3=iso3)
    name = (
        getattr(country, "common_name", None)
        or getattr(country, "name", None)
        or _EXTRA_NAMES.get(iso3, iso3)
    )
    return Entity(kind="country", name=name, ref=iso3)


def _is_mention_source(source_kind: str) -> bool:
    """GDELT 2.0 mention items ("gdelt2-mentions"): URLs without an ActionGeo, so the outlet decides."""
    return source_kind.startswith("gdelt") and "mention" in source_kind


def cctld_country(url: str) -> str | None:
    """ISO3 of the outlet's country-code top-level domain (``.pk`` → PAK, ``.uk`` → GBR), or None."""
    rest = url.split("//", 1)[-1]
    host = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0].rsplit("@", 1)[-1]
    if host.startswith("["):  # IPv6 literal
        return None
    host = host.split(":", 1)[0]
    tld = host.rstrip(".").rsplit(".", 1)[-1].lower()
    if not tld or tld in GENERIC_TLDS:
        return None
    return _alpha2_to_iso3().get(tld)


@cache
def _alpha2_to_iso3() -> dict[str, str]:
    table = {country.alpha_2.lower(): country.alpha_3 for country in pycountry.countries}
    table["uk"] = "GBR"
    return table
