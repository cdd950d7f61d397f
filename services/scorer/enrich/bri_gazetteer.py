"""Belt and Road entities a text names — projects, corridors, ports, chokepoints, crossings, parks — as
``shared.schemas.Entity`` values, with the countries each implies. Vocabulary: ``data/bri_gazetteer.json``.

Entity kinds: the schema has no "crossing" or "park", so a border crossing becomes a ``port`` (a land
port of entry: Khorgos, Alashankou and Małaszewicze are rail ports where containers change gauge) and an
industrial park becomes a ``project``. ``Entity.ref`` is the UN/LOCODE when known, else the gazetteer id.
Matching is case-insensitive token n-gram lookup, like the country gazetteer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Any, Literal, get_args

from services.scorer.data_files import BRI_GAZETTEER
from services.scorer.enrich.country_data import GazetteerDataError, known_iso3
from services.scorer.enrich.ngram_index import Match, NgramIndex, char_spans, fold, name_key, tokenize
from shared.schemas import Entity

DEFAULT_BRI_DATA = BRI_GAZETTEER

BriKind = Literal["project", "corridor", "port", "chokepoint", "crossing", "park"]
EntityKind = Literal["country", "project", "corridor", "port", "chokepoint", "organisation", "vessel"]
ENTITY_KIND: dict[str, EntityKind] = {
    "project": "project",
    "corridor": "corridor",
    "port": "port",
    "chokepoint": "chokepoint",
    "crossing": "port",
    "park": "project",
}
# Concrete infrastructure pins its countries even when it spans two (a cross-border railway, a
# crossing); corridors and chokepoints do not: a chokepoint's littoral states are not its risk location.
_PINNING_KINDS = frozenset({"project", "port", "crossing", "park"})
_LOCODE = re.compile(r"^[A-Z]{2}[A-Z2-9]{3}$")
_ENTRY_KEYS = {"id", "kind", "name", "aliases", "countries", "location", "locode"}


@dataclass(frozen=True)
class BriEntry:
    id: str
    kind: BriKind
    name: str
    countries: tuple[str, ...]
    location: str | None
    locode: str | None = None

    @cached_property
    def entity(self) -> Entity:
        """Built once per entry: ``Entity`` is immutable, so every event can share it."""
        return Entity(kind=ENTITY_KIND[self.kind], name=self.name, ref=self.locode or self.id)

    @property
    def pinned_countries(self) -> tuple[str, ...]:
        """The countries a mention of this entry makes a subject: its location, else (for concrete
        infrastructure) all its countries, else none."""
        if self.location:
            return (self.location,)
        return self.countries if self.kind in _PINNING_KINDS else ()


@dataclass(frozen=True, slots=True)
class BriMatch:
    entry: BriEntry
    surface: str
    start: int
    token_start: int
    token_end: int


class BriGazetteer:
    def __init__(self, entries: Sequence[BriEntry], aliases: dict[str, BriEntry]) -> None:
        self.entries = tuple(entries)
        self._index = NgramIndex(aliases)

    def __len__(self) -> int:
        return len(self.entries)

    def find(self, text: str) -> list[Entity]:
        """Entities named in ``text``, first mention order, each once."""
        seen: dict[str, Entity] = {}
        for match in self.match(text):
            seen.setdefault(match.entry.id, match.entry.entity)
        return list(seen.values())

    def countries(self, text: str) -> list[str]:
        """ISO3 codes the named entities pin (see ``BriEntry.pinned_countries``), de-duplicated."""
        found: dict[str, None] = {}
        for match in self.match(text):
            found.update(dict.fromkeys(match.entry.pinned_countries))
        return list(found)

    def match(self, text: str) -> list[BriMatch]:
        tokens = tokenize(text)
        matches = self.match_tokens([t.lower() for t in tokens])
        spans = char_spans(text, tokens, [(m.start, m.end) for m in matches])
        return [
            BriMatch(m.value, text[start:end], start, m.start, m.end)
            for m, (start, end) in zip(matches, spans, strict=True)
        ]

    def match_tokens(self, lower_tokens: Sequence[str]) -> list[Match[BriEntry]]:
        """Matches in an already lower-cased token list (lets the resolver tokenise once)."""
        return self._index.matches(lower_tokens)


def parse_bri_data(raw: Any, where: str) -> BriGazetteer:
    """Validate a decoded gazetteer file; errors name ``where`` and the offending entry."""
    if not isinstance(raw, dict) or not isinstance(raw.get("entries"), list):
        raise GazetteerDataError(f"{where}: expected an object with an 'entries' list")
    codes = known_iso3()
    entries: list[BriEntry] = []
    aliases: dict[str, BriEntry] = {}
    for position, item in enumerate(raw["entries"]):
        entry, names = _entry(item, f"{where}: entries[{position}]", codes)
        if any(e.id == entry.id for e in entries):
            raise GazetteerDataError(f"{where}: duplicate id {entry.id!r}")
        entries.append(entry)
        for name in names:
            for key in {name_key(name).lower(), name_key(fold(name)).lower()}:
                if not key:
                    raise GazetteerDataError(f"{where}: {entry.id}: alias {name!r} has no words")
                other = aliases.setdefault(key, entry)
                if other is not entry:
                    raise GazetteerDataError(f"{where}: alias {name!r} names both {other.id} and {entry.id}")
    return BriGazetteer(entries, aliases)


def _entry(item: Any, where: str, codes: frozenset[str]) -> tuple[BriEntry, list[str]]:
    if (
        not isinstance(item, dict)
        or set(item) - _ENTRY_KEYS
        or not {"id", "kind", "name", "aliases"} <= set(item)
    ):
        raise GazetteerDataError(f"{where}: needs id, kind, name, aliases (+ countries, location, locode)")
    ident, kind, name = item["id"], item["kind"], item["name"]
    if not (isinstance(ident, str) and ident and isinstance(name, str) and name):
        raise GazetteerDataError(f"{where}: id and name must be non-empty strings")
    if kind not in get_args(BriKind):
        raise GazetteerDataError(f"{where}: {ident}: kind {kind!r} is not one of {get_args(BriKind)}")
    aliases = item["aliases"]
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
        raise GazetteerDataError(f"{where}: {ident}: aliases must be a list of non-empty strings")
    countries = item.get("countries", [])
    if not isinstance(countries, list) or any(c not in codes for c in countries):
        raise GazetteerDataError(f"{where}: {ident}: countries must be ISO 3166-1 alpha-3 codes: {countries}")
    location = item.get("location")
    if location is not None and location not in countries:
        raise GazetteerDataError(f"{where}: {ident}: location {location!r} is not among its countries")
    locode = item.get("locode")
    if locode is not None and not (isinstance(locode, str) and _LOCODE.match(locode)):
        raise GazetteerDataError(f"{where}: {ident}: locode {locode!r} is not a UN/LOCODE")
    entry = BriEntry(ident, kind, name, tuple(countries), location, locode)
    return entry, [name, *aliases]


def load_bri_data(path: Path) -> BriGazetteer:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise GazetteerDataError(f"{path}: cannot read BRI gazetteer: {exc}") from exc
    return parse_bri_data(raw, str(path))


@cache
def load_bri_gazetteer(path: Path = DEFAULT_BRI_DATA) -> BriGazetteer:
    """Build the gazetteer once per process."""
    return load_bri_data(path)
