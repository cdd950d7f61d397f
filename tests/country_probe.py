"""Resolve the countries of invented GDELT slugs, as the enrichment tests do."""

from __future__ import annotations

from services.scorer.enrich import resolve_countries


def slug(title: str, geo: str | None = None, url: str | None = None, source: str = "gdelt1") -> list[str]:
    return resolve_countries(
        title, "", slug_title=True, action_geo_country=geo, url=url, source_kind=source
    ).countries
