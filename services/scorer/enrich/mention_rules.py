"""Text heuristics that turn raw country mentions into the labelled ``countries`` list (GUIDELINES §3).

Each rule reads only the lower-cased tokens around a mention and word lists from the data file:
- C2 ``single_person``: a demonym or adjectival country name describing one private person ("Chinese
  woman", "Pakistani drug convict", "US scholar", "Austrian confirms …") does not make the country a
  subject.
- C5 ``comparison``: "more than China", "same mistakes as Germany and France" name comparisons only.
- Ordering, ``tier``: the risk location first. A sanctions target leads (T2); then places — sub-national
  names, BRI sites, "in <country>" at a phrase end, "<Turkish> town", "coast of <X>"; then the rest in
  order of mention; a backer ("Russia-backed …") goes last.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.scorer.enrich.country_data import ContextWords
from services.scorer.enrich.country_names import CountryMention
from services.scorer.enrich.country_vocabulary import ACTOR_KINDS

TIER_SANCTION_TARGET = 0
TIER_LOCATION = 1
TIER_OTHER = 2
TIER_BACKER = 3
_LOCATED_KINDS = frozenset({"city", "region", "entity"})
_PERSON_DESCRIBING_KINDS = frozenset({"demonym", "name"})
_PHRASE_END = frozenset(",.;:!?|()[]\"“”'‘’—–-")
# Tokens from a demonym to the person noun it describes ("Pakistani drug convict"). A country name used
# as an adjective must touch its noun ("US scholar"): "Bangladesh endorses one-child policy" is no person.
_DEMONYM_WINDOW = 3
_NAME_WINDOW = 1
# Link words allowed between a comparison marker and the mention ("than in the US").
_COMPARISON_LINKS = 2
# "is the Netherlands of Eastern Europe", "won't be Lebanon of Europe": a country used as a type.
_METAPHOR_OPENERS = frozenset(
    {"the", "be", "is", "become", "becomes", "becoming", "new", "next", "another", "a"}
)


def single_person(
    mention: CountryMention, lower: Sequence[str], starts: set[int], words: ContextWords
) -> bool:
    """True if a demonym or adjectival country name describes one private person (C2): "Chinese
    woman", "Pakistani drug convict", "US scholar", "Austrian confirms …" — but not "Chinese officials"
    (a state actor), "Chinese women" (a collective) or "Sri Lankan refugee camps" (a place)."""
    end = mention.token_end
    if mention.kind not in _PERSON_DESCRIBING_KINDS or end >= len(lower):
        return False
    if mention.kind == "demonym" and lower[end] in words.person_verbs:
        return True
    window = _DEMONYM_WINDOW if mention.kind == "demonym" else _NAME_WINDOW
    for k in range(end, min(end + window, len(lower))):
        word = lower[k]
        if word in words.person_nouns:
            following = lower[k + 1] if k + 1 < len(lower) else ""
            return following not in words.place_nouns and following not in words.state_nouns
        if k in starts or word in words.state_nouns or word in words.boundary_words:
            return False
    return False


def comparison(mention: CountryMention, lower: Sequence[str], words: ContextWords) -> bool:
    """True if the mention is named only to compare: after a marker, directly or through up to two
    prepositions ("than China", "than in Iraq", "compared with Syria", "the size of Texas"), after
    "same … as", in a ranking ("beats Saudi Arabia to become …") or as a metaphor ("the Netherlands of
    Eastern Europe"). "the" is no link: "than the Indian army's" may compare a party's forces."""
    i, j = mention.token_start, mention.token_end
    previous = lower[i - 1] if i > 0 else ""
    k = i - 1
    while k >= 0 and i - 1 - k <= _COMPARISON_LINKS:
        word = lower[k]
        if word in words.comparison_markers or word in words.comparison_heads:
            return True
        if word not in words.comparison_links:
            break
        k -= 1
    if previous == "as" and any(w in words.comparison_openers for w in lower[max(0, i - 5) : i - 1]):
        return True
    following = lower[j : j + 2]
    if previous in words.ranking_verbs and following == ["to", "become"]:
        return True
    return (
        mention.kind == "name"
        and following[:1] == ["of"]
        and len(following) == 2
        and following[1] in words.continent_words
        and previous in _METAPHOR_OPENERS
    )


def continues_list(
    previous: CountryMention, mention: CountryMention, lower: Sequence[str], words: ContextWords
) -> bool:
    """True if ``mention`` directly follows ``previous`` in a list ("Germany, France and Italy")."""
    between = lower[previous.token_end : mention.token_start]
    return all(w in words.list_links for w in between)


def tier(
    mention: CountryMention,
    text: str,
    lower: Sequence[str],
    spans: dict[int, int],
    words: ContextWords,
) -> int:
    """Sort tier of a mention; ``spans`` maps each mention's first token to its end token."""
    i, j = mention.token_start, mention.token_end
    before = lower[i - 1] if i > 0 else ""
    before2 = lower[i - 2] if i > 1 else ""
    after = lower[j] if j < len(lower) else ""
    if _sanction_target(before, before2, after, j, spans, words):
        return TIER_SANCTION_TARGET
    if after in words.backer_words:
        return TIER_BACKER
    if mention.kind in _LOCATED_KINDS:
        return TIER_LOCATION
    if before in words.location_prepositions and _phrase_ends(mention, text, after, j, spans, words):
        return TIER_LOCATION
    if before == "of" and before2 in words.place_of_nouns:
        return TIER_LOCATION
    if mention.kind not in ACTOR_KINDS and _place_noun_follows(j, lower, spans, words):
        return TIER_LOCATION
    return TIER_OTHER


def _sanction_target(
    before: str, before2: str, after: str, j: int, spans: dict[int, int], words: ContextWords
) -> bool:
    if before in words.sanction_words or (before in words.sanction_links and before2 in words.sanction_words):
        return True
    # "Russia sanctions" names the target, but "Russia sanctions Turkey" names the imposer.
    return after in words.sanction_words and (j + 1) not in spans


def _phrase_ends(
    mention: CountryMention, text: str, after: str, j: int, spans: dict[int, int], words: ContextWords
) -> bool:
    """Whether "in <X>" closes its phrase: "die in US missile strike" is not a location, "in Pakistan" is."""
    end = mention.start + len(mention.surface)
    if end >= len(text) or text[end] in _PHRASE_END or not after:
        return True
    return after in words.boundary_words or j in spans


def _place_noun_follows(j: int, lower: Sequence[str], spans: dict[int, int], words: ContextWords) -> bool:
    """Whether a place noun follows: "Turkish town", "Greek airspace", "US-Canada border", "Sri Lankan
    refugee camps"."""
    while j in spans:  # skip adjacent mentions: "US-Canada border" makes both a location
        j = spans[j]
    for k in (j, j + 1):
        if k < len(lower) and lower[k] in words.place_nouns:
            return True
        if k < len(lower) and (lower[k] in words.boundary_words or lower[k] in words.state_nouns):
            return False
    return False
