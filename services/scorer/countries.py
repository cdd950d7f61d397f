"""Country mentions → ISO 3166-1 alpha-3, from pycountry names plus a data file of aliases and
demonyms. Matching is case-sensitive: "Chad" the country, not "chad"; "US", not "us"."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pycountry

DEFAULT_EXTRA = Path(__file__).parent / "data" / "countries_extra.json"


@dataclass(frozen=True)
class Gazetteer:
    names: dict[str, str]
    pattern: re.Pattern[str]

    def find(self, text: str) -> list[tuple[str, str]]:
        """(ISO3, matched text) in order of first mention, one per country."""
        seen: dict[str, str] = {}
        for match in self.pattern.finditer(text):
            iso3 = self.names[match.group(0)]
            seen.setdefault(iso3, match.group(0))
        return list(seen.items())


def load_gazetteer(extra: Path = DEFAULT_EXTRA) -> Gazetteer:
    names: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value:
                names[value] = country.alpha_3
    data = json.loads(extra.read_text(encoding="utf-8"))
    names.update(data["aliases"])
    names.update(data["demonyms"])
    alternation = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return Gazetteer(names, re.compile(rf"(?<![\w.])(?:{alternation})(?![\w])"))
