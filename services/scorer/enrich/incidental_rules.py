"""Mentions that name a country only in passing (GUIDELINES §3 C5: the location plus the state parties
directly involved). Each rule reads the lower-cased tokens around one mention and word lists from the
data file; the resolver drops such a mention only when another country is left, because a text whose
sole country is "the dollar" or "Malaysia Airlines" is still about that country.

Classes (all measured on train.jsonl, where each added precision without losing recall):
- currency: "US dollars", "Chinese yuan", "US$459 million" — a unit of account;
- attribution: "Japanese media reports", "British sources", "US memo says" — who reports, not where;
- company: "Malaysia Airlines flight", "Air India", "Turkish Airlines" — a firm's nationality;
- venue: "talks in Geneva", "Vienna summit" — the host city of a meeting about something else.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.scorer.enrich.country_data import ContextWords
from services.scorer.enrich.country_names import CountryMention

_NATIONALITY_KINDS = frozenset({"name", "demonym"})
_VENUE_KINDS = frozenset({"capital", "city"})
_VENUE_PREPOSITIONS = frozenset({"in", "at"})
# Tokens between a meeting noun and "in <city>": "peace talks in Geneva", "talks on Syria in Geneva".
_MEETING_WINDOW = 4
_COMPANY_PREFIX = "air"  # "Air India", "Air China": the flag carrier, named before the country


def incidental(mention: CountryMention, text: str, lower: Sequence[str], words: ContextWords) -> bool:
    """True if the mention is a currency, a report's source, a company's nationality or a meeting's
    host city (see the module docstring)."""
    i, j = mention.token_start, mention.token_end
    after = lower[j] if j < len(lower) else ""
    before = lower[i - 1] if i > 0 else ""
    if mention.kind in _NATIONALITY_KINDS:
        if after in words.currency_words or _dollar_sign_follows(mention, text):
            return True
        if after in words.attribution_words or after in words.company_words:
            return True
        if mention.kind == "name" and before == _COMPANY_PREFIX:
            return True
    if mention.kind in _VENUE_KINDS:
        if after in words.meeting_words:
            return True
        if before in _VENUE_PREPOSITIONS:
            opening = lower[max(0, i - 1 - _MEETING_WINDOW) : i - 1]
            return any(w in words.meeting_words for w in opening)
    return False


def _dollar_sign_follows(mention: CountryMention, text: str) -> bool:
    end = mention.start + len(mention.surface)
    return end < len(text) and text[end] == "$"
