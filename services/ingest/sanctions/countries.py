"""Country names as sanctions lists write them → ISO 3166-1 alpha-3.

Lists name countries in their own house styles: OFAC writes "Korea, North" and "Burma", the UN
"Iran (Islamic Republic of)" and sometimes a demonym ("Afghan"), OpenSanctions ISO alpha-2 in
lower case. pycountry knows the official and common names; ``country_aliases.json`` holds the rest.
A name neither knows ("None Identified", "USSR (until 1991)") yields ``None``: a designation
with fewer countries is better than one with a guessed country.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pycountry

ALIASES_FILE = Path(__file__).parent / "country_aliases.json"
_PARENTHESISED = re.compile(r"\s*\([^)]*\)")
_SPACE = re.compile(r"\s+")


@cache
def _aliases() -> dict[str, str]:
    data = json.loads(ALIASES_FILE.read_text(encoding="utf-8"))
    return {name.lower(): iso3 for name, iso3 in data["aliases"].items()}


@cache
def to_iso3(name: str) -> str | None:
    """ISO3 for a country name, demonym or code; ``None`` when it is not clearly one country.

    A parenthesised qualifier is dropped first ("Indonesia (as at Dec. 2003)" → IDN), so the
    country the list names still counts even when the list hedges about it.
    """
    cleaned = _SPACE.sub(" ", _PARENTHESISED.sub("", name)).strip().rstrip(".").strip()
    if not cleaned:
        return None
    alias = _aliases().get(cleaned.lower())
    if alias:
        return alias
    try:
        country = pycountry.countries.lookup(cleaned)
    except LookupError:
        return None
    return str(country.alpha_3)


def iso2_to_iso3(code: str) -> str | None:
    """ISO3 for an ISO alpha-2 code in any case ("ru" → RUS); ``None`` for anything else."""
    if len(code.strip()) != 2:
        return None
    country = pycountry.countries.get(alpha_2=code.strip().upper())
    return str(country.alpha_3) if country else None


def country_name(iso3: str) -> str:
    """A readable name for an ISO3 code (the common name where ISO's is long), else the code."""
    if iso3 == "XKX":
        return "Kosovo"
    country = pycountry.countries.get(alpha_3=iso3)
    if country is None:
        return iso3
    return str(getattr(country, "common_name", None) or country.name)


def unique_sorted(codes: list[str | None]) -> tuple[str, ...]:
    """Sorted, de-duplicated codes without the ``None``s: order in the source carries no meaning."""
    return tuple(sorted({code for code in codes if code}))
