"""US towns that share a foreign city's name ("Athens, Ga.", "Alexandria, Virginia", "Moscow, Idaho").

A foreign city or capital whose name is also a US town's (``us_town_names`` in the data file) is read
as the US town when US context says so: a US state name or postal/AP abbreviation right after it
("Athens, Georgia", "alexandria va"), another US place in the text with no other mention of the foreign
country, or a US geocode as the only outside hint. The state name after it is then the US state too:
"Georgia" after "Athens" is no Caucasus republic.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from services.scorer.enrich.country_data import ContextWords
from services.scorer.enrich.country_vocabulary import Entry

if TYPE_CHECKING:  # country_names calls this module while building its mentions
    from services.scorer.enrich.country_names import CountryMention

US = "USA"
_TOWN_KINDS = frozenset({"capital", "city"})


def us_town_readings(
    mentions: list[CountryMention],
    entries: Sequence[Entry],
    lower: Sequence[str],
    words: ContextWords,
    context: frozenset[str],
) -> list[CountryMention]:
    """``mentions`` with US-town readings applied; ``entries[k]`` are the readings of ``mentions[k]``."""
    towns = [
        k
        for k, m in enumerate(mentions)
        if m.kind in _TOWN_KINDS and m.iso3 != US and _is_town(m, lower, words)
    ]
    if not towns:
        return mentions
    result = list(mentions)
    us_places = any(m.iso3 == US and m.kind in ("region", "city", "capital") for m in mentions)
    for k in towns:
        town = mentions[k]
        state = (
            k + 1 < len(mentions)
            and mentions[k + 1].token_start == town.token_end
            and _names_us_state(entries[k + 1])
        )
        abbreviation = town.token_end < len(lower) and lower[town.token_end] in words.us_state_abbreviations
        if state:
            result[k + 1] = mentions[k + 1]._replace(iso3=US, kind="region")
        foreign_named = any(m.iso3 == town.iso3 for j, m in enumerate(mentions) if j != k)
        us_context = (us_places or context == frozenset((US,))) and not foreign_named
        if state or abbreviation or us_context:
            result[k] = town._replace(iso3=US, kind="city")
    return result


def _is_town(mention: CountryMention, lower: Sequence[str], words: ContextWords) -> bool:
    return " ".join(lower[mention.token_start : mention.token_end]) in words.us_town_names


def _names_us_state(entry: Entry) -> bool:
    return any(c.iso3 == US and c.kind == "region" for c in entry)
